import {
  addLatestToSlot,
  addToSlot,
  CLOSE,
  CLOSE_TS,
  END,
  HIGH,
  initSlot,
  LOW,
  OPEN,
  OPEN_TS,
  PV_SUM,
  REVISION,
  SLOT,
  type SlotValues,
  START,
  TRADES,
  VOLUME,
  writeSlot,
} from './candle-slot.js';
import type { Interval } from './interval.js';
import { recordFields } from './record-fields.js';
import type { SnapshotPacker } from './snapshot-pack.js';

/**
 * OHLCV candles (DESIGN §3.5). A bucket of interval I starts at `floor(ts / I) * I` (UTC epoch
 * aligned) and closes when the symbol's watermark reaches its end. Ticks within the allowed
 * lateness still land in their own bucket, so several buckets of one interval can be open at once.
 */

/** A candle's complete state, enough to rebuild it exactly (snapshots, recovery, tests). */
export interface CandleInit extends SlotValues {
  readonly symbol: string;
  readonly interval: string;
  readonly closed: boolean;
}

/** A candle's public fields as plain data: the slot's bar without its exact-rebuild fields. */
export interface CandleData extends Omit<SlotValues, 'pvSum' | 'openTs' | 'closeTs'> {
  readonly symbol: string;
  readonly interval: string;
  /** Σp·v / Σv; null while the volume is 0. */
  readonly vwap: number | null;
  readonly closed: boolean;
}

/** The bar of a candle (what `analyze` writes), in output order: the first fields of {@link CANDLE_FIELDS}. */
export const CANDLE_BAR_FIELDS = [
  'symbol',
  'interval',
  'start',
  'end',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'trades',
  'vwap',
] as const satisfies readonly (keyof CandleData)[];

/** Every field of {@link CandleData}, in output order (the API, the stored row). */
export const CANDLE_FIELDS = recordFields<CandleData>()([...CANDLE_BAR_FIELDS, 'revision', 'closed']);

/**
 * A candle as the analytics emit it. The object a {@link CandleSet} passes to its sink is lent:
 * loaded again for a later event (the next update of its interval, or the next close or revision
 * of any), so copy it (`toJSON`, `toInit`) to keep it. A closed candle (`closed` true) never
 * changes; a revision comes as a later event with `revision` one more. JSON of a Candle is exactly
 * its {@link CandleData}.
 */
export class Candle implements CandleData {
  symbol = '';
  interval = '';
  start = NaN;
  end = NaN;
  open = NaN;
  high = NaN;
  low = NaN;
  close = NaN;
  volume = NaN;
  trades = 0;
  revision = 0;
  closed = false;
  // Numeric initializers keep V8 from typing these fields as tagged (which boxes every double).
  #pvSum = NaN;
  #openTs = NaN;
  #closeTs = NaN;

  constructor(init?: CandleInit) {
    if (init === undefined) return;
    this.symbol = init.symbol;
    this.interval = init.interval;
    this.start = init.start;
    this.end = init.end;
    this.open = init.open;
    this.high = init.high;
    this.low = init.low;
    this.close = init.close;
    this.volume = init.volume;
    this.trades = init.trades;
    this.revision = init.revision;
    this.closed = init.closed;
    this.#pvSum = init.pvSum;
    this.#openTs = init.openTs;
    this.#closeTs = init.closeTs;
  }

  /** Σp·v / Σv, null while the volume is 0. A getter: a field holding both null and doubles would
   *  make V8 box every double written to the object. */
  get vwap(): number | null {
    return this.volume > 0 ? this.#pvSum / this.volume : null;
  }

  /** Loads slot `o` of a {@link CandleSet} buffer. */
  load(symbol: string, interval: string, f: Float64Array, o: number, closed: boolean): this {
    this.symbol = symbol;
    this.interval = interval;
    this.start = f[o + START]!;
    this.end = f[o + END]!;
    this.open = f[o + OPEN]!;
    this.high = f[o + HIGH]!;
    this.low = f[o + LOW]!;
    this.close = f[o + CLOSE]!;
    this.volume = f[o + VOLUME]!;
    this.trades = f[o + TRADES]!;
    this.revision = f[o + REVISION]!;
    this.closed = closed;
    this.#pvSum = f[o + PV_SUM]!;
    this.#openTs = f[o + OPEN_TS]!;
    this.#closeTs = f[o + CLOSE_TS]!;
    return this;
  }

