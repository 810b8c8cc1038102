import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Redis } from 'ioredis';

import { LocalAttemptCounter, type AttemptCounter } from '../auth/brute-force-guard.js';

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

// Adds ARGV[1] (which may be negative) to a counter; a counter that is gone is not brought back
// by a negative amount (it would live forever without an expiry).
const ADD = `
local by = tonumber(ARGV[1])
if by <= 0 and redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0} end
local current = redis.call('INCRBY', KEYS[1], by)
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then ttl = tonumber(ARGV[2]); redis.call('PEXPIRE', KEYS[1], ttl) end
return {current, ttl}
`;

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
  const windows = new LocalAttemptCounter(capacity);
  const switchTo = modeSwitch(state, onChange);
  class Store implements FastifyRateLimitStore {
    readonly #key: string;

    constructor(_options?: unknown, key = prefix) {
      this.#key = key;
    }

    incr(key: string, callback: Counted, timeWindow: number): void {
      const local = (err?: Error): void => {
        switchTo(RateLimitMode.PerProcess, err);
        const { count, ttlMs } = windows.addNow(this.#key + key, 1, timeWindow);
        callback(null, { current: count, ttl: ttlMs });
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

/**
 * The failed-attempt counters of the brute-force limits (src/auth/brute-force-guard.ts) in the
 * same place as the rate limits: in Redis while it answers, else in this process (the same
 * failover and the same `state`).
 */
export function failoverAttemptCounter(
  redis: Redis,
  prefix: string,
  state: RateLimitState,
  onChange: (state: RateLimitState) => void,
  capacity = 100_000,
): AttemptCounter {
  const local = new LocalAttemptCounter(capacity);
  const switchTo = modeSwitch(state, onChange);
  return {
    async add(key, by, windowMs) {
      const fallback = (err: Error): { count: number; ttlMs: number } => {
        switchTo(RateLimitMode.PerProcess, err);
        return local.addNow(key, by, windowMs);
      };
      if (redis.status !== 'ready') return fallback(new Error(`redis is ${redis.status}`));
      try {
        const [count, ttlMs] = (await redis.eval(ADD, 1, prefix + key, by, windowMs)) as [number, number];
        switchTo(RateLimitMode.Shared);
        return { count, ttlMs };
      } catch (err) {
        return fallback(err as Error);
      }
    },
  };
}

function modeSwitch(
  state: RateLimitState,
  onChange: (state: RateLimitState) => void,
): (mode: RateLimitMode, err?: Error) => void {
  return (mode, err) => {
    if (mode === RateLimitMode.PerProcess) state.lastError = err?.message;
    else delete state.lastError;
    if (state.mode === mode) return;
    state.mode = mode;
    onChange(state);
  };
}
