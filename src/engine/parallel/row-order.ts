/**
 * Where the entries `from … to − 1` of `rows` (each a row number ≥ 0) go to be in row order,
 * keeping the order of entries of the same row: `order[k]` is the entry that comes k-th. Undefined
 * when they are in row order already. A counting sort over the rows, as a partition thread's
 * chunk made a symbol at a time (SymbolOrder) has a few events for thousands of rows.
 */
export function rowOrder(rows: readonly number[], from: number, to: number): Int32Array | undefined {
  let last = -1;
  let sorted = true;
  let most = 0;
  for (let k = from; k < to; k++) {
    const row = rows[k]!;
    if (row < last) sorted = false;
    last = row;
    if (row > most) most = row;
  }
  if (sorted) return undefined;
  const at = new Int32Array(most + 2);
  for (let k = from; k < to; k++) at[rows[k]! + 1]!++;
  for (let r = 1; r < at.length; r++) at[r]! += at[r - 1]!;
  const order = new Int32Array(to - from);
  for (let k = from; k < to; k++) order[at[rows[k]!]!++] = k;
  return order;
}

/** `items` from `from` on, reordered so that the k-th is the one `order[k]` named (absolute). */
export function reorder<T>(items: T[], from: number, order: Int32Array): void {
  const before = items.slice(from, from + order.length);
  for (let k = 0; k < order.length; k++) items[from + k] = before[order[k]! - from]!;
}
