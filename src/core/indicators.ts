/**
 * Indicators over a series of candle closes, for the candles endpoint (`indicators=sma:10,ema:20`).
 * Each returns one value per input, null where there is too little history.
 */

export const IndicatorKind = { Sma: 'sma', Ema: 'ema' } as const;
export type IndicatorKind = (typeof IndicatorKind)[keyof typeof IndicatorKind];

export interface IndicatorSpec {
  readonly kind: IndicatorKind;
  readonly period: number;
  /** As written in requests and responses: `sma:10`. */
  readonly key: string;
}

export const MAX_PERIOD = 1000;

/** Parses `sma:10,ema:20`; throws a RangeError naming the bad entry. */
export function parseIndicators(text: string): IndicatorSpec[] {
  const specs: IndicatorSpec[] = [];
  for (const part of text.split(',')) {
    const item = part.trim().toLowerCase();
    if (item === '') continue;
    const m = /^(sma|ema):(\d{1,4})$/.exec(item);
    const period = m === null ? NaN : Number(m[2]);
    if (m === null || period < 1 || period > MAX_PERIOD) {
      throw new RangeError(
        `invalid indicator "${part.trim()}": expected sma:N or ema:N with 1 ≤ N ≤ ${MAX_PERIOD}`,
      );
    }
    const key = `${m[1]}:${period}`;
    if (!specs.some((s) => s.key === key)) specs.push({ kind: m[1] as IndicatorKind, period, key });
  }
  return specs;
}

/** Simple moving average of the last `period` values, null for the first `period − 1`. */
export function sma(values: readonly number[], period: number): Array<number | null> {
  const out: Array<number | null> = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i]!;
    if (i >= period) sum -= values[i - period]!;
    // Re-sum now and then so the running sum's rounding cannot build up over long series.
    if (i >= period && i % period === 0) {
      sum = 0;
      for (let k = i - period + 1; k <= i; k++) sum += values[k]!;
    }
    out.push(i >= period - 1 ? sum / period : null);
  }
  return out;
}

/**
 * Exponential moving average with α = 2 / (period + 1), seeded with the simple average of the
 * first `period` values (the usual convention), null before that.
 */
export function ema(values: readonly number[], period: number): Array<number | null> {
  const out: Array<number | null> = [];
  const alpha = 2 / (period + 1);
  let value = 0;
  for (let i = 0; i < values.length; i++) {
    if (i < period - 1) {
      value += values[i]!;
      out.push(null);
    } else if (i === period - 1) {
      value = (value + values[i]!) / period;
      out.push(value);
    } else {
      value = alpha * values[i]! + (1 - alpha) * value;
      out.push(value);
    }
  }
  return out;
}

export function compute(spec: IndicatorSpec, closes: readonly number[]): Array<number | null> {
  return spec.kind === IndicatorKind.Sma ? sma(closes, spec.period) : ema(closes, spec.period);
}
