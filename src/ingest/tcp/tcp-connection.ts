import type { Socket } from 'node:net';

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
import { FrameDecoder, FrameError, MAX_FRAME_BYTES } from './frame-decoder.js';

/** Why a TCP ingest connection ended. Stable strings: metrics and logs use them. */
export const CloseReason = {
  /** The client closed after whole frames. */
  ClientClosed: 'client_closed',
  /** The client closed in the middle of a frame; the partial frame is dropped. */
  TruncatedFrame: 'truncated_frame',
  /** A length prefix of 0. */
  FrameEmpty: 'frame_empty',
  /** A length prefix above 1,000,000. */
  FrameTooLarge: 'frame_too_large',
  /** The socket failed (reset, timeout). */
  SocketError: 'socket_error',
  /** The server shut down. */
  ServerStopping: 'server_stopping',
} as const;
export type CloseReason = (typeof CloseReason)[keyof typeof CloseReason];

/** One connection's counters (a copy). */
export interface ConnectionStats {
  readonly id: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Epoch ms. */
  readonly connectedAt: number;
  readonly bytes: number;
  /** Complete frames, malformed ones included. */
  readonly frames: number;
  readonly accepted: number;
  /** Per reason: the engine's and `malformed`. */
  readonly rejected: Readonly<Record<string, number>>;
  /** Times reading stopped because the downstream had no room. */
  readonly pauses: number;
  readonly paused: boolean;
  readonly closeReason: CloseReason | undefined;
}

export interface TcpConnectionOptions {
  readonly id: number;
  readonly ingester: BatchIngester;
  readonly log: Logger;
  /** Ticks handed to the engine at once (at most; a chunk's worth is handed over as it ends). */
  readonly batchSize: number;
  /** Shared by the server's connections: one table of the market's symbols. */
  readonly interner: SymbolInterner;
  readonly onClosed: (connection: TcpConnection) => void;
}

/**
 * One client of the binary TCP ingest: decodes its byte stream into batches and ingests them.
 *
 * Backpressure: when the downstream has no room the socket is paused (TCP flow control then slows
 * the client) and what was read waits in order; reading resumes once all of it is ingested. So
 * nothing read is lost, whatever the client's pace.
 * Failures of framing (length 0 or too large) close the connection, after ingesting the ticks of
 * the frames before; malformed messages and invalid ticks are counted per reason and skipped.
 */
export class TcpConnection {
  readonly id: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly connectedAt: number;
  /** Resolves when the connection has ended and everything read from it is ingested. */
  readonly closed: Promise<void>;

  readonly #socket: Socket;
  readonly #ingester: BatchIngester;
  readonly #log: Logger;
  readonly #onClosed: (connection: TcpConnection) => void;
  readonly #decoder: FrameDecoder;
  readonly #batch: TickBatch;
  readonly #tally: IngestTally = emptyTally();
  readonly #abort = new AbortController();
  /** Chunks read and not yet decoded (more than one only while waiting for room). */
  readonly #queue: Buffer[] = [];
  #offset = 0;
  #bytes = 0;
  #pauses = 0;
  #paused = false;
  #waiting = false;
  /** No more input will come: the client closed, the socket failed, the framing broke, or stop. */
  #ended = false;
  #finished = false;
  #closeReason: CloseReason | undefined;
  #resolveClosed: () => void = () => {};

