import {
  normalizeId,
  normalizePrice,
  normalizeSource,
  normalizeTimestamp,
  normalizeVolume,
  rawVolume,
  type RawTick,
} from '../core/tick.js';

/**
 * A timestamp column's value as the engine takes it: NaN (absent) is the receive time, any other
 * value normalized (NaN when it is no valid time). The one rule, for the engine's checks and for
 * the time a partition thread reports for a tick it accepted.
 */
export function columnTimestamp(t: number, receivedAt: number): number {
  return t !== t ? receivedAt : normalizeTimestamp(t, receivedAt);
}

/**
 * Symbol numbers below this are remembered by number (an engine's state, a partition's route, in
 * an array indexed by it); larger ones, which only a process that numbered a million distinct
 * strings gives, are looked up by name as unnumbered rows are.
 */
const REMEMBERED_NUMBERS = 1 << 20;

/**
 * Ticks in columns: typed arrays reused from batch to batch, so a batch of ticks allocates
 * nothing per tick. The one columnar tick shape: the engine's input from producers that decode
 * binary input (TCP frames, gRPC, benchmarks; `Engine.ingestBatch`) and the storage writer's
 * buffer of accepted ticks (storage/tick-chunk.ts adds their ingest sequence numbers).
 *
 * Raw ticks (HTTP JSON and NDJSON, webhooks, recovery, the simulator, replays) come in through
 * `fillFromRaw`, decoders through `push`. Absent optional values are NaN (timestamp, seq,
 * receivedAt), undefined (id) or '' (source: the batch's). Numbers are kept as given: the engine
 * range-checks every column. A value present that can never be valid is one the engine refuses
 * with the field's reason: a symbol that is not a string is '', a timestamp that is no time or a
 * seq that is not a number (or NaN) -1, an id that is neither a string nor a safe integer ''.
 * `Engine.ingestBatch` takes the receive time of the whole batch as an argument and does not read
 * that column; the writer fills it from each accepted tick.
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
  /**
   * Per row, a number for its raw symbol (−1: none), read only while `numbered` is true: the
   * engine then finds the symbol's state, and the partitioned engine its partition, by an array
   * read instead of a lookup by name. The numbers come from one numbering per process (the
   * decoders' symbol interners share it, ingest/symbol-interner.ts) or, in a partition thread, from
   * its partition's numbering: the same number always stands for the same raw symbol.
   */
  readonly symbolNumbers: Int32Array;
  /**
   * Set by a producer that gives every row its symbol's number, after it filled the batch; `clear`
   * and `fillFromRaw` reset it, so numbers left from earlier rows are never read for new ones.
   */
  numbered = false;

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
    this.symbolNumbers = new Int32Array(capacity);
  }

  /**
   * Row `i`'s symbol number where it is one to remember it by (the batch is numbered and the
   * number below REMEMBERED_NUMBERS), else −1: the symbol is then looked up by name.
   */
  rememberedNumber(i: number): number {
    if (!this.numbered) return -1;
    const n = this.symbolNumbers[i]!;
    return n < REMEMBERED_NUMBERS ? n : -1;
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
   * Fills the batch with raw ticks from `ticks[from]` on, as many as fit: the one way from tick
   * objects to columns. Answers how many it took (the new `length`).
   *
   * It only puts each field into the column conventions (absent, present but invalid, or the value);
   * the engine's loop over the columns does the range checks of DESIGN §3.1, once, as for columns
   * from a decoder. Numbers, the shape JSON parsing gives, are copied without a call; strings and
   * other types go through the normalizing functions.
   */
  fillFromRaw(ticks: readonly RawTick[], from: number): number {
    const n = Math.min(this.capacity, ticks.length - from);
    this.numbered = false;
    const { symbols, price, volume, ts, seq, ids, sources, receivedAt } = this;
    for (let i = 0; i < n; i++) {
      const raw = ticks[from + i];
      if (typeof raw !== 'object' || raw === null) {
        // Refused as invalid_symbol, before any other field is looked at.
        symbols[i] = '';
        ids[i] = undefined;
        continue;
      }
      const symbol = raw.symbol;
      symbols[i] = typeof symbol === 'string' ? symbol : '';
      const p = raw.price;
      price[i] = typeof p === 'number' ? p : normalizePrice(p);
      const v = raw.volume;
      volume[i] = typeof v === 'number' ? v : normalizeVolume(rawVolume(raw));
      const t = raw.timestamp;
      if (typeof t === 'number') ts[i] = t === t ? t : -1;
      else if (t === undefined || t === null) ts[i] = NaN;
      else {
        const ms = normalizeTimestamp(t, NaN);
        ts[i] = ms === ms ? ms : -1;
      }
      const s = raw.seq;
      if (s === undefined || s === null) seq[i] = NaN;
      else seq[i] = typeof s === 'number' && s === s ? s : -1;
      const id = raw.id;
      if (id === undefined || id === null || typeof id === 'string') ids[i] = id ?? undefined;
      else ids[i] = normalizeId(id) ?? '';
      const source = raw.source;
      sources[i] = source === undefined ? '' : normalizeSource(source, '');
      receivedAt[i] = NaN;
    }
    this.length = n;
    return n;
  }

  /** Empties the batch for reuse, dropping its id references so it keeps no strings alive. */
  clear(): void {
    for (let i = 0; i < this.length; i++) this.ids[i] = undefined;
    this.length = 0;
    this.numbered = false;
  }
}
