import type { Worker } from 'node:worker_threads';

import type { CandleData } from '../core/candles.js';
import type { SymbolStats } from '../core/symbol-state.js';
import { normalizeSymbol, RejectReason } from '../core/tick.js';
import type { EngineOptions } from './engine.js';
import { partitionOf } from './partition.js';
import type { FromWorker, ToWorker, WireBatch, WireEvent } from './partition-wire.js';
import type { TickBatch } from './tick-batch.js';
import { startModuleWorker } from '../runtime/module-worker.js';

/** What one ingested batch made, in input order: per row its rejection, or the events it caused. */
export type PoolItem =
  WireEvent | { readonly type: 'rejected'; readonly index: number; readonly reason: RejectReason };

export interface PoolResult {
  readonly accepted: number;
  readonly items: PoolItem[];
}

export interface PoolFinish {
  /** The candles still open, closed now: by symbol, interval, start. */
  readonly candles: CandleData[];
  /** Every symbol's stats, by symbol. */
  readonly stats: SymbolStats[];
}

/** Raw symbols remembered with their partition (−1: invalid), to route without normalizing. */
const ROUTE_CAPACITY = 10_000;

type Pending = { resolve: (message: FromWorker) => void; reject: (err: Error) => void };

/**
 * Symbols partitioned by the stable hash over worker threads, each owning its symbols' state
 * (DESIGN §8). A batch is split by partition into column batches, one message per partition;
 * the events come back one message per partition and are merged into input order, so the result
 * does not depend on the partition count. Several batches may be in flight: each worker answers in
 * order and every result resolves in the order its batch was sent.
 *
 * Used by `analyze --partitions N` and the `engine` benchmark. Not yet the server's engine: the
 * live server still runs every partition on the main thread (see docs/benchmarks.md).
 */
export class PartitionPool {
  readonly partitions: number;
  readonly #workers: Worker[];
  readonly #pending: Pending[][];
  readonly #routes = new Map<string, number>();
  #failure: Error | undefined;

