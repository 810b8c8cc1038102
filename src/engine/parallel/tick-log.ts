import type { ReplayRows } from './thread-wire.js';

/** The ingest call a row belongs to: told each row's answer, resolved when all are in. */
export interface RowOwner {
  answer(row: number, reason: string | undefined): void;
}

/**
 * The rows sent to one partition, by absolute position, from its last state snapshot on: what a
 * restarted partition is rebuilt from, and where the answers find their tick and their caller.
 */
export class TickLog {
  /** Position of the first row kept. */
  base = 0;
  /** Position after the last row. */
  end = 0;
  #start = 0;
  #cap: number;
  owner: Array<RowOwner | undefined>;
  row: Int32Array;
  symbol: Int32Array;
  source: Int32Array;
  price: Float64Array;
  volume: Float64Array;
  ts: Float64Array;
  seq: Float64Array;
  receivedAt: Float64Array;
  ids: Array<string | undefined>;
  /** 1 when the row was dropped (drop-oldest) before its partition processed it. */
  dropped: Uint8Array;

  constructor(capacity = 1024) {
    this.#cap = capacity;
    this.owner = new Array<RowOwner | undefined>(capacity);
    this.row = new Int32Array(capacity);
    this.symbol = new Int32Array(capacity);
    this.source = new Int32Array(capacity);
    this.price = new Float64Array(capacity);
    this.volume = new Float64Array(capacity);
    this.ts = new Float64Array(capacity);
    this.seq = new Float64Array(capacity);
    this.receivedAt = new Float64Array(capacity);
    this.ids = new Array<string | undefined>(capacity);
    this.dropped = new Uint8Array(capacity);
  }

  /** Index of a position in the columns. */
  at(position: number): number {
    return this.#start + (position - this.base);
  }

  append(
    owner: RowOwner,
    row: number,
    symbol: number,
    source: number,
    price: number,
    volume: number,
    ts: number,
    seq: number,
    receivedAt: number,
    id: string | undefined,
  ): void {
    let i = this.#start + (this.end - this.base);
    if (i === this.#cap) {
      this.#compact();
      i = this.#start + (this.end - this.base);
    }
    this.owner[i] = owner;
    this.row[i] = row;
    this.symbol[i] = symbol;
    this.source[i] = source;
    this.price[i] = price;
    this.volume[i] = volume;
    this.ts[i] = ts;
    this.seq[i] = seq;
    this.receivedAt[i] = receivedAt;
    this.ids[i] = id;
    this.dropped[i] = 0;
    this.end++;
  }

  /** Forgets the rows before `position` (a snapshot covers them). */
  trim(position: number): void {
    const n = Math.min(position, this.end) - this.base;
    if (n <= 0) return;
    for (let i = this.#start; i < this.#start + n; i++) {
      this.owner[i] = undefined;
      this.ids[i] = undefined;
    }
    this.#start += n;
    this.base += n;
  }

  /** Moves the kept rows to the front, growing the columns when more than half full. */
  #compact(): void {
    const n = this.end - this.base;
    const s = this.#start;
    const cap = n * 2 > this.#cap ? this.#cap * 2 : this.#cap;
    const grow = <T extends Float64Array | Int32Array | Uint8Array>(a: T, make: (size: number) => T): T => {
      const b = cap === this.#cap ? a : make(cap);
      b.set(a.subarray(s, s + n));
      return b;
    };
    this.row = grow(this.row, (c) => new Int32Array(c));
    this.symbol = grow(this.symbol, (c) => new Int32Array(c));
    this.source = grow(this.source, (c) => new Int32Array(c));
    this.price = grow(this.price, (c) => new Float64Array(c));
    this.volume = grow(this.volume, (c) => new Float64Array(c));
    this.ts = grow(this.ts, (c) => new Float64Array(c));
    this.seq = grow(this.seq, (c) => new Float64Array(c));
    this.receivedAt = grow(this.receivedAt, (c) => new Float64Array(c));
    this.dropped = grow(this.dropped, (c) => new Uint8Array(c));
    const owner = this.owner.slice(s, s + n);
    const ids = this.ids.slice(s, s + n);
    owner.length = cap;
    ids.length = cap;
    this.owner = owner;
    this.ids = ids;
    this.#cap = cap;
    this.#start = 0;
  }

  /** Rows [from, to) as a restart sends them; dropped rows have symbol −1. */
  rows(from: number, to: number, advances: ReadonlyArray<{ at: number; now: number }>): ReplayRows {
    const n = Math.max(0, to - from);
    const i = this.at(from);
    const symbol = this.symbol.slice(i, i + n);
    for (let k = 0; k < n; k++) if (this.dropped[i + k] === 1) symbol[k] = -1;
    const steps = advances.filter((a) => a.at >= from && a.at <= to);
    return {
      length: n,
      symbol,
      source: this.source.slice(i, i + n),
      price: this.price.slice(i, i + n),
      volume: this.volume.slice(i, i + n),
      ts: this.ts.slice(i, i + n),
      seq: this.seq.slice(i, i + n),
      receivedAt: this.receivedAt.slice(i, i + n),
      ids: this.ids.slice(i, i + n),
      advanceAt: Int32Array.from(steps, (a) => a.at - from),
      advanceNow: Float64Array.from(steps, (a) => a.now),
    };
  }
}
