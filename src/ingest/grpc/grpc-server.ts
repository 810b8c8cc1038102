import {
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';

import type { Role } from '../../auth/roles.js';
import type { GrpcConfig } from '../../config.js';
import { normalizeSymbol } from '../../core/tick.js';
import type { DayAggregate, DayAggregates } from '../../engine/day-aggregates.js';
import type { Admission } from '../../engine/engine.js';
import type { EnginePort } from '../../engine/engine-port.js';
import { ErrorCode, TickstreamError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import { addTally, BatchIngester, emptyTally, type IngestTally } from '../batch-ingester.js';
import { SymbolInterner } from '../symbol-interner.js';
import { authorize, credentialsOf, peerAddress, type Authenticator } from './authenticator.js';
import type { AddressList } from '../tcp/allow-list.js';
import {
  marketDataPackage,
  marketDataService,
  SERVICE_NAME,
  type AckMessage,
  type AggregateMessage,
} from './marketdata-service.js';
import { TickStream } from './tick-stream.js';

/**
 * The least role of each method of the MarketData service (writes need the writer role, reads the
 * reader role). Every method of the proto's service has an entry: the role-escalation test
 * walks the service definition and fails on a method missing here.
 */
export const METHOD_ROLES = {
  StreamTicks: 'writer',
  GetAggregate: 'reader',
  StreamAggregates: 'reader',
} as const satisfies Record<string, Role>;

/**
 * The gRPC server (docs/ingest.md): `marketdata.MarketDataService` (StreamTicks, GetAggregate,
 * StreamAggregates), the standard health service and server reflection, so grpcurl, grpc_health_probe
 * and other standard tools work against it. Started and stopped by the composition root.
 */

export interface GrpcServerOptions {
  /** Checks `authorization: Bearer …` / `x-api-key` metadata; absent: auth off. */
  readonly authenticator?: Authenticator | undefined;
  /**
   * Addresses whose calls without metadata proceed as the writer role (the C++/Java server's
   * clients sent none; config `grpc.allowAnonymous`, docs/compat.md). Calls with metadata are
   * checked as always.
   */
  readonly anonymousFrom?: AddressList | undefined;
  /** The storage writer's admission (the one set on the engine): StreamTicks waits while full. */
  readonly admission?: Admission | undefined;
  /** The day aggregates to serve (shared with other adapters, fed by the engine's ticks). */
  readonly aggregates: DayAggregates;
  /** Ticks per engine call, at most (default 1024). */
  readonly batchSize?: number | undefined;
  /** On a cluster node: JetStream's acknowledgement, which each StreamTicks Ack waits for. */
  readonly published?: (() => Promise<void>) | undefined;
  /**
   * Whether the read methods (GetAggregate, StreamAggregates) answer; false on a cluster node
   * without the `api` role, which keeps no copy of the cluster's state: they answer UNAVAILABLE.
   */
  readonly reads?: boolean | undefined;
  /** Receive-time clock, epoch ms (default Date.now). */
  readonly now?: (() => number) | undefined;
}

export interface GrpcCounters {
  /** StreamTicks calls started, and still open. */
  readonly tickStreams: number;
  readonly openTickStreams: number;
  /** Ticks of finished StreamTicks calls. */
  readonly accepted: number;
  readonly rejected: Readonly<Record<string, number>>;
  /** StreamAggregates calls open. */
  readonly aggregateStreams: number;
  /** Calls refused by authentication or authorization. */
  readonly refused: number;
}

export interface StopOptions {
  /** How long calls in progress may take to finish before they are cancelled (default 5000). */
  readonly drainTimeoutMs?: number;
}

export class GrpcServer {
  readonly #server: Server;
  readonly #health: HealthImplementation;
  readonly #aggregates: DayAggregates;
  readonly #reads: boolean;
  readonly #ingester: BatchIngester;
  readonly #authenticator: Authenticator | undefined;
  readonly #anonymousFrom: AddressList | undefined;
  readonly #log: Logger;
  readonly #batchSize: number;
  readonly #published: (() => Promise<void>) | undefined;
  readonly #interner = new SymbolInterner();
  readonly #abort = new AbortController();
  readonly #aggregateStreams = new Set<ServerWritableStream<unknown, AggregateMessage>>();
  readonly #tally: IngestTally = emptyTally();
  #tickStreams = 0;
  #openTickStreams = 0;
  #refused = 0;
  #port = 0;
  #stopping: Promise<void> | undefined;

  private constructor(engine: EnginePort, logger: Logger, options: GrpcServerOptions) {
    this.#log = logger.child({ component: 'grpc' });
    this.#authenticator = options.authenticator;
    this.#anonymousFrom = options.anonymousFrom;
    this.#batchSize = options.batchSize ?? 1024;
    this.#published = options.published;
    this.#ingester = new BatchIngester(engine, 'grpc', options.admission, options.now);
    this.#aggregates = options.aggregates;
    this.#reads = options.reads ?? true;
    this.#stopping = undefined;
    this.#server = new Server();
    this.#server.addService(marketDataService(), this.#implementation());
    this.#health = new HealthImplementation({ '': 'SERVING', [SERVICE_NAME]: 'SERVING' });
    this.#health.addToServer(this.#server);
    new ReflectionService(marketDataPackage()).addToServer(this.#server);
  }

  /** Listens on `config.host:config.port`; throws LISTEN_FAILED when it cannot. */
  static async start(
    engine: EnginePort,
    config: Pick<GrpcConfig, 'host' | 'port'>,
    logger: Logger,
    options: GrpcServerOptions,
  ): Promise<GrpcServer> {
    const grpc = new GrpcServer(engine, logger, options);
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    grpc.#port = await new Promise<number>((resolve, reject) => {
      grpc.#server.bindAsync(`${host}:${config.port}`, ServerCredentials.createInsecure(), (err, port) =>
        err === null ? resolve(port) : reject(err),
      );
    }).catch((err: unknown) => {
      throw new TickstreamError(
        ErrorCode.ListenFailed,
        `cannot listen for gRPC on ${config.host}:${config.port}: ${(err as Error).message}`,
        { cause: err },
      );
    });
    grpc.#log.info(
      { host: config.host, port: grpc.#port, auth: options.authenticator !== undefined },
      'grpc listening',
    );
    return grpc;
  }

  /** The bound port (the actual one when config.port was 0). */
  get port(): number {
    return this.#port;
  }

  /** The day aggregates served. */
  get aggregates(): DayAggregates {
    return this.#aggregates;
  }

  counters(): GrpcCounters {
    return {
      tickStreams: this.#tickStreams,
      openTickStreams: this.#openTickStreams,
      accepted: this.#tally.accepted,
      rejected: { ...this.#tally.rejected },
      aggregateStreams: this.#aggregateStreams.size,
      refused: this.#refused,
    };
  }

  /**
   * Graceful stop: health turns NOT_SERVING, no new calls are taken, aggregate streams end,
   * tick streams get `drainTimeoutMs` to finish (their ticks are ingested), then the rest is cancelled.
   */
  stop(options: StopOptions = {}): Promise<void> {
    this.#stopping ??= this.#stop(options.drainTimeoutMs ?? 5000);
    return this.#stopping;
  }

  async #stop(drainTimeoutMs: number): Promise<void> {
    this.#health.setStatus('', 'NOT_SERVING');
    this.#health.setStatus(SERVICE_NAME, 'NOT_SERVING');
    for (const call of this.#aggregateStreams) call.end();
    this.#aggregateStreams.clear();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#log.warn(
          { openTickStreams: this.#openTickStreams },
          'grpc calls still open at the deadline: cancelled',
        );
        this.#abort.abort();
        this.#server.forceShutdown();
        resolve();
      }, drainTimeoutMs);
      this.#server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.#log.info(this.counters(), 'grpc stopped');
  }

  #implementation(): UntypedServiceImplementation {
    return {
      StreamTicks: (call: ServerReadableStream<Buffer, AckMessage>, callback: sendUnaryData<AckMessage>) => {
        call.pause();
        this.#authorized(call, METHOD_ROLES.StreamTicks, (error) => {
          if (error !== undefined) {
            callback(error);
            return;
          }
          this.#tickStreams++;
          this.#openTickStreams++;
          new TickStream(call, callback, {
            ingester: this.#ingester,
            interner: this.#interner,
            log: this.#log,
            batchSize: this.#batchSize,
            signal: this.#abort.signal,
            published: this.#published,
            onDone: (tally) => {
              this.#openTickStreams--;
              addTally(this.#tally, tally);
            },
          }).start();
        });
      },
      GetAggregate: (
        call: ServerUnaryCall<{ symbol: string }, AggregateMessage>,
        callback: sendUnaryData<AggregateMessage>,
      ) => {
        this.#authorized(call, METHOD_ROLES.GetAggregate, (error) => {
          if (error !== undefined) return callback(error);
          if (!this.#reads) return callback(noReadsHere());
          const symbol = normalizeSymbol(call.request.symbol);
          if (symbol === undefined) return callback(invalidSymbol());
          const day = this.#aggregates.get(symbol);
          if (day === undefined) {
            return callback({ code: status.NOT_FOUND, details: `no ticks for symbol ${symbol}` });
          }
          callback(null, aggregateMessage(day));
        });
      },
      StreamAggregates: (call: ServerWritableStream<{ symbol: string }, AggregateMessage>) => {
        this.#authorized(call, METHOD_ROLES.StreamAggregates, (error) => {
          // A server-streaming call ends with an error status through its 'error' event.
          const symbol = normalizeSymbol(call.request.symbol);
          if (error !== undefined) call.emit('error', error);
          else if (!this.#reads) call.emit('error', noReadsHere());
          else if (symbol === undefined) call.emit('error', invalidSymbol());
          else if (call.cancelled || this.#stopping !== undefined) call.end();
          else this.#streamAggregates(call, symbol);
        });
      },
    };
  }

  /** The current day first (if any), then every update. When the client reads slower than the
   *  updates come, the latest one waits for the stream to drain (updates in between are skipped). */
  #streamAggregates(call: ServerWritableStream<{ symbol: string }, AggregateMessage>, symbol: string): void {
    let blocked = false;
    let latest: DayAggregate | undefined;
    const send = (day: DayAggregate): void => {
      if (blocked) latest = day;
      else if (!call.write(aggregateMessage(day))) blocked = true;
    };
    const current = this.#aggregates.get(symbol);
    if (current !== undefined) send(current);
    const unsubscribe = this.#aggregates.subscribe(symbol, send);
    this.#aggregateStreams.add(call);
    const cleanup = (): void => {
      unsubscribe();
      this.#aggregateStreams.delete(call);
    };
    call.on('drain', () => {
      blocked = false;
      const next = latest;
      latest = undefined;
      if (next !== undefined) send(next);
    });
    call.on('cancelled', cleanup);
    call.on('close', cleanup);
    call.on('finish', cleanup);
    call.on('error', cleanup);
  }

  #authorized(
    call: Parameters<typeof authorize>[0] & { getPeer(): string },
    role: Role,
    then: (error: { code: status; details: string } | undefined) => void,
  ): void {
    if (this.#authenticator === undefined) {
      then(undefined);
      return;
    }
    if (
      this.#anonymousFrom !== undefined &&
      credentialsOf(call.metadata) === undefined &&
      this.#anonymousFrom.has(peerAddress(call.getPeer()))
    ) {
      then(undefined);
      return;
    }
    void authorize(call, this.#authenticator, role).then((failure) => {
      if (failure !== undefined) {
        this.#refused++;
        this.#log.info({ code: status[failure.code], details: failure.details }, 'grpc call refused');
      }
      then(failure);
    });
  }
}

/** A read on a cluster node without the `api` role (docs/scaling.md). */
function noReadsHere(): { code: status; details: string } {
  return {
    code: status.UNAVAILABLE,
    details: 'this cluster node has no api role (cluster.roles): read from a node that has it',
  };
}

function invalidSymbol(): { code: status; details: string } {
  return {
    code: status.INVALID_ARGUMENT,
    details: 'symbol must be 1–32 characters of A–Z, 0–9 and . _ : / - (after trimming and upper-casing)',
  };
}

/** Epoch ms (an integer ≥ 0) as exact decimal nanoseconds: int64 values beyond 2^53 as strings. */
export function msToNs(ms: number): string {
  return ms === 0 ? '0' : `${ms}000000`;
}

export function aggregateMessage(day: DayAggregate): AggregateMessage {
  return {
    symbol: day.symbol,
    open: day.open,
    high: day.high,
    low: day.low,
    close: day.close,
    volume: String(Math.floor(day.volume)),
    timestamp: msToNs(day.lastTs),
    fractional_volume: day.volume,
    trades: String(day.trades),
    day_start: msToNs(day.dayStart),
    ...(day.vwap === null ? {} : { vwap: day.vwap }),
  };
}
