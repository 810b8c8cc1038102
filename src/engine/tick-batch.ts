import {
  normalizeId,
  normalizePrice,
  normalizeSeq,
  normalizeSource,
  normalizeTimestamp,
  normalizeVolume,
  rawVolume,
  type RawTick,
} from '../core/tick.js';

/**
 * Ticks in columns: typed arrays reused from batch to batch, so a batch of ticks allocates
 * nothing per tick. The one columnar tick shape: the engine's input from producers that decode
 * binary input (TCP frames, gRPC, benchmarks; `Engine.ingestBatch`) and the storage writer's
 * buffer of accepted ticks (storage/tick-chunk.ts adds their ingest sequence numbers).
 *
 * Raw ticks (HTTP JSON and NDJSON, webhooks, recovery, the simulator, replays) come in through
 * `fillFromRaw`, decoders through `push`. Absent optional values are NaN (timestamp, seq,
 * receivedAt), undefined (id) or '' (source: the batch's). A value present but invalid is one the
 * engine refuses with the field's reason: a symbol that is not a string is '', an invalid
 * timestamp or seq -1, an invalid id ''. `Engine.ingestBatch` takes the receive time of the whole
 * batch as an argument and does not read that column; the writer fills it from each accepted tick.
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
  /** Producer of each tick ('' when the batch's source applies). */
  readonly sources: string[];
  /** Arrival time, epoch ms (NaN when the batch's receive time applies, or none was given). */
  readonly receivedAt: Float64Array;

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
    this.sources = new Array<string>(capacity).fill('');
    this.receivedAt = new Float64Array(capacity);
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
    source = '',
    receivedAt = NaN,
  ): boolean {
    const i = this.length;
    if (i === this.capacity) return false;
    this.symbols[i] = symbol;
    this.price[i] = price;
    this.volume[i] = volume;
    this.ts[i] = ts;
    this.seq[i] = seq;
    this.ids[i] = id;
    this.sources[i] = source;
    this.receivedAt[i] = receivedAt;
    this.length = i + 1;
    return true;
  }

  /**
   * Fills the batch with raw ticks from `ticks[from]` on, as many as fit, each field checked as
   * DESIGN §3.1 says (the engine re-checks the columns, which is idempotent): the one way from
   * tick objects to columns. Answers how many it took (the new `length`).
   */
  fillFromRaw(ticks: readonly RawTick[], from: number): number {
    const n = Math.min(this.capacity, ticks.length - from);
    for (let i = 0; i < n; i++) {
      const raw = ticks[from + i];
      if (typeof raw !== 'object' || raw === null) {
        // Refused as invalid_symbol, before any other field is looked at.
        this.symbols[i] = '';
        this.ids[i] = undefined;
        continue;
      }
      this.symbols[i] = typeof raw.symbol === 'string' ? raw.symbol : '';
      this.price[i] = normalizePrice(raw.price);
      this.volume[i] = normalizeVolume(rawVolume(raw));
      const t = raw.timestamp;
      if (t === undefined || t === null) this.ts[i] = NaN;
      else {
        const ms = normalizeTimestamp(t, NaN);
        this.ts[i] = ms === ms ? ms : -1;
      }
      const seq = normalizeSeq(raw.seq);
      this.seq[i] = seq === undefined ? NaN : seq === seq ? seq : -1;
      const id = normalizeId(raw.id);
      this.ids[i] = id === null ? '' : id;
      this.sources[i] = raw.source === undefined ? '' : normalizeSource(raw.source, '');
      this.receivedAt[i] = NaN;
    }
    this.length = n;
    return n;
  }

  /** Empties the batch for reuse, dropping its id references so it keeps no strings alive. */
  clear(): void {
    for (let i = 0; i < this.length; i++) this.ids[i] = undefined;
    this.length = 0;
  }
}
