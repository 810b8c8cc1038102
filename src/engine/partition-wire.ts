import type { Anomaly } from '../core/spike-detector.js';
import type { CandleData } from '../core/candles.js';
import type { SymbolStats } from '../core/symbol-state.js';
import type { RejectReason } from '../core/tick.js';
import type { EngineOptions, GapEvent } from './engine.js';

/**
 * Messages between a {@link PartitionPool} and its partition workers. Ticks go out as columns
 * (one message per batch, typed arrays transferred, never one message per tick); the events they
 * made come back as one message per batch, each tagged with the batch row that caused it, so the
 * main thread can put the partitions' events back into input order.
 */

/** A batch of ticks in columns, as TickBatch holds them (see its conventions). */
export interface WireBatch {
  readonly length: number;
  readonly symbols: string[];
  readonly price: Float64Array;
  readonly volume: Float64Array;
  readonly ts: Float64Array;
  readonly seq: Float64Array;
  readonly ids: Array<string | undefined>;
  readonly sources: string[];
}

export type ToWorker =
  | { readonly type: 'init'; readonly options: EngineOptions }
  | {
      readonly type: 'ingest';
      readonly batch: WireBatch;
      readonly source: string;
      readonly receivedAt: number;
    }
  /** Answered with `ready` once the worker has loaded and processed everything sent before. */
  | { readonly type: 'ping' }
  /** Close every open candle (end of a finite input) and answer every symbol's stats. */
  | { readonly type: 'finish' };

export type WireEvent =
  | { readonly type: 'anomaly'; readonly event: Anomaly }
  | { readonly type: 'candle'; readonly event: CandleData }
  | { readonly type: 'gap'; readonly event: GapEvent };

export type FromWorker =
  | {
      readonly type: 'ingested';
      /** Row of each event, in the order the events happened. */
      readonly rows: Int32Array;
      readonly events: WireEvent[];
      readonly rejectedRows: Int32Array;
      readonly rejectedReasons: RejectReason[];
    }
  | {
      readonly type: 'finished';
      /** Candles closed at the end, by symbol, interval, start. */
      readonly candles: CandleData[];
      /** By symbol. */
      readonly stats: SymbolStats[];
    }
  | { readonly type: 'ready' }
  | { readonly type: 'error'; readonly message: string };
