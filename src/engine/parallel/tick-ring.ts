import { MAX_ID_LENGTH } from '../../core/tick.js';
import { TickColumns, type TickColumnData } from './tick-columns.js';

/**
 * A bounded ring of ticks in columns, in a SharedArrayBuffer: the main thread writes (one
 * producer), a partition's worker reads (one consumer). Nothing is posted per tick: the producer
 * writes rows, then publishes them by moving `tail` (Atomics) and notifying; the consumer copies
 * every published row out, then releases them by moving `head` (compare-and-swap) and notifying.
 *
 * A side notifies only when the other one said it is waiting (a control word it sets before it
 * looks at the index it waits on, then clears): a notify costs a lock and a wake-up, and while
 * ticks keep coming neither side ever waits. Both steps are sequentially consistent Atomics, so
 * either the waiter sees the new index or the notifier sees the flag.
 *
 * Positions are int32 counters that wrap; a row lives in slot `position & mask`. The slot count is
 * the capacity rounded up to a power of two (so wrapping keeps the slot), but at most `capacity`
 * rows are ever in the ring.
 *
 * Symbols and sources are numbers (the producer's name tables, see PartitionThread); ids are
 * written inline (at most MAX_ID_LENGTH UTF-16 code units; length −1 means no id).
 *
 * drop-oldest: the producer may move `head` itself (compare-and-swap) to make room. A consumer
 * therefore copies first and then tries to release what it copied; when the producer moved `head`
 * meanwhile, the rows before the new head were dropped and are not processed (their slots may have
 * been rewritten during the copy), the ones after it are intact (see `take`).
 */

/** Atomics.waitAsync (Node ≥ 16; not yet in TypeScript's ES2023 lib). */
type WaitAsync = (
  array: Int32Array,
  index: number,
  value: number,
  timeoutMs: number,
) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/** Indices into the control words. */
export const Ctrl = {
  Head: 0,
  Tail: 1,
  /** 1 once the producer closed the ring. */
  Closed: 2,
  /** 1 while open-candle updates are wanted (the engine's `demandCandleUpdates`). */
  WantCandleUpdates: 3,
  /** 1 while stats and open candles are being asked for: the partition sends them periodically. */
  WantViews: 4,
  /** 1 while the consumer waits for rows (the producer notifies on `Tail` only then). */
  ConsumerWaiting: 5,
  /** 1 while the producer waits for room (the consumer notifies on `Head` only then). */
  ProducerWaiting: 6,
} as const;
const CTRL_WORDS = 7;

export interface RingBuffers {
  readonly capacity: number;
  readonly ctrl: SharedArrayBuffer;
  readonly numbers: SharedArrayBuffer;
  readonly ints: SharedArrayBuffer;
  readonly chars: SharedArrayBuffer;
}

/** Per-slot float columns. */
const F_PRICE = 0;
const F_VOLUME = 1;
const F_TS = 2;
const F_SEQ = 3;
const F_RECEIVED = 4;
const F_COLUMNS = 5;
/** Per-slot int columns. */
const I_SYMBOL = 0;
const I_SOURCE = 1;
const I_ID_LENGTH = 2;
const I_COLUMNS = 3;

/** The rows the consumer took at once. */
export class RingRows extends TickColumns {
  /** Position of the first row copied. */
  from = 0;
  length = 0;
}

export function ringBuffers(capacity: number): RingBuffers {
  if (!Number.isInteger(capacity) || capacity < 1)
    throw new RangeError(`ring capacity must be an integer ≥ 1, got ${capacity}`);
  const slots = 2 ** Math.ceil(Math.log2(capacity));
  return {
    capacity,
    ctrl: new SharedArrayBuffer(CTRL_WORDS * 4),
    numbers: new SharedArrayBuffer(slots * F_COLUMNS * 8),
    ints: new SharedArrayBuffer(slots * I_COLUMNS * 4),
    chars: new SharedArrayBuffer(slots * MAX_ID_LENGTH * 2),
  };
}

class RingView {
  readonly capacity: number;
  readonly mask: number;
  readonly ctrl: Int32Array;
  readonly f: Float64Array;
  readonly i: Int32Array;
  readonly chars: Uint16Array;

