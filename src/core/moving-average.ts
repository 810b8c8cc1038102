import type { SnapshotPacker } from './snapshot-pack.js';
/**
 * Mean of the last `window` values in arrival order (DESIGN §3.3), O(1) per value.
 *
 * A running sum drifts: every add and subtract rounds, and over millions of updates the error
 * would grow without bound. The sum is therefore recomputed from the window's values whenever the
 * total number of values is a multiple of `window`, which bounds the error to what `window`
 * updates can accumulate, at an amortized cost of one extra add per update.
 *
 * Because the re-sum points depend only on the total count, the running sum is a function of the
 * last `window + (total mod window)` values and the total: replaying exactly those values
 * (`replayValues`, `restore`) reproduces the same float, bit for bit, after a restart.
 */
export class MovingAverage {
  readonly window: number;
  /** Room for 2·window values: the window and the values since the last re-sum point. */
  readonly #ring: Float64Array;
  #next = 0;
  /** Values held in the ring (≤ 2·window). */
  #held = 0;
  /** Values pushed since tracking began, including those before a restore. */
  #total = 0;
  /** Pushes left until `#total` is a multiple of `window` (the next re-sum): a countdown instead of
   *  an integer division per push. */
  #untilResum: number;
  #sum = 0;

  constructor(window: number) {
    if (!Number.isInteger(window) || window < 1)
      throw new RangeError(`window must be an integer ≥ 1, got ${window}`);
    this.window = window;
    this.#untilResum = window;
    this.#ring = new Float64Array(window * 2);
  }

  /** Number of values the mean is taken over (≤ window). */
  get count(): number {
    return this.#held < this.window ? this.#held : this.window;
  }

  /** Values pushed since tracking began. */
  get total(): number {
    return this.#total;
  }

  /** The current mean; NaN before the first value. */
  get value(): number {
    return this.#held === 0 ? NaN : this.#sum / this.count;
  }

  /** Adds a value and returns the new mean. */
  push(value: number): number {
    const ring = this.#ring;
    const capacity = ring.length;
    const window = this.window;
    const i = this.#next;
    ring[i] = value;
    this.#next = i + 1 === capacity ? 0 : i + 1;
    if (this.#held < capacity) this.#held++;
    this.#sum += value;
    if (this.#held > window) {
      const leaving = i - window;
      this.#sum -= ring[leaving < 0 ? leaving + capacity : leaving]!;
    }
    this.#total++;
    if (--this.#untilResum === 0) {
      this.#untilResum = window;
      this.#resum();
    }
    return this.#sum / (this.#held < window ? this.#held : window);
  }

  #resum(): void {
    const ring = this.#ring;
    const capacity = ring.length;
    const n = this.count;
    let k = this.#next - n;
    if (k < 0) k += capacity;
    let sum = 0;
    for (let j = 0; j < n; j++) {
      sum += ring[k]!;
      k = k + 1 === capacity ? 0 : k + 1;
    }
    this.#sum = sum;
  }

  /** The last `n` values held, oldest first. */
  #last(n: number): number[] {
    const capacity = this.#ring.length;
    const out: number[] = [];
    for (let j = n; j > 0; j--) out.push(this.#ring[(this.#next - j + capacity) % capacity]!);
    return out;
  }

  /** The values the mean covers, oldest first. */
  values(): number[] {
    return this.#last(this.count);
  }

  /** The values `restore` needs to continue exactly: the last `window + (total mod window)`. */
  replayValues(): number[] {
    const needed = this.window + (this.#total % this.window);
    return this.#last(needed < this.#held ? needed : this.#held);
  }

  /** `replayValues` into a packer (src/core/snapshot-pack.ts): their count, then each. */
  packReplay(packer: SnapshotPacker): void {
    const needed = this.window + (this.#total % this.window);
    const n = needed < this.#held ? needed : this.#held;
    const ring = this.#ring;
    packer.number(n);
    // The last n values end before #next: those behind the ring's end first, where they wrap.
    const from = this.#next - n;
    if (from < 0) for (let i = ring.length + from; i < ring.length; i++) packer.number(ring[i]!);
    for (let i = Math.max(0, from); i < this.#next; i++) packer.number(ring[i]!);
  }

  /** A moving average that continues exactly where one with these `replayValues` and `total` was. */
  static restore(window: number, values: readonly number[], total: number): MovingAverage {
    if (values.length > total) throw new RangeError('more values than the total count');
    const average = new MovingAverage(window);
    average.#total = total - values.length;
    average.#untilResum = window - (average.#total % window);
    for (const value of values) average.push(value);
    return average;
  }
}
