import type { ReplayRows } from './thread-wire.js';
import { TickColumns } from './tick-columns.js';

/** The ingest call a row belongs to: told each row's answer, resolved when all are in. */
export interface RowOwner {
  answer(row: number, reason: string | undefined): void;
}

/**
 * The rows sent to one partition, by absolute position, from its last state snapshot on: what a
 * restarted partition is rebuilt from, and where the answers find their tick and their caller. The
 * ring is written from here (RingWriter.writeFrom), so a row is put into columns once.
 *
 * Circular: position p lives at index `p & mask` (a power-of-two capacity), so trimming and
 * appending never move a row; only growing (when every slot holds a kept row) copies them, once
 * per doubling.
 */
export class TickLog extends TickColumns {
  /** Position of the first row kept. */
  base = 0;
  /** Position after the last row. */
  end = 0;
  #mask: number;
  owner: Array<RowOwner | undefined>;
  /** The row's index in its ingest call. */
  row: Int32Array;
  /** 1 when the row was dropped (drop-oldest) before its partition processed it. */
  dropped: Uint8Array;

  constructor(capacity = 1024) {
    const slots = 2 ** Math.ceil(Math.log2(Math.max(1, capacity)));
    super(slots);
    this.#mask = slots - 1;
    this.owner = new Array<RowOwner | undefined>(slots).fill(undefined);
    this.row = new Int32Array(slots);
    this.dropped = new Uint8Array(slots);
  }

  /** Index of a position in the columns. */
  at(position: number): number {
    return position & this.#mask;
  }

  /** Adds a row of `owner` (its columns are then `set` at the index answered). */
  append(owner: RowOwner, row: number): number {
    if (this.end - this.base === this.capacity) this.#grow();
    const i = this.end & this.#mask;
    this.owner[i] = owner;
    this.row[i] = row;
    this.dropped[i] = 0;
    this.end++;
    return i;
  }

  /**
   * Rows from `position` on that lie side by side in the columns: at most `n`, fewer where the
   * positions wrap to index 0 (a caller reading `n` rows in one pass reads the rest from there).
   */
  run(position: number, n: number): number {
    return Math.min(n, this.capacity - this.at(position));
  }

  /** Forgets the rows before `position` (a snapshot covers them). */
  trim(position: number): void {
    const to = Math.min(position, this.end);
    for (let p = this.base; p < to; p++) {
      const i = p & this.#mask;
      this.owner[i] = undefined;
      this.ids[i] = undefined;
    }
    if (to > this.base) this.base = to;
  }

  /** Doubles the slots, each kept row moving to its index there (in runs, not row by row). */
  #grow(): void {
    const slots = this.capacity * 2;
    const mask = slots - 1;
    const next = new TickColumns(slots);
    const owner = new Array<RowOwner | undefined>(slots).fill(undefined);
    const row = new Int32Array(slots);
    const dropped = new Uint8Array(slots);
    for (let p = this.base; p < this.end;) {
      const i = p & this.#mask;
      const j = p & mask;
      // Positions side by side in both the old slots and the new ones.
      const n = Math.min(this.end - p, this.capacity - i, slots - j);
      next.copyRows(j, this, i, n);
      row.set(this.row.subarray(i, i + n), j);
      dropped.set(this.dropped.subarray(i, i + n), j);
      for (let k = 0; k < n; k++) owner[j + k] = this.owner[i + k];
      p += n;
    }
    this.adopt(next);
    this.owner = owner;
    this.row = row;
    this.dropped = dropped;
    this.#mask = mask;
  }

  /** Rows [from, to) as a restart sends them; dropped rows have symbol −1. */
  rows(from: number, to: number, advances: ReadonlyArray<{ at: number; now: number }>): ReplayRows {
    const n = Math.max(0, to - from);
    const rows = new TickColumns(n);
    for (let k = 0; k < n;) {
      const run = this.run(from + k, n - k);
      rows.copyRows(k, this, this.at(from + k), run);
      k += run;
    }
    for (let k = 0; k < n; k++) if (this.dropped[this.at(from + k)] === 1) rows.symbol[k] = -1;
    const steps = advances.filter((a) => a.at >= from && a.at <= to);
    return {
      ...rows,
      length: n,
      advanceAt: Int32Array.from(steps, (a) => a.at - from),
      advanceNow: Float64Array.from(steps, (a) => a.now),
    };
  }
}