  constructor(buffers: RingBuffers) {
    this.capacity = buffers.capacity;
    this.ctrl = new Int32Array(buffers.ctrl);
    this.f = new Float64Array(buffers.numbers);
    this.i = new Int32Array(buffers.ints);
    this.chars = new Uint16Array(buffers.chars);
    this.mask = this.i.length / I_COLUMNS - 1;
  }

  /** Rows in the ring now. */
  size(): number {
    return (Atomics.load(this.ctrl, Ctrl.Tail) - Atomics.load(this.ctrl, Ctrl.Head)) | 0;
  }
}

/** The main thread's end. */
export class RingWriter extends RingView {
  /** Free rows now. */
  free(): number {
    return this.capacity - this.size();
  }

  /**
   * The free rows worth writing into at once (a quarter of the ring): a producer that wrote the few
   * rows the consumer just released would have it take them a few at a time, paying its costs per
   * chunk on each.
   */
  get refillRows(): number {
    return Math.max(1, this.capacity >> 2);
  }

  /** Position the next row gets. */
  get tail(): number {
    return Atomics.load(this.ctrl, Ctrl.Tail);
  }

  /**
   * Drops up to `n` of the oldest rows not yet taken by the consumer (drop-oldest). Answers the
   * position range dropped as [from, to) (int32 positions; empty when the consumer took them first).
   */
  dropOldest(n: number): { from: number; to: number } {
    for (;;) {
      const head = Atomics.load(this.ctrl, Ctrl.Head);
      const size = (Atomics.load(this.ctrl, Ctrl.Tail) - head) | 0;
      const k = Math.min(n, size);
      if (k <= 0) return { from: head, to: head };
      const to = (head + k) | 0;
      if (Atomics.compareExchange(this.ctrl, Ctrl.Head, head, to) === head) return { from: head, to };
    }
  }

  /**
   * Writes `n` rows of `rows` from index `from` on at positions `position`… (≥ tail; not yet
   * visible: `publish` makes them so).
   */
  writeFrom(position: number, rows: TickColumnData, from: number, n: number): void {
    for (let k = 0; k < n; k++) this.#writeRow((position + k) | 0, rows, from + k);
  }

  #writeRow(position: number, rows: TickColumnData, r: number): void {
    const slot = position & this.mask;
    const f = this.f;
    const o = slot * F_COLUMNS;
    f[o + F_PRICE] = rows.price[r]!;
    f[o + F_VOLUME] = rows.volume[r]!;
    f[o + F_TS] = rows.ts[r]!;
    f[o + F_SEQ] = rows.seq[r]!;
    f[o + F_RECEIVED] = rows.receivedAt[r]!;
    const i = this.i;
    const p = slot * I_COLUMNS;
    i[p + I_SYMBOL] = rows.symbol[r]!;
    i[p + I_SOURCE] = rows.source[r]!;
    const id = rows.ids[r];
    if (id === undefined) i[p + I_ID_LENGTH] = -1;
    else {
      // An id longer than the limit is refused by the engine as invalid: '' says so (TickBatch).
      const n = id.length <= MAX_ID_LENGTH ? id.length : 0;
      i[p + I_ID_LENGTH] = n;
      const c = slot * MAX_ID_LENGTH;
      for (let k = 0; k < n; k++) this.chars[c + k] = id.charCodeAt(k);
    }
  }

  /** Makes `n` written rows visible and wakes the consumer. */
  publish(n: number): void {
    Atomics.add(this.ctrl, Ctrl.Tail, n);
    if (Atomics.load(this.ctrl, Ctrl.ConsumerWaiting) === 1) Atomics.notify(this.ctrl, Ctrl.Tail);
  }

  close(): void {
    Atomics.store(this.ctrl, Ctrl.Closed, 1);
    Atomics.notify(this.ctrl, Ctrl.Tail);
  }

  setWantCandleUpdates(on: boolean): void {
    Atomics.store(this.ctrl, Ctrl.WantCandleUpdates, on ? 1 : 0);
  }

  setWantViews(on: boolean): void {
    Atomics.store(this.ctrl, Ctrl.WantViews, on ? 1 : 0);
  }

  /**
   * Resolves at once when `atLeast` rows are free, else once the consumer released rows (maybe
   * fewer: the caller asks again) or after `timeoutMs`.
   */
  async waitForRoom(timeoutMs: number, atLeast = 1): Promise<void> {
    if (this.free() >= atLeast) return;
    Atomics.store(this.ctrl, Ctrl.ProducerWaiting, 1);
    try {
      const head = Atomics.load(this.ctrl, Ctrl.Head);
      if (this.free() >= atLeast) return;
      const waited = waitAsync(this.ctrl, Ctrl.Head, head, timeoutMs);
      if (waited.async) await waited.value;
    } finally {
      Atomics.store(this.ctrl, Ctrl.ProducerWaiting, 0);
    }
  }
}

