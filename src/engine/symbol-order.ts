import type { TickBatch } from './tick-batch.js';

/**
 * The rows of a numbered batch a symbol at a time: each symbol's rows in their order, the symbols
 * in the order of their first row. An engine that processes a batch in this order touches a
 * symbol's state once for all its rows in the batch instead of once a row; with 1,000 symbols
 * that state is out of the core's cache by the symbol's next tick, and a chunk of a few thousand
 * rows holds several ticks of each (docs/benchmarks.md, "A symbol at a time").
 *
 * Every symbol's own ticks keep their order, so its state, its events and the symbols' first
 * appearances come out as in row order; only the interleaving of different symbols' events
 * changes, which a caller that wants them in row order puts back (the partition thread does).
 */
export class SymbolOrder {
  /** Per symbol number: the batch it was last seen in (`#epoch`), and its group in that batch. */
  #seenIn = new Int32Array(1024);
  #groupOf = new Int32Array(1024);
  #epoch = 0;
  /** Per row: its group; per group: its row count, then where its next row goes. */
  #rowGroup = new Int32Array(0);
  #groupAt = new Int32Array(0);
  #order = new Int32Array(0);

  /**
   * The batch's row indices a symbol at a time, or undefined when that is the row order already
   * (every row a symbol of its own) or a row has no number to group it by. The array is reused by
   * the next call.
   */
  arrange(batch: TickBatch): Int32Array | undefined {
    const n = batch.length;
    if (n < 2) return undefined;
    if (this.#order.length < n) {
      this.#rowGroup = new Int32Array(batch.capacity);
      this.#groupAt = new Int32Array(batch.capacity);
      this.#order = new Int32Array(batch.capacity);
    }
    if (++this.#epoch === 0x7fffffff) {
      this.#seenIn.fill(0);
      this.#epoch = 1;
    }
    const epoch = this.#epoch;
    const rowGroup = this.#rowGroup;
    const groupAt = this.#groupAt;
    let groups = 0;
    for (let i = 0; i < n; i++) {
      const number = batch.rememberedNumber(i);
      if (number < 0) return undefined;
      if (number >= this.#seenIn.length) this.#grow(number);
      let g: number;
      if (this.#seenIn[number] !== epoch) {
        this.#seenIn[number] = epoch;
        g = groups++;
        this.#groupOf[number] = g;
        groupAt[g] = 0;
      } else g = this.#groupOf[number]!;
      rowGroup[i] = g;
      groupAt[g]!++;
    }
    if (groups === n) return undefined;
    // Counts to starts (a counting sort: stable, so each group keeps its rows' order).
    for (let g = 0, at = 0; g < groups; g++) {
      const count = groupAt[g]!;
      groupAt[g] = at;
      at += count;
    }
    const order = this.#order;
    for (let i = 0; i < n; i++) order[groupAt[rowGroup[i]!]!++] = i;
    return order;
  }

  #grow(number: number): void {
    const size = Math.max(number + 1, this.#seenIn.length * 2);
    const seenIn = new Int32Array(size);
    seenIn.set(this.#seenIn);
    this.#seenIn = seenIn;
    const groupOf = new Int32Array(size);
    groupOf.set(this.#groupOf);
    this.#groupOf = groupOf;
  }
}
