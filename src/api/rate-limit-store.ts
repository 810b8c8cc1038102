import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Redis } from 'ioredis';

type Counted = (error: Error | null, result?: { current: number; ttl: number }) => void;

/** Where the rate-limit counters are kept right now. */
export const RateLimitMode = { Shared: 'shared', PerProcess: 'per-process' } as const;
export type RateLimitMode = (typeof RateLimitMode)[keyof typeof RateLimitMode];

/** What the failover store tells the shell (readiness, logs) about Redis. */
export interface RateLimitState {
  mode: RateLimitMode;
  /** The last Redis error while in per-process mode. */
  lastError?: string;
}

// A fixed window per key: the first hit sets its expiry, later hits read what is left (the same
// counting as @fastify/rate-limit's Redis store, so switching stores does not change the limits).
const INCREMENT = `
local current = redis.call('INCR', KEYS[1])
local ttl = tonumber(ARGV[1])
if current == 1 then redis.call('PEXPIRE', KEYS[1], ttl) else ttl = redis.call('PTTL', KEYS[1]) end
return {current, ttl}
`;

/** In-process fixed windows, bounded: the oldest keys go first once `capacity` is reached. */
class LocalWindows {
  readonly #windows = new Map<string, { current: number; startedAt: number }>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  incr(key: string, windowMs: number, now: number): { current: number; ttl: number } {
    let window = this.#windows.get(key);
    if (window === undefined || window.startedAt + windowMs <= now) {
      window = { current: 0, startedAt: now };
      this.#windows.delete(key);
      if (this.#windows.size >= this.#capacity) this.#windows.delete(this.#windows.keys().next().value!);
      this.#windows.set(key, window);
    }
    window.current++;
    return { current: window.current, ttl: window.startedAt + windowMs - now };
  }
}

/**
 * A rate-limit store that counts in Redis (shared by every server process) while Redis answers,
 * and in this process while it does not: a Redis outage must neither take the API down nor lift
 * the limits. Each process then allows up to the limit on its own, so a cluster of N processes
 * allows at most N times the limit until Redis is back; the counters in Redis are used again from
 * the first command that succeeds.
 */
export function failoverRateLimitStore(
  redis: Redis,
  prefix: string,
  state: RateLimitState,
  onChange: (state: RateLimitState) => void,
  capacity = 10_000,
): FastifyRateLimitStoreCtor {
  const windows = new LocalWindows(capacity);
  const switchTo = (mode: RateLimitMode, err?: Error): void => {
    if (mode === RateLimitMode.PerProcess) state.lastError = err?.message;
    else delete state.lastError;
    if (state.mode === mode) return;
    state.mode = mode;
    onChange(state);
  };

  class Store implements FastifyRateLimitStore {
    readonly #key: string;

    constructor(_options?: unknown, key = prefix) {
      this.#key = key;
    }

    incr(key: string, callback: Counted, timeWindow: number): void {
      const local = (err?: Error): void => {
        switchTo(RateLimitMode.PerProcess, err);
        callback(null, windows.incr(this.#key + key, timeWindow, Date.now()));
      };
      // Commands are not queued while Redis is away (enableOfflineQueue is off): they fail at once.
      if (redis.status !== 'ready') return local(new Error(`redis is ${redis.status}`));
      redis.eval(INCREMENT, 1, this.#key + key, timeWindow).then(
        (result) => {
          const [current, ttl] = result as [number, number];
          switchTo(RateLimitMode.Shared);
          callback(null, { current, ttl });
        },
        (err: Error) => local(err),
      );
    }

    child(routeOptions: object): FastifyRateLimitStore {
      // The plugin passes the route's merged options, the route under `routeInfo` ({} for
      // limits made with app.rateLimit()).
      const route = (routeOptions as { routeInfo?: { method?: string; url?: string } }).routeInfo;
      return new Store(undefined, `${this.#key}${route?.method ?? ''}${route?.url ?? ''}-`);
    }
  }
  return Store;
}