/** A partition worker's end. */
export class RingReader extends RingView {
  readonly rows: RingRows;

  constructor(buffers: RingBuffers, maxRows: number) {
    super(buffers);
    this.rows = new RingRows(maxRows);
  }

  get closed(): boolean {
    return Atomics.load(this.ctrl, Ctrl.Closed) === 1;
  }

  get wantsViews(): boolean {
    return Atomics.load(this.ctrl, Ctrl.WantViews) === 1;
  }

  get wantsCandleUpdates(): boolean {
    return Atomics.load(this.ctrl, Ctrl.WantCandleUpdates) === 1;
  }

  /** Position after the last row published. */
  get tail(): number {
    return Atomics.load(this.ctrl, Ctrl.Tail);
  }

  /**
   * Copies out the rows published before position `until` (at most the buffer's size) and releases
   * them. Answers the rows taken in `rows` (length 0 when there were none).
   */
  take(until: number): RingRows {
    const rows = this.rows;
    const ctrl = this.ctrl;
    let head = Atomics.load(ctrl, Ctrl.Head);
    let n = Math.min((until - head) | 0, rows.symbol.length);
    if (n <= 0) {
      rows.length = 0;
      return rows;
    }
    const f = this.f;
    const ints = this.i;
    for (let k = 0; k < n; k++) {
      const slot = (head + k) & this.mask;
      const o = slot * F_COLUMNS;
      rows.price[k] = f[o + F_PRICE]!;
      rows.volume[k] = f[o + F_VOLUME]!;
      rows.ts[k] = f[o + F_TS]!;
      rows.seq[k] = f[o + F_SEQ]!;
      rows.receivedAt[k] = f[o + F_RECEIVED]!;
      const p = slot * I_COLUMNS;
      rows.symbol[k] = ints[p + I_SYMBOL]!;
      rows.source[k] = ints[p + I_SOURCE]!;
      const idLength = ints[p + I_ID_LENGTH]!;
      rows.ids[k] =
        idLength < 0
          ? undefined
          : String.fromCharCode.apply(
              null,
              this.chars.subarray(
                slot * MAX_ID_LENGTH,
                slot * MAX_ID_LENGTH + idLength,
              ) as unknown as number[],
            );
    }
    const first = head;
    const end = (head + n) | 0;
    let skip = 0;
    for (;;) {
      const seen = Atomics.compareExchange(ctrl, Ctrl.Head, head, end);
      if (seen === head) break;
      // The producer dropped the oldest rows meanwhile: the rows before `seen` are gone.
      skip = (seen - first) | 0;
      if (skip >= n) {
        rows.length = 0;
        return rows;
      }
      head = seen;
    }
    if (Atomics.load(ctrl, Ctrl.ProducerWaiting) === 1) Atomics.notify(ctrl, Ctrl.Head);
    if (skip > 0) {
      rows.moveToFront(skip, n - skip);
      n -= skip;
    }
    rows.from = (end - n) | 0;
    rows.length = n;
    return rows;
  }

  /** Resolves once rows were published, the ring closed, or `timeoutMs` passed. */
  async waitForRows(timeoutMs: number): Promise<void> {
    if (this.size() > 0 || this.closed) return;
    Atomics.store(this.ctrl, Ctrl.ConsumerWaiting, 1);
    try {
      const tail = Atomics.load(this.ctrl, Ctrl.Tail);
      if (((tail - Atomics.load(this.ctrl, Ctrl.Head)) | 0) > 0 || this.closed) return;
      const waited = waitAsync(this.ctrl, Ctrl.Tail, tail, timeoutMs);
      if (waited.async) await waited.value;
    } finally {
      Atomics.store(this.ctrl, Ctrl.ConsumerWaiting, 0);
    }
  }
}
