import type { CandleData, CandleInit } from '../core/candles.js';
import type { Interval } from '../core/interval.js';
import type { Anomaly } from '../core/spike-detector.js';
import type { SymbolSnapshot, SymbolStats } from '../core/symbol-state.js';
import type { RawTick, RejectReason, Tick } from '../core/tick.js';
import type {
  Admission,
  BatchObserver,
  EngineCounters,
  EngineOptions,
  GapEvent,
  IngestResult,
} from './engine.js';
import type { TickBatch } from './tick-batch.js';

/**
 * What the adapters (ingest, storage, streams, routes) see of the engine, whichever shape runs it:
 * `Engine` on the calling thread (`partitions: 1`), `ParallelEngine` over worker threads, or a
 * cluster node's `ClusterEngine`. Only src/main.ts picks the shape (DESIGN §2, §8).
 *
 * Ingest may answer later (a promise) on the threaded shape: callers `await` its result. Queries
 * answer at once; on the threaded shape they answer from the partitions' last views (at most
 * `viewsEveryMs` old) and `refreshViews` brings them up to date.
 */
export interface EnginePort {
  readonly options: EngineOptions;
  readonly intervals: readonly Interval[];
  /** True when the queries may trail the ticks answered (the threaded shape: see refreshViews). */
  readonly queriesLag: boolean;

  on<K extends PortEventType>(type: K, listener: (event: PortEvents[K]) => void): () => void;
  onListenerError(handler: (err: unknown, type: PortEventType) => void): void;
  observeBatches(observer: BatchObserver | undefined): void;
  demandCandleUpdates(demand: (() => boolean) | undefined): void;
  setAdmission(admission: Admission | undefined): void;

  ingest(ticks: readonly RawTick[], source: string, receivedAt: number): IngestResult | Promise<IngestResult>;
  ingestBatch(batch: TickBatch, source: string, receivedAt: number): IngestResult | Promise<IngestResult>;
  /** Ticks an earlier run accepted (recovery): state and events as `ingest`, no counter moves. */
  replay(ticks: readonly RawTick[], source: string, receivedAt: number): IngestResult | Promise<IngestResult>;
  /** One raw tick: the accepted tick as the engine normalized it, or why it was refused. */
  ingestOne(
    raw: RawTick,
    source: string,
    receivedAt: number,
  ): Tick | RejectReason | Promise<Tick | RejectReason>;
  /**
   * Ticks that can be handed in now without any being refused for want of room in the engine
   * (the threaded shape's partition rings); absent when the engine has no such limit.
   */
  room?(): number;
  /** Resolves when the engine next answers ticks (and so has made room); threaded shape only. */
  answered?(): Promise<void>;
  /** Puts back symbols from snapshots (on start, before any tick). */
  restore(snapshots: readonly SymbolSnapshot[]): void | Promise<void>;
  restoreAnomalies(anomalies: readonly Anomaly[]): void;
  /** Moves quiet symbols' watermarks with the wall clock (epoch ms). */
  advance(now: number): void;
  /** Resolves once every tick handed in so far has been answered and its events emitted. */
  flush(): Promise<void>;
  /** Brings the queries up to date with every tick handed in so far. */
  refreshViews(): Promise<void>;
  /**
   * A cluster node's copy: resolves once the queries reflect every tick the cluster acknowledged
   * before the call (bounded; src/cluster/read-barrier.ts). Absent where reads need no wait.
   */
  readBarrier?(): Promise<void>;

  /**
   * A snapshot round for storage: the stats and state of every symbol that changed since its last
   * round (all of them when `all`). `take` is called once with the records, synchronously between
   * the engine's events, at a point where they hold exactly the ticks already emitted: a `tick`
   * listener's count read inside `take` is the sequence number they are valid at.
   */
  snapshotRound(all: boolean, take: (records: SnapshotRecord[]) => void): void;

  symbols(): string[];
  stats(symbol: string): SymbolStats | undefined;
  allStats(): SymbolStats[];
  openCandles(symbol: string, interval?: string): CandleData[];
  /** The open candles with what continuing them needs (e.g. the UTC-day aggregates on start). */
  openCandleInits(symbol: string, interval?: string): CandleInit[];
  /** When the symbol's last tick arrived and the latest event time it has seen (epoch ms). */
  activity(symbol: string): SymbolActivity | undefined;
  recentAnomalies(options?: { symbol?: string; limit?: number }): Anomaly[];
  counters(): PortCounters;
  partitionSizes(): number[];
  /** Per partition, ticks handed in and not yet answered (threaded shape only). */
  queueDepths?(): number[];
}

export interface SymbolActivity {
  readonly lastArrival: number;
  readonly lastTs: number;
}

/** One symbol of a snapshot round. */
export interface SnapshotRecord {
  readonly stats: SymbolStats;
  readonly snapshot: SymbolSnapshot;
}

/** An accepted tick, as the engine normalized it. Reused: read it during the call, copy what you keep. */
export interface PortTickEvent {
  symbol: string;
  ts: number;
  price: number;
  volume: number;
  seq: number | undefined;
  id: string | undefined;
  source: string;
  receivedAt: number;
}

export interface PortEvents {
  tick: PortTickEvent;
  /** A candle closed or was revised. May be a live object: copy it (`ownCandle`) to keep it. */
  candle: CandleData;
  /** An open candle changed. May be a live object: serialize or copy it during the call. */
  candleUpdate: CandleData;
  anomaly: Anomaly;
  gap: GapEvent;
}
export type PortEventType = keyof PortEvents;

export interface PortCounters extends EngineCounters {
  /** Ticks dropped from a full partition ring (drop-oldest; threaded shape only). */
  readonly dropped?: number;
  /** Ticks refused because their partition's ring was full (threaded shape only). */
  readonly ringFull?: number;
  /** Partition threads that threw and were restarted (threaded shape only). */
  readonly restarts?: number;
}

/** A plain copy of a candle event's data (an Engine's candle is a live object it may reuse). */
export function ownCandle(candle: CandleData): CandleData {
  const live = candle as CandleData & { toJSON?: () => CandleData };
  return typeof live.toJSON === 'function' ? live.toJSON() : candle;
}
