import type { RawTick } from '../core/tick.js';
import { fieldSources, TICK_FIELDS } from './field-map.js';
import {
  ChunkText,
  DEFAULT_MAX_RECORD_LENGTH,
  type TickReader,
  type TickReaderOptions,
  type TickRecord,
} from './tick-record.js';

/**
 * Streaming NDJSON to raw ticks: one JSON object per line, LF or CRLF, blank lines skipped, a
 * UTF-8 byte order mark allowed. A line that is not JSON, or not an object, is reported with its
 * line number and skipped.
 *
 * Keys are matched exactly (JSON is case-sensitive, as on the HTTP ingest); each field takes the
 * first of its names present with a value other than null (`volume|amount|size`,
 * `timestamp|ts|time`), or the key the map names. Values pass through as JSON gave them, so a
 * replayed line means what the same object means posted to the server.
 */
export class NdjsonReader implements TickReader {
  readonly #sources: string[][];
  readonly #maxLineLength: number;
  readonly #text = new ChunkText();
  #seenText = false;
  /** The current line's text from earlier chunks. */
  #pending = '';
  /** Physical line (1-based) of the current line. */
  #line = 1;
  /** The current line was reported too long: drop it up to its end. */
  #discarding = false;

  constructor(options: TickReaderOptions = {}) {
    this.#sources = fieldSources(options.map, (name) => name);
    this.#maxLineLength = options.maxRecordLength ?? DEFAULT_MAX_RECORD_LENGTH;
  }

  push(chunk: string | Uint8Array, out: TickRecord[]): void {
    this.#parse(this.#text.next(chunk), out);
  }

  end(out: TickRecord[]): void {
    this.#parse(this.#text.end(), out);
    if (!this.#discarding && this.#pending !== '') this.#readLine(this.#pending, out);
    this.#pending = '';
    this.#discarding = false;
  }

  #parse(text: string, out: TickRecord[]): void {
    let start = 0;
    if (!this.#seenText && text.length > 0) {
      this.#seenText = true;
      if (text.charCodeAt(0) === 0xfeff) start = 1;
    }
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      if (!this.#discarding) {
        const part = text.slice(start, nl);
        this.#readLine(this.#pending === '' ? part : this.#pending + part, out);
      }
      this.#pending = '';
      this.#discarding = false;
      this.#line++;
      start = nl + 1;
    }
    if (this.#discarding || start === text.length) return;
    this.#pending += text.slice(start);
    if (this.#pending.length > this.#maxLineLength) {
      out.push({ type: 'error', line: this.#line, error: this.#tooLong() });
      this.#pending = '';
      this.#discarding = true;
    }
  }

  /** One line without its LF (a CR before it is still there: the length limit counts it). */
  #readLine(text: string, out: TickRecord[]): void {
    const line = this.#line;
    if (text.length > this.#maxLineLength) {
      out.push({ type: 'error', line, error: this.#tooLong() });
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      // JSON whitespace includes CR, tabs and spaces, so a blank line fails only here.
      if (text.trim() !== '') out.push({ type: 'error', line, error: 'not valid JSON' });
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      out.push({ type: 'error', line, error: 'not a JSON object' });
      return;
    }
    out.push({ type: 'tick', line, tick: this.#tick(value as Record<string, unknown>) });
  }

  #tooLong(): string {
    return `line longer than ${this.#maxLineLength} characters`;
  }

  #tick(object: Record<string, unknown>): RawTick {
    const tick: Record<string, unknown> = {};
    const sources = this.#sources;
    for (let f = 0; f < TICK_FIELDS.length; f++) {
      for (const key of sources[f]!) {
        const value = Object.hasOwn(object, key) ? object[key] : undefined;
        if (value !== undefined && value !== null) {
          tick[TICK_FIELDS[f]!] = value;
          break;
        }
      }
    }
    return tick;
  }
}
