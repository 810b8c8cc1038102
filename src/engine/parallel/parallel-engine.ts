import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';

import { Candle, type CandleData, type CandleInit } from '../../core/candles.js';
import { parseIntervals, type Interval } from '../../core/interval.js';
import type { Anomaly } from '../../core/spike-detector.js';
import type { SymbolSnapshot, SymbolStats } from '../../core/symbol-state.js';
import { normalizeSymbol, REJECT_REASONS, RejectReason, type RawTick, type Tick } from '../../core/tick.js';
import type {
  Admission,
  BatchObserver,
  EngineCounters,
  EngineOptions,
  IngestResult,
  Rejection,
} from '../engine.js';
import type {
  EnginePort,
  PortEvents,
  PortEventType,
  PortTickEvent,
  SnapshotRecord,
  SymbolActivity,
} from '../engine-port.js';
import { startModuleWorker } from '../../runtime/module-worker.js';
import { partitionOf } from '../partition.js';
import { EngineCounts } from '../engine-counts.js';
import { columnTimestamp, TickBatch } from '../tick-batch.js';
import { candleStartAt, loadCandleAt, type CandleColumnData } from './candle-columns.js';
import {
  CANDLE_EVENT,
  stateSnapshots,
  type FromThread,
  type NameEntry,
  type PartitionState,
  type SymbolView,
  type ToThread,
} from './thread-wire.js';
import { TickLog, type RowOwner } from './tick-log.js';
import { ringBuffers, RingWriter, type RingBuffers } from './tick-ring.js';

/** What happens to a tick whose partition's ring is full (the earlier .NET system's `FullMode`). */
export const OverflowPolicy = {
  /** The tick is refused as `overloaded` (nothing is lost silently). */
  Reject: 'reject',
  /** The oldest tick waiting in the ring is dropped to make room (counted). */
  DropOldest: 'drop-oldest',
  /** The producer waits for room (the ingest call's promise resolves later). */
  Block: 'block',
} as const;
export type OverflowPolicy = (typeof OverflowPolicy)[keyof typeof OverflowPolicy];
export const OVERFLOW_POLICIES: readonly OverflowPolicy[] = Object.values(OverflowPolicy);

export interface ParallelOptions {
  readonly partitions: number;
  /** Ticks each partition's ring holds. */
  readonly channelCapacity: number;
  readonly overflowPolicy: OverflowPolicy;
  /** A partition sends its state back after about this many ticks (the restart point). */
  readonly snapshotEveryTicks?: number;
  /**
   * …and after at least this many ticks per symbol it holds: a snapshot costs time in proportion to
   * the symbols, so with many symbols the restart log grows with them instead (0: no such floor).
   */
  readonly snapshotTicksPerSymbol?: number;
  /** How stale `stats` and `openCandles` may be, ms. */
  readonly viewsEveryMs?: number;
}

export interface ParallelCounters extends EngineCounters {
  /** Ticks dropped from a full ring (drop-oldest). */
  readonly dropped: number;
  /** Ticks refused because their partition's ring was full (reject). */
  readonly ringFull: number;
  /** Partition threads that threw and were restarted. */
  readonly restarts: number;
}

type Listeners = { [K in PortEventType]: Array<(event: PortEvents[K]) => void> };
type DoneMessage = Extract<FromThread, { type: 'done' }>;
/** A raw symbol's partition and its number there (partition −1: not a valid symbol). */
interface Route {
  readonly partition: number;
  readonly id: number;
}
const INVALID_ROUTE: Route = { partition: -1, id: -1 };
/** Where the next object event and the next candle of a message are. */
interface EventCursor {
  object: number;
  candle: number;
}

/** Rows a partition thread takes from its ring at once. */
const CHUNK_ROWS = 4096;
/** Raw symbols remembered with their route, to route without normalizing or hashing. */
const ROUTE_CAPACITY = 10_000;
const DROPPED = 255;
/** Views keep coming unasked for this long after the last query. */
const VIEWS_WANTED_MS = 2000;

/** A snapshot round in progress: per partition, undefined until it answers, then its later answers. */
interface Round {
  readonly take: (records: SnapshotRecord[]) => void;
  left: number;
  readonly records: SnapshotRecord[];
  readonly held: Array<Array<Extract<FromThread, { type: 'done' }>> | undefined>;
}

/** One ingest call: answered when every row has its answer. */
class Call implements RowOwner {
  /** False for a replay (recovery): the counters do not move, as with Engine.replay. */
  readonly counts: boolean;
  accepted = 0;
  readonly rejected: Rejection[] = [];
  /** Set by `ingestOne`: the accepted tick is copied here. */
  keepTick = false;
  tick: Tick | undefined;
  #outstanding: number;
  readonly #resolve: (result: IngestResult) => void;
  readonly promise: Promise<IngestResult>;

  constructor(rows: number, counts = true) {
    this.counts = counts;
    this.#outstanding = rows;
    let resolve!: (result: IngestResult) => void;
    this.promise = new Promise((r) => (resolve = r));
    this.#resolve = resolve;
    if (rows === 0) resolve({ accepted: 0, rejected: [] });
  }

  answer(row: number, reason: string | undefined): void {
    if (reason === undefined) this.accepted++;
    else this.rejected.push({ index: row, reason: reason as RejectReason });
    if (--this.#outstanding === 0) {
      this.rejected.sort((a, b) => a.index - b.index);
      this.#resolve({ accepted: this.accepted, rejected: this.rejected });
    }
  }
}

