export interface BackoffOptions {
  /** Base delay of the first retry. */
  initialMs: number;
  /** Largest base delay. */
  maxMs: number;
  /** Growth of the base delay per attempt. */
  factor: number;
  /** Share of the base delay that is randomized (0: none, 1: all of it). */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.5 };

/**
 * Delay before reconnect attempt `attempt` (1 for the first retry): exponential up to a cap,
 * with part of it random so that many dashboards cut off together do not all come back in the
 * same instant. The fixed part keeps every delay at least `(1 − jitter) ×` the base.
 */
export function backoffDelayMs(
  attempt: number,
  random: () => number = Math.random,
  options: BackoffOptions = DEFAULT_BACKOFF,
): number {
  const exponent = Math.max(0, attempt - 1);
  const base = Math.min(options.maxMs, options.initialMs * options.factor ** exponent);
  return Math.round(base * (1 - options.jitter) + base * options.jitter * random());
}
