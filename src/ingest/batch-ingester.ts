import { RejectReason } from '../core/tick.js';
import type { Admission } from '../engine/engine.js';
import type { EnginePort } from '../engine/engine-port.js';
import type { TickBatch } from '../engine/tick-batch.js';

/**
 * Hands batches of decoded ticks to the engine for a streaming producer (TCP, gRPC) that has no
 * per-tick answer to give its client and so must never turn a tick away as `overloaded`: it
 * ingests only as many ticks as the downstream (the storage writer's admission) has room for,
 * keeps the rest in the batch, and tells its caller to stop reading until there is room. The
 * caller pauses its socket or stream, which lets TCP flow control push back on the client; nothing
 * read is dropped.
 *
 * Should the engine still answer `overloaded` (its admission was set without telling this class),
 * those ticks are kept and retried the same way rather than lost.
 */

/** Counts of one producer (a connection, a stream): accepted, and rejected per reason. */
export interface IngestTally {
  accepted: number;
  /** Per reason: the engine's (`invalid_price`, `late`, …) and the decoder's `malformed`. */
  readonly rejected: Record<string, number>;
  /** Resolves once the answers of every batch handed in so far are counted (threaded engine). */
  settled?: Promise<void>;
}

/** The reason counted for a message that is not valid protobuf (TCP frame or gRPC message). */
export const MALFORMED = 'malformed';

export function emptyTally(): IngestTally {
  return { accepted: 0, rejected: {} };
}

export function addTally(into: IngestTally, from: IngestTally): void {
  into.accepted += from.accepted;
  for (const [reason, n] of Object.entries(from.rejected))
    into.rejected[reason] = (into.rejected[reason] ?? 0) + n;
}

export function countRejected(tally: IngestTally, reason: string, n = 1): void {
  tally.rejected[reason] = (tally.rejected[reason] ?? 0) + n;
}

/** Polling steps while waiting for room: the admission has no event to wait on. */
const FIRST_WAIT_MS = 1;
const LONGEST_WAIT_MS = 50;

export class BatchIngester {
  readonly #engine: EnginePort;
  readonly #source: string;
  readonly #admission: Admission | undefined;
  readonly #now: () => number;

  constructor(engine: EnginePort, source: string, admission?: Admission, now: () => number = Date.now) {
    this.#engine = engine;
    this.#source = source;
    this.#admission = admission;
    this.#now = now;
  }

  /** Whether the downstream can take at least one tick now. */
  hasRoom(): boolean {
    return this.#room() > 0;
  }

  /** Ticks that can be handed in now without one being refused as `overloaded`. */
  #room(): number {
    const downstream = this.#admission === undefined ? Infinity : this.#admission.available();
    const engine = this.#engine.room?.() ?? Infinity;
    return downstream < engine ? downstream : engine;
  }

  /**
   * Ingests what there is room for, counting it in `tally`, at the receive time `now()` (which is
   * the tick's `ingest_timestamp`). Returns true when the batch was taken whole (it is cleared);
   * false when ticks wait in it, in their order, for room: stop reading, `waitForRoom`, call again.
   */
  ingest(batch: TickBatch, tally: IngestTally): boolean {
    const n = batch.length;
    if (n === 0) return true;
    const room = this.#room();
    if (room <= 0) return false;
    const take = room < n ? Math.floor(room) : n;
    batch.length = take;
    const answer = this.#engine.ingestBatch(batch, this.#source, this.#now());
    batch.length = n;
    if (answer instanceof Promise) {
      // The threaded engine took its copy of the rows (within its room: none is refused as
      // overloaded for want of space) and answers later: the tally counts them then.
      const counted = answer.then((result) => {
        tally.accepted += result.accepted;
        for (const { reason } of result.rejected) countRejected(tally, reason);
      });
      const before = tally.settled;
      tally.settled = before === undefined ? counted : Promise.all([before, counted]).then(() => undefined);
      for (let i = take; i < n; i++) move(batch, i, i - take);
      return this.#keep(batch, n - take);
    }
    const result = answer;
    tally.accepted += result.accepted;
    let kept = 0;
    for (const { index, reason } of result.rejected) {
      if (reason === RejectReason.Overloaded) move(batch, index, kept++);
      else countRejected(tally, reason);
    }
    for (let i = take; i < n; i++) move(batch, i, kept++);
    return this.#keep(batch, kept);
  }

  /** Leaves the first `kept` rows in the batch: true when none are left. */
  #keep(batch: TickBatch, kept: number): boolean {
    const n = batch.length;
    if (kept === 0) {
      batch.clear();
      return true;
    }
    for (let i = kept; i < n; i++) batch.ids[i] = undefined;
    batch.length = kept;
    return false;
  }

  /** Resolves once the downstream has room (polling with backoff), or when `signal` aborts. */
  async waitForRoom(signal?: AbortSignal): Promise<void> {
    let wait = FIRST_WAIT_MS;
    do {
      // A threaded engine makes room as its partitions answer: woken by that, not only the timer.
      const answered = this.#engine.answered?.();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, wait);
        function done(): void {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          resolve();
        }
        signal?.addEventListener('abort', done, { once: true });
        void answered?.then(done);
      });
      wait = Math.min(wait * 2, LONGEST_WAIT_MS);
    } while (!this.hasRoom() && signal?.aborted !== true);
  }
}

/** Copies tick `from` to position `to` (to ≤ from) of the batch's columns. */
function move(batch: TickBatch, from: number, to: number): void {
  if (from === to) return;
  batch.symbols[to] = batch.symbols[from]!;
  batch.price[to] = batch.price[from]!;
  batch.volume[to] = batch.volume[from]!;
  batch.ts[to] = batch.ts[from]!;
  batch.seq[to] = batch.seq[from]!;
  batch.ids[to] = batch.ids[from];
  batch.sources[to] = batch.sources[from]!;
  batch.receivedAt[to] = batch.receivedAt[from]!;
  batch.symbolNumbers[to] = batch.symbolNumbers[from]!;
}