interface Partition {
  readonly index: number;
  readonly buffers: RingBuffers;
  readonly writer: RingWriter;
  worker: Worker;
  names: MessagePort;
  readonly symbolIds: Map<string, number>;
  readonly symbolNames: string[];
  readonly sourceIds: Map<string, number>;
  readonly sourceNames: string[];
  /** Names numbered since the last publish, sent before it. */
  newNames: NameEntry[];
  readonly log: TickLog;
  /** Absolute position of the next row appended to the log. */
  tail: number;
  /**
   * Absolute position of the next row written to the ring: below `tail` only under `block`, while
   * rows wait in the log for room (`#pump`).
   */
  published: number;
  /** Absolute position of the next row to be answered. */
  answered: number;
  /** The state the partition restarts from (at `snapshotAt`). */
  snapshot: PartitionState;
  snapshotAt: number;
  advances: Array<{ at: number; now: number }>;
  /** Set while rows wait in the log for room in the ring (block): the loop that writes them. */
  pumping: Promise<void> | undefined;
  /** Symbols with an accepted tick. */
  readonly symbols: Set<string>;
  /** By symbol number: true once it has an accepted tick. */
  readonly accepting: boolean[];
  /** `views` requests this partition has answered. */
  viewsAnswered: number;
  /** Resolves once the partition's current thread has started. */
  ready: Promise<void>;
}

/**
 * The engine on every core: symbols partitioned by the stable hash (partition.ts) over worker
 * threads, each running one Engine that owns its symbols' state (DESIGN §8). Ticks reach a
 * partition in batches through a bounded SharedArrayBuffer ring (`channelCapacity` ticks, Atomics
 * indices and wake-ups), never one message per tick; the events come back one message per chunk
 * and are emitted here in each partition's order, so a symbol's ticks, candles, anomalies and gaps
 * keep their order (across symbols of different partitions there is no order, as across threads).
 *
 * Ingest answers asynchronously, once every row has been processed. The counters, the symbols and
 * the recent anomalies are kept here from the events; the stats and open candles come back from the
 * partitions at most every `viewsEveryMs`. A partition thread that throws is restarted from its
 * last snapshot plus the rows sent since (kept here), and answers the rows it had not answered.
 */
