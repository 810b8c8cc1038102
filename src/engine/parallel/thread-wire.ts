import type { MessagePort } from 'node:worker_threads';

import type { CandleInit } from '../../core/candles.js';
import { unpackSnapshots, type PackedSnapshots } from '../../core/snapshot-pack.js';
import type { Anomaly } from '../../core/spike-detector.js';
import type { SymbolSnapshot, SymbolStats } from '../../core/symbol-state.js';
import type { EngineOptions, GapEvent } from '../engine.js';
import type { SnapshotRecord, SymbolActivity } from '../engine-port.js';
import type { CandleColumnData } from './candle-columns.js';
import type { TickColumnData } from './tick-columns.js';
import type { RingBuffers } from './tick-ring.js';

/**
 * Messages between a ParallelEngine and its partition threads. Ticks never travel here: they go
 * through the partition's ring (tick-ring.ts). What comes back is one `done` message per chunk of
 * rows a thread processed (or per clock step), with every event of the chunk, in the order the
 * partition's engine made them.
 */

/** A name (symbol or source) the producer numbered, sent on the names port before its first row. */
export interface NameEntry {
  readonly kind: 'symbol' | 'source';
  readonly id: number;
  readonly name: string;
}

/**
 * A partition's state as the thread sends it back now and then (ThreadInit): its snapshots packed
 * into numbers and strings (src/core/snapshot-pack.ts), which the main thread keeps without
 * reading them (it needs them only to restart the partition), where an object graph would be
 * rebuilt on the main thread and kept in its heap.
 */
export type SerializedState = PackedSnapshots;

/** The state a partition restarts from: its last packed state, or snapshots (recovery). */
export type PartitionState = SerializedState | readonly SymbolSnapshot[];

/** The snapshots of a partition state. */
export function stateSnapshots(state: PartitionState): readonly SymbolSnapshot[] {
  return isPacked(state) ? unpackSnapshots(state) : state;
}

function isPacked(state: PartitionState): state is PackedSnapshots {
  return !Array.isArray(state);
}

/** Rows to feed again after a restart, in columns (symbols and sources by number). */
export interface ReplayRows extends TickColumnData {
  readonly length: number;
  /** Clock steps between rows: `advanceNow[k]` happened before row `advanceAt[k]`. */
  readonly advanceAt: Int32Array;
  readonly advanceNow: Float64Array;
}

export interface ThreadInit {
  readonly type: 'init';
  readonly partition: number;
  readonly options: EngineOptions;
  readonly ring: RingBuffers;
  readonly names: MessagePort;
  readonly symbols: readonly string[];
  readonly sources: readonly string[];
  /** Rows taken from the ring at most at once. */
  readonly chunkRows: number;
  /** A state snapshot is sent back after about this many ticks… */
  readonly snapshotEveryTicks: number;
  /** …and at least this many per symbol of the partition. */
  readonly snapshotTicksPerSymbol: number;
  /** Stats and open candles of the symbols that changed are sent back at most this often. */
  readonly viewsEveryMs: number;
  /** A restart: the partition's last state, then the rows after it (replayed: no events). */
  readonly restore?: {
    readonly snapshot: PartitionState;
    readonly replay: ReplayRows;
    /** Rows taken from the ring by the thread that died and not answered: processed again. */
    readonly redo: ReplayRows;
    /** Position of the first `redo` row. */
    readonly redoFrom: number;
  };
}

export type ToThread =
  | ThreadInit
  | { readonly type: 'advance'; readonly now: number }
  | { readonly type: 'closeAll' }
  /** Symbols put back from snapshots (recovery, before any tick of theirs). */
  | { readonly type: 'restore'; readonly snapshots: readonly SymbolSnapshot[] }
  /** Send the views of every symbol changed since they were last sent, now. */
  | { readonly type: 'views' }
  /** A snapshot round for storage (after every row published before it): see `round` below. */
  | { readonly type: 'round'; readonly all: boolean }
  /** Test hook: the thread throws after processing its next chunk, before answering it. */
  | { readonly type: 'crash' };

/** The events that travel as objects (rare); candles travel in columns (candle-columns.ts). */
export type ThreadEvent =
  { readonly type: 'anomaly'; readonly event: Anomaly } | { readonly type: 'gap'; readonly event: GapEvent };

/** Kind of an event in a `done` message's order: the next object event, or the next candle. */
export const OBJECT_EVENT = 0;
export const CANDLE_EVENT = 1;

export interface SymbolView {
  readonly stats: SymbolStats;
  /** Open candles with their continuation fields (openCandles strips those). */
  readonly open: CandleInit[];
  readonly activity: SymbolActivity;
}

export type FromThread =
  | { readonly type: 'ready' }
  | {
      readonly type: 'done';
      /** Position of the first row (int32, wraps). */
      readonly from: number;
      readonly count: number;
      /** The rows not accepted (indices from `from`, ascending); every other row was accepted. */
      readonly refusedRows: Int32Array;
      /**
       * Per refused row: 1 + the index of its reason in REJECT_REASONS, or 255 for a row dropped
       * (drop-oldest) before it was processed.
       */
      readonly refusedStatus: Uint8Array;
      /** Per event, in the order the engine made them: OBJECT_EVENT or CANDLE_EVENT. */
      readonly kinds: Uint8Array;
      /** Per event: the row it came with, −1 for a clock step's or the end's. */
      readonly eventRows: Int32Array;
      /** The object events, in order. */
      readonly events: ThreadEvent[];
      /** The candles (closed: `candle`, open: `candleUpdate`), in order. */
      readonly candles: CandleColumnData;
      /** The clock step this answers (events of `advance`), if any. */
      readonly advanced?: number;
      readonly views?: SymbolView[];
      /** The partition's state after this message's rows. */
      readonly snapshot?: SerializedState;
      readonly closedAll?: boolean;
      /** The answer to a `views` request. */
      readonly viewsAnswer?: boolean;
      /** The answer to a `round` request: the symbols changed since the last round (or all). */
      readonly round?: SnapshotRecord[];
    };
