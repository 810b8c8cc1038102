/**
 * Ticks in columns as they travel between the main thread and a partition thread: symbols and
 * sources by number (the producer's name tables), NaN for a missing sequence number. The one shape
 * of the main thread's log (tick-log.ts), what a partition takes from its ring (tick-ring.ts) and
 * the rows a restarted partition is fed again (thread-wire.ts).
 */
export interface TickColumnData {
  readonly symbol: Int32Array;
  readonly source: Int32Array;
  readonly price: Float64Array;
  readonly volume: Float64Array;
  readonly ts: Float64Array;
  readonly seq: Float64Array;
  readonly receivedAt: Float64Array;
  readonly ids: Array<string | undefined>;
}

export class TickColumns implements TickColumnData {
  symbol: Int32Array;
  source: Int32Array;
  price: Float64Array;
  volume: Float64Array;
  ts: Float64Array;
  seq: Float64Array;
  receivedAt: Float64Array;
  ids: Array<string | undefined>;

  constructor(capacity: number) {
    this.symbol = new Int32Array(capacity);
    this.source = new Int32Array(capacity);
    this.price = new Float64Array(capacity);
    this.volume = new Float64Array(capacity);
    this.ts = new Float64Array(capacity);
    this.seq = new Float64Array(capacity);
    this.receivedAt = new Float64Array(capacity);
    this.ids = new Array<string | undefined>(capacity).fill(undefined);
  }

  /** Rows the columns hold. */
  get capacity(): number {
    return this.symbol.length;
  }

  set(
    i: number,
    symbol: number,
    source: number,
    price: number,
    volume: number,
    ts: number,
    seq: number,
    receivedAt: number,
    id: string | undefined,
  ): void {
    this.symbol[i] = symbol;
    this.source[i] = source;
    this.price[i] = price;
    this.volume[i] = volume;
    this.ts[i] = ts;
    this.seq[i] = seq;
    this.receivedAt[i] = receivedAt;
    this.ids[i] = id;
  }

  /**
   * Moves rows [from, from + n) to the front; into new columns of `capacity` rows when that differs
   * from the current one (to grow), in place otherwise.
   */
  moveToFront(from: number, n: number, capacity = this.capacity): void {
    const same = capacity === this.capacity;
    const move = <T extends Int32Array | Float64Array>(a: T, make: (size: number) => T): T => {
      const b = same ? a : make(capacity);
      // set() copies overlapping ranges of one buffer correctly.
      b.set(a.subarray(from, from + n));
      return b;
    };
    this.symbol = move(this.symbol, (c) => new Int32Array(c));
    this.source = move(this.source, (c) => new Int32Array(c));
    this.price = move(this.price, (c) => new Float64Array(c));
    this.volume = move(this.volume, (c) => new Float64Array(c));
    this.ts = move(this.ts, (c) => new Float64Array(c));
    this.seq = move(this.seq, (c) => new Float64Array(c));
    this.receivedAt = move(this.receivedAt, (c) => new Float64Array(c));
    this.ids = moveToFrontOf(this.ids, from, n, capacity);
  }

  /** A copy of rows [from, from + n), as plain data (it can be posted to a thread). */
  slice(from: number, n: number): TickColumnData {
    const to = from + n;
    return {
      symbol: this.symbol.slice(from, to),
      source: this.source.slice(from, to),
      price: this.price.slice(from, to),
      volume: this.volume.slice(from, to),
      ts: this.ts.slice(from, to),
      seq: this.seq.slice(from, to),
      receivedAt: this.receivedAt.slice(from, to),
      ids: this.ids.slice(from, to),
    };
  }
}

/**
 * Moves `a[from, from + n)` to the front of an array of `capacity` slots (the same array when its
 * length is `capacity`), the rest undefined. No slice and no `length` set: both allocate, and a
 * grown length leaves holes that slow every later access.
 */
export function moveToFrontOf<T>(
  a: Array<T | undefined>,
  from: number,
  n: number,
  capacity: number,
): Array<T | undefined> {
  if (a.length === capacity) {
    for (let k = 0; k < n; k++) a[k] = a[from + k];
    a.fill(undefined, n, Math.min(from + n, capacity));
    return a;
  }
  const b = new Array<T | undefined>(capacity).fill(undefined);
  for (let k = 0; k < n; k++) b[k] = a[from + k];
  return b;
}
