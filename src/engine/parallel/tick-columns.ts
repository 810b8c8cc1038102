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

  /** Copies rows [from, from + n) of `source` into rows i… (bulk, as a log grows). */
  copyRows(i: number, source: TickColumnData, from: number, n: number): void {
    const to = from + n;
    this.symbol.set(source.symbol.subarray(from, to), i);
    this.source.set(source.source.subarray(from, to), i);
    this.price.set(source.price.subarray(from, to), i);
    this.volume.set(source.volume.subarray(from, to), i);
    this.ts.set(source.ts.subarray(from, to), i);
    this.seq.set(source.seq.subarray(from, to), i);
    this.receivedAt.set(source.receivedAt.subarray(from, to), i);
    for (let k = 0; k < n; k++) this.ids[i + k] = source.ids[from + k];
  }

  /** Takes over the columns of `other` (which is not used after). */
  protected adopt(other: TickColumns): void {
    this.symbol = other.symbol;
    this.source = other.source;
    this.price = other.price;
    this.volume = other.volume;
    this.ts = other.ts;
    this.seq = other.seq;
    this.receivedAt = other.receivedAt;
    this.ids = other.ids;
  }

  /** Moves rows [from, from + n) to the front, in place. */
  moveToFront(from: number, n: number): void {
    const to = from + n;
    this.symbol.copyWithin(0, from, to);
    this.source.copyWithin(0, from, to);
    this.price.copyWithin(0, from, to);
    this.volume.copyWithin(0, from, to);
    this.ts.copyWithin(0, from, to);
    this.seq.copyWithin(0, from, to);
    this.receivedAt.copyWithin(0, from, to);
    for (let k = 0; k < n; k++) this.ids[k] = this.ids[from + k];
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
