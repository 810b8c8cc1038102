import type { ReplayRows } from './thread-wire.js';
import { moveToFrontOf, TickColumns } from './tick-columns.js';

/** The ingest call a row belongs to: told each row's answer, resolved when all are in. */
export interface RowOwner {
  answer(row: number, reason: string | undefined): void;
}

/**
 * The rows sent to one partition, by absolute position, from its last state snapshot on: what a
 * restarted partition is rebuilt from, and where the answers find their tick and their caller. The
 * ring is written from here (RingWriter.writeFrom), so a row is put into columns once.
 */
export class TickLog extends TickColumns {
  /** Position of the first row kept. */
  base = 0;
  /** Position after the last row. */
  end = 0;
  #start = 0;
  owner: Array<RowOwner | undefined>;
  /** The row's index in its ingest call. */
  row: Int32Array;
  /** 1 when the row was dropped (drop-oldest) before its partition processed it. */
  dropped: Uint8Array;

  constructor(capacity = 1024) {
    super(capacity);
    this.owner = new Array<RowOwner | undefined>(capacity).fill(undefined);
    this.row = new Int32Array(capacity);
    this.dropped = new Uint8Array(capacity);
  }

  /** Index of a position in the columns. */
  at(position: number): number {
    return this.#start + (position - this.base);
  }

  /** Adds a row of `owner` (its columns are then `set` at the index answered). */
  append(owner: RowOwner, row: number): number {
    let i = this.#start + (this.end - this.base);
    if (i === this.capacity) {
      this.#compact();
      i = this.#start + (this.end - this.base);
    }
    this.owner[i] = owner;
    this.row[i] = row;
    this.dropped[i] = 0;
    this.end++;
    return i;
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
    const cap = n * 2 > this.capacity ? this.capacity * 2 : this.capacity;
    if (cap !== this.capacity) {
      const row = new Int32Array(cap);
      const dropped = new Uint8Array(cap);
      row.set(this.row.subarray(s, s + n));
      dropped.set(this.dropped.subarray(s, s + n));
      this.row = row;
      this.dropped = dropped;
    } else {
      this.row.copyWithin(0, s, s + n);
      this.dropped.copyWithin(0, s, s + n);
    }
    this.owner = moveToFrontOf(this.owner, s, n, cap);
    this.moveToFront(s, n, cap);
    this.#start = 0;
  }

  /** Rows [from, to) as a restart sends them; dropped rows have symbol −1. */
  rows(from: number, to: number, advances: ReadonlyArray<{ at: number; now: number }>): ReplayRows {
    const n = Math.max(0, to - from);
    const i = this.at(from);
    const rows = this.slice(i, n);
    for (let k = 0; k < n; k++) if (this.dropped[i + k] === 1) rows.symbol[k] = -1;
    const steps = advances.filter((a) => a.at >= from && a.at <= to);
    return {
      ...rows,
      length: n,
      advanceAt: Int32Array.from(steps, (a) => a.at - from),
      advanceNow: Float64Array.from(steps, (a) => a.now),
    };
  }
}
