import { ErrorCode, TickstreamError } from '../errors.js';

/**
 * Counters of attempts in fixed windows, as a port: the rate-limit store (Redis shared by every
 * server process, counted in the process while Redis is away) implements it in src/api; a plain
 * in-process one is below.
 */
export interface AttemptCounter {
  /**
   * Adds `by` to the counter `key` and answers its new value and the ms left in its window. A
   * counter that does not exist starts a window of `windowMs` (only when `by` > 0: taking back an
   * attempt never starts one).
   */
  add(key: string, by: number, windowMs: number): Promise<{ count: number; ttlMs: number }>;
}

export interface BruteForceLimits {
  readonly loginFailuresPerAddress: number;
  readonly loginFailuresPerAccount: number;
  readonly apiKeyFailuresPerAddress: number;
  readonly failureWindowMs: number;
}

/** What a guarded attempt ends with: `succeeded` takes the attempt back, `failed` leaves it counted. */
export interface Attempt {
  succeeded(): Promise<void>;
  failed(): void;
}

const NOTHING: Attempt = { succeeded: () => Promise.resolve(), failed: () => undefined };

/**
 * Limits on guessing passwords and API keys: failed logins per client address and per account,
 * unknown API keys per client address, each counted over `failureWindowMs`.
 *
 * An attempt is counted before the secret is checked and taken back when it succeeds, so the
 * count is failures plus attempts in flight: a client firing 1,000 logins at once gets no more
 * password checks than one firing them in turn. A success takes back only its own attempt: it
 * never clears failures counted for another address.
 */
export class BruteForceGuard {
  readonly #counter: AttemptCounter;
  readonly #limits: BruteForceLimits;

  constructor(counter: AttemptCounter, limits: BruteForceLimits) {
    this.#counter = counter;
    this.#limits = limits;
  }

  /** A login for `username` from `address`; throws RATE_LIMITED (details.retryAfterMs) over a limit. */
  async login(address: string | undefined, username: string): Promise<Attempt> {
    // Usernames are counted whether they exist or not: a limit that only known accounts reach
    // would tell which ones exist. Case folded: the store finds users whatever the case.
    const keys = [`login-account:${username.toLowerCase()}`];
    const limits = [this.#limits.loginFailuresPerAccount];
    if (address !== undefined) {
      keys.push(`login-address:${address}`);
      limits.push(this.#limits.loginFailuresPerAddress);
    }
    return this.#attempt(keys, limits, 'too many failed logins');
  }

  /** An API key presented from `address` (no limit without an address: an in-process caller). */
  async apiKey(address: string | undefined): Promise<Attempt> {
    if (address === undefined) return NOTHING;
    return this.#attempt(
      [`api-key-address:${address}`],
      [this.#limits.apiKeyFailuresPerAddress],
      'too many invalid API keys',
    );
  }

  async #attempt(keys: string[], limits: number[], message: string): Promise<Attempt> {
    const windowMs = this.#limits.failureWindowMs;
    const counts = await Promise.all(keys.map((key) => this.#counter.add(key, 1, windowMs)));
    let retryAfterMs = 0;
    counts.forEach(({ count, ttlMs }, i) => {
      if (count > limits[i]!) retryAfterMs = Math.max(retryAfterMs, ttlMs);
    });
    if (retryAfterMs > 0) {
      // The refused attempt stays counted: it does not lengthen the window (fixed), and a client
      // that keeps knocking gains nothing by it.
      const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
      throw new TickstreamError(ErrorCode.RateLimited, `${message}: retry in ${seconds} s`, {
        details: { retryAfterMs },
      });
    }
    return {
      succeeded: async () => {
        await Promise.all(keys.map((key) => this.#counter.add(key, -1, windowMs)));
      },
      failed: () => undefined,
    };
  }
}

/** Fixed windows in this process, bounded: the oldest keys go first once `capacity` is reached. */
export class LocalAttemptCounter implements AttemptCounter {
  readonly #windows = new Map<string, { count: number; endsAt: number }>();
  readonly #capacity: number;
  readonly #now: () => number;

  constructor(capacity = 100_000, now: () => number = Date.now) {
    this.#capacity = capacity;
    this.#now = now;
  }

  add(key: string, by: number, windowMs: number): Promise<{ count: number; ttlMs: number }> {
    return Promise.resolve(this.addNow(key, by, windowMs));
  }

  /** As {@link add}, answered at once (the rate-limit store's fallback calls it synchronously). */
  addNow(key: string, by: number, windowMs: number): { count: number; ttlMs: number } {
    const now = this.#now();
    let window = this.#windows.get(key);
    if (window === undefined || window.endsAt <= now) {
      this.#windows.delete(key);
      if (by <= 0) return { count: 0, ttlMs: 0 };
      window = { count: 0, endsAt: now + windowMs };
      if (this.#windows.size >= this.#capacity) this.#windows.delete(this.#windows.keys().next().value!);
      this.#windows.set(key, window);
    }
    window.count = Math.max(0, window.count + by);
    return { count: window.count, ttlMs: window.endsAt - now };
  }
}
