import { SLOT, START } from '../../core/candle-slot.js';
import type { Candle } from '../../core/candles.js';

/**
 * Candles as they travel from a partition thread to the main thread: one slot of SLOT doubles per
 * candle (candle-slot.ts, as `Candle.store` writes it), its symbol by number (the producer's name
 * table), its interval by index (the engine's intervals, in order) and whether it closed. A chunk
 * closes about one candle every ten ticks: in columns they cost one copy each way, not an object
 * on each thread and a structured clone between them.
 */
export interface CandleColumnData {
  readonly length: number;
  readonly slots: Float64Array;
  readonly symbol: Int32Array;
  readonly interval: Uint8Array;
  readonly closed: Uint8Array;
}

/** Collects candles on a partition thread; `take` hands them over (transferable) and starts again. */
export class CandleColumnWriter {
  #length = 0;
  #slots = new Float64Array(256 * SLOT);
  #symbol = new Int32Array(256);
  #interval = new Uint8Array(256);
  #closed = new Uint8Array(256);

  get length(): number {
    return this.#length;
  }

  push(candle: Candle, symbol: number, interval: number): void {
    const k = this.#length;
    if (k === this.#symbol.length) this.#grow();
    candle.store(this.#slots, k * SLOT);
    this.#symbol[k] = symbol;
    this.#interval[k] = interval;
    this.#closed[k] = candle.closed ? 1 : 0;
    this.#length = k + 1;
  }

  /** Candles from `from` on, reordered so that the k-th is the one `order[k]` named (absolute). */
  reorder(from: number, order: Int32Array): void {
    const n = order.length;
    const slots = this.#slots.slice(from * SLOT, (from + n) * SLOT);
    const symbol = this.#symbol.slice(from, from + n);
    const interval = this.#interval.slice(from, from + n);
    const closed = this.#closed.slice(from, from + n);
    for (let k = 0; k < n; k++) {
      const old = order[k]! - from;
      this.#slots.set(slots.subarray(old * SLOT, (old + 1) * SLOT), (from + k) * SLOT);
      this.#symbol[from + k] = symbol[old]!;
      this.#interval[from + k] = interval[old]!;
      this.#closed[from + k] = closed[old]!;
    }
  }

  /** The candles pushed since the last `take`, in their own buffers. */
  take(): CandleColumnData {
    const n = this.#length;
    this.#length = 0;
    return {
      length: n,
      slots: this.#slots.slice(0, n * SLOT),
      symbol: this.#symbol.slice(0, n),
      interval: this.#interval.slice(0, n),
      closed: this.#closed.slice(0, n),
    };
  }

  #grow(): void {
    const capacity = this.#symbol.length * 2;
    this.#slots = grown(this.#slots, new Float64Array(capacity * SLOT));
    this.#symbol = grown(this.#symbol, new Int32Array(capacity));
    this.#interval = grown(this.#interval, new Uint8Array(capacity));
    this.#closed = grown(this.#closed, new Uint8Array(capacity));
  }
}

/** `to` with `from` copied to its front. */
function grown<T extends Float64Array | Int32Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/** Buffers of a CandleColumnData, to transfer with the message that carries it. */
export function candleBuffers(c: CandleColumnData): ArrayBuffer[] {
  return [c.slots.buffer, c.symbol.buffer, c.interval.buffer, c.closed.buffer] as ArrayBuffer[];
}

/** The start of candle `k` of the columns (what identifies it among its symbol's open candles). */
export function candleStartAt(c: CandleColumnData, k: number): number {
  return c.slots[k * SLOT + START]!;
}

/**
 * Candle `k` of the columns, loaded into `into` (a Candle the caller lends to listeners: copy it,
 * `toJSON` or `ownCandle`, to keep it) and returned.
 */
export function loadCandleAt(
  c: CandleColumnData,
  k: number,
  symbols: readonly string[],
  intervals: readonly string[],
  into: Candle,
): Candle {
  return into.load(symbols[c.symbol[k]!]!, intervals[c.interval[k]!]!, c.slots, k * SLOT, c.closed[k] === 1);
}
