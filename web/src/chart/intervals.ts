/** The candle intervals the dashboard offers: the server's defaults (DESIGN §3.5). */
export const INTERVALS = ['1s', '1m', '5m', '15m', '1h', '1d'] as const;
export type Interval = (typeof INTERVALS)[number];

export const DEFAULT_INTERVAL: Interval = '1m';

export const INTERVAL_MS: Readonly<Record<Interval, number>> = {
  '1s': 1000,
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '1d': 86_400_000,
};

export function isInterval(value: unknown): value is Interval {
  return typeof value === 'string' && (INTERVALS as readonly string[]).includes(value);
}

/** Start of the UTC-aligned bucket holding `ts`, as the server computes it. */
export function bucketStart(ts: number, interval: Interval): number {
  const size = INTERVAL_MS[interval];
  return Math.floor(ts / size) * size;
}
