/**
 * A candle bucket as doubles in a Float64Array: the one implementation of the OHLCV rules of
 * DESIGN §3.5 on the hot path, used by CandleSet (every interval of a symbol) and by the day
 * aggregates. Slot `o` is the doubles `f[o] … f[o + SLOT − 1]` at these offsets.
 *
 * Ticks come in arrival order, so `<` keeps the earliest arrival on a tie of the smallest ts as
 * the open, and `>=` the latest arrival on a tie of the largest ts as the close.
 */
export const START = 0;
export const END = 1;
export const OPEN = 2;
export const HIGH = 3;
export const LOW = 4;
export const CLOSE = 5;
export const VOLUME = 6;
export const TRADES = 7;
export const PV_SUM = 8;
/** Event time of the tick that set the open (the smallest ts). */
export const OPEN_TS = 9;
/** Event time of the tick that set the close (the largest ts). */
export const CLOSE_TS = 10;
export const REVISION = 11;
export const SLOT = 12;

/** What a slot holds, as plain data (CandleInit without symbol, interval and closed). */
export interface SlotValues {
  readonly start: number;
  readonly end: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly trades: number;
  /** Σ price·volume, kept exactly rather than derived back from vwap. */
  readonly pvSum: number;
  /** Event time of the tick that set `open` (the smallest ts). */
  readonly openTs: number;
  /** Event time of the tick that set `close` (the largest ts). */
  readonly closeTs: number;
  readonly revision: number;
}

/** Starts bucket `[start, end)` in slot `o` with its first tick. */
export function initSlot(
  f: Float64Array,
  o: number,
  start: number,
  end: number,
  ts: number,
  price: number,
  volume: number,
): void {
  f[o + START] = start;
  f[o + END] = end;
  f[o + OPEN] = price;
  f[o + HIGH] = price;
  f[o + LOW] = price;
  f[o + CLOSE] = price;
  f[o + VOLUME] = volume;
  f[o + TRADES] = 1;
  f[o + PV_SUM] = price * volume;
  f[o + OPEN_TS] = ts;
  f[o + CLOSE_TS] = ts;
  f[o + REVISION] = 0;
}

/** Adds a tick to the bucket in slot `o`. */
export function addToSlot(f: Float64Array, o: number, ts: number, price: number, volume: number): void {
  if (ts < f[o + OPEN_TS]!) {
    f[o + OPEN_TS] = ts;
    f[o + OPEN] = price;
  }
  if (ts >= f[o + CLOSE_TS]!) {
    f[o + CLOSE_TS] = ts;
    f[o + CLOSE] = price;
  }
  addTrade(f, o, price, volume);
}

/**
 * {@link addToSlot} for a tick whose `ts` is at or after the bucket's close time (and so after its
 * open time, which is never later): the close always moves and the open never does. The same
 * result as `addToSlot` for such a tick, with two loads and two comparisons fewer.
 */
export function addLatestToSlot(f: Float64Array, o: number, ts: number, price: number, volume: number): void {
  f[o + CLOSE_TS] = ts;
  f[o + CLOSE] = price;
  addTrade(f, o, price, volume);
}

/** What every tick adds to its bucket whatever its time: high, low, the trade count and the sums. */
function addTrade(f: Float64Array, o: number, price: number, volume: number): void {
  if (price > f[o + HIGH]!) f[o + HIGH] = price;
  if (price < f[o + LOW]!) f[o + LOW] = price;
  f[o + TRADES]!++;
  if (volume > 0) {
    f[o + VOLUME]! += volume;
    f[o + PV_SUM]! += price * volume;
  }
}

/** Writes a whole bucket into slot `o` (restoring from a snapshot). */
export function writeSlot(f: Float64Array, o: number, v: SlotValues): void {
  f[o + START] = v.start;
  f[o + END] = v.end;
  f[o + OPEN] = v.open;
  f[o + HIGH] = v.high;
  f[o + LOW] = v.low;
  f[o + CLOSE] = v.close;
  f[o + VOLUME] = v.volume;
  f[o + TRADES] = v.trades;
  f[o + PV_SUM] = v.pvSum;
  f[o + OPEN_TS] = v.openTs;
  f[o + CLOSE_TS] = v.closeTs;
  f[o + REVISION] = v.revision;
}