  /** Writes this candle into slot `o` of `f` (what `load` reads back): a copy without an object. */
  store(f: Float64Array, o: number): void {
    f[o + START] = this.start;
    f[o + END] = this.end;
    f[o + OPEN] = this.open;
    f[o + HIGH] = this.high;
    f[o + LOW] = this.low;
    f[o + CLOSE] = this.close;
    f[o + VOLUME] = this.volume;
    f[o + TRADES] = this.trades;
    f[o + PV_SUM] = this.#pvSum;
    f[o + OPEN_TS] = this.#openTs;
    f[o + CLOSE_TS] = this.#closeTs;
    f[o + REVISION] = this.revision;
  }

  /** Everything needed to rebuild this candle exactly. */
  toInit(): CandleInit {
    // toJSON() and three fields added, not a spread of it (three times slower): snapshots make one
    // per open candle of every symbol. The keys keep toJSON()'s order, then the exact ones.
    const init = this.toJSON() as CandleData & { pvSum: number; openTs: number; closeTs: number };
    init.pvSum = this.#pvSum;
    init.openTs = this.#openTs;
    init.closeTs = this.#closeTs;
    return init;
  }

  /** The public fields as a plain object: a copy that later ticks do not change. */
  toJSON(): CandleData {
    return {
      symbol: this.symbol,
      interval: this.interval,
      start: this.start,
      end: this.end,
      open: this.open,
      high: this.high,
      low: this.low,
      close: this.close,
      volume: this.volume,
      trades: this.trades,
      vwap: this.vwap,
      revision: this.revision,
      closed: this.closed,
    };
  }
}

/** Receives candles from a {@link CandleSet}. */
export interface CandleSink {
  /** When false, open-candle updates are not reported (they cost one call per interval per tick). */
  readonly wantsCandleUpdates: boolean;
  /**
   * An open candle changed (`closed` false), or a candle closed or was revised (`closed` true);
   * `close` is true for a close (one that `closes(k)` counts), not for a revision.
   */
  candle(candle: Candle, close?: boolean): void;
}

/**
 * The Candle every CandleSet of the thread lends with its closes and revisions. One for all of
 * them, not one per set: a symbol's own object would be out of the cache by its next close (a
 * thousand symbols in turn), where this one is touched every few ticks.
 */
const LENT_CLOSED = new Candle();

/**
 * The candles of one symbol at every interval, in one Float64Array of bucket slots.
 *
 * Why slots in a typed array: with a thousand symbols ticking in random order, every object a
 * tick touches is likely a cache miss. The newest bucket of interval k always sits in slot k at
 * the front of the buffer, so the per-tick work reads one run of adjacent cache lines, with no
 * allocation and no lookup; a Candle is loaded from a slot only when a candle is emitted.
 *
 * Behind the newest buckets, overflow slots hold the older buckets of each interval that are still
 * open (for the allowed lateness; oldest first) and the revisable ones: closed buckets with
 * `end > lastTs − lateness`, the only closed ones a future tick can reach. Under event time alone
 * no tick ever lands in a closed bucket, since accepted ticks have `ts ≥ lastTs − lateness`. Only
 * when the wall clock pushed a quiet symbol's watermark further can one arrive; the bucket is then
 * re-emitted with `revision + 1`.
 *
 * Without open-candle updates to report, and when every longer interval's length is a multiple of
 * the shortest's (the defaults), a tick that lands in the shortest interval's newest bucket at or
 * after every close time updates that bucket alone, and the longer intervals' volume and Σp·v sums
 * (`#defer`): the rest of their newest buckets catch up from it before anything reads them.
 */