  private constructor(options: EngineOptions, partitions: number) {
    this.partitions = partitions;
    this.#pending = Array.from({ length: partitions }, () => []);
    this.#workers = Array.from({ length: partitions }, (_, p) => {
      const worker = startModuleWorker(import.meta.url, 'partition-worker');
      worker.on('message', (message: FromWorker) => {
        const waiting = this.#pending[p]!.shift();
        if (waiting === undefined) return;
        if (message.type === 'error') waiting.reject(new Error(`partition ${p}: ${message.message}`));
        else waiting.resolve(message);
      });
      worker.on('error', (err) => this.#fail(err));
      worker.on('exit', (code) => {
        if (code !== 0) this.#fail(new Error(`partition ${p} worker exited with code ${code}`));
      });
      const init: ToWorker = { type: 'init', options: { ...options, partitions: 1 } };
      worker.postMessage(init);
      return worker;
    });
  }

  /** Starts `partitions` workers with the engine options (`options.partitions` is ignored). */
  static start(options: EngineOptions, partitions: number): PartitionPool {
    if (!Number.isInteger(partitions) || partitions < 1) {
      throw new RangeError(`partitions must be an integer ≥ 1, got ${partitions}`);
    }
    return new PartitionPool(options, partitions);
  }

  #fail(err: Error): void {
    this.#failure ??= err;
    for (const pending of this.#pending) for (const p of pending.splice(0)) p.reject(err);
  }

  #ask(p: number, message: ToWorker, transfer: ArrayBuffer[] = []): Promise<FromWorker> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#pending[p]!.push({ resolve, reject });
      this.#workers[p]!.postMessage(message, transfer);
    });
  }

  #route(raw: string): number {
    let p = this.#routes.get(raw);
    if (p === undefined) {
      const symbol = normalizeSymbol(raw);
      p = symbol === undefined ? -1 : partitionOf(symbol, this.partitions);
      if (this.#routes.size >= ROUTE_CAPACITY) this.#routes.clear();
      this.#routes.set(raw, p);
    }
    return p;
  }

  /**
   * Processes a batch (TickBatch conventions) as `Engine.ingestBatch` would, but on the partitions'
   * threads. The batch may be reused as soon as this returns (its columns are copied).
   */
  ingest(batch: TickBatch, source: string, receivedAt: number): Promise<PoolResult> {
    const n = batch.length;
    const partitions = this.partitions;
    const part = new Int32Array(n);
    const counts = new Int32Array(partitions);
    for (let i = 0; i < n; i++) {
      const symbol = batch.symbols[i];
      const p = typeof symbol === 'string' && symbol !== '' ? this.#route(symbol) : -1;
      part[i] = p;
      if (p >= 0) counts[p]!++;
    }
    const rowsOf: Int32Array[] = [];
    const sent: Array<Promise<FromWorker | undefined>> = [];
    for (let p = 0; p < partitions; p++) {
      const count = counts[p]!;
      const rows = new Int32Array(count);
      rowsOf.push(rows);
      if (count === 0) {
        sent.push(Promise.resolve(undefined));
        continue;
      }
      const wire: WireBatch = {
        length: count,
        symbols: new Array<string>(count),
        price: new Float64Array(count),
        volume: new Float64Array(count),
        ts: new Float64Array(count),
        seq: new Float64Array(count),
        ids: new Array<string | undefined>(count),
        sources: new Array<string>(count),
      };
      for (let i = 0, j = 0; i < n; i++) {
        if (part[i] !== p) continue;
        rows[j] = i;
        wire.symbols[j] = batch.symbols[i]!;
        wire.price[j] = batch.price[i]!;
        wire.volume[j] = batch.volume[i]!;
        wire.ts[j] = batch.ts[i]!;
        wire.seq[j] = batch.seq[i]!;
        wire.ids[j] = batch.ids[i];
        wire.sources[j] = batch.sources[i]!;
        j++;
      }
      const message: ToWorker = { type: 'ingest', batch: wire, source, receivedAt };
      sent.push(
        this.#ask(p, message, [
          wire.price.buffer as ArrayBuffer,
          wire.volume.buffer as ArrayBuffer,
          wire.ts.buffer as ArrayBuffer,
          wire.seq.buffer as ArrayBuffer,
        ]),
      );
    }
    return Promise.all(sent).then((answers) => merge(n, part, rowsOf, answers));
  }

  /** Resolves once every worker has started and processed what was sent before. */
  async ready(): Promise<void> {
    await Promise.all(this.#workers.map((_, p) => this.#ask(p, { type: 'ping' })));
  }

  /** Closes every open candle and answers every symbol's stats (end of a finite input). */
  async finish(): Promise<PoolFinish> {
    const answers = await Promise.all(this.#workers.map((_, p) => this.#ask(p, { type: 'finish' })));
    const candles: CandleData[] = [];
    const stats: SymbolStats[] = [];
    for (const answer of answers) {
      if (answer.type !== 'finished') throw new Error('partition worker answered out of order');
      candles.push(...answer.candles);
      stats.push(...answer.stats);
    }
    // Each partition closed its symbols in name order; a stable sort by symbol keeps, per symbol,
    // the interval and start order its partition used.
    candles.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
    stats.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
    return { candles, stats };
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}

/** Puts the partitions' answers back into input order. */
function merge(
  n: number,
  part: Int32Array,
  rowsOf: readonly Int32Array[],
  answers: ReadonlyArray<FromWorker | undefined>,
): PoolResult {
  // Per input row: the partition answer and the position of its next event or rejection there.
  const eventAt = new Int32Array(answers.length);
  const rejectedAt = new Int32Array(answers.length);
  const local = new Int32Array(answers.length);
  const items: PoolItem[] = [];
  let accepted = 0;
  for (let i = 0; i < n; i++) {
    const p = part[i]!;
    if (p < 0) {
      items.push({ type: 'rejected', index: i, reason: RejectReason.InvalidSymbol });
      continue;
    }
    const answer = answers[p];
    if (answer?.type !== 'ingested') throw new Error('partition worker answered out of order');
    const row = local[p]!++;
    // Sanity: the partition's row `row` is this input row.
    if (rowsOf[p]![row] !== i) throw new Error('partition rows out of step');
    const r = rejectedAt[p]!;
    if (r < answer.rejectedRows.length && answer.rejectedRows[r] === row) {
      items.push({ type: 'rejected', index: i, reason: answer.rejectedReasons[r]! });
      rejectedAt[p] = r + 1;
      continue;
    }
    accepted++;
    let e = eventAt[p]!;
    while (e < answer.rows.length && answer.rows[e] === row) items.push(answer.events[e++]!);
    eventAt[p] = e;
  }
  return { accepted, items };
}