export class ParallelEngine implements EnginePort {
  readonly options: EngineOptions;
  readonly parallel: Required<ParallelOptions>;
  readonly intervals: readonly Interval[];
  readonly queriesLag = true;
  readonly #partitions: Partition[];
  readonly #listeners: Listeners = { tick: [], candle: [], candleUpdate: [], anomaly: [], gap: [] };
  readonly #routes = new Map<string, Route>();
  /** Routes by symbol number (TickBatch.symbolNumbers): a numbered row is routed by an array read. */
  readonly #routesByNumber: Array<Route | undefined> = [];
  /** Interval labels by index, as the partition threads number them. */
  readonly #intervalLabels: readonly string[];
  readonly #views = new Map<string, SymbolView>();
  /** The Candle every candle event lends its listeners, loaded from the columns. */
  readonly #candle = new Candle();
  readonly #tickEvent: PortTickEvent = {
    symbol: '',
    ts: 0,
    price: 0,
    volume: 0,
    seq: undefined,
    id: undefined,
    source: '',
    receivedAt: 0,
  };
  #admission: Admission | undefined;
  #inFlight = 0;
  #candleUpdateDemand: (() => boolean) | undefined;
  #wantsCandleUpdates = false;
  #onListenerError: ((err: unknown, type: PortEventType) => void) | undefined;
  #onThreadError: ((err: unknown, partition: number) => void) | undefined;
  #waiters: Array<{ until: number[]; resolve: () => void }> = [];
  #closeAllWaiting: { left: number; resolve: () => void } | undefined;
  /** Refreshes asked for, and those waiting for every partition's answer (oldest first). */
  #viewsAsked = 0;
  readonly #viewsWaiting: Array<{ n: number; resolve: () => void }> = [];
  #viewsWanted: NodeJS.Timeout | undefined;
  #viewsAskedAt = 0;
  readonly #answeredWaiters: Array<() => void> = [];
  #closed = false;
  #batchObserver: BatchObserver | undefined;
  /** The snapshot round in progress (see `snapshotRound`), and the ones asked for meanwhile. */
  #round: Round | undefined;
  readonly #rounds: Array<{ all: boolean; take: (records: SnapshotRecord[]) => void }> = [];

  readonly #counts: EngineCounts;
  /** #ingestBatch's working columns (grown to the largest batch). */
  #scratch: Scratch | undefined;
  #dropped = 0;
  #ringFull = 0;
  #restarts = 0;

  private constructor(options: EngineOptions, parallel: ParallelOptions) {
    if (!Number.isInteger(parallel.partitions) || parallel.partitions < 1)
      throw new RangeError(`partitions must be an integer ≥ 1, got ${parallel.partitions}`);
    this.options = Object.freeze({
      ...options,
      partitions: parallel.partitions,
      intervals: [...options.intervals],
    });
    this.parallel = Object.freeze({
      snapshotEveryTicks: 250_000,
      snapshotTicksPerSymbol: 250,
      viewsEveryMs: 250,
      ...parallel,
    });
    this.intervals = parseIntervals(options.intervals);
    this.#intervalLabels = this.intervals.map((i) => i.label);
    this.#counts = new EngineCounts(options.recentAnomaliesCapacity);
    this.#partitions = Array.from({ length: parallel.partitions }, (_, index) => {
      const buffers = ringBuffers(parallel.channelCapacity);
      const p: Partition = {
        index,
        buffers,
        writer: new RingWriter(buffers),
        worker: undefined as unknown as Worker,
        names: undefined as unknown as MessagePort,
        symbolIds: new Map(),
        symbolNames: [],
        sourceIds: new Map(),
        sourceNames: [],
        newNames: [],
        log: new TickLog(),
        tail: 0,
        published: 0,
        answered: 0,
        snapshot: [],
        snapshotAt: 0,
        advances: [],
        pumping: undefined,
        symbols: new Set(),
        accepting: [],
        viewsAnswered: 0,
        ready: Promise.resolve(),
      };
      this.#spawn(p, undefined);
      return p;
    });
  }

  /** Starts a partition thread per partition; resolves once all of them are ready. */
  static async start(options: EngineOptions, parallel: ParallelOptions): Promise<ParallelEngine> {
    const engine = new ParallelEngine(options, parallel);
    await Promise.all(engine.#partitions.map((p) => p.ready));
    return engine;
  }

  // -- threads -------------------------------------------------------------------------------------

  #spawn(p: Partition, restore: Extract<ToThread, { type: 'init' }>['restore']): void {
    const worker = startModuleWorker(import.meta.url, 'partition-thread');
    const { port1, port2 } = new MessageChannel();
    p.worker = worker;
    p.names = port1;
    p.newNames = [];
    let failed = false;
    const fail = (err: unknown): void => {
      if (failed || this.#closed || p.worker !== worker) return;
      failed = true;
      this.#restart(p, err);
    };
    let ready!: () => void;
    p.ready = new Promise((resolve) => (ready = resolve));
    worker.on('message', (message: FromThread) => {
      // Once closing, rows are answered by `close`.
      if (p.worker !== worker || this.#closed) return;
      if (message.type !== 'done') ready();
      else if (this.#round?.held[p.index] !== undefined) this.#round.held[p.index]!.push(message);
      else this.#answer(p, message);
    });
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`partition ${p.index} thread exited with code ${code}`)));
    const init: ToThread = {
      type: 'init',
      partition: p.index,
      options: { ...this.options, partitions: 1 },
      ring: p.buffers,
      names: port2,
      symbols: p.symbolNames,
      sources: p.sourceNames,
      chunkRows: CHUNK_ROWS,
      snapshotEveryTicks: this.parallel.snapshotEveryTicks,
      snapshotTicksPerSymbol: this.parallel.snapshotTicksPerSymbol,
      viewsEveryMs: this.parallel.viewsEveryMs,
      restore,
    };
    worker.postMessage(init, [port2]);
  }

  /** Starts a new thread for a partition whose thread died: its state rebuilt, its rows answered. */
  #restart(p: Partition, err: unknown): void {
    this.#restarts++;
    this.#onThreadError?.(err, p.index);
    const old = p.worker;
    old.removeAllListeners('message');
    void old.terminate();
    p.names.close();
    // Rows the dead thread took from the ring but did not answer: from `answered` to the ring's head.
    const head = Atomics.load(new Int32Array(p.buffers.ctrl), 0);
    const taken = p.answered + ((head - (p.answered | 0)) | 0);
    this.#spawn(p, {
      snapshot: p.snapshot,
      replay: p.log.rows(p.snapshotAt, p.answered, p.advances),
      redo: p.log.rows(p.answered, taken, []),
      redoFrom: p.answered | 0,
    });
    // Refreshes the dead thread had not answered are asked of the new one.
    for (let k = p.viewsAnswered; k < this.#viewsAsked; k++)
      p.worker.postMessage({ type: 'views' } satisfies ToThread);
    const round = this.#round;
    if (round !== undefined) {
      // Held answers came from the dead thread: the new one redoes those rows. A round it had not
      // answered is asked again (its marks died with it: it answers every symbol).
      if (round.held[p.index] !== undefined) round.held[p.index] = [];
      else p.worker.postMessage({ type: 'round', all: true } satisfies ToThread);
    }
  }

  /** Test hook: the partition's thread throws after processing its next chunk of rows. */
  crashPartition(partition: number): void {
    this.#partitions[partition]!.worker.postMessage({ type: 'crash' } satisfies ToThread);
  }

  // -- events --------------------------------------------------------------------------------------

  on<K extends PortEventType>(type: K, listener: (event: PortEvents[K]) => void): () => void {
    const list = this.#listeners[type];
    list.push(listener);
    return () => {
      const at = list.indexOf(listener);
      if (at >= 0) list.splice(at, 1);
    };
  }

  onListenerError(handler: (err: unknown, type: PortEventType) => void): void {
    this.#onListenerError = handler;
  }

  /** Where a partition thread's failure is reported (it is restarted either way). */
  onThreadError(handler: (err: unknown, partition: number) => void): void {
    this.#onThreadError = handler;
  }

  demandCandleUpdates(demand: (() => boolean) | undefined): void {
    this.#candleUpdateDemand = demand;
    this.#refreshCandleUpdates();
  }

  setAdmission(admission: Admission | undefined): void {
    this.#admission = admission;
  }

  /** Sets (or clears) who is told each ingest call's time, from handing in to its last answer. */
  observeBatches(observer: BatchObserver | undefined): void {
    this.#batchObserver = observer;
  }

  #refreshCandleUpdates(): void {
    const want =
      this.#listeners.candleUpdate.length > 0 &&
      (this.#candleUpdateDemand === undefined || this.#candleUpdateDemand());
    if (want === this.#wantsCandleUpdates) return;
    this.#wantsCandleUpdates = want;
    for (const p of this.#partitions) p.writer.setWantCandleUpdates(want);
  }

  #emit<K extends PortEventType>(type: K, event: PortEvents[K]): void {
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

  /** Emits event `k` of a message: the next object event or the next candle (`at` moves on). */
  #event(p: Partition, m: DoneMessage, k: number, at: EventCursor, counts: boolean): void {
    if (m.kinds[k] === CANDLE_EVENT) {
      const c = at.candle++;
      const closed = m.candles.closed[c] === 1;
      const listeners = closed ? this.#listeners.candle : this.#listeners.candleUpdate;
      if (closed && counts) this.#counts.candlesClosed++;
      if (closed) this.#closeInView(m.candles, c, p.symbolNames);
      if (listeners.length === 0) return;
      // One Candle lent to every candle event (PortEvents: a listener copies what it keeps).
      const candle = loadCandleAt(m.candles, c, p.symbolNames, this.#intervalLabels, this.#candle);
      this.#emit(closed ? 'candle' : 'candleUpdate', candle);
      return;
    }
    const e = m.events[at.object++]!;
    if (e.type === 'anomaly') {
      if (counts) this.#counts.anomaly(e.event);
      else this.#counts.recent.add(e.event);
      this.#emit('anomaly', e.event);
    } else {
      if (counts) this.#counts.gaps++;
      this.#emit('gap', e.event);
    }
  }

  /** A partition's answer to a chunk of rows (or a clock step): its events, in its order. */
  #answer(p: Partition, m: DoneMessage): void {
    const from = m.count === 0 ? p.answered : p.answered + ((m.from - (p.answered | 0)) | 0);
    this.#answerRows(p, m, from);
    if (m.count > 0) {
      p.answered = from + m.count;
      if (this.#answeredWaiters.length > 0) for (const wake of this.#answeredWaiters.splice(0)) wake();
    }
    if (m.advanced !== undefined) p.advances.push({ at: p.answered, now: m.advanced });
    if (m.snapshot !== undefined) {
      p.snapshot = m.snapshot;
      p.snapshotAt = p.answered;
      p.advances = p.advances.filter((a) => a.at > p.snapshotAt);
      p.log.trim(p.snapshotAt);
    }
    if (m.views !== undefined) for (const v of m.views) this.#views.set(v.stats.symbol, v);
    if (m.viewsAnswer === true) this.#viewsAnswered(p);
    if (m.round !== undefined) this.#roundAnswer(p, m.round);
    if (m.closedAll === true && this.#closeAllWaiting !== undefined && --this.#closeAllWaiting.left === 0) {
      const { resolve } = this.#closeAllWaiting;
      this.#closeAllWaiting = undefined;
      resolve();
    }
    this.#refreshCandleUpdates();
    this.#wakeWaiters();
  }

  /**
   * The rows of a partition's answer, from absolute position `from`: each row's events, then its
   * answer to its call (and the `tick` event), then the events after the last row. Its own method,
   * called once a message, so V8 optimizes the loop as a whole function: inside `#answer` it ran
   * as on-stack-replaced code that deoptimized on most messages.
   */
  #answerRows(p: Partition, m: DoneMessage, from: number): void {
    const log = p.log;
    const at: EventCursor = { object: 0, candle: 0 };
    const events = m.kinds.length;
    let e = 0;
    const tick = this.#tickEvent;
    const { refusedRows, refusedStatus } = m;
    let refused = 0;
    let nextRefused = refusedRows.length > 0 ? refusedRows[0]! : -1;
    for (let r = 0; r < m.count; r++) {
      let status = 0;
      if (r === nextRefused) {
        status = refusedStatus[refused++]!;
        nextRefused = refused < refusedRows.length ? refusedRows[refused]! : -1;
      }
      if (status === DROPPED) continue;
      const i = log.at(from + r);
      const owner = log.owner[i] as Call;
      const counts = owner.counts;
      while (e < events && m.eventRows[e] === r) this.#event(p, m, e++, at, counts);
      const row = log.row[i]!;
      log.owner[i] = undefined;
      this.#inFlight--;
      const source = p.sourceNames[log.source[i]!]!;
      if (status === 0) {
        const symbolId = log.symbol[i]!;
        const symbol = p.symbolNames[symbolId]!;
        if (counts) {
          this.#counts.accepted++;
          this.#counts.countSource(source, 1, 0);
        }
        if (p.accepting[symbolId] !== true) {
          p.accepting[symbolId] = true;
          p.symbols.add(symbol);
        }
        tick.symbol = symbol;
        // The event time as the engine took it.
        tick.ts = columnTimestamp(log.ts[i]!, log.receivedAt[i]!);
        tick.price = log.price[i]!;
        tick.volume = log.volume[i]!;
        const seq = log.seq[i]!;
        tick.seq = seq === seq ? seq : undefined;
        tick.id = log.ids[i];
        tick.source = source;
        tick.receivedAt = log.receivedAt[i]!;
        if (this.#listeners.tick.length > 0) this.#emit('tick', tick);
        if (owner.keepTick) owner.tick = { ...tick };
        owner.answer(row, undefined);
      } else {
        const reason = REJECT_REASONS[status - 1]!;
        if (counts) {
          this.#counts.reject(source, reason);
        }
        owner.answer(row, reason);
      }
    }
    while (e < events) this.#event(p, m, e++, at, true);
  }

  /** A closed candle leaves its symbol's open candles (views come later in the same order). */
  #closeInView(candles: CandleColumnData, k: number, symbols: readonly string[]): void {
    const view = this.#views.get(symbols[candles.symbol[k]!]!);
    if (view === undefined) return;
    const interval = this.#intervalLabels[candles.interval[k]!];
    const start = candleStartAt(candles, k);
    const at = view.open.findIndex((c) => c.interval === interval && c.start === start);
    if (at >= 0) view.open.splice(at, 1);
  }

  /**
   * A snapshot round (EnginePort). Each partition answers after the rows published before the
   * request; from its answer on, its later answers are held until every partition has answered.
   * So when `take` runs, the events emitted are exactly those of the ticks the records hold.
   * Holding costs at most the time the slowest partition takes to reach the request.
   */
  snapshotRound(all: boolean, take: (records: SnapshotRecord[]) => void): void {
    this.#rounds.push({ all, take });
    if (this.#round === undefined) this.#nextRound();
  }

  #nextRound(): void {
    const next = this.#rounds.shift();
    if (next === undefined || this.#closed) return;
    this.#round = {
      take: next.take,
      left: this.#partitions.length,
      records: [],
      held: this.#partitions.map(() => undefined),
    };
    for (const p of this.#partitions)
      p.worker.postMessage({ type: 'round', all: next.all } satisfies ToThread);
  }

  #roundAnswer(p: Partition, records: SnapshotRecord[]): void {
    const round = this.#round;
    if (round === undefined || round.held[p.index] !== undefined) return;
    for (const r of records) round.records.push(r);
    round.held[p.index] = [];
    if (--round.left > 0) return;
    round.records.sort((a, b) =>
      a.stats.symbol < b.stats.symbol ? -1 : a.stats.symbol > b.stats.symbol ? 1 : 0,
    );
    round.take(round.records);
    this.#round = undefined;
    // Answers held are older than any answer to a round started meanwhile: none of them is held.
    for (const part of this.#partitions) for (const m of round.held[part.index]!) this.#answer(part, m);
    if (this.#round === undefined) this.#nextRound();
  }

  #wakeWaiters(): void {
    if (this.#waiters.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => {
      const done = this.#partitions.every((p, i) => p.answered >= w.until[i]!);
      if (done) w.resolve();
      return !done;
    });
  }

  // -- ingest --------------------------------------------------------------------------------------

  /**
   * Where a raw symbol goes: its partition (by the stable hash of its normalized spelling) and its
   * number there; remembered, so a tick costs one lookup.
   */
  #route(raw: string): Route {
    let route = this.#routes.get(raw);
    if (route === undefined) {
      const symbol = normalizeSymbol(raw);
      if (symbol === undefined) route = INVALID_ROUTE;
      else {
        const partition = partitionOf(symbol, this.#partitions.length);
        route = { partition, id: this.#nameId(this.#partitions[partition]!, 'symbol', symbol) };
      }
      if (this.#routes.size >= ROUTE_CAPACITY) this.#routes.clear();
      this.#routes.set(raw, route);
    }
    return route;
  }

  /** Raw ticks, as Engine.ingest: answered once every partition has processed its rows. */
  ingest(ticks: readonly RawTick[], source: string, receivedAt: number): Promise<IngestResult> {
    return this.#ingestRaw(ticks, source, receivedAt, true);
  }

  /** One raw tick, as Engine.ingestOne: the accepted tick as normalized, or why it was refused. */
  async ingestOne(raw: RawTick, source: string, receivedAt: number): Promise<Tick | RejectReason> {
    const batch = new TickBatch(1);
    batch.fillFromRaw([raw], 0);
    const call = this.#ingestBatch(batch, source, receivedAt, true, true);
    const result = await call.promise;
    return call.tick ?? result.rejected[0]!.reason;
  }

  /**
   * Ticks an earlier run already accepted and counted (recovery from storage), as Engine.replay:
   * the state and the events are as for `ingest`, but no counter moves.
   */
  replay(ticks: readonly RawTick[], source: string, receivedAt: number): Promise<IngestResult> {
    return this.#ingestRaw(ticks, source, receivedAt, false);
  }

  /**
   * Puts back symbols from snapshots (on start, before any tick), each in its partition; resolves
   * once every partition has them (ingest after that: a message and the ring are not ordered).
   */
  restore(snapshots: readonly SymbolSnapshot[]): Promise<void> {
    const parts = this.#partitions.map(() => [] as SymbolSnapshot[]);
    for (const snapshot of snapshots) parts[this.partitionOf(snapshot.symbol)]!.push(snapshot);
    for (const p of this.#partitions) {
      const mine = parts[p.index]!;
      if (mine.length === 0) continue;
      // The restart point until the partition sends a snapshot of its own.
      const kept = new Map(stateSnapshots(p.snapshot).map((x) => [x.symbol, x]));
      for (const x of mine) {
        kept.set(x.symbol, x);
        const id = this.#nameId(p, 'symbol', x.symbol);
        p.accepting[id] = true;
        p.symbols.add(x.symbol);
      }
      p.snapshot = [...kept.values()];
      // Their names first: the thread numbers the candles it closes for them.
      this.#postNames(p);
      p.worker.postMessage({ type: 'restore', snapshots: mine } satisfies ToThread);
    }
    // Answered after the restores (each thread handles its messages in order).
    return this.refreshViews();
  }

  /** Puts back recent anomalies, oldest first (on start). */
  restoreAnomalies(anomalies: readonly Anomaly[]): void {
    for (const anomaly of anomalies) this.#counts.recent.add(anomaly);
  }

  async #ingestRaw(
    ticks: readonly RawTick[],
    source: string,
    receivedAt: number,
    counts: boolean,
  ): Promise<IngestResult> {
    const batch = new TickBatch(Math.max(1, Math.min(ticks.length, CHUNK_ROWS)));
    const answers: Array<Promise<IngestResult>> = [];
    for (let from = 0; from < ticks.length; from += batch.capacity) {
      batch.fillFromRaw(ticks, from);
      answers.push(this.#ingestBatch(batch, source, receivedAt, counts).promise);
      batch.clear();
    }
    let accepted = 0;
    const rejected: Rejection[] = [];
    const results = await Promise.all(answers);
    results.forEach((r, k) => {
      accepted += r.accepted;
      for (const x of r.rejected) rejected.push({ index: x.index + k * batch.capacity, reason: x.reason });
    });
    return { accepted, rejected };
  }

  /**
   * Ticks in columns (TickBatch conventions), as Engine.ingestBatch. The batch may be reused as
   * soon as this returns: its rows are in the partitions' logs (and rings, or waiting for room
   * under `block`).
   */
  ingestBatch(batch: TickBatch, source: string, receivedAt: number): Promise<IngestResult> {
    return this.#ingestBatch(batch, source, receivedAt, true).promise;
  }

  #ingestBatch(
    batch: TickBatch,
    source: string,
    receivedAt: number,
    counts: boolean,
    keepTick = false,
  ): Call {
    if (this.#closed) throw new Error('the engine is closed');
    // Asked once per call, as Engine does: a client that just subscribed gets this call's updates.
    this.#refreshCandleUpdates();
    const n = batch.length;
    const call = new Call(n, counts);
    call.keepTick = keepTick;
    const observer = this.#batchObserver;
    if (observer !== undefined && counts) {
      const started = observer.now();
      void call.promise.then(() => observer.observe(source, n, observer.now() - started));
    }
    const partitions = this.#partitions;
    const scratch = this.#scratchFor(n);
    const { part, order, idOf, sizes, starts } = scratch;
    sizes.fill(0);
    let budget = this.#admission === undefined ? Infinity : this.#admission.available() - this.#inFlight;
    for (let i = 0; i < n; i++) {
      part[i] = -1;
      const number = batch.rememberedNumber(i);
      let route = number >= 0 ? this.#routesByNumber[number] : undefined;
      if (route === undefined) {
        const raw = batch.symbols[i];
        route = typeof raw === 'string' && raw !== '' ? this.#route(raw) : INVALID_ROUTE;
        // A route never changes (the hash, and the partition's number for the name).
        if (number >= 0) this.#routesByNumber[number] = route;
      }
      if (route === INVALID_ROUTE) {
        this.#refuse(call, i, RejectReason.InvalidSymbol, source);
        continue;
      }
      if (budget <= 0) {
        this.#refuse(call, i, RejectReason.Overloaded, source);
        continue;
      }
      budget--;
      idOf[i] = route.id;
      part[i] = route.partition;
      sizes[route.partition]!++;
    }
    // The rows grouped by partition, each group in input order (a counting sort into `order`).
    for (let p = 0, at = 0; p < partitions.length; p++) {
      starts[p] = at;
      at += sizes[p]!;
    }
    for (let i = 0; i < n; i++) {
      const p = part[i]!;
      if (p >= 0) order[starts[p]!++] = i;
    }
    for (const p of partitions) {
      const size = sizes[p.index]!;
      if (size === 0) continue;
      // `starts` moved to each group's end.
      const rows = order.subarray(starts[p.index]! - size, starts[p.index]);
      this.#write(p, batch, rows, idOf, source, receivedAt, call);
    }
    return call;
  }

  #scratchFor(rows: number): Scratch {
    const partitions = this.#partitions.length;
    if (this.#scratch === undefined || this.#scratch.part.length < rows) {
      const size = Math.max(rows, 1024);
      this.#scratch = {
        part: new Int32Array(size),
        order: new Int32Array(size),
        idOf: new Int32Array(size),
        sizes: new Int32Array(partitions),
        starts: new Int32Array(partitions),
      };
    }
    return this.#scratch;
  }

  #refuse(call: Call, row: number, reason: RejectReason, source: string): void {
    if (call.counts) {
      this.#counts.reject(source, reason);
    }
    call.answer(row, reason);
  }

  #nameId(p: Partition, kind: 'symbol' | 'source', name: string): number {
    const ids = kind === 'symbol' ? p.symbolIds : p.sourceIds;
    let id = ids.get(name);
    if (id === undefined) {
      const names = kind === 'symbol' ? p.symbolNames : p.sourceNames;
      id = names.length;
      names.push(name);
      ids.set(name, id);
      p.newNames.push({ kind, id, name });
    }
    return id;
  }

  /**
   * Appends a partition's rows of a batch (`rows`: their indices in it, `symbolIds` by index) to its
   * log, as many as the overflow policy lets through, and writes to the ring what fits there.
   * Under `block` every row goes into the log and what does not fit waits there for room, behind
   * it the rows of later calls (`#pump`): the caller's batch is never read after this returns.
   */
  #write(
    p: Partition,
    batch: TickBatch,
    rows: Int32Array,
    symbolIds: Int32Array,
    source: string,
    receivedAt: number,
    call: Call,
  ): void {
    const policy = this.parallel.overflowPolicy;
    let start = 0;
    let n = rows.length;
    if (policy !== OverflowPolicy.Block) {
      let free = p.writer.free();
      if (n > free) {
        if (policy === OverflowPolicy.Reject) {
          for (let k = free; k < rows.length; k++) {
            this.#ringFull++;
            this.#refuse(call, rows[k]!, RejectReason.Overloaded, batch.sources[rows[k]!] || source);
          }
          n = free;
        } else {
          // More than the ring holds: the oldest of these rows go first, as if written and dropped.
          const capacity = p.writer.capacity;
          while (n > capacity) {
            this.#dropped++;
            this.#refuse(call, rows[start]!, RejectReason.Overloaded, batch.sources[rows[start]!] || source);
            start++;
            n--;
          }
          while (n > free) {
            this.#drop(p, n - free);
            free = p.writer.free();
          }
        }
      }
    }
    if (n === 0) return;
    const log = p.log;
    const { sources, price, volume, ts, seq, ids } = batch;
    // Nearly every row has the source of the one before: its number is looked up once per run.
    let sourceName: string | undefined;
    let sourceId = -1;
    for (let k = start, end = start + n; k < end; k++) {
      const c = rows[k]!;
      const name = sources[c] || source;
      if (name !== sourceName) sourceId = this.#nameId(p, 'source', (sourceName = name));
      const i = log.append(call, c);
      log.set(i, symbolIds[c]!, sourceId, price[c]!, volume[c]!, ts[c]!, seq[c]!, receivedAt, ids[c]);
    }
    this.#inFlight += n;
    p.tail += n;
    this.#pump(p);
  }

  /**
   * Writes the log's rows not yet in the ring into it, as many as fit, and publishes them; while
   * some are left (block), a loop writes them as the partition makes room.
   */
  #pump(p: Partition): void {
    // Rows already wait: these go behind them, written by the loop.
    if (p.pumping !== undefined) return;
    this.#publish(p);
    if (p.published < p.tail) p.pumping = this.#pumpLater(p).finally(() => (p.pumping = undefined));
  }

  #publish(p: Partition): void {
    const writer = p.writer;
    const n = Math.min(p.tail - p.published, writer.free());
    if (n <= 0) return;
    const log = p.log;
    const tail = writer.tail;
    // The ring is written from the log's columns: in one pass, or two where the log wraps.
    const first = p.published;
    const run = log.run(first, n);
    writer.writeFrom(tail, log, log.at(first), run);
    if (run < n) writer.writeFrom((tail + run) | 0, log, 0, n - run);
    // Before the rows are published, so the thread finds every name they use.
    this.#postNames(p);
    p.published += n;
    writer.publish(n);
  }

  async #pumpLater(p: Partition): Promise<void> {
    // Once closing, the rows left are answered by `close`.
    while (p.published < p.tail && !this.#closed) {
      // Rows go in once a refill's worth of the ring is free, or all that wait fit.
      const atLeast = Math.min(p.tail - p.published, p.writer.refillRows);
      await p.writer.waitForRoom(100, atLeast);
      if (!this.#closed && p.writer.free() >= atLeast) this.#publish(p);
    }
  }

  /** Sends the names numbered since the last time on the partition's names port. */
  #postNames(p: Partition): void {
    if (p.newNames.length === 0) return;
    p.names.postMessage(p.newNames);
    p.newNames = [];
  }

  /** Drops the `n` oldest rows still in a partition's ring (drop-oldest), answering them. */
  #drop(p: Partition, n: number): void {
    const { from, to } = p.writer.dropOldest(n);
    const count = (to - from) | 0;
    const first = p.answered + ((from - (p.answered | 0)) | 0);
    const log = p.log;
    for (let k = 0; k < count; k++) {
      const i = log.at(first + k);
      log.dropped[i] = 1;
      this.#dropped++;
      this.#refuseLogged(p, i);
    }
  }

  /** Answers a row of the log, not processed and never to be, `overloaded`. */
  #refuseLogged(p: Partition, i: number): void {
    const log = p.log;
    const owner = log.owner[i] as Call;
    log.owner[i] = undefined;
    this.#inFlight--;
    this.#refuse(owner, log.row[i]!, RejectReason.Overloaded, p.sourceNames[log.source[i]!]!);
  }

  /** Resolves once every row written so far has been answered (and the threads are up). */
  flush(): Promise<void> {
    const until = this.#partitions.map((p) => p.tail);
    return new Promise((resolve) => {
      this.#waiters.push({ until, resolve });
      this.#wakeWaiters();
    });
  }

  /** Moves quiet symbols' watermarks with the wall clock, in every partition (after its rows). */
  advance(now: number): void {
    for (const p of this.#partitions) p.worker.postMessage({ type: 'advance', now } satisfies ToThread);
  }

  /** Closes every open candle (end of a finite input); resolves once all partitions did. */
  closeAll(): Promise<void> {
    return new Promise((resolve) => {
      this.#closeAllWaiting = { left: this.#partitions.length, resolve };
      for (const p of this.#partitions) p.worker.postMessage({ type: 'closeAll' } satisfies ToThread);
    });
  }

  // -- queries -------------------------------------------------------------------------------------

  partitionOf(symbol: string): number {
    return partitionOf(symbol, this.#partitions.length);
  }

  /**
   * Ticks that can be handed in now with none refused as `overloaded`: the room in the fullest
   * ring (a batch may route every tick to one partition), within the admission's room; 0 while a
   * ring has less than a quarter of its rows free.
   */
  room(): number {
    let room = this.#admission === undefined ? Infinity : this.#admission.available() - this.#inFlight;
    for (const p of this.#partitions) {
      if (p.published < p.tail) return 0;
      const free = p.writer.free();
      // Less than a refill's worth: none, so a streaming producer waits and hands in more at once.
      if (free < p.writer.refillRows) return 0;
      if (free < room) room = free;
    }
    return room > 0 ? room : 0;
  }

  answered(): Promise<void> {
    return new Promise((resolve) => this.#answeredWaiters.push(resolve));
  }

  /** Per partition: rows written (or waiting for room) and not yet answered. */
  queueDepths(): number[] {
    return this.#partitions.map((p) => p.tail - p.answered);
  }

  partitionSizes(): number[] {
    return this.#partitions.map((p) => p.symbols.size);
  }

  symbols(): string[] {
    return this.#partitions.flatMap((p) => [...p.symbols]).sort();
  }

  /**
   * Brings the stats and open candles of every changed symbol from the partitions (after every row
   * written so far). The synchronous queries answer from the last ones received: while they are
   * asked (within the last 2 s) the partitions send them every `viewsEveryMs` unasked.
   */
  refreshViews(): Promise<void> {
    this.#wantViews();
    if (this.#closed) return Promise.resolve();
    // Each call asks anew: one asked earlier may have passed a partition before the caller's ticks.
    const n = ++this.#viewsAsked;
    for (const p of this.#partitions) p.worker.postMessage({ type: 'views' } satisfies ToThread);
    return new Promise((resolve) => this.#viewsWaiting.push({ n, resolve }));
  }

  /** Resolves the refreshes every partition has answered (each answers them in order). */
  #viewsAnswered(p: Partition): void {
    p.viewsAnswered++;
    let least = Infinity;
    for (const q of this.#partitions) if (q.viewsAnswered < least) least = q.viewsAnswered;
    while (this.#viewsWaiting.length > 0 && this.#viewsWaiting[0]!.n <= least)
      this.#viewsWaiting.shift()!.resolve();
  }

  /** Views cost the partitions a copy per changed symbol: sent periodically only while asked for. */
  #wantViews(): void {
    // Called per tick by a live stats channel: a clock reading, no timer per call.
    this.#viewsAskedAt = performance.now();
    if (this.#viewsWanted !== undefined) return;
    for (const p of this.#partitions) p.writer.setWantViews(true);
    this.#viewsWanted = setInterval(() => {
      if (performance.now() - this.#viewsAskedAt < VIEWS_WANTED_MS) return;
      clearInterval(this.#viewsWanted);
      this.#viewsWanted = undefined;
      for (const p of this.#partitions) p.writer.setWantViews(false);
    }, VIEWS_WANTED_MS / 4);
    this.#viewsWanted.unref();
  }

  /** A symbol's stats as its partition last sent them (see `refreshViews`). */
  stats(symbol: string): SymbolStats | undefined {
    return this.#view(symbol)?.stats;
  }

  /** A symbol's last view (normalized or raw spelling); asking keeps the views coming. */
  #view(symbol: string): SymbolView | undefined {
    this.#wantViews();
    return this.#views.get(symbol) ?? this.#views.get(normalizeSymbol(symbol) ?? symbol);
  }

  activity(symbol: string): SymbolActivity | undefined {
    return this.#view(symbol)?.activity;
  }

  allStats(): SymbolStats[] {
    this.#wantViews();
    return [...this.#views.keys()].sort().map((s) => this.#views.get(s)!.stats);
  }

  openCandles(symbol: string, interval?: string): CandleData[] {
    return this.openCandleInits(symbol, interval).map((init) => new Candle(init).toJSON());
  }

  openCandleInits(symbol: string, interval?: string): CandleInit[] {
    const open = this.#view(symbol)?.open ?? [];
    return open.filter((c) => interval === undefined || c.interval === interval);
  }

  recentAnomalies(options: { symbol?: string; limit?: number } = {}): Anomaly[] {
    const symbol =
      options.symbol === undefined ? undefined : (normalizeSymbol(options.symbol) ?? options.symbol);
    return this.#counts.recent.list(symbol, options.limit);
  }

  counters(): ParallelCounters {
    return {
      ...this.#counts.snapshot(this.#partitions.reduce((n, p) => n + p.symbols.size, 0)),
      dropped: this.#dropped,
      ringFull: this.#ringFull,
      restarts: this.#restarts,
    };
  }

  /**
   * Stops the threads. Rows not answered by then (in a ring, or waiting for room) are answered
   * `overloaded`, so no ingest call waits forever; a caller that wants them processed flushes
   * first, as storage does when it closes.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#viewsWanted);
    for (const p of this.#partitions) p.writer.close();
    await Promise.all(
      this.#partitions.map(async (p) => {
        p.names.close();
        await p.worker.terminate();
      }),
    );
    for (const p of this.#partitions) {
      const log = p.log;
      for (let position = p.answered; position < p.tail; position++) {
        const i = log.at(position);
        // A row dropped (drop-oldest) was answered then.
        if (log.owner[i] !== undefined) this.#refuseLogged(p, i);
      }
      p.answered = p.tail;
    }
    this.#wakeWaiters();
    for (const wake of this.#answeredWaiters.splice(0)) wake();
  }
}

/**
 * #ingestBatch's working columns, kept from call to call (nothing allocated per row): per row its
 * partition (−1: refused) and its symbol's number there; the rows grouped by partition (`order`),
 * with each group's size and start.
 */
interface Scratch {
  readonly part: Int32Array;
  readonly idOf: Int32Array;
  readonly order: Int32Array;
  readonly sizes: Int32Array;
  readonly starts: Int32Array;
}
