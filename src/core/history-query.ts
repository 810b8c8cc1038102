import type { Severity } from './spike-detector.js';

/**
 * What a read of stored history asks for: the storage answers these (storage/market-data-store.ts),
 * and the live side (streams) takes a reader of them without knowing storage.
 */

export interface CandleQuery {
  readonly symbol: string;
  /** Interval label as configured (`1m`). */
  readonly interval: string;
  /** Candles starting at or after this. */
  readonly from?: number;
  /** Candles starting before this. */
  readonly to?: number;
  /** The newest `limit` candles of the range (default 500, at most 10,000), returned oldest first. */
  readonly limit?: number;
}

export interface AnomalyQuery {
  readonly symbol?: string;
  /** Inclusive, on the anomaly's `ts`. */
  readonly from?: number;
  /** Exclusive. */
  readonly to?: number;
  /** Only these severities. */
  readonly severity?: Severity | readonly Severity[];
  /** Default 100, at most 10,000. */
  readonly limit?: number;
}
