import type { Candle, CandleData, CandleInit } from '../core/candles.js';
import { parseIntervals, type Interval } from '../core/interval.js';
import { SnapshotPacker, type PackedSnapshots } from '../core/snapshot-pack.js';
import type { Anomaly, AnomalyMode } from '../core/spike-detector.js';
import {
  SymbolState,
  type SymbolEventSink,
  type SymbolSnapshot,
  type SymbolStateOptions,
  type SymbolStats,
} from '../core/symbol-state.js';
import {
  normalizeId,
  normalizeSeq,
  normalizeSymbol,
  RejectReason,
  type RawTick,
  type Tick,
} from '../core/tick.js';
import { partitionOf } from './partition.js';
import { EngineCounts } from './engine-counts.js';
import type { PortTickEvent, SnapshotRecord, SymbolActivity } from './engine-port.js';
import { SymbolOrder } from './symbol-order.js';
import { columnTimestamp, TickBatch } from './tick-batch.js';

/** The engine's slice of the configuration (names as in src/config.ts). */
export interface EngineOptions {
  readonly partitions: number;
  readonly movingAverageWindow: number;
  readonly anomalyThresholdPercent: number;
  readonly slidingWindowMilliseconds: number;
  readonly recentAnomaliesCapacity: number;
  readonly intervals: readonly string[];
  readonly allowedLatenessMs: number;
  readonly anomalyMode: AnomalyMode;
  readonly maxFutureSkewMs: number;
  readonly dedupeCapacity: number;
}

export interface Rejection {
  /** Position of the tick in the batch. */
  readonly index: number;
  readonly reason: RejectReason;
}

/** The answer to one ingest call: every tick not listed in `rejected` was accepted. */
export interface IngestResult {
  readonly accepted: number;
  readonly rejected: Rejection[];
}

/**
 * An accepted tick. The engine reuses one object for every tick: read it during the call and copy
 * what you keep. `state` is the symbol's live state, already updated by this tick.
 */
export interface TickEvent extends PortTickEvent {
  state: SymbolState;
}

export interface GapEvent {
  readonly symbol: string;
  readonly source: string;
  /** First missing sequence number. */
  readonly from: number;
  /** Last missing sequence number (inclusive). */
  readonly to: number;
}

/** Event types and what their listeners receive. */
export interface EngineEvents {
  tick: TickEvent;
  /**
   * A candle closed, or a closed candle was revised (`revision` > 0). Lent: the object is loaded
   * again for a later candle event, so copy it (`toJSON`) to keep it.
   */
  candle: Candle;
  /** An open candle changed. Live object: serialize or copy during the call. */
  candleUpdate: Candle;
  anomaly: Anomaly;
  gap: GapEvent;
}
export type EngineEventType = keyof EngineEvents;

/**
 * Told how long each ingest batch took. The engine keeps no clock: the observer brings its own.
 */
export interface BatchObserver {
  /** A monotonic clock, ms. */
  now(): number;
  observe(source: string, ticks: number, ms: number): void;
}

/** Free room downstream (the storage writer's buffer): ticks beyond it are refused as `overloaded`. */
export interface Admission {
  /** How many more ticks can be accepted now. */
  available(): number;
}

export interface EngineCounters {
  readonly accepted: number;
  readonly rejected: Readonly<Record<RejectReason, number>>;
  readonly anomalies: number;
  readonly gaps: number;
  readonly candlesClosed: number;
  readonly activeSymbols: number;
  readonly listenerErrors: number;
  /** Accepted and rejected ticks per ingest source. */
  readonly bySource: Readonly<Record<string, { readonly accepted: number; readonly rejected: number }>>;
}

type Listeners = { [K in EngineEventType]: Array<(event: EngineEvents[K]) => void> };

/** Rows of the batch raw ticks are checked in (a few thousand: it stays in cache). */
const SCRATCH_ROWS = 1024;

/** Raw symbols seen in a non-normalized spelling, kept to skip normalizing them on every tick. */
const ALIAS_CAPACITY = 10_000;

/** What `Engine.eventCount` counts. */
export type EventKind = 'ticks' | 'anomalies' | 'candles';

