import { status, type ServerReadableStream, type sendUnaryData } from '@grpc/grpc-js';

import { TickBatch } from '../../engine/tick-batch.js';
import type { Logger } from '../../observability/logger.js';
import {
  countRejected,
  emptyTally,
  MALFORMED,
  type BatchIngester,
  type IngestTally,
} from '../batch-ingester.js';
import type { SymbolInterner } from '../symbol-interner.js';
import { TickDecoder } from '../tick-decoder.js';
import type { AckMessage } from './marketdata-service.js';

export interface TickStreamOptions {
  readonly ingester: BatchIngester;
  readonly interner: SymbolInterner;
  readonly log: Logger;
  readonly batchSize: number;
  /** Aborts waiting for room when the server stops. */
  readonly signal: AbortSignal;
  /** Called once when the stream is over, with what it counted. */
  readonly onDone: (tally: IngestTally) => void;
  /**
   * On a cluster node: resolves once NATS JetStream acknowledged the ticks published so far. The
   * Ack waits for it; when it rejects the call ends UNAVAILABLE (docs/scaling.md).
   */
  readonly published?: (() => Promise<void>) | undefined;
}

/**
 * One `StreamTicks` call: raw Tick messages are decoded into a batch (tick-decoder.ts) and
 * ingested with source `grpc` whenever the batch fills or the messages at hand are done. As on
 * TCP there is no answer per tick until the end, so when the downstream has no room the stream is
 * paused (HTTP/2 flow control then holds the client back) instead of refusing ticks.
 * When the client half-closes, everything is ingested and the Ack reports the counts.
 */
export class TickStream {
  readonly #call: ServerReadableStream<Buffer, AckMessage>;
  readonly #callback: sendUnaryData<AckMessage>;
  readonly #options: TickStreamOptions;
  readonly #decoder: TickDecoder;
  readonly #batch: TickBatch;
  readonly #tally: IngestTally = emptyTally();
  /** Messages received while waiting for room. */
  readonly #queue: Buffer[] = [];
  #waiting = false;
  #scheduled = false;
  #ended = false;
  #done = false;

  constructor(
    call: ServerReadableStream<Buffer, AckMessage>,
    callback: sendUnaryData<AckMessage>,
    options: TickStreamOptions,
  ) {
    this.#call = call;
    this.#callback = callback;
    this.#options = options;
    this.#decoder = new TickDecoder(options.interner);
    this.#batch = new TickBatch(options.batchSize);
  }

  /** Starts reading (after the call was authorized). */
  start(): void {
    const call = this.#call;
    call.on('data', (bytes: Buffer) => this.#onMessage(bytes));
    call.on('end', () => {
      this.#ended = true;
      this.#pump();
    });
    call.on('cancelled', () => {
      this.#ended = true;
      this.#pump();
    });
    call.on('error', (err: Error) => {
      this.#options.log.debug({ err: err.message }, 'grpc tick stream error');
      this.#ended = true;
      this.#pump();
    });
    call.resume();
  }

  #onMessage(bytes: Buffer): void {
    if (this.#waiting) {
      this.#queue.push(bytes);
      return;
    }
    this.#decode(bytes);
    if (this.#batch.length === this.#batch.capacity) this.#pump();
    else if (!this.#scheduled) {
      // Messages of one HTTP/2 frame arrive in one turn of the event loop: ingest them together.
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.#pump();
      });
    }
  }

  #decode(bytes: Buffer): void {
    if (!this.#decoder.decode(bytes, 0, bytes.length, this.#batch)) countRejected(this.#tally, MALFORMED);
  }

  /** Ingests the batch and any queued messages; pauses the call when the downstream is full. */
  #pump(): void {
    if (this.#waiting || this.#done) return;
    const batch = this.#batch;
    const queue = this.#queue;
    for (;;) {
      while (queue.length > 0 && batch.length < batch.capacity) this.#decode(queue.shift()!);
      if (!this.#options.ingester.ingest(batch, this.#tally)) {
        this.#wait();
        return;
      }
      if (queue.length === 0) break;
    }
    if (this.#ended) this.#finish();
  }

  #wait(): void {
    this.#waiting = true;
    this.#call.pause();
    void this.#options.ingester.waitForRoom(this.#options.signal).then(() => {
      this.#waiting = false;
      if (this.#options.signal.aborted) {
        countRejected(this.#tally, 'shutdown', this.#batch.length + this.#queue.length);
        this.#batch.clear();
        this.#queue.length = 0;
        this.#ended = true;
        this.#finish();
        return;
      }
      this.#call.resume();
      this.#pump();
    });
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    const tally = this.#tally;
    // A threaded engine answers after the stream ended: the Ack counts every answer.
    if (tally.settled !== undefined) void tally.settled.then(() => this.#acknowledge(tally));
    else this.#acknowledge(tally);
  }

  #acknowledge(tally: IngestTally): void {
    this.#options.onDone(tally);
    const published = this.#options.published;
    if (published === undefined || tally.accepted === 0) {
      if (!this.#call.cancelled) this.#callback(null, ack(tally));
      return;
    }
    published().then(
      () => {
        if (!this.#call.cancelled) this.#callback(null, ack(tally));
      },
      (err: unknown) => {
        if (!this.#call.cancelled)
          this.#callback({
            code: status.UNAVAILABLE,
            details: `ticks not acknowledged by the cluster, retry: ${(err as Error).message}`,
          });
      },
    );
  }
}

/** `Received N ticks` (N accepted), and the rejected ones per reason when there are any. */
export function ack(tally: IngestTally): AckMessage {
  const reasons = Object.entries(tally.rejected)
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const rejected = reasons.reduce((sum, [, n]) => sum + n, 0);
  let message = `Received ${tally.accepted} ticks`;
  if (rejected > 0) message += `; rejected ${rejected} (${reasons.map(([r, n]) => `${r}: ${n}`).join(', ')})`;
  return { success: !(tally.accepted === 0 && rejected > 0), message };
}
