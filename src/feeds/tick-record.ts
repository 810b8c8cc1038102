import type { RawTick } from '../core/tick.js';
import type { FieldMap } from './field-map.js';

/**
 * What a replay reader yields per input record: a raw tick, or why the record could not be read.
 * `line` is the 1-based physical line where the record starts (a CSV header is line 1), so a
 * user can find it in the file. Bad records are reported, never dropped silently; the engine
 * validates the tick's values later (DESIGN §3.1).
 */
export type TickRecord =
  | { readonly type: 'tick'; readonly line: number; readonly tick: RawTick }
  | { readonly type: 'error'; readonly line: number; readonly error: string };

/**
 * A push decoder from text or bytes to tick records: the port behind the CSV and NDJSON readers.
 * Chunks may split the input anywhere, even inside a line ending or a UTF-8 character; the
 * records are the same however the input is cut.
 */
export interface TickReader {
  /** Decodes one chunk and appends the records it completes to `out`. */
  push(chunk: string | Uint8Array, out: TickRecord[]): void;
  /** Ends the input (a last record without a final newline counts) and appends what remains. */
  end(out: TickRecord[]): void;
}

export interface TickReaderOptions {
  /** Take fields from other columns (CSV) or keys (NDJSON); see `field-map.ts`. */
  readonly map?: FieldMap | undefined;
  /**
   * Longest record (CSV, quoted newlines included) or line (NDJSON) in characters, default
   * {@link DEFAULT_MAX_RECORD_LENGTH}. A longer one is reported as an error and skipped, so an
   * unterminated quote or a binary file cannot make the reader hold the whole input.
   */
  readonly maxRecordLength?: number | undefined;
}

export const DEFAULT_MAX_RECORD_LENGTH = 1_048_576;

/**
 * The text of an input given in chunks of text or bytes, where bytes may split a UTF-8
 * character (the BOM is kept: the readers skip it themselves).
 */
export class ChunkText {
  readonly #decoder = new TextDecoder('utf-8', { ignoreBOM: true });

  /** A string after bytes: whatever partial character the decoder holds is flushed as U+FFFD. */
  next(chunk: string | Uint8Array): string {
    return typeof chunk === 'string'
      ? this.#decoder.decode() + chunk
      : this.#decoder.decode(chunk, { stream: true });
  }

  /** What the decoder still holds, at the end of the input. */
  end(): string {
    return this.#decoder.decode();
  }
}