/** Event counts that survive restarts and agree across nodes. */
export interface EventCounts {
  /** A symbol's (`Engine.eventCount`). */
  eventCount(symbol: string, kind: EventKind, interval?: string): number;
  /**
   * Every symbol's, including the event being emitted; undefined when this node cannot number
   * it as the others do: the hub then leaves it out of the channels of every symbol, and their
   * next numbered message restarts them with a reset.
   */
  allCount(kind: EventKind, interval?: string): number | undefined;
  /** Every symbol's, as last known: where a channel of every symbol starts or wakes. */
  lastAllCount(kind: EventKind, interval?: string): number;
}

/**
 * Routes ticks to per-symbol state, emits events, answers snapshots. Synchronous and free of I/O:
 * it takes ticks and clock readings; adapters do the rest (DESIGN §1, §8).
 *
 * Symbols are assigned to `partitions` by a stable hash; each symbol has a single writer. Today all
 * partitions run on the calling thread.
 */
export class Engine {
  readonly options: EngineOptions;
  readonly intervals: readonly Interval[];
  readonly queriesLag = false;
  readonly #stateOptions: SymbolStateOptions;
  /** Per partition, its symbols. */
  readonly #partitions: Array<Map<string, SymbolState>>;
  /** All symbols by normalized name (the fast path: most producers send normalized symbols). */
  readonly #symbols = new Map<string, SymbolState>();
  readonly #aliases = new Map<string, string>();
  /**
   * States by their raw symbol's number (TickBatch.symbolNumbers): a number costs an array read,
   * not a `Map` lookup by name. Emptied when `restore` replaces states.
   */
  #byNumber: Array<SymbolState | undefined> = [];
  readonly #listeners: Listeners = { tick: [], candle: [], candleUpdate: [], anomaly: [], gap: [] };
  readonly #sink: SymbolEventSink & { wantsCandleUpdates: boolean };
  readonly #tickEvent: TickEvent;
  #admission: Admission | undefined;
  /** `options.maxFutureSkewMs`, a plain number field read on every tick. */
  readonly #maxFutureSkewMs: number;
  /** Where `ingest` puts raw ticks in columns (reused: no allocation per call). */
  readonly #scratch = new TickBatch(SCRATCH_ROWS);
  #scratchInUse = false;
  readonly #symbolOrder = new SymbolOrder();
  /** The index of the tick being processed (see `row`). */
  #row = -1;
  #candleUpdateDemand: (() => boolean) | undefined;
  #batchObserver: BatchObserver | undefined;
  #onListenerError: ((err: unknown, type: EngineEventType) => void) | undefined;

  readonly #counts: EngineCounts;
  /**
   * Every symbol's event counts summed (`eventTotal`): [0] accepted ticks, [1] anomalies, [2 + k]
   * closes of interval k. Counted before each event is emitted, as the symbol's own counts are.
   */
  readonly #totals: Float64Array;
  readonly #intervalIndex: ReadonlyMap<string, number>;
  /** The states in symbol name order (`advance`), made again when a symbol comes or is replaced. */
  #byName: SymbolState[] | undefined;
  /** Per symbol, its update count at its last snapshot round. */
  readonly #snapshotMarks = new Map<string, number>();

  constructor(options: EngineOptions) {
    this.options = Object.freeze({ ...options, intervals: [...options.intervals] });
    this.intervals = parseIntervals(options.intervals);
    this.#maxFutureSkewMs = options.maxFutureSkewMs;
    this.#stateOptions = {
      movingAverageWindow: options.movingAverageWindow,
      windowMs: options.slidingWindowMilliseconds,
      thresholdPercent: options.anomalyThresholdPercent,
      anomalyMode: options.anomalyMode,
      intervals: this.intervals,
      allowedLatenessMs: options.allowedLatenessMs,
      dedupeCapacity: options.dedupeCapacity,
    };
    if (!Number.isInteger(options.partitions) || options.partitions < 1) {
      throw new RangeError(`partitions must be an integer ≥ 1, got ${options.partitions}`);
    }
    this.#partitions = Array.from({ length: options.partitions }, () => new Map<string, SymbolState>());
    const counts = (this.#counts = new EngineCounts(options.recentAnomaliesCapacity));
    const totals = (this.#totals = new Float64Array(2 + this.intervals.length));
    const intervalIndex = (this.#intervalIndex = new Map(this.intervals.map((i, k) => [i.label, k])));
    this.#tickEvent = {
      symbol: '',
      ts: 0,
      price: 0,
      volume: 0,
      seq: undefined,
      id: undefined,
      source: '',
      receivedAt: 0,
      state: undefined as unknown as SymbolState,
    };
    const listeners = this.#listeners;
    this.#sink = {
      // A plain field, refreshed at the start of every ingest call (#refreshDemand): read once per
      // tick, a getter calling the demand function cost more than the candle update it guards.
      wantsCandleUpdates: false,
      gap: (symbol, source, from, to) => {
        counts.gaps++;
        if (listeners.gap.length > 0) this.#emit('gap', { symbol, source, from, to });
      },
      anomaly: (anomaly) => {
        totals[1]!++;
        counts.anomaly(anomaly);
        if (listeners.anomaly.length > 0) this.#emit('anomaly', anomaly);
      },
      candle: (candle, close) => {
        if (candle.closed) {
          if (close === true) totals[2 + intervalIndex.get(candle.interval)!]!++;
          counts.candlesClosed++;
          if (listeners.candle.length > 0) this.#emit('candle', candle);
        } else this.#emit('candleUpdate', candle);
      },
    };
  }

