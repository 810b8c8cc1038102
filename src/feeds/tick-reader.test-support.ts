import type { TickReader, TickRecord } from './tick-record.js';

/** Every record `reader` makes of `chunks`, the input ended after the last. */
export function readAll(reader: TickReader, chunks: ReadonlyArray<string | Uint8Array>): TickRecord[] {
  const out: TickRecord[] = [];
  for (const chunk of chunks) reader.push(chunk, out);
  reader.end(out);
  return out;
}

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** `data` cut at the given sorted positions. */
export function cut(data: Uint8Array, positions: readonly number[]): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const at of positions) {
    parts.push(data.subarray(from, at));
    from = at;
  }
  parts.push(data.subarray(from));
  return parts;
}

export const tick = (line: number, fields: Record<string, unknown>): TickRecord => ({
  type: 'tick',
  line,
  tick: fields,
});

export const error = (line: number, message: string): TickRecord => ({ type: 'error', line, error: message });
