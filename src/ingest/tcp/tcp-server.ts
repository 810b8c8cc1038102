import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

import type { TcpConfig } from '../../config.js';
import type { Admission } from '../../engine/engine.js';
import type { EnginePort } from '../../engine/engine-port.js';
import { ErrorCode, TickstreamError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import { addTally, BatchIngester, emptyTally, type IngestTally } from '../batch-ingester.js';
import { SymbolInterner } from '../symbol-interner.js';
import { AllowList } from './allow-list.js';
import { TcpConnection, type ConnectionStats } from './tcp-connection.js';

/**
 * The binary TCP ingest (docs/ingest.md): clients send length-prefixed protobuf ticks, which go
 * to the engine with source `tcp`. There is no answer per tick, so the server never refuses a tick
 * for lack of room: it stops reading instead (see TcpConnection). Started and stopped by the
 * composition root (src/main.ts).
 */

export interface TcpIngestOptions {
  /** The storage writer's admission (the one set on the engine): reading waits while it has no room. */
  readonly admission?: Admission | undefined;
  /** Ticks per engine call, at most (default 1024: batches that stay in cache are faster). */
  readonly batchSize?: number | undefined;
  /** Receive-time clock, epoch ms (default Date.now). */
  readonly now?: (() => number) | undefined;
}

/** Totals over every connection so far, open and closed (for the metrics export). */
export interface TcpIngestCounters {
  /** Connections accepted. */
  readonly connections: number;
  /** Connections refused by the allow-list. */
  readonly refused: number;
  readonly open: number;
  readonly bytes: number;
  readonly frames: number;
  readonly accepted: number;
  readonly rejected: Readonly<Record<string, number>>;
  readonly pauses: number;
  /** Closed connections per close reason. */
  readonly closed: Readonly<Record<string, number>>;
}

export interface StopOptions {
  /** How long to wait for room to ingest what open connections already sent (default 5000). */
  readonly drainTimeoutMs?: number;
}

export class TcpIngestServer {
  readonly #server: Server;
  readonly #allow: AllowList;
  readonly #ingester: BatchIngester;
  readonly #log: Logger;
  readonly #batchSize: number;
  readonly #open = new Set<TcpConnection>();
  readonly #interner = new SymbolInterner();
  #nextId = 1;
  #refused = 0;
  // Totals of closed connections.
  readonly #closedTally: IngestTally = emptyTally();
  #closedBytes = 0;
  #closedFrames = 0;
  #closedPauses = 0;
  readonly #closedBy: Record<string, number> = {};
  #stopping: Promise<void> | undefined;

  private constructor(
    server: Server,
    allow: AllowList,
    ingester: BatchIngester,
    log: Logger,
    batchSize: number,
  ) {
    this.#server = server;
    this.#allow = allow;
    this.#ingester = ingester;
    this.#log = log;
    this.#batchSize = batchSize;
    this.#stopping = undefined;
    server.on('connection', (socket) => this.#onConnection(socket));
  }

  /** Listens on `config.host:config.port`; throws LISTEN_FAILED or, for a bad allow-list, CONFIG_INVALID. */
  static async start(
    engine: EnginePort,
    config: TcpConfig,
    logger: Logger,
    options: TcpIngestOptions = {},
  ): Promise<TcpIngestServer> {
    const allow = new AllowList(config.host, config.allow);
    const log = logger.child({ component: 'tcp-ingest' });
    const ingester = new BatchIngester(engine, 'tcp', options.admission, options.now);
    const server = createServer({ noDelay: true, keepAlive: true });
    const ingest = new TcpIngestServer(server, allow, ingester, log, options.batchSize ?? 1024);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: config.host, port: config.port }, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((err: unknown) => {
      throw new TickstreamError(
        ErrorCode.ListenFailed,
        `cannot listen for TCP ingest on ${config.host}:${config.port}: ${(err as Error).message}`,
        { cause: err },
      );
    });
    server.on('error', (err) => log.error({ err }, 'tcp ingest server error'));
    log.info({ host: config.host, port: ingest.address.port }, 'tcp ingest listening');
    return ingest;
  }

  /** The bound address (the actual port when config.port was 0). */
  get address(): { host: string; port: number } {
    const a = this.#server.address() as AddressInfo | null;
    return { host: a?.address ?? '', port: a?.port ?? 0 };
  }

  /** Counters of the open connections. */
  connections(): ConnectionStats[] {
    return [...this.#open].map((c) => c.stats());
  }

  counters(): TcpIngestCounters {
    const tally = emptyTally();
    addTally(tally, this.#closedTally);
    let bytes = this.#closedBytes;
    let frames = this.#closedFrames;
    let pauses = this.#closedPauses;
    for (const c of this.#open) {
      const s = c.stats();
      addTally(tally, { accepted: s.accepted, rejected: { ...s.rejected } });
      bytes += s.bytes;
      frames += s.frames;
      pauses += s.pauses;
    }
    return {
      connections: this.#nextId - 1,
      refused: this.#refused,
      open: this.#open.size,
      bytes,
      frames,
      accepted: tally.accepted,
      rejected: tally.rejected,
      pauses,
      closed: { ...this.#closedBy },
    };
  }

  /**
   * Stops accepting connections, then drains the open ones: each stops reading, ingests what it
   * has read (waiting for room up to `drainTimeoutMs`) and closes.
   */
  stop(options: StopOptions = {}): Promise<void> {
    this.#stopping ??= this.#stop(options.drainTimeoutMs ?? 5000);
    return this.#stopping;
  }

  async #stop(drainTimeoutMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    const deadline = AbortSignal.timeout(drainTimeoutMs);
    await Promise.all([...this.#open].map((c) => c.drain(deadline)));
    await closed;
    this.#log.info(this.counters(), 'tcp ingest stopped');
  }

  #onConnection(socket: Socket): void {
    if (this.#stopping !== undefined) {
      socket.destroy();
      return;
    }
    if (!this.#allow.allows(socket.remoteAddress)) {
      this.#refused++;
      this.#log.warn({ remoteAddress: socket.remoteAddress }, 'tcp client not in tcp.allow, refused');
      socket.destroy();
      return;
    }
    const connection = new TcpConnection(socket, {
      id: this.#nextId++,
      ingester: this.#ingester,
      log: this.#log,
      batchSize: this.#batchSize,
      interner: this.#interner,
      onClosed: (c) => this.#onClosed(c),
    });
    this.#open.add(connection);
    this.#log.info(
      {
        connection: connection.id,
        remoteAddress: connection.remoteAddress,
        remotePort: connection.remotePort,
      },
      'tcp client connected',
    );
  }

  #onClosed(connection: TcpConnection): void {
    this.#open.delete(connection);
    const s = connection.stats();
    addTally(this.#closedTally, { accepted: s.accepted, rejected: { ...s.rejected } });
    this.#closedBytes += s.bytes;
    this.#closedFrames += s.frames;
    this.#closedPauses += s.pauses;
    const reason = s.closeReason ?? 'unknown';
    this.#closedBy[reason] = (this.#closedBy[reason] ?? 0) + 1;
  }
}
