import type { CandleData } from '../core/candles.js';
import type { Engine } from '../engine/engine.js';
import type { CandleQuery, Store } from './store.js';

/**
 * Candles of a symbol and interval for a chart: the stored history merged with the engine's live
 * open candles (which are newer than any stored copy of the same bucket), oldest first, at most
 * `limit` (the newest ones).
 */
export async function candleHistory(store: Store, engine: Engine, query: CandleQuery): Promise<CandleData[]> {
  const stored = await store.candles(query);
  const byStart = new Map<number, CandleData>();
  for (const candle of stored) byStart.set(candle.start, candle);
  for (const candle of engine.openCandles(query.symbol, query.interval)) {
    if (query.from !== undefined && candle.start < query.from) continue;
    if (query.to !== undefined && candle.start >= query.to) continue;
    byStart.set(candle.start, candle);
  }
  const merged = [...byStart.values()].sort((a, b) => a.start - b.start);
  const limit = query.limit ?? 500;
  return merged.length > limit ? merged.slice(merged.length - limit) : merged;
}