  /** Registers a listener; returns the function that removes it. */
  on<K extends EngineEventType>(type: K, listener: (event: EngineEvents[K]) => void): () => void {
    const list = this.#listeners[type];
    list.push(listener);
    return () => {
      const at = list.indexOf(listener);
      if (at >= 0) list.splice(at, 1);
    };
  }

  /** Where a listener's exception goes (it never interrupts processing). */
  onListenerError(handler: (err: unknown, type: EngineEventType) => void): void {
    this.#onListenerError = handler;
  }

  /** Sets (or clears) who is told each batch's processing time. */
  observeBatches(observer: BatchObserver | undefined): void {
    this.#batchObserver = observer;
  }

  /**
   * Sets who says whether `candleUpdate` events are wanted now (e.g. a live candle channel). Their
   * listeners can then be registered up front: the engine makes the updates (a call per interval
   * per tick) only while `demand()` answers true, asked once per ingest call. Without it, whenever
   * there is a listener.
   */
  demandCandleUpdates(demand: (() => boolean) | undefined): void {
    this.#candleUpdateDemand = demand;
  }

  /** Sets the downstream capacity check that turns excess ticks into `overloaded`. */
  setAdmission(admission: Admission | undefined): void {
    this.#admission = admission;
  }

  /**
   * While an ingest call processes its ticks: the index (in the call's input) of the tick being
   * processed. A listener that collects events in columns attributes each to the tick that made it
   * (a partition thread does), with no `tick` listener called per tick for that.
   */
  get row(): number {
    return this.#row;
  }

