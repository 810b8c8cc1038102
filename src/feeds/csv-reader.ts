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
 * Streaming CSV to raw ticks (RFC 4180 plus what real files do): a header row, fields found by
 * name (DESIGN §3.6), LF, CRLF or CR line ends, quoted fields with commas, doubled quotes and
 * newlines inside, a UTF-8 byte order mark. Memory is one record, never the file.
 *
 * Values stay the strings of the file (the engine's normalizers parse decimal prices, epoch-ms
 * digit strings and ISO-8601 times), except that an all-digit `seq` becomes a number and an
 * empty cell leaves its field out. A stray quote inside an unquoted field is kept as a character;
 * text after a closing quote makes the record an error.
 */

const COMMA = 0x2c;
const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

// Parser states.
const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
/** A quote seen inside a quoted field: either the closing one or the first of a doubled quote. */
const QUOTE_IN_QUOTED = 3;
/** The record is bad: skip to the end of the physical line, quotes ignored, to resynchronize. */
const SKIP_LINE = 4;

const SEQ = TICK_FIELDS.indexOf('seq');
const ALL_DIGITS = /^\d+$/;

const fold = (name: string): string => name.trim().toLowerCase();

export class CsvReader implements TickReader {
  readonly #sources: string[][];
  readonly #maxRecordLength: number;
  readonly #text = new ChunkText();
  #seenText = false;
  #columns: string[] | undefined;
  /** Column index of each field of TICK_FIELDS, −1 when the file has none. */
  #indexes: number[] = [];

  #state = FIELD_START;
  #fields: string[] = [];
  /** The current field's text from earlier chunks. */
  #field = '';
  /** Physical line (1-based) at the scan position. */
  #line = 1;
  #recordLine = 1;
  /** Characters of the current record in earlier chunks. */
  #recordChars = 0;
  /** The current record was already reported bad: keep parsing it, store nothing. */
  #failed = false;
  /** The last character of the previous chunk was a CR (its LF may open this chunk). */
  #lastWasCR = false;

  constructor(options: TickReaderOptions = {}) {
    this.#sources = fieldSources(options.map, fold);
    this.#maxRecordLength = options.maxRecordLength ?? DEFAULT_MAX_RECORD_LENGTH;
  }

  /** The header's column names (trimmed, as written), once the header has been read. */
  get columns(): readonly string[] | undefined {
    return this.#columns;
  }

  push(chunk: string | Uint8Array, out: TickRecord[]): void {
    this.#parse(this.#text.next(chunk), out);
  }

