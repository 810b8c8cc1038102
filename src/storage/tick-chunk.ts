/**
 * Accepted ticks in columns, waiting to be written: the batch writer copies each tick's fields in
 * here (the engine reuses its event object), so buffering allocates nothing per tick. Chunks are
 * pooled and reused. Row `i` has the ingest sequence number `firstSeq + i`.
 */
export class TickChunk {
  readonly capacity: number;
  length = 0;
  /** Ingest sequence number of row 0. */
  firstSeq = 0;
  readonly symbols: string[];
  /** Event time, epoch ms. */
  readonly ts: Float64Array;
  readonly price: Float64Array;
  readonly volume: Float64Array;
  /** NaN: no sequence number. */
  readonly seq: Float64Array;
  readonly ids: Array<string | undefined>;
  readonly sources: string[];
  /** Arrival time, epoch ms (NaN when the producer gave none). */
  readonly receivedAt: Float64Array;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be an integer ≥ 1, got ${capacity}`);
    this.capacity = capacity;
    this.symbols = new Array<string>(capacity).fill('');
    this.ts = new Float64Array(capacity);
    this.price = new Float64Array(capacity);
    this.volume = new Float64Array(capacity);
    this.seq = new Float64Array(capacity);
    this.ids = new Array<string | undefined>(capacity).fill(undefined);
    this.sources = new Array<string>(capacity).fill('');
    this.receivedAt = new Float64Array(capacity);
  }

  get full(): boolean {
    return this.length === this.capacity;
  }

  /** Ingest sequence number of the last row (firstSeq − 1 when empty). */
  get lastSeq(): number {
    return this.firstSeq + this.length - 1;
  }

  /** Empties the chunk for reuse, dropping its string references. */
  clear(): void {
    for (let i = 0; i < this.length; i++) this.ids[i] = undefined;
    this.length = 0;
  }
}
