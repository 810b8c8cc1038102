import type { RawTick, Tick } from '../core/tick.js';

/**
 * One message of the cluster's tick stream (and of its live subjects): ticks of one partition in
 * columns, as JSON. Ingest nodes publish ticks that passed the stateless checks, with the event
 * time already resolved (`ts`), so the partition owner's engine, fed `receivedAt` from here,
 * decides exactly as it would have at the ingest node, however late it reads the message.
 */
export interface TickColumns {
  /** Receive time at the ingest node, epoch ms. */
  readonly receivedAt: number;
  /** The ingest channel (`http`, `tcp`, …): the source of ticks that name none. */
  readonly source: string;
  readonly symbol: string[];
  readonly price: number[];
  readonly volume: number[];
  readonly ts: number[];
  readonly seq: Array<number | null>;
  readonly id: Array<string | null>;
  readonly tickSource: string[];
}

/** Most ticks in one message: the stored ingest sequence number is stream sequence × this + index. */
export const MAX_TICKS_PER_MESSAGE = 4096;

export function emptyColumns(source: string, receivedAt: number): TickColumns {
  return { receivedAt, source, symbol: [], price: [], volume: [], ts: [], seq: [], id: [], tickSource: [] };
}

export function pushTick(columns: TickColumns, tick: Tick): void {
  columns.symbol.push(tick.symbol);
  columns.price.push(tick.price);
  columns.volume.push(tick.volume);
  columns.ts.push(tick.ts);
  columns.seq.push(tick.seq ?? null);
  columns.id.push(tick.id ?? null);
  columns.tickSource.push(tick.source);
}

export function tickCount(columns: TickColumns): number {
  return columns.symbol.length;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeColumns(columns: TickColumns): Uint8Array {
  return encoder.encode(JSON.stringify(columns));
}

/** Parses a message; throws on anything that is not a well-formed batch (a foreign publisher). */
export function decodeColumns(data: Uint8Array): TickColumns {
  return checkColumns(JSON.parse(decoder.decode(data)));
}

/** The same check for columns already parsed (inside a live message). */
export function checkColumns(parsed: unknown): TickColumns {
  const value = parsed as Partial<TickColumns> | null;
  const n = value?.symbol?.length;
  if (
    value === null ||
    typeof value !== 'object' ||
    typeof value.receivedAt !== 'number' ||
    typeof value.source !== 'string' ||
    n === undefined ||
    n > MAX_TICKS_PER_MESSAGE ||
    value.price?.length !== n ||
    value.volume?.length !== n ||
    value.ts?.length !== n ||
    value.seq?.length !== n ||
    value.id?.length !== n ||
    value.tickSource?.length !== n
  )
    throw new Error('not a tick batch');
  return value as TickColumns;
}

/** The ticks as raw ticks, for `Engine.ingest` (which checks them again: idempotent). */
export function toRawTicks(columns: TickColumns): RawTick[] {
  const out: RawTick[] = new Array<RawTick>(columns.symbol.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = {
      symbol: columns.symbol[i],
      price: columns.price[i],
      volume: columns.volume[i],
      timestamp: columns.ts[i],
      seq: columns.seq[i] ?? undefined,
      id: columns.id[i] ?? undefined,
      source: columns.tickSource[i],
    };
  }
  return out;
}
