/**
 * Minimum and maximum of the samples of the last `windowMs` milliseconds (DESIGN §3.4), O(1)
 * amortized per sample, with two monotonic deques. No allocation in steady state: the deques
 * share one typed array that only grows (by doubling) when a window holds more samples than ever.
 *
 * The min deque keeps values increasing from front to back; pushing pops every back entry that is
 * not smaller, so among equal values only the most recent stays and the front is the most recent
 * sample holding the minimum: the reference sample of an up spike. The max deque mirrors it.
 *
 * Sample times must not decrease; the caller passes effective times (late ticks take the latest
 * time seen), so the window only moves forward.
 */
/** Doubles per deque entry: time, value, arrival number. */
const ENTRY = 3;

export class SlidingMinMax {
  readonly windowMs: number;
  /**
   * Both deques as rings of (time, value, arrival number) entries: the min ring in the first half
   * of the buffer, the max ring in the second. One array keeps a symbol's window in a few adjacent
   * cache lines.
   */
  #buf = new Float64Array(2 * 16 * ENTRY);
  #capacity = 16;
  #minHead = 0;
  #minSize = 0;
  #maxHead = 0;
  #maxSize = 0;
  /** Arrival number of the next sample, so snapshots can interleave the two deques in order. */
  #pushed = 0;

  constructor(windowMs: number) {
    if (!(windowMs >= 0) || !Number.isFinite(windowMs))
      throw new RangeError(`windowMs must be ≥ 0, got ${windowMs}`);
    this.windowMs = windowMs;
  }

  /** Adds a sample at time `t`, then drops every sample older than `t − windowMs`. */
  push(t: number, price: number): void {
    if (this.#minSize === this.#capacity || this.#maxSize === this.#capacity) this.#grow();
    const from = t - this.windowMs;
    const buf = this.#buf;
    const mask = this.#capacity - 1;
    const order = this.#pushed++;

    let head = this.#minHead;
    let size = this.#minSize;
    while (size > 0 && buf[head * ENTRY]! < from) {
      head = (head + 1) & mask;
      size--;
    }
    while (size > 0 && buf[((head + size - 1) & mask) * ENTRY + 1]! >= price) size--;
    let at = ((head + size) & mask) * ENTRY;
    buf[at] = t;
    buf[at + 1] = price;
    buf[at + 2] = order;
    this.#minHead = head;
    this.#minSize = size + 1;

    const base = this.#capacity * ENTRY;
    head = this.#maxHead;
    size = this.#maxSize;
    while (size > 0 && buf[base + head * ENTRY]! < from) {
      head = (head + 1) & mask;
      size--;
    }
    while (size > 0 && buf[base + ((head + size - 1) & mask) * ENTRY + 1]! <= price) size--;
    at = base + ((head + size) & mask) * ENTRY;
    buf[at] = t;
    buf[at + 1] = price;
    buf[at + 2] = order;
    this.#maxHead = head;
    this.#maxSize = size + 1;
  }

  /** Smallest price in the window (NaN when empty). */
  get min(): number {
    return this.#minSize === 0 ? NaN : this.#buf[this.#minHead * ENTRY + 1]!;
  }
  /** Time of the most recent sample holding the minimum. */
  get minTime(): number {
    return this.#minSize === 0 ? NaN : this.#buf[this.#minHead * ENTRY]!;
  }
  /** Largest price in the window (NaN when empty). */
  get max(): number {
    return this.#maxSize === 0 ? NaN : this.#buf[(this.#capacity + this.#maxHead) * ENTRY + 1]!;
  }
  /** Time of the most recent sample holding the maximum. */
  get maxTime(): number {
    return this.#maxSize === 0 ? NaN : this.#buf[(this.#capacity + this.#maxHead) * ENTRY]!;
  }

  /**
   * The samples that still decide a future minimum or maximum, oldest first. Pushing them in this
   * order into a new window rebuilds exactly this state (used for snapshots and recovery).
   */
  samples(): Array<{ t: number; price: number }> {
    const mins = this.#entries(0, this.#minHead, this.#minSize);
    const maxes = this.#entries(this.#capacity, this.#maxHead, this.#maxSize);
    // Both deques see every push, so arrival numbers identify samples: merge by them, once each.
    const out: Array<{ t: number; price: number }> = [];
    let i = 0;
    let j = 0;
    while (i < mins.length || j < maxes.length) {
      const a = mins[i];
      const b = maxes[j];
      const next = b === undefined || (a !== undefined && a.order <= b.order) ? a! : b;
      if (a !== undefined && a.order === next.order) i++;
      if (b !== undefined && b.order === next.order) j++;
      out.push({ t: next.t, price: next.price });
    }
    return out;
  }

  #entries(ring: number, head: number, size: number): Array<{ t: number; price: number; order: number }> {
    const out: Array<{ t: number; price: number; order: number }> = [];
    const mask = this.#capacity - 1;
    for (let k = 0; k < size; k++) {
      const at = (ring + ((head + k) & mask)) * ENTRY;
      out.push({ t: this.#buf[at]!, price: this.#buf[at + 1]!, order: this.#buf[at + 2]! });
    }
    return out;
  }

  #grow(): void {
    const old = this.#buf;
    const oldCapacity = this.#capacity;
    const capacity = oldCapacity * 2;
    const buf = new Float64Array(2 * capacity * ENTRY);
    const copy = (ring: number, newRing: number, head: number, size: number): void => {
      for (let k = 0; k < size; k++) {
        const from = (ring + ((head + k) & (oldCapacity - 1))) * ENTRY;
        buf.set(old.subarray(from, from + ENTRY), (newRing + k) * ENTRY);
      }
    };
    copy(0, 0, this.#minHead, this.#minSize);
    copy(oldCapacity, capacity, this.#maxHead, this.#maxSize);
    this.#buf = buf;
    this.#capacity = capacity;
    this.#minHead = 0;
    this.#maxHead = 0;
  }
}