  end(out: TickRecord[]): void {
    this.#parse(this.#text.end(), out);
    switch (this.#state) {
      case QUOTED:
        this.#fail('unterminated quoted field', out);
        break;
      case SKIP_LINE:
        break;
      case UNQUOTED:
      case QUOTE_IN_QUOTED:
        this.#fields.push(this.#field);
        this.#endRecord(this.#recordChars, out);
        break;
      case FIELD_START:
        if (this.#fields.length > 0) {
          this.#fields.push('');
          this.#endRecord(this.#recordChars, out);
        }
        break;
    }
    this.#state = FIELD_START;
    this.#fields = [];
    this.#field = '';
    this.#failed = false;
    this.#recordChars = 0;
    if (this.#columns === undefined) throw new Error('CSV input is empty: no header row');
  }

  #parse(text: string, out: TickRecord[]): void {
    const n = text.length;
    if (n === 0) return;
    let i = 0;
    if (!this.#seenText) {
      this.#seenText = true;
      if (text.charCodeAt(0) === 0xfeff) i = 1;
    }
    let state = this.#state;
    // A CRLF split between chunks: the CR ended the record (or was counted as a line inside
    // quotes), so the LF is not a second line end.
    if (this.#lastWasCR && text.charCodeAt(i) === LF && state !== QUOTED) i++;
    /** Start of the current field's text in this chunk. */
    let s = i;
    /** Start of the current record in this chunk (0 when it began in an earlier chunk). */
    let recordStart = this.#recordChars === 0 && this.#fields.length === 0 && state === FIELD_START ? i : 0;

    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      switch (state) {
        case FIELD_START:
          if (c === QUOTE) {
            state = QUOTED;
            s = i + 1;
          } else if (c === COMMA) {
            if (!this.#failed) this.#fields.push('');
          } else if (c === CR || c === LF) {
            if (this.#fields.length > 0) this.#fields.push('');
            this.#endRecord(this.#recordChars + i - recordStart, out);
          } else {
            state = UNQUOTED;
            s = i;
          }
          break;
        case UNQUOTED:
          if (c === COMMA) {
            if (!this.#failed) this.#fields.push(this.#field + text.slice(s, i));
            this.#field = '';
            state = FIELD_START;
          } else if (c === CR || c === LF) {
            this.#fields.push(this.#field + text.slice(s, i));
            this.#field = '';
            this.#endRecord(this.#recordChars + i - recordStart, out);
          }
          break;
        case QUOTED:
          if (c === QUOTE) {
            if (!this.#failed) this.#field += text.slice(s, i);
            state = QUOTE_IN_QUOTED;
          } else if (c === CR) {
            this.#line++;
          } else if (c === LF && !(i > 0 ? text.charCodeAt(i - 1) === CR : this.#lastWasCR)) {
            this.#line++;
          }
          break;
        case QUOTE_IN_QUOTED:
          if (c === QUOTE) {
            if (!this.#failed) this.#field += '"';
            s = i + 1;
            state = QUOTED;
          } else if (c === COMMA) {
            if (!this.#failed) this.#fields.push(this.#field);
            this.#field = '';
            state = FIELD_START;
          } else if (c === CR || c === LF) {
            this.#fields.push(this.#field);
            this.#field = '';
            this.#endRecord(this.#recordChars + i - recordStart, out);
          } else {
            state = SKIP_LINE;
            // Measured as at a chunk end, so the message does not depend on how input is cut.
            const tooLong = this.#recordChars + i - recordStart > this.#maxRecordLength;
            this.#fail(tooLong ? this.#tooLong() : 'unexpected character after a closing quote', out);
          }
          break;
        case SKIP_LINE:
          if (c === CR || c === LF) this.#endRecord(this.#recordChars + i - recordStart, out);
          break;
      }
      if (c === CR || c === LF) {
        if (state !== QUOTED) {
          // The record ended here (#endRecord ran above): account the line end, skip the LF of
          // a CRLF, and start the next record after it.
          this.#line++;
          if (c === CR && i + 1 < n && text.charCodeAt(i + 1) === LF) i++;
          state = FIELD_START;
          s = i + 1;
          recordStart = i + 1;
        }
      }
    }

    this.#lastWasCR = text.charCodeAt(n - 1) === CR;
    this.#state = state;
    if (state === UNQUOTED || state === QUOTED) {
      if (!this.#failed) this.#field += text.slice(s, n);
    }
    const pending =
      state === FIELD_START && this.#fields.length === 0 ? 0 : this.#recordChars + n - recordStart;
    this.#recordChars = pending;
    if (pending > this.#maxRecordLength) this.#fail(this.#tooLong(), out);
  }

  /** Completes the record whose fields are collected; `length` is its size in characters. */
  #endRecord(length: number, out: TickRecord[]): void {
    const fields = this.#fields;
    const line = this.#recordLine;
    if (length > this.#maxRecordLength) this.#fail(this.#tooLong(), out);
    const failed = this.#failed;
    this.#fields = [];
    this.#field = '';
    this.#failed = false;
    this.#recordChars = 0;
    // The line end is counted by the caller after this returns; the next record starts there.
    this.#recordLine = this.#line + 1;
    if (failed) return;
    // A blank (or all-space) line is no record.
    if (fields.length === 0 || (fields.length === 1 && fields[0]!.trim() === '')) return;
    if (this.#columns === undefined) {
      this.#readHeader(fields);
      return;
    }
    if (fields.length !== this.#columns.length) {
      out.push({
        type: 'error',
        line,
        error: `expected ${this.#columns.length} fields, found ${fields.length}`,
      });
      return;
    }
    out.push({ type: 'tick', line, tick: this.#tick(fields) });
  }

  /** Reports the current record as bad, once; the parser then discards the rest of it. */
  #fail(error: string, out: TickRecord[]): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#fields = [];
    this.#field = '';
    if (this.#columns === undefined) throw new Error(`CSV header (line ${this.#recordLine}): ${error}`);
    out.push({ type: 'error', line: this.#recordLine, error });
  }

  #tooLong(): string {
    return `record longer than ${this.#maxRecordLength} characters (an unterminated quote?)`;
  }

  #readHeader(fields: string[]): void {
    const columns = fields.map((name) => name.trim());
    const folded = columns.map(fold);
    this.#indexes = this.#sources.map((names) => {
      for (const name of names) {
        const index = folded.indexOf(name);
        if (index >= 0) return index;
      }
      return -1;
    });
    for (const field of ['symbol', 'price'] as const) {
      if (this.#indexes[TICK_FIELDS.indexOf(field)] === -1) {
        const wanted = this.#sources[TICK_FIELDS.indexOf(field)]!;
        throw new Error(
          `CSV header has no ${wanted.length === 1 && wanted[0] !== field ? `column "${wanted[0]}" for ${field}` : `"${field}" column`}` +
            ` (columns: ${columns.join(', ')}); map one with ${field}=COLUMN`,
        );
      }
    }
    this.#columns = columns;
  }

  #tick(fields: readonly string[]): RawTick {
    const tick: Record<string, unknown> = {};
    const indexes = this.#indexes;
    for (let f = 0; f < TICK_FIELDS.length; f++) {
      const index = indexes[f]!;
      if (index < 0) continue;
      const value = fields[index]!;
      if (value === '') continue;
      tick[TICK_FIELDS[f]!] = f === SEQ && ALL_DIGITS.test(value) ? Number(value) : value;
    }
    return tick;
  }
}
