import type { CandleData } from '../core/candles.js';
import type { Anomaly, Severity } from '../core/spike-detector.js';
import type { AnomalyQuery, CandleQuery } from '../core/history-query.js';
import type { EnginePort } from './engine-port.js';

/**
 * Candles of a symbol and interval for a chart: the stored history merged with the engine's live
 * open candles (which are newer than any stored copy of the same bucket), oldest first, at most
 * `limit` (the newest ones).
 */
export async function candleHistory(
  store: { candles(query: CandleQuery): Promise<CandleData[]> },
  engine: EnginePort,
  query: CandleQuery,
): Promise<CandleData[]> {
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

export interface AnomalyHistoryQuery {
  /** Normalized (upper case), as stored. */
  readonly symbol?: string | undefined;
  /** Only anomalies at or after this (epoch ms). */
  readonly since?: number | undefined;
  /** Only these severities (default: all). */
  readonly severities?: readonly Severity[] | undefined;
  readonly limit: number;
}

/**
 * Anomalies newest first: the engine's recent ones, which are current to the last tick, then
 * older ones from storage until `limit`.
 */
export async function anomalyHistory(
  store: { anomalies(query: AnomalyQuery): Promise<Anomaly[]> },
  engine: EnginePort,
  query: AnomalyHistoryQuery,
): Promise<Anomaly[]> {
  const { symbol, since, severities, limit } = query;
  const wanted = (a: Anomaly): boolean =>
    (since === undefined || a.ts >= since) && (severities === undefined || severities.includes(a.severity));
  const out = engine
    .recentAnomalies(symbol === undefined ? {} : { symbol })
    .filter(wanted)
    .slice(0, limit);
  if (out.length < limit) {
    const oldest = out.at(-1)?.ts;
    const older = await store.anomalies({
      ...(symbol === undefined ? {} : { symbol }),
      ...(since === undefined ? {} : { from: since }),
      ...(oldest === undefined ? {} : { to: oldest }),
      ...(severities === undefined ? {} : { severity: severities }),
      limit: limit - out.length,
    });
    out.push(...older);
  }
  return out;
}
