import type { Anomaly } from '../core/spike-detector.js';

/** The last `capacity` anomalies of all symbols, in a ring. */
export class RecentAnomalies {
  readonly capacity: number;
  readonly #ring: Array<Anomaly | undefined>;
  #next = 0;
  #size = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be an integer ≥ 1, got ${capacity}`);
    this.capacity = capacity;
    this.#ring = new Array<Anomaly | undefined>(capacity).fill(undefined);
  }

  get size(): number {
    return this.#size;
  }

  add(anomaly: Anomaly): void {
    this.#ring[this.#next] = anomaly;
    this.#next = (this.#next + 1) % this.capacity;
    if (this.#size < this.capacity) this.#size++;
  }

  /** Newest first, optionally of one symbol, at most `limit`. */
  list(symbol?: string, limit = Infinity): Anomaly[] {
    const out: Anomaly[] = [];
    for (let k = 1; k <= this.#size && out.length < limit; k++) {
      const anomaly = this.#ring[(this.#next - k + this.capacity) % this.capacity]!;
      if (symbol === undefined || anomaly.symbol === symbol) out.push(anomaly);
    }
    return out;
  }
}
