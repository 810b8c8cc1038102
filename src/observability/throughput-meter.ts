/**
 * Events per second over a sliding window (default 10 s), from a running total sampled about once
 * a second: `sample(now, total)` from a timer, `perSecond(now)` when asked. Allocation-free after
 * construction.
 */
export class ThroughputMeter {
  readonly windowMs: number;
  readonly #times: Float64Array;
  readonly #totals: Float64Array;
  #next = 0;
  #size = 0;

  constructor(windowMs = 10_000, capacity = 64) {
    this.windowMs = windowMs;
    this.#times = new Float64Array(capacity);
    this.#totals = new Float64Array(capacity);
  }

  sample(now: number, total: number): void {
    this.#times[this.#next] = now;
    this.#totals[this.#next] = total;
    this.#next = (this.#next + 1) % this.#times.length;
    if (this.#size < this.#times.length) this.#size++;
  }

  /** Rate between the newest sample and the oldest one still inside the window (0 with fewer than two). */
  perSecond(): number {
    if (this.#size < 2) return 0;
    const capacity = this.#times.length;
    const newest = (this.#next - 1 + capacity) % capacity;
    const now = this.#times[newest]!;
    let oldest = newest;
    for (let k = 1; k < this.#size; k++) {
      const i = (newest - k + capacity) % capacity;
      if (now - this.#times[i]! > this.windowMs) break;
      oldest = i;
    }
    const span = now - this.#times[oldest]!;
    return span > 0 ? ((this.#totals[newest]! - this.#totals[oldest]!) * 1000) / span : 0;
  }
}
