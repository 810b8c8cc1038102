import type { Candle } from './candle-book';

export const SMA_PERIOD = 20;

export interface IndicatorPoint {
  start: number;
  value: number;
}

/**
 * Simple moving average of closes over `period` candles, one point per candle from the
 * `period`-th on. Computed here rather than requested (`indicators=sma:20`) so that it also
 * covers the live candle and spans history pages loaded separately.
 */
export function smaSeries(candles: readonly Candle[], period: number = SMA_PERIOD): IndicatorPoint[] {
  const points: IndicatorPoint[] = [];
  let sum = 0;
  for (let i = 0; i < candles.length; i++) {
    sum += (candles[i] as Candle).close;
    if (i >= period) sum -= (candles[i - period] as Candle).close;
    if (i >= period - 1) points.push({ start: (candles[i] as Candle).start, value: sum / period });
  }
  return points;
}

/** The SMA at the last candle, or null with fewer than `period` candles. */
export function smaAtEnd(candles: readonly Candle[], period: number = SMA_PERIOD): IndicatorPoint | null {
  if (candles.length < period) return null;
  let sum = 0;
  for (let i = candles.length - period; i < candles.length; i++) sum += (candles[i] as Candle).close;
  return { start: (candles[candles.length - 1] as Candle).start, value: sum / period };
}