  constructor(socket: Socket, options: TcpConnectionOptions) {
    this.id = options.id;
    this.remoteAddress = socket.remoteAddress ?? '';
    this.remotePort = socket.remotePort ?? 0;
    this.connectedAt = Date.now();
    this.#socket = socket;
    this.#ingester = options.ingester;
    this.#log = options.log;
    this.#onClosed = options.onClosed;
    this.#batch = new TickBatch(options.batchSize);
    this.#decoder = new FrameDecoder({ ticks: new TickDecoder(options.interner) });
    this.#closeReason = undefined;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.#onEnd(undefined));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.#log.warn({ connection: this.id, code: err.code }, 'tcp connection error');
      this.#onEnd(CloseReason.SocketError);
    });
    socket.on('close', () => this.#onEnd(CloseReason.SocketError));
  }

  stats(): ConnectionStats {
    const rejected = { ...this.#tally.rejected };
    if (this.#decoder.malformed > 0) rejected[MALFORMED] = this.#decoder.malformed;
    return {
      id: this.id,
      remoteAddress: this.remoteAddress,
      remotePort: this.remotePort,
      connectedAt: this.connectedAt,
      bytes: this.#bytes,
      frames: this.#decoder.frames,
      accepted: this.#tally.accepted,
      rejected,
      pauses: this.#pauses,
      paused: this.#paused,
      closeReason: this.#closeReason,
    };
  }

  /**
   * Graceful close: stop reading, ingest everything already read (waiting for room as long as
   * it takes, or until `signal` aborts: what is left then is logged as lost), then close.
   */
  drain(signal: AbortSignal): Promise<void> {
    if (!this.#finished) {
      signal.addEventListener('abort', () => this.#abort.abort(), { once: true });
      if (signal.aborted) this.#abort.abort();
      this.#socket.pause();
      this.#onEnd(CloseReason.ServerStopping);
    }
    return this.closed;
  }

  #onData(chunk: Buffer): void {
    if (this.#ended) return;
    this.#bytes += chunk.length;
    this.#queue.push(chunk);
    if (!this.#waiting) this.#pump();
  }

  /** End of input; `reason` undefined for the client's FIN (whole frames or not). */
  #onEnd(reason: CloseReason | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    const pending = this.#decoder.pending;
    if (reason === undefined) {
      if (pending > 0) {
        this.#log.warn(
          { connection: this.id, pendingBytes: pending, reason: CloseReason.TruncatedFrame },
          'tcp client closed inside a frame',
        );
      }
      reason = pending > 0 ? CloseReason.TruncatedFrame : CloseReason.ClientClosed;
    }
    this.#closeReason ??= reason;
    if (!this.#waiting) this.#pump();
  }

  /** Decodes and ingests what has been read, until it is done or must wait for room. */
  #pump(): void {
    const batch = this.#batch;
    const decoder = this.#decoder;
    const queue = this.#queue;
    for (;;) {
      const chunk = queue[0];
      if (chunk !== undefined) {
        this.#offset = decoder.decode(chunk, this.#offset, batch);
        if (decoder.error !== undefined) this.#failFraming();
        else if (this.#offset === chunk.length) {
          queue.shift();
          this.#offset = 0;
        }
      }
      if (batch.length > 0 && (batch.length === batch.capacity || queue.length === 0)) {
        if (!this.#ingester.ingest(batch, this.#tally)) {
          this.#wait();
          return;
        }
      }
      if (queue.length === 0) break;
    }
    if (this.#ended) this.#finish();
    else if (this.#paused) {
      this.#paused = false;
      this.#socket.resume();
    }
  }

  #wait(): void {
    this.#waiting = true;
    if (!this.#paused && !this.#ended) {
      this.#paused = true;
      this.#pauses++;
      this.#socket.pause();
      this.#log.debug({ connection: this.id }, 'tcp reading paused: downstream full');
    }
    void this.#ingester.waitForRoom(this.#abort.signal).then(() => {
      this.#waiting = false;
      if (this.#abort.signal.aborted) this.#giveUp();
      else this.#pump();
    });
  }

  #failFraming(): void {
    const decoder = this.#decoder;
    const reason = decoder.error === FrameError.Empty ? CloseReason.FrameEmpty : CloseReason.FrameTooLarge;
    this.#log.warn(
      {
        connection: this.id,
        remoteAddress: this.remoteAddress,
        reason,
        frameBytes: decoder.errorLength,
        limitBytes: MAX_FRAME_BYTES,
      },
      'tcp frame rejected, closing the connection',
    );
    this.#closeReason = reason;
    this.#queue.length = 0;
    this.#offset = 0;
    this.#ended = true;
    this.#socket.destroy();
  }

  /** The drain deadline passed while waiting for room: what is left was read but not ingested. */
  #giveUp(): void {
    let bytes = -this.#offset;
    for (const chunk of this.#queue) bytes += chunk.length;
    this.#log.error(
      { connection: this.id, ticksNotIngested: this.#batch.length, bytesNotDecoded: bytes },
      'tcp connection closed before all it sent could be ingested',
    );
    countRejected(this.#tally, 'shutdown', this.#batch.length);
    this.#batch.clear();
    this.#queue.length = 0;
    this.#finish();
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#paused = false;
    this.#socket.destroy();
    // A threaded engine may still be answering: the connection is reported closed once it has.
    const settled = this.#tally.settled;
    if (settled !== undefined) void settled.then(() => this.#report());
    else this.#report();
  }

  #report(): void {
    const stats = this.stats();
    this.#log.info(
      {
        connection: this.id,
        reason: stats.closeReason,
        bytes: stats.bytes,
        frames: stats.frames,
        accepted: stats.accepted,
        rejected: stats.rejected,
        pauses: stats.pauses,
      },
      'tcp connection closed',
    );
    this.#onClosed(this);
    this.#resolveClosed();
  }
}