  #emit<K extends EngineEventType>(type: K, event: EngineEvents[K]): void {
    const list = this.#listeners[type];
    for (let i = 0; i < list.length; i++) {
      try {
        list[i]!(event);
      } catch (err) {
        this.#counts.listenerErrors++;
        this.#onListenerError?.(err, type);
      }
    }
  }

  /**
   * Validates and processes a batch of raw ticks from one source, received at `receivedAt`
   * (epoch ms). Answers per item: the rejected ones with their reason, all others accepted.
   */
  ingest(ticks: readonly RawTick[], source: string, receivedAt: number): IngestResult {
    const started = this.#batchObserver?.now() ?? 0;
    const rejected: Rejection[] = [];
    const accepted = this.#ingestRaw(ticks, source, receivedAt, rejected);
    return this.#finish(source, accepted, rejected, started);
  }

  /**
   * One raw tick, as `ingest` of a batch of one (same checks, counters and observer), answering
   * the accepted tick as the engine normalized it, or the reason it was rejected.
   */
  ingestOne(raw: RawTick, source: string, receivedAt: number): Tick | RejectReason {
    const started = this.#batchObserver?.now() ?? 0;
    const rejected: Rejection[] = [];
    const accepted = this.#ingestRaw([raw], source, receivedAt, rejected);
    this.#finish(source, accepted, rejected, started);
    if (accepted === 0) return rejected[0]!.reason;
    const { symbol, price, volume, ts, seq, id } = this.#tickEvent;
    return { symbol, price, volume, ts, seq, id, source: this.#tickEvent.source, receivedAt };
  }

  /**
   * Feeds ticks that an earlier run of this process already accepted and counted (recovery from
   * storage) through the engine again: the state and the events are as for `ingest`, but no
   * counter moves (accepted, rejected, per source, anomalies, gaps, candles closed) and the batch
   * observer is not told, so metrics after a restart count only what arrives after it.
   */
  replay(ticks: readonly RawTick[], source: string, receivedAt: number): IngestResult {
    const putBack = this.#counts.hold();
    const rejected: Rejection[] = [];
    try {
      return { accepted: this.#ingestRaw(ticks, source, receivedAt, rejected), rejected };
    } finally {
      putBack();
    }
  }

  /**
   * The same as `ingest` for ticks in columns (no object per tick). A `numbered` batch's symbols
   * are found by their numbers (TickBatch.symbolNumbers) once seen.
   */
  ingestBatch(batch: TickBatch, source: string, receivedAt: number): IngestResult {
    const started = this.#batchObserver?.now() ?? 0;
    const rejected: Rejection[] = [];
    const accepted = this.#ingestColumns(batch, source, receivedAt, this.#budget(), 0, rejected);
    return this.#finish(source, accepted, rejected, started);
  }

  /**
   * The same as `ingestBatch`, the rows processed a symbol at a time (SymbolOrder), and each row
   * received at its own time where the batch's `receivedAt` column has one (`receivedAt` where it
   * is NaN), as rows from several producers' calls are. Each symbol's state, answers and events
   * are the same, and `row` still names each event's row, but the events of different symbols
   * interleave in that order, not in row order. For a caller that puts events back in row order
   * by `row` and has no `tick` listener (a partition thread): with many symbols it is much faster.
   * With too few ticks admitted for the whole batch, the rows go in row order, so that the same
   * ones are refused `overloaded`.
   */
  ingestBatchBySymbol(batch: TickBatch, source: string, receivedAt: number): IngestResult {
    const started = this.#batchObserver?.now() ?? 0;
    const rejected: Rejection[] = [];
    const budget = this.#budget();
    const order = budget >= batch.length ? this.#symbolOrder.arrange(batch) : undefined;
    const accepted = this.#ingestColumns(
      batch,
      source,
      receivedAt,
      budget,
      0,
      rejected,
      order,
      batch.receivedAt,
    );
    if (order !== undefined && rejected.length > 1) rejected.sort((a, b) => a.index - b.index);
    return this.#finish(source, accepted, rejected, started);
  }

  /** Raw ticks through the columns, a scratch batch at a time: answers the number accepted. */
  #ingestRaw(ticks: readonly RawTick[], source: string, receivedAt: number, rejected: Rejection[]): number {
    // A listener that ingests while a batch is processed gets a batch of its own.
    const batch = this.#scratchInUse ? new TickBatch(SCRATCH_ROWS) : this.#scratch;
    const own = batch === this.#scratch;
    if (own) this.#scratchInUse = true;
    try {
      let budget = this.#budget();
      let accepted = 0;
      for (let from = 0; from < ticks.length; from += batch.capacity) {
        batch.fillFromRaw(ticks, from);
        const n = this.#ingestColumns(batch, source, receivedAt, budget, from, rejected);
        accepted += n;
        budget -= n;
      }
      return accepted;
    } finally {
      batch.clear();
      if (own) this.#scratchInUse = false;
    }
  }

  /**
   * Whether `candleUpdate` events are wanted, asked once per ingest call (not per tick): candle
   * updates cost a call per interval per tick, made only while a listener wants them.
   */
  #refreshDemand(): void {
    this.#sink.wantsCandleUpdates =
      this.#listeners.candleUpdate.length > 0 &&
      (this.#candleUpdateDemand === undefined || this.#candleUpdateDemand());
  }

  #budget(): number {
    return this.#admission === undefined ? Infinity : this.#admission.available();
  }

  /**
   * The one loop over ticks: each row through the checks of DESIGN §3.1 (the column conventions
   * are TickBatch's), at most `budget` accepted, in row order or in `order` (row indices). Every
   * row is received at `receivedAt`, or at its own time in `rowTimes` where that is not NaN.
   * Rejections are reported at `offset + row`.
   */
  #ingestColumns(
    batch: TickBatch,
    source: string,
    receivedAt: number,
    budget: number,
    offset: number,
    rejected: Rejection[],
    order?: Int32Array,
    rowTimes?: Float64Array,
  ): number {
    let accepted = 0;
    this.#refreshDemand();
    const { symbols, price, volume, ts, seq, ids, sources } = batch;
    for (let j = 0; j < batch.length; j++) {
      const i = order === undefined ? j : order[j]!;
      const t = ts[i]!;
      const s = seq[i]!;
      const p = price[i]!;
      const v = volume[i]!;
      const own = sources[i]!;
      const r = rowTimes === undefined ? receivedAt : rowTimes[i]!;
      const at = r === r ? r : receivedAt;
      const number = batch.rememberedNumber(i);
      // Read per row: a listener may `restore` (which empties it) in the middle of a batch.
      const known = number >= 0 ? this.#byNumber[number] : undefined;
      this.#row = offset + i;
      const reason = this.#process(
        known,
        symbols[i],
        p > 0 && p !== Infinity ? p : NaN,
        // `+ 0` turns a -0 volume into 0, as normalizeVolume does.
        v >= 0 && v !== Infinity ? v + 0 : NaN,
        columnTimestamp(t, at),
        s !== s ? undefined : normalizeSeq(s),
        normalizeId(ids[i]),
        own === '' ? source : own,
        at,
        budget > 0,
      );
      if (reason === undefined) {
        // Its symbol's state is found by number from now on (looked up by name here, not taken
        // from the tick event, which a listener ingesting in turn may have moved on).
        if (number >= 0 && known === undefined) this.#byNumber[number] = this.state(symbols[i]!);
        accepted++;
        budget--;
      } else {
        this.#counts.rejected[reason]++;
        rejected.push({ index: offset + i, reason });
      }
    }
    return accepted;
  }

  /** Counts a processed batch by source and reports its time to the observer. */
  #finish(source: string, accepted: number, rejected: Rejection[], started: number): IngestResult {
    this.#counts.countSource(source, accepted, rejected.length);
    this.#batchObserver?.observe(source, accepted + rejected.length, this.#batchObserver.now() - started);
    return { accepted, rejected };
  }

  /**
   * One tick, fields already normalized (NaN / null where invalid): the checks of DESIGN §3.1–3.2
   * in their order, then the state update.
   */
  #process(
    known: SymbolState | undefined,
    rawSymbol: unknown,
    price: number,
    volume: number,
    ts: number,
    seq: number | undefined,
    id: string | undefined | null,
    source: string,
    receivedAt: number,
    admitted: boolean,
  ): RejectReason | undefined {
    let state = known ?? (typeof rawSymbol === 'string' ? this.#symbols.get(rawSymbol) : undefined);
    let symbol: string | undefined;
    if (state === undefined) {
      symbol = this.#normalizeSymbol(rawSymbol);
      if (symbol === undefined) return RejectReason.InvalidSymbol;
      state = this.#symbols.get(symbol);
    }
    if (price !== price) return RejectReason.InvalidPrice;
    if (volume !== volume) return RejectReason.InvalidVolume;
    if (ts !== ts) return RejectReason.InvalidTimestamp;
    if (ts > receivedAt + this.#maxFutureSkewMs) return RejectReason.FutureTimestamp;
    if (seq !== seq) return RejectReason.InvalidSeq;
    if (id === null) return RejectReason.InvalidId;
    if (state !== undefined) {
      const reason = state.check(ts, seq, id, source);
      if (reason !== undefined) return reason;
    }
    if (!admitted) return RejectReason.Overloaded;
    // A symbol's state exists from its first accepted tick on, so a refused first tick leaves none.
    state ??= this.#create(symbol!);
    this.#totals[0]!++;
    state.apply(ts, price, volume, seq, id, source, receivedAt, this.#sink);
    this.#counts.accepted++;
    // The last accepted tick, also when nobody listens (`ingestOne` answers from it).
    const e = this.#tickEvent;
    e.symbol = state.symbol;
    e.ts = ts;
    e.price = price;
    e.volume = volume;
    e.seq = seq;
    e.id = id;
    e.source = source;
    e.receivedAt = receivedAt;
    e.state = state;
    if (this.#listeners.tick.length > 0) this.#emit('tick', e);
    return undefined;
  }

  #normalizeSymbol(raw: unknown): string | undefined {
    if (typeof raw !== 'string') return undefined;
    const known = this.#aliases.get(raw);
    if (known !== undefined) return known;
    const symbol = normalizeSymbol(raw);
    if (symbol !== undefined && symbol !== raw) {
      if (this.#aliases.size >= ALIAS_CAPACITY) this.#aliases.clear();
      this.#aliases.set(raw, symbol);
    }
    return symbol;
  }

  #create(symbol: string): SymbolState {
    const state = new SymbolState(symbol, this.#stateOptions);
    this.#symbols.set(symbol, state);
    this.#partitions[partitionOf(symbol, this.#partitions.length)]!.set(symbol, state);
    this.#byName = undefined;
    return state;
  }

  /**
   * Moves quiet symbols' watermarks with the wall clock (`now`, epoch ms), closing their candles;
   * only the symbols `only` accepts, when given (a cluster node's copy of one partition). Symbols
   * go in name order, so every copy of them (a cluster's nodes) emits the closes in one order.
   */
  advance(now: number, only?: (symbol: string) => boolean): void {
    const states = (this.#byName ??= [...this.#symbols.values()].sort((a, b) =>
      a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0,
    ));
    for (const state of states) if (only === undefined || only(state.symbol)) state.advance(now, this.#sink);
  }

  /** Closes every open candle, symbols in name order (end of a finite input). */
  closeAll(): void {
    for (const symbol of [...this.#symbols.keys()].sort()) this.#symbols.get(symbol)!.closeAll(this.#sink);
  }

  /** Partition index of a symbol. */
  partitionOf(symbol: string): number {
    return partitionOf(symbol, this.#partitions.length);
  }

  /** Symbols per partition (for metrics). */
  partitionSizes(): number[] {
    return this.#partitions.map((p) => p.size);
  }

  /** The live state of a symbol (normalized or raw spelling), if it has accepted a tick. */
  state(symbol: string): SymbolState | undefined {
    return this.#symbols.get(symbol) ?? this.#symbols.get(normalizeSymbol(symbol) ?? '');
  }

  stats(symbol: string): SymbolStats | undefined {
    return this.state(symbol)?.stats();
  }

  /**
   * How many events of `kind` a symbol has had, counted in its state (and its snapshots), so the
   * same ticks in the same order give the same count wherever they are applied: accepted ticks,
   * anomalies, or the candle events of one interval (one per tick, one per close). Read inside a
   * listener it includes the event being emitted. 0 for a symbol without state.
   */
  eventCount(symbol: string, kind: EventKind, interval?: string): number {
    const state = this.#symbols.get(symbol);
    if (state === undefined) return 0;
    if (kind === 'ticks') return state.updateCount;
    if (kind === 'anomalies') return state.anomalyCount;
    const k = interval === undefined ? undefined : this.#intervalIndex.get(interval);
    return k === undefined ? 0 : state.candleEvents(k);
  }

  /**
   * `eventCount` summed over every symbol (kept as events happen, so read inside a listener it
   * includes the event being emitted).
   */
  eventTotal(kind: EventKind, interval?: string): number {
    const i = this.totalIndex(kind, interval);
    if (i < 0) return 0;
    const totals = this.#totals;
    // A candle event per accepted tick, plus the closes counted at `i`.
    return i < 2 ? totals[i]! : totals[0]! + totals[i]!;
  }

  /**
   * Where `eventTotal(kind, interval)` sits among the totals (the order `eventTotals` in
   * src/cluster/live-message.ts lists them): 0 accepted ticks, 1 anomalies, 2 + k the candle
   * events of interval k; −1 for an interval the engine does not keep.
   */
  totalIndex(kind: EventKind, interval?: string): number {
    if (kind === 'ticks') return 0;
    if (kind === 'anomalies') return 1;
    const k = interval === undefined ? undefined : this.#intervalIndex.get(interval);
    return k === undefined ? -1 : 2 + k;
  }

  /** Stats of every symbol, by name. */
  allStats(): SymbolStats[] {
    return this.symbols().map((symbol) => this.#symbols.get(symbol)!.stats());
  }

  /** Names of all symbols that have accepted a tick, sorted. */
  symbols(): string[] {
    return [...this.#symbols.keys()].sort();
  }

  /** Copies of the open candles of a symbol, optionally of one interval label. */
  openCandles(symbol: string, interval?: string): CandleData[] {
    return this.#open(symbol, interval).map((c) => c.toJSON());
  }

  /** The same with what continuing them needs (pvSum, open and close times). */
  openCandleInits(symbol: string, interval?: string): CandleInit[] {
    return this.#open(symbol, interval).map((c) => c.toInit());
  }

  #open(symbol: string, interval: string | undefined): readonly Candle[] {
    const open = this.state(symbol)?.openCandles() ?? [];
    return interval === undefined ? open : open.filter((c) => c.interval === interval);
  }

  /** Recent anomalies, newest first, optionally of one symbol. */
  recentAnomalies(options: { symbol?: string; limit?: number } = {}): Anomaly[] {
    const symbol =
      options.symbol === undefined ? undefined : (normalizeSymbol(options.symbol) ?? options.symbol);
    return this.#counts.recent.list(symbol, options.limit);
  }

  counters(): EngineCounters {
    return this.#counts.snapshot(this.#symbols.size);
  }

  /** When a symbol's last tick arrived and the latest event time it has seen. */
  activity(symbol: string): SymbolActivity | undefined {
    const state = this.state(symbol);
    return state === undefined ? undefined : { lastArrival: state.lastArrival, lastTs: state.lastTs };
  }

  /** Nothing waits on one thread: every tick was answered when its ingest call returned. */
  flush(): Promise<void> {
    return Promise.resolve();
  }

  /** The queries are always up to date on one thread. */
  refreshViews(): Promise<void> {
    return Promise.resolve();
  }

  /** A snapshot round (EnginePort): on one thread, now. */
  snapshotRound(all: boolean, take: (records: SnapshotRecord[]) => void): void {
    take(this.snapshotRecords(all));
  }

  /** Stats and state of the symbols changed since their last round (all of them when `all`). */
  snapshotRecords(all: boolean): SnapshotRecord[] {
    const records: SnapshotRecord[] = [];
    const marks = this.#snapshotMarks;
    for (const symbol of this.symbols()) {
      const state = this.#symbols.get(symbol)!;
      if (!all && marks.get(symbol) === state.updateCount) continue;
      marks.set(symbol, state.updateCount);
      records.push({ stats: state.stats(), snapshot: state.snapshot() });
    }
    return records;
  }

  /** Every symbol's state as plain data (for persistence). */
  snapshot(): SymbolSnapshot[] {
    return this.symbols().map((symbol) => this.#symbols.get(symbol)!.snapshot());
  }

  /**
   * `snapshot()` packed (src/core/snapshot-pack.ts): the same, read back by `unpackSnapshots`,
   * made without an object per field (a partition thread sends one back several times a second).
   */
  packSnapshot(): PackedSnapshots {
    const packer = new SnapshotPacker();
    packer.number(this.intervals.length);
    for (const interval of this.intervals) packer.string(interval.label);
    const symbols = this.symbols();
    packer.number(symbols.length);
    for (const symbol of symbols) this.#symbols.get(symbol)!.pack(packer);
    return packer.take();
  }

  /** Puts back symbols from snapshots (on start, before any tick); replaces existing ones. */
  restore(snapshots: readonly SymbolSnapshot[]): void {
    for (const snapshot of snapshots) {
      const state = SymbolState.restore(snapshot, this.#stateOptions);
      const replaced = this.#symbols.get(state.symbol);
      if (replaced !== undefined) this.#count(replaced, -1);
      this.#count(state, 1);
      this.#symbols.set(state.symbol, state);
      this.#partitions[partitionOf(state.symbol, this.#partitions.length)]!.set(state.symbol, state);
    }
    this.#byName = undefined;
    // Numbers may name replaced states: they are found by name again.
    this.#byNumber = [];
  }

  /** Adds a symbol's counts to the totals (`sign` 1), or takes them out (−1). */
  #count(state: SymbolState, sign: 1 | -1): void {
    const totals = this.#totals;
    totals[0]! += sign * state.updateCount;
    totals[1]! += sign * state.anomalyCount;
    for (let k = 0; k < this.intervals.length; k++)
      totals[2 + k]! += sign * (state.candleEvents(k) - state.updateCount);
  }

  /** Puts back recent anomalies, oldest first (on start). */
  restoreAnomalies(anomalies: readonly Anomaly[]): void {
    for (const anomaly of anomalies) this.#counts.recent.add(anomaly);
  }
}
