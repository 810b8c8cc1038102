import { toEpochMs, type WireCandle } from '../api-types';

/** A candle as the chart keeps it: times in epoch ms. */
export interface Candle {
  start: number;
  end: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  trades: number;
  vwap: number | null;
  revision: number;
  closed: boolean;
}

/** A candle from REST (ISO times) or the stream (epoch ms); null when it is unusable. */
export function normalizeCandle(wire: WireCandle): Candle | null {
  const start = toEpochMs(wire.start);
  const end = toEpochMs(wire.end);
  const prices = [wire.open, wire.high, wire.low, wire.close];
  if (
    !Number.isFinite(start) ||
    !prices.every((price) => typeof price === 'number' && Number.isFinite(price))
  ) {
    return null;
  }
  return {
    start,
    end: Number.isFinite(end) ? end : start,
    open: wire.open,
    high: wire.high,
    low: wire.low,
    close: wire.close,
    volume: typeof wire.volume === 'number' ? wire.volume : 0,
    trades: typeof wire.trades === 'number' ? wire.trades : 0,
    vwap: typeof wire.vwap === 'number' ? wire.vwap : null,
    revision: typeof wire.revision === 'number' ? wire.revision : 0,
    closed: wire.closed === true,
  };
}

/**
 * Of two versions of the same bucket, the one to show: the higher revision (a closed candle
 * revised by a late tick); at equal revision a closed candle over an open one (the final
 * figures); otherwise `incoming`, the later arrival.
 */
export function newerCandle(current: Candle, incoming: Candle): Candle {
  if (incoming.revision !== current.revision)
    return incoming.revision > current.revision ? incoming : current;
  if (current.closed && !incoming.closed) return current;
  return incoming;
}

/** History pages and live candles as one series: one candle per bucket, oldest first. */
export function mergeCandles(history: Iterable<Candle>, live: Iterable<Candle>): Candle[] {
  const byStart = new Map<number, Candle>();
  for (const source of [history, live]) {
    for (const candle of source) {
      const current = byStart.get(candle.start);
      byStart.set(candle.start, current ? newerCandle(current, candle) : candle);
    }
  }
  return [...byStart.values()].sort((a, b) => a.start - b.start);
}

/** How the shown series changed: nothing, only its last candle (cheap to draw), or anywhere. */
export type SeriesChange = 'none' | 'tail' | 'full';

/** Live candles kept at most; older ones are in the history by then. */
const MAX_LIVE = 5000;

/**
 * The candles of one symbol and interval: history loaded over REST (page by page as the user
 * scrolls back, refetched after a gap) merged with the candles the stream delivers, including
 * revisions of candles already closed. Tells the chart whether a live candle only moved the tail.
 */
export class CandleBook {
  #history: Candle[] = [];
  readonly #live = new Map<number, Candle>();
  #merged: Candle[] = [];

  get candles(): readonly Candle[] {
    return this.#merged;
  }

  get oldestStart(): number | null {
    return this.#merged[0]?.start ?? null;
  }

  setHistory(history: Iterable<Candle>): SeriesChange {
    this.#history = [...history];
    this.#merged = mergeCandles(this.#history, this.#live.values());
    return 'full';
  }

  applyLive(candle: Candle): SeriesChange {
    const known = this.#live.get(candle.start);
    if (known && newerCandle(known, candle) === known) return 'none';
    this.#live.set(candle.start, candle);
    if (this.#live.size > MAX_LIVE) {
      const oldest = Math.min(...this.#live.keys());
      this.#live.delete(oldest);
    }
    const merged = this.#merged;
    const last = merged[merged.length - 1];
    if (!last || candle.start > last.start) {
      merged.push(candle);
      return 'tail';
    }
    const index = findIndex(merged, candle.start);
    if (index >= 0) {
      const current = merged[index] as Candle;
      const shown = newerCandle(current, candle);
      if (shown === current) return 'none';
      merged[index] = shown;
      return index === merged.length - 1 ? 'tail' : 'full';
    }
    merged.splice(-findIndex(merged, candle.start) - 1, 0, candle);
    return 'full';
  }
}

/** Binary search by start: the index, or `-(insertion point) - 1` when absent. */
function findIndex(candles: readonly Candle[], start: number): number {
  let low = 0;
  let high = candles.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const value = (candles[mid] as Candle).start;
    if (value === start) return mid;
    if (value < start) low = mid + 1;
    else high = mid - 1;
  }
  return -low - 1;
}
