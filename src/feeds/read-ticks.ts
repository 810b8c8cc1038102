import { CsvReader } from './csv-reader.js';
import { NdjsonReader } from './ndjson-reader.js';
import type { TickReader, TickReaderOptions, TickRecord } from './tick-record.js';

export const TickFormat = { Ndjson: 'ndjson', Csv: 'csv' } as const;
export type TickFormat = (typeof TickFormat)[keyof typeof TickFormat];

/**
 * Text or bytes in chunks: a Node Readable (`fs.createReadStream(path)`, `process.stdin`), an
 * async generator, or an array of chunks.
 */
export type TickInput = AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;

/** The reader for a replay format. Throws on an invalid `map`. */
export function createTickReader(format: TickFormat, options: TickReaderOptions = {}): TickReader {
  switch (format) {
    case TickFormat.Csv:
      return new CsvReader(options);
    case TickFormat.Ndjson:
      return new NdjsonReader(options);
    default:
      throw new RangeError(`unknown tick format ${JSON.stringify(format)} (formats: csv, ndjson)`);
  }
}

/**
 * The records of `input`, one array per input chunk that completed any (the cheap way to feed
 * an engine in batches). Stops reading, and closes a stream, when the consumer stops iterating.
 * A CSV input without the required columns or without a header throws here.
 */
export async function* readTickBatches(
  input: TickInput,
  reader: TickReader,
): AsyncGenerator<TickRecord[], void, undefined> {
  for await (const chunk of input) {
    const out: TickRecord[] = [];
    reader.push(chunk, out);
    if (out.length > 0) yield out;
  }
  const out: TickRecord[] = [];
  reader.end(out);
  if (out.length > 0) yield out;
}

/** The records of `input`, one at a time, in input order. */
export async function* readTicks(
  input: TickInput,
  reader: TickReader,
): AsyncGenerator<TickRecord, void, undefined> {
  for await (const batch of readTickBatches(input, reader)) yield* batch;
}
