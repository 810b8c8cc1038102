/**
 * Candle intervals: `250ms`, `1s`, `30s`, `1m`, `4h`, `1d`, … (DESIGN §3.5). Buckets are aligned
 * to the UTC epoch, so `1d` candles start at UTC midnight.
 */

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const INTERVAL = /^(\d+)(ms|s|m|h|d)$/;

export interface Interval {
  /** Canonical label, e.g. `1m` (the largest unit that divides the length exactly). */
  readonly label: string;
  readonly ms: number;
}

/** Parses an interval string; throws a RangeError naming the input when it is not one. */
export function parseInterval(text: string): Interval {
  const m = INTERVAL.exec(text.trim());
  if (m === null)
    throw new RangeError(
      `invalid interval "${text}": expected a whole number and a unit (ms, s, m, h, d), e.g. 1m`,
    );
  const ms = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  if (ms <= 0 || !Number.isSafeInteger(ms))
    throw new RangeError(`invalid interval "${text}": must be longer than 0 ms`);
  return { label: formatInterval(ms), ms };
}

/** The canonical label of a length in ms. */
export function formatInterval(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}

/**
 * Parses a list of intervals, sorted shortest first; throws on a bad entry, on an empty list and
 * on two entries of the same length (`60s` and `1m`).
 */
export function parseIntervals(texts: readonly string[]): Interval[] {
  if (texts.length === 0) throw new RangeError('at least one candle interval is required');
  const byMs = new Map<number, Interval>();
  for (const text of texts) {
    const interval = parseInterval(text);
    const twin = byMs.get(interval.ms);
    if (twin !== undefined) throw new RangeError(`interval "${text}" repeats ${twin.label}`);
    byMs.set(interval.ms, interval);
  }
  return [...byMs.values()].sort((a, b) => a.ms - b.ms);
}
