/**
 * Ticks in columns: typed arrays reused from batch to batch, for producers that decode binary
 * input (TCP frames, benchmarks) and would otherwise allocate an object per tick. Absent optional
 * values are NaN (timestamp, seq) or undefined (id).
 */
export class TickBatch {
  readonly capacity: number;
  length = 0;
  readonly symbols: string[];
  readonly price: Float64Array;
  readonly volume: Float64Array;
  /** Event time, epoch ms; NaN means the receive time. */
  readonly ts: Float64Array;
  /** NaN means no sequence number. */
  readonly seq: Float64Array;
  readonly ids: Array<string | undefined>;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be an integer ≥ 1, got ${capacity}`);
    this.capacity = capacity;
    this.symbols = new Array<string>(capacity).fill('');
    this.price = new Float64Array(capacity);
    this.volume = new Float64Array(capacity);
    this.ts = new Float64Array(capacity);
    this.seq = new Float64Array(capacity);
    this.ids = new Array<string | undefined>(capacity).fill(undefined);
  }

  get full(): boolean {
    return this.length === this.capacity;
  }

  /** Appends a tick; returns false (and appends nothing) when the batch is full. */
  push(
    symbol: string,
    price: number,
    volume: number,
    ts = NaN,
    seq = NaN,
    id: string | undefined = undefined,
  ): boolean {
    const i = this.length;
    if (i === this.capacity) return false;
    this.symbols[i] = symbol;
    this.price[i] = price;
    this.volume[i] = volume;
    this.ts[i] = ts;
    this.seq[i] = seq;
    this.ids[i] = id;
    this.length = i + 1;
    return true;
  }

  clear(): void {
    // Drop id references so a cleared batch keeps no strings alive.
    for (let i = 0; i < this.length; i++) this.ids[i] = undefined;
    this.length = 0;
  }
}