export class CandleSet {
  readonly symbol: string;
  readonly intervals: readonly Interval[];
  /** Slot k (k < intervals.length) holds interval k's newest open bucket (START NaN: none). */
  #f: Float64Array;
  /**
   * Lists of overflow slot offsets, in one array (a tick that moves a bucket behind the newest,
   * or closes one, reaches them without an object per list): list k holds interval k's open
   * buckets older than the newest, oldest first; list n + k its revisable closed buckets; list 2n
   * the free slots. List j's length is at `j × #stride`, its offsets follow.
   */
  #lists: Int32Array;
  #stride = 8;
  /** The free list's number among `#lists` (2n). */
  readonly #free: number;
  /** Per interval, the object lent to open-candle update listeners. */
  readonly #live: Candle[];
  #nextEnd = Infinity;
  /** The largest close time of any slot (every tick added, every bucket restored). */
  #maxCloseTs = -Infinity;
  /** Per interval, buckets closed so far (counted before each is emitted). */
  readonly #closes: Float64Array;
  /** Every longer interval's length a multiple of the shortest's: their buckets nest in its buckets. */
  readonly #nested: boolean;
  /**
   * While true, the newest buckets of the longer intervals lag behind the shortest one's: ticks
   * added since (`#pending`) are in the shortest interval's newest bucket, and in the longer ones
   * only in `#sums` (see `#defer`).
   */
  #deferring = false;
  #pending = 0;
  /** Volume and Σp·v of interval k's newest bucket at [2k] and [2k + 1] while deferring. */
  readonly #sums: Float64Array;

