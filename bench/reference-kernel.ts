/**
 * The reference kernel of the `engine` scenario: the plainest typed-array loop that does the core
 * of the engine's per-tick work, to show how far the engine is from what the hardware allows.
 *
 * Per tick, for 1,000 symbols: moving average (ring of `maWindow` prices, running sum), the
 * `windowMs` min/max window (two monotonic deques), the spike test in both directions, a candle
 * per interval (open, high, low, close, volume, trades, Σp·v: VWAP; one 1-minute interval unless
 * `intervalsMs` says otherwise, the intervals of a symbol packed side by side) with its close, and
 * the late-tick rule (the window's effective time never moves back). It does NOT validate, dedupe,
 * look symbols up (slots are resolved before timing), revise closed candles or emit anything but
 * counts: a ceiling, not a second engine.
 */

/** Deque capacity per symbol and direction (a power of two; the bench has ~10 ticks/s a symbol). */
const DEQUE = 64;

export interface KernelResult {
  readonly anomalies: number;
  readonly candlesClosed: number;
  readonly checksum: number;
}

export class ReferenceKernel {
  readonly #maWindow: number;
  readonly #windowMs: number;
  readonly #thresholdPercent: number;
  readonly #intervalsMs: Float64Array;
  // Moving average.
  readonly #ring: Float64Array;
  readonly #maNext: Int32Array;
  readonly #maCount: Int32Array;
  readonly #maSum: Float64Array;
  // Min/max window: time and price per deque entry; head and size per symbol.
  readonly #minT: Float64Array;
  readonly #minP: Float64Array;
  readonly #maxT: Float64Array;
  readonly #maxP: Float64Array;
  readonly #dq: Int32Array; // minHead, minSize, maxHead, maxSize per symbol
  readonly #lastTs: Float64Array;
  // A candle per interval: start, open, high, low, close, volume, pvSum, trades; a symbol's
  // intervals side by side.
  readonly #candle: Float64Array;
  #anomalies = 0;
  #closed = 0;
  #checksum = 0;

  constructor(
    symbols: number,
    intervalsMs: readonly number[] = [60_000],
    maWindow = 64,
    windowMs = 1000,
    thresholdPercent = 2,
  ) {
    this.#maWindow = maWindow;
    this.#windowMs = windowMs;
    this.#thresholdPercent = thresholdPercent;
    this.#intervalsMs = Float64Array.from(intervalsMs);
    this.#ring = new Float64Array(symbols * maWindow);
    this.#maNext = new Int32Array(symbols);
    this.#maCount = new Int32Array(symbols);
    this.#maSum = new Float64Array(symbols);
    this.#minT = new Float64Array(symbols * DEQUE);
    this.#minP = new Float64Array(symbols * DEQUE);
    this.#maxT = new Float64Array(symbols * DEQUE);
    this.#maxP = new Float64Array(symbols * DEQUE);
    this.#dq = new Int32Array(symbols * 4);
    this.#lastTs = new Float64Array(symbols).fill(-Infinity);
    this.#candle = new Float64Array(symbols * intervalsMs.length * 8).fill(NaN);
  }

  /** Runs `length` ticks: symbol slot, price, volume, event time. */
  run(slot: Int32Array, price: Float64Array, volume: Float64Array, ts: Float64Array, length: number): void {
    const maWindow = this.#maWindow;
    const ring = this.#ring;
    const maNext = this.#maNext;
    const maCount = this.#maCount;
    const maSum = this.#maSum;
    const minT = this.#minT;
    const minP = this.#minP;
    const maxT = this.#maxT;
    const maxP = this.#maxP;
    const dq = this.#dq;
    const lastTs = this.#lastTs;
    const candle = this.#candle;
    const windowMs = this.#windowMs;
    const threshold = this.#thresholdPercent;
    const intervalsMs = this.#intervalsMs;
    const intervals = intervalsMs.length;
    const candleStride = intervals * 8;
    const mask = DEQUE - 1;
    let anomalies = 0;
    let closed = 0;
    let checksum = 0;
    for (let i = 0; i < length; i++) {
      const s = slot[i]!;
      const p = price[i]!;
      const v = volume[i]!;
      const tick = ts[i]!;

      // Moving average.
      const r = s * maWindow;
      const next = maNext[s]!;
      const count = maCount[s]!;
      let sum = maSum[s]! + p;
      if (count === maWindow) sum -= ring[r + next]!;
      else maCount[s] = count + 1;
      ring[r + next] = p;
      maNext[s] = next + 1 === maWindow ? 0 : next + 1;
      maSum[s] = sum;
      checksum += sum;

      // Min/max window over effective time.
      const t = tick > lastTs[s]! ? tick : lastTs[s]!;
      lastTs[s] = t;
      const from = t - windowMs;
      const d = s * DEQUE;
      const q = s * 4;
      let head = dq[q]!;
      let size = dq[q + 1]!;
      while (size > 0 && minT[d + head]! < from) {
        head = (head + 1) & mask;
        size--;
      }
      while (size > 0 && minP[d + ((head + size - 1) & mask)]! >= p) size--;
      if (size === DEQUE) {
        head = (head + 1) & mask;
        size--;
      }
      let at = d + ((head + size) & mask);
      minT[at] = t;
      minP[at] = p;
      dq[q] = head;
      dq[q + 1] = size + 1;
      const m = minP[d + head]!;
      head = dq[q + 2]!;
      size = dq[q + 3]!;
      while (size > 0 && maxT[d + head]! < from) {
        head = (head + 1) & mask;
        size--;
      }
      while (size > 0 && maxP[d + ((head + size - 1) & mask)]! <= p) size--;
      if (size === DEQUE) {
        head = (head + 1) & mask;
        size--;
      }
      at = d + ((head + size) & mask);
      maxT[at] = t;
      maxP[at] = p;
      dq[q + 2] = head;
      dq[q + 3] = size + 1;
      const M = maxP[d + head]!;

      // Spike test.
      if (((p - m) / m) * 100 > threshold) anomalies++;
      if (((p - M) / M) * 100 < -threshold) anomalies++;

      // A candle per interval, closed when a tick lands after it.
      for (let k = 0, c = s * candleStride; k < intervals; k++, c += 8) {
        const intervalMs = intervalsMs[k]!;
        const start = candle[c]!;
        if (tick >= start && tick < start + intervalMs) {
          candle[c + 4] = p;
          if (p > candle[c + 2]!) candle[c + 2] = p;
          if (p < candle[c + 3]!) candle[c + 3] = p;
          candle[c + 5]! += v;
          candle[c + 6]! += p * v;
          candle[c + 7]!++;
        } else if (!(tick < start)) {
          if (start === start) {
            closed++;
            checksum += candle[c + 5]! > 0 ? candle[c + 6]! / candle[c + 5]! : 0;
          }
          candle[c] = tick - (tick % intervalMs);
          candle[c + 1] = p;
          candle[c + 2] = p;
          candle[c + 3] = p;
          candle[c + 4] = p;
          candle[c + 5] = v;
          candle[c + 6] = p * v;
          candle[c + 7] = 1;
        }
      }
    }
    this.#anomalies += anomalies;
    this.#closed += closed;
    this.#checksum += checksum;
  }

  result(): KernelResult {
    return { anomalies: this.#anomalies, candlesClosed: this.#closed, checksum: this.#checksum };
  }
}