  constructor(symbol: string, intervals: readonly Interval[]) {
    this.symbol = symbol;
    this.intervals = intervals;
    const n = intervals.length;
    this.#free = 2 * n;
    this.#lists = new Int32Array((2 * n + 1) * this.#stride);
    this.#live = Array.from({ length: n }, () => new Candle());
    this.#closes = new Float64Array(n);
    this.#sums = new Float64Array(2 * n);
    this.#nested = n > 1 && intervals.every((i) => i.ms % intervals[0]!.ms === 0);
    // The newest slots, and one overflow slot per interval: the bucket still open behind the newest.
    this.#f = new Float64Array(2 * n * SLOT);
    for (let k = 0; k < n; k++) this.#f[k * SLOT + START] = NaN;
    for (let o = this.#f.length - SLOT; o >= n * SLOT; o -= SLOT) this.#push(this.#free, o);
  }

  /** End of the oldest open bucket over all intervals (Infinity when none): nothing closes before. */
  get nextEnd(): number {
    return this.#nextEnd;
  }

  /**
   * Adds a tick to its bucket at every interval. A bucket that `watermark` already closed is
   * revised and emitted as closed; the others are reported as updates if the sink wants them.
   */
  add(ts: number, price: number, volume: number, watermark: number, sink: CandleSink): void {
    const updates = sink.wantsCandleUpdates;
    const n = this.intervals.length;
    let f = this.#f;
    // A tick at or after every slot's close time (all but late ones) moves each bucket's close and
    // never its open.
    const latest = ts >= this.#maxCloseTs;
    if (latest) this.#maxCloseTs = ts;
    if (this.#deferring) {
      if (latest && !updates && this.#addDeferred(ts, price, volume)) return;
      this.#catchUp();
    }
    for (let k = 0, o = 0; k < n; k++, o += SLOT) {
      // Nearly every tick lands in the newest bucket: a range check, no division (a float modulo
      // is a slow library call). A NaN start fails it.
      if (ts >= f[o]! && ts < f[o + END]!) {
        if (latest) addLatestToSlot(f, o, ts, price, volume);
        else addToSlot(f, o, ts, price, volume);
        if (updates) sink.candle(this.#live[k]!.load(this.symbol, this.intervals[k]!.label, f, o, false));
      } else {
        this.#addSlow(k, ts, price, volume, watermark, sink);
        // The slow path may have grown the buffer.
        f = this.#f;
      }
    }
    if (this.#nested && !updates) this.#defer();
  }

  /**
   * While deferring, a tick at or after every close time: added to the shortest interval's newest
   * bucket and the longer intervals' sums if it lands in that bucket, else false. Apart from `add`
   * so that `add` stays within the size V8 inlines.
   */
  #addDeferred(ts: number, price: number, volume: number): boolean {
    const f = this.#f;
    if (!(ts >= f[START]! && ts < f[END]!)) return false;
    addLatestToSlot(f, 0, ts, price, volume);
    this.#pending++;
    if (volume > 0) {
      const sums = this.#sums;
      const pv = price * volume;
      for (let i = 2; i < sums.length; i += 2) {
        sums[i]! += volume;
        sums[i + 1]! += pv;
      }
    }
    return true;
  }

  /**
   * Starts deferring the longer intervals' newest buckets, when each holds the shortest
   * interval's newest bucket: a tick landing there at or after every close time then lands in all
   * of them, and changes theirs as it changes the shortest one's (close, high, low, trades), but for
   * their volume and Σp·v, which are added to their own sums tick by tick (a sum of sums would round
   * differently). So such a tick updates one bucket and the sums; `#catchUp` brings the others up
   * to date from the shortest bucket before anything reads them.
   */
  #defer(): void {
    const f = this.#f;
    const start = f[START]!;
    const end = f[END]!;
    // No newest bucket (a NaN start): nothing to defer.
    if (!(start === start)) return;
    const n = this.intervals.length;
    for (let k = 1, o = SLOT; k < n; k++, o += SLOT)
      if (!(f[o + START]! <= start && end <= f[o + END]!)) return;
    const sums = this.#sums;
    for (let k = 1, o = SLOT; k < n; k++, o += SLOT) {
      sums[2 * k] = f[o + VOLUME]!;
      sums[2 * k + 1] = f[o + PV_SUM]!;
    }
    this.#pending = 0;
    this.#deferring = true;
  }

  /** Brings the deferred buckets up to date for a reader, and goes on deferring. */
  #sync(): void {
    if (!this.#deferring) return;
    this.#catchUp();
    this.#defer();
  }

  /** Ends deferring: the longer intervals' newest buckets as if every tick had been added to them. */
  #catchUp(): void {
    if (!this.#deferring) return;
    this.#deferring = false;
    const f = this.#f;
    const n = this.intervals.length;
    const sums = this.#sums;
    const pending = this.#pending;
    // The shortest bucket's high and low cover the pending ticks (and earlier ones the longer
    // buckets hold already); the last pending tick set its close.
    const high = f[HIGH]!;
    const low = f[LOW]!;
    const close = f[CLOSE]!;
    const closeTs = f[CLOSE_TS]!;
    for (let k = 1, o = SLOT; k < n; k++, o += SLOT) {
      f[o + VOLUME] = sums[2 * k]!;
      f[o + PV_SUM] = sums[2 * k + 1]!;
      if (pending === 0) continue;
      if (high > f[o + HIGH]!) f[o + HIGH] = high;
      if (low < f[o + LOW]!) f[o + LOW] = low;
      f[o + TRADES]! += pending;
      f[o + CLOSE] = close;
      f[o + CLOSE_TS] = closeTs;
    }
  }

  #addSlow(k: number, ts: number, price: number, volume: number, watermark: number, sink: CandleSink): void {
    const { ms, label } = this.intervals[k]!;
    const start = ts - (ts % ms);
    const newest = k * SLOT;
    const newestStart = this.#f[newest]!;
    let o = -1;
    if (!(start <= newestStart)) {
      // A bucket after the newest (or the first). The wall clock may have closed it already.
      if (start + ms <= watermark) {
        sink.candle(this.#revise(k, start, ts, price, volume));
        return;
      }
      // The newest, if any, moves behind it, still open.
      if (newestStart === newestStart) this.#push(k, this.#copy(newest));
      initSlot(this.#f, newest, start, start + ms, ts, price, volume);
      o = newest;
    } else {
      for (let i = 0, n = this.#length(k); i < n; i++) {
        const p = this.#at(k, i);
        if (this.#f[p] === start) {
          addToSlot(this.#f, p, ts, price, volume);
          o = p;
          break;
        }
      }
      if (o < 0) {
        if (start + ms <= watermark) {
          sink.candle(this.#revise(k, start, ts, price, volume));
          return;
        }
        o = this.#alloc();
        initSlot(this.#f, o, start, start + ms, ts, price, volume);
        let at = this.#length(k);
        while (at > 0 && this.#f[this.#at(k, at - 1)]! > start) at--;
        this.#insert(k, at, o);
      }
    }
    if (start + ms < this.#nextEnd) this.#nextEnd = start + ms;
    if (sink.wantsCandleUpdates) sink.candle(this.#live[k]!.load(this.symbol, label, this.#f, o, false));
  }

  /** A tick for a bucket the watermark closed: revise it (revision + 1), or open it already closed. */
  #revise(k: number, start: number, ts: number, price: number, volume: number): Candle {
    const revisable = this.#revisable(k);
    for (let i = 0, n = this.#length(revisable); i < n; i++) {
      const o = this.#at(revisable, i);
      if (this.#f[o] === start) {
        this.#f[o + REVISION]!++;
        addToSlot(this.#f, o, ts, price, volume);
        return this.#emitted(k, o);
      }
    }
    const o = this.#alloc();
    initSlot(this.#f, o, start, start + this.intervals[k]!.ms, ts, price, volume);
    this.#push(revisable, o);
    return this.#emitted(k, o);
  }

  /**
   * Closes, and emits oldest first (by interval, shortest first), every open bucket with
   * `end ≤ watermark`. `eventWatermark` (lastTs − lateness) bounds which closed buckets stay
   * revisable: buckets ending at or before it can never be reached again.
   */
  closeUpTo(watermark: number, eventWatermark: number, sink: CandleSink): void {
    let nextEnd = Infinity;
    const n = this.intervals.length;
    for (let k = 0; k < n; k++) {
      const revisable = this.#revisable(k);
      const older = this.#length(k);
      let closed = 0;
      while (closed < older && this.#f[this.#at(k, closed) + END]! <= watermark) {
        const o = this.#at(k, closed++);
        this.#closes[k]!++;
        sink.candle(this.#emitted(k, o), true);
        this.#push(this.#f[o + END]! > eventWatermark ? revisable : this.#free, o);
      }
      if (closed > 0) this.#dropFront(k, closed);
      const newest = k * SLOT;
      // A cleared newest slot has a NaN start (and a stale end).
      if (older === closed && this.#f[newest] === this.#f[newest] && this.#f[newest + END]! <= watermark) {
        if (k > 0) this.#catchUp();
        this.#closes[k]!++;
        sink.candle(this.#emitted(k, newest), true);
        if (this.#f[newest + END]! > eventWatermark) this.#push(revisable, this.#copy(newest));
        this.#f[newest] = NaN;
      }
      const end =
        older > closed
          ? this.#f[this.#at(k, 0) + END]!
          : this.#f[newest]! === this.#f[newest]!
            ? this.#f[newest + END]!
            : Infinity;
      if (end < nextEnd) nextEnd = end;
      if (this.#length(revisable) > 0) this.#prune(revisable, eventWatermark);
    }
    this.#nextEnd = nextEnd;
  }

  /**
   * Frees the revisable buckets ending at or before `eventWatermark` (newest first onto the free
   * list, as before), keeping the others in order; in place, no array per call.
   */
  #prune(revisable: number, eventWatermark: number): void {
    const f = this.#f;
    const n = this.#length(revisable);
    let freed = 0;
    for (let i = n - 1; i >= 0; i--) {
      const o = this.#at(revisable, i);
      if (f[o + END]! <= eventWatermark) {
        this.#push(this.#free, o);
        freed++;
      }
    }
    if (freed === 0) return;
    // The free list's growth may have moved the lists: offsets are read from the current array.
    const lists = this.#lists;
    const base = revisable * this.#stride + 1;
    let kept = 0;
    for (let i = 0; i < n; i++) {
      const o = lists[base + i]!;
      if (f[o + END]! > eventWatermark) lists[base + kept++] = o;
    }
    lists[base - 1] = kept;
  }

  /** The number of interval k's list of revisable buckets (its older open ones are list k). */
  #revisable(k: number): number {
    return this.intervals.length + k;
  }

  /** Length of list j. */
  #length(j: number): number {
    return this.#lists[j * this.#stride]!;
  }

  /** Offset i of list j. */
  #at(j: number, i: number): number {
    return this.#lists[j * this.#stride + 1 + i]!;
  }

  #push(j: number, o: number): void {
    let lists = this.#lists;
    let at = j * this.#stride;
    const n = lists[at]!;
    if (n + 1 === this.#stride) {
      this.#widen();
      lists = this.#lists;
      at = j * this.#stride;
    }
    lists[at + 1 + n] = o;
    lists[at] = n + 1;
  }

  /** The last offset of list j, taken off it; −1 when it is empty. */
  #pop(j: number): number {
    const lists = this.#lists;
    const at = j * this.#stride;
    const n = lists[at]!;
    if (n === 0) return -1;
    lists[at] = n - 1;
    return lists[at + n]!;
  }

  /** Inserts `o` at position `i` (≤ length) of list j. */
  #insert(j: number, i: number, o: number): void {
    this.#push(j, o);
    const lists = this.#lists;
    const base = j * this.#stride + 1;
    for (let p = base + lists[base - 1]! - 1; p > base + i; p--) lists[p] = lists[p - 1]!;
    lists[base + i] = o;
  }

  /** Drops the first `k` offsets of list j. */
  #dropFront(j: number, k: number): void {
    const lists = this.#lists;
    const base = j * this.#stride + 1;
    const n = lists[base - 1]! - k;
    for (let i = 0; i < n; i++) lists[base + i] = lists[base + i + k]!;
    lists[base - 1] = n;
  }

  /** Doubles every list's room. */
  #widen(): void {
    const old = this.#lists;
    const stride = this.#stride;
    const lists = new Int32Array(old.length * 2);
    for (let j = 0; j < old.length / stride; j++)
      lists.set(old.subarray(j * stride, j * stride + stride), j * stride * 2);
    this.#lists = lists;
    this.#stride = stride * 2;
  }

  /** Closes and emits every open bucket (end of a finite input). */
  closeAll(sink: CandleSink): void {
    this.closeUpTo(Infinity, Infinity, sink);
  }

  /** Buckets of interval `k` closed so far. */
  closes(k: number): number {
    return this.#closes[k]!;
  }

  /** Buckets closed so far by interval label, or undefined when none has closed (snapshots). */
  closesByLabel(): Record<string, number> | undefined {
    let out: Record<string, number> | undefined;
    for (let k = 0; k < this.intervals.length; k++)
      if (this.#closes[k]! > 0) (out ??= {})[this.intervals[k]!.label] = this.#closes[k]!;
    return out;
  }

  /** Puts back the close counts of a snapshot (labels no longer configured are ignored). */
  restoreCloses(closes: Readonly<Record<string, number>>): void {
    for (let k = 0; k < this.intervals.length; k++) {
      const count = closes[this.intervals[k]!.label];
      if (typeof count === 'number' && Number.isFinite(count)) this.#closes[k] = count;
    }
  }

  /** Copies of the open candles, by interval (shortest first), oldest first. */
  openCandles(): Candle[] {
    this.#sync();
    const out: Candle[] = [];
    for (let k = 0; k < this.intervals.length; k++) {
      for (let i = 0, n = this.#length(k); i < n; i++) out.push(this.#copyOut(k, this.#at(k, i), false));
      if (this.#f[k * SLOT] === this.#f[k * SLOT]) out.push(this.#copyOut(k, k * SLOT, false));
    }
    return out;
  }

  /**
   * Into a packer (src/core/snapshot-pack.ts): the open candles in `openCandles` order, then the
   * revisable ones, each list as its count and per candle its interval's index and its slot; then
   * the closes of every interval.
   */
  pack(packer: SnapshotPacker): void {
    this.#sync();
    const f = this.#f;
    const n = this.intervals.length;
    let open = 0;
    for (let k = 0; k < n; k++) open += this.#length(k) + (f[k * SLOT] === f[k * SLOT] ? 1 : 0);
    packer.number(open);
    for (let k = 0; k < n; k++) {
      for (let i = 0, m = this.#length(k); i < m; i++) {
        packer.number(k);
        packer.slot(f, this.#at(k, i));
      }
      if (f[k * SLOT] === f[k * SLOT]) {
        packer.number(k);
        packer.slot(f, k * SLOT);
      }
    }
    let revisable = 0;
    for (let k = 0; k < n; k++) revisable += this.#length(this.#revisable(k));
    packer.number(revisable);
    for (let k = 0; k < n; k++) {
      const r = this.#revisable(k);
      for (let i = 0, m = this.#length(r); i < m; i++) {
        packer.number(k);
        packer.slot(f, this.#at(r, i));
      }
    }
    for (let k = 0; k < n; k++) packer.number(this.#closes[k]!);
  }

  /** Copies of the closed candles a late tick may still revise. */
  revisableCandles(): Candle[] {
    const out: Candle[] = [];
    for (let k = 0; k < this.intervals.length; k++) {
      const revisable = this.#revisable(k);
      for (let i = 0, n = this.#length(revisable); i < n; i++)
        out.push(this.#copyOut(k, this.#at(revisable, i), true));
    }
    return out;
  }

  /** Puts back a candle from a snapshot: open ones as open buckets, closed ones as revisable. */
  restore(init: CandleInit): void {
    this.#catchUp();
    const k = this.intervals.findIndex((i) => i.label === init.interval);
    if (k < 0) return; // an interval no longer configured: nothing to continue
    const o = this.#alloc();
    const f = this.#f;
    writeSlot(f, o, init);
    if (init.closeTs > this.#maxCloseTs) this.#maxCloseTs = init.closeTs;
    if (init.closed) {
      this.#push(this.#revisable(k), o);
      return;
    }
    const newest = k * SLOT;
    if (!(init.start <= f[newest]!)) {
      // The newest so far: it takes slot k, and the previous newest (if any) moves behind it.
      if (f[newest] === f[newest]) this.#push(k, this.#copy(newest));
      // #copy may have grown the buffer: use the current one.
      this.#f.copyWithin(newest, o, o + SLOT);
      this.#push(this.#free, o);
    } else {
      let at = this.#length(k);
      while (at > 0 && this.#f[this.#at(k, at - 1)]! > init.start) at--;
      this.#insert(k, at, o);
    }
    if (init.end < this.#nextEnd) this.#nextEnd = init.end;
  }

  #copyOut(k: number, o: number, closed: boolean): Candle {
    return new Candle().load(this.symbol, this.intervals[k]!.label, this.#f, o, closed);
  }

  /**
   * Slot `o` as a closed Candle: what listeners receive for closes and revisions. One object lent
   * for all of them, not one per close (a 1 s bucket closes every tenth tick of a symbol).
   */
  #emitted(k: number, o: number): Candle {
    return LENT_CLOSED.load(this.symbol, this.intervals[k]!.label, this.#f, o, true);
  }

  /** Copies slot `o` into a fresh overflow slot and returns its offset. */
  #copy(o: number): number {
    const to = this.#alloc();
    // Twelve doubles: a loop is cheaper than the copyWithin builtin's call.
    const f = this.#f;
    for (let i = 0; i < SLOT; i++) f[to + i] = f[o + i]!;
    return to;
  }

  #alloc(): number {
    let o = this.#pop(this.#free);
    if (o < 0) {
      const old = this.#f;
      this.#f = new Float64Array(old.length * 2);
      this.#f.set(old);
      for (let p = this.#f.length - SLOT; p >= old.length; p -= SLOT) this.#push(this.#free, p);
      o = this.#pop(this.#free);
    }
    return o;
  }
}
