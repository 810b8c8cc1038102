/**
 * Helpers shared by the live-stream tests (and the fanout benchmark): the app with a hub on a real
 * port over a fresh in-memory embedded database, access tokens of any lifetime, and a WebSocket
 * client that collects messages.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';

import type { FastifyInstance } from 'fastify';
import { WebSocket } from 'ws';

import { buildApp } from '../api/app.js';
import { AccessTokens } from '../auth/access-tokens.js';
import { AccountStore } from '../auth/account-store.js';
import { AuthService } from '../auth/auth-service.js';
import type { Principal, Role } from '../auth/roles.js';
import { validateConfig, type Config } from '../config.js';
import { DayAggregates } from '../engine/day-aggregates.js';
import { Engine } from '../engine/engine.js';
import { createLogger } from '../observability/logger.js';
import { Metrics } from '../observability/metrics.js';
import type { MarketDataStore } from '../storage/market-data-store.js';
import { memoryDatabase } from '../storage/pglite-template.test-support.js';
import { RealtimeFeed } from '../compat/express/realtime-feed.js';
import { Hub } from './hub/hub.js';
import { streamRoutes } from './stream-routes.js';

export const TEST_ENGINE_OPTIONS = {
  partitions: 1,
  movingAverageWindow: 64,
  anomalyThresholdPercent: 2,
  slidingWindowMilliseconds: 1000,
  recentAnomaliesCapacity: 1000,
  intervals: ['1s', '1m', '1h', '1d'],
  allowedLatenessMs: 1000,
  anomalyMode: 'episode' as const,
  maxFutureSkewMs: 300_000,
  dedupeCapacity: 1000,
};

export interface TestServer {
  readonly app: FastifyInstance;
  readonly engine: Engine;
  readonly hub: Hub;
  readonly auth: AuthService;
  /** The market data of the server's in-memory database. */
  readonly store: MarketDataStore;
  readonly metrics: Metrics;
  readonly config: Readonly<Config>;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `ws://127.0.0.1:PORT` */
  readonly wsUrl: string;
  /** An access token of `role` lasting `ttlMs` (default 15 min). */
  token(options?: { role?: Role; ttlMs?: number }): Promise<string>;
  /** A fresh API key of `role`. */
  apiKey(role?: Role): Promise<string>;
  /** Ingests ticks as the `test` source, received now. */
  ingest(
    ticks: ReadonlyArray<{
      symbol: string;
      price: number;
      volume?: number;
      timestamp?: number;
      seq?: number;
      id?: string;
    }>,
  ): void;
  close(): Promise<void>;
}

const SECRET = new TextEncoder().encode('stream-tests-secret-0123456789abcdef');

/**
 * Wires the stream parts to `engine` as src/main.ts does (the listeners of the streams, in its
 * order, and the candle-update demand); returns the function that unwires them.
 */
export function wireStreams(
  engine: Engine,
  parts: { hub: Hub; dayAggregates: DayAggregates; realtime?: RealtimeFeed },
): () => void {
  const { hub, dayAggregates, realtime } = parts;
  const unwire = [
    engine.on('candle', hub.onCandle),
    engine.on('candleUpdate', hub.onCandle),
    engine.on('anomaly', hub.onAnomaly),
    engine.on('tick', dayAggregates.onTick),
    engine.on('tick', hub.onTick),
  ];
  if (realtime !== undefined)
    unwire.push(engine.on('candleUpdate', realtime.onCandleUpdate), engine.on('tick', realtime.onTick));
  engine.demandCandleUpdates(() => hub.wantsCandleUpdates() || (realtime?.wantsCandleUpdates() ?? false));
  return () => {
    for (const off of unwire) off();
    engine.demandCandleUpdates(undefined);
  };
}

/** Starts the whole app (buildApp with a hub) on a free port. */
export async function startServer(
  options: {
    streams?: Record<string, unknown>;
    engine?: Partial<typeof TEST_ENGINE_OPTIONS>;
    seqBase?: number;
  } = {},
): Promise<TestServer> {
  const config = validateConfig({
    logLevel: 'silent',
    streams: options.streams ?? {},
    http: { rateLimitPerMinute: 1_000_000 },
  });
  const log = createLogger({ level: 'silent' });
  const engine = new Engine({ ...TEST_ENGINE_OPTIONS, ...options.engine });
  const database = await memoryDatabase();
  const store = database.marketData;
  const accounts = new AccountStore(database.driver);
  const accessTokens = new AccessTokens(SECRET);
  const auth = new AuthService(
    accounts,
    accessTokens,
    { registration: true, registrationRole: 'reader' },
    log,
  );
  const metrics = new Metrics({ defaultMetrics: false });
  const dayAggregates = new DayAggregates();
  const hub = new Hub({
    engine,
    options: config.streams,
    metrics,
    dayAggregates,
    history: store,
    seqBase: options.seqBase,
  });
  hub.start();
  const realtime = new RealtimeFeed(engine.intervals);
  const unwire = wireStreams(engine, { hub, dayAggregates, realtime });
  const app = await buildApp({
    config,
    engine,
    marketData: store,
    aggregates: dayAggregates,
    auth,
    metrics,
    log,
    streams: (instance) => streamRoutes(instance, { hub, auth, realtime }),
    status: { connections: () => hub.connectionCounts() },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  // API keys record who made them: the first admin, made on first use.
  let admin: Promise<Principal> | undefined;
  const adminPrincipal = async (): Promise<Principal> => {
    await auth.ensureAdmin('admin-password-1');
    const user = (await accounts.findUserByUsername('admin'))!;
    return { kind: 'user', id: user.id, name: user.username, role: user.role };
  };
  return {
    app,
    engine,
    hub,
    auth,
    store,
    metrics,
    config,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    async token({ role = 'reader', ttlMs } = {}) {
      const tokens = ttlMs === undefined ? accessTokens : new AccessTokens(SECRET, ttlMs);
      return (await tokens.issue({ id: randomUUID(), username: `u-${role}`, role, sessionId: randomUUID() }))
        .token;
    },
    async apiKey(role = 'reader') {
      return (
        await auth.createApiKey({ name: `key-${randomUUID()}`, role }, await (admin ??= adminPrincipal()))
      ).key;
    },
    ingest(ticks) {
      const result = engine.ingest(ticks, 'test', Date.now());
      if (result.rejected.length > 0) throw new Error(`ticks rejected: ${JSON.stringify(result.rejected)}`);
    },
    async close() {
      unwire();
      hub.stop();
      // Keep-alive connections of test clients (fetch keeps them ~4 s) would hold the close up.
      const closing = app.close();
      app.server.closeAllConnections();
      await closing;
      await database.close();
    },
  };
}

/** A `ws` client that keeps every message it gets, parsed, and can wait for the next ones. */
export class TestSocket {
  readonly ws: WebSocket;
  readonly messages: Array<Record<string, unknown>> = [];
  closed: { code: number; reason: string } | undefined;
  #waiters: Array<() => void> = [];

  constructor(url: string, options: { headers?: Record<string, string>; protocols?: string[] } = {}) {
    this.ws = new WebSocket(url, options.protocols, { headers: options.headers });
    this.ws.on('message', (data: Buffer) => {
      this.messages.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>);
      this.#wake();
    });
    this.ws.on('close', (code: number, reason: Buffer) => {
      this.closed = { code, reason: reason.toString('utf8') };
      this.#wake();
    });
    this.ws.on('error', () => {});
  }

  /** Resolves once open (or once closed, for a connection the server refused at once). */
  async open(): Promise<this> {
    if (this.ws.readyState === WebSocket.CONNECTING) {
      await Promise.race([once(this.ws, 'open'), once(this.ws, 'close')]);
    }
    return this;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Waits until `predicate` holds over the messages (or the socket closes, or `timeoutMs`). */
  async until(
    predicate: (messages: Array<Record<string, unknown>>) => boolean,
    timeoutMs = 5000,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.messages)) {
      if (this.closed !== undefined)
        throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) while waiting`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; got ${JSON.stringify(this.messages.slice(-5))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for the first message matching `predicate` and returns it. */
  async next(
    predicate: (m: Record<string, unknown>) => boolean,
    timeoutMs = 5000,
  ): Promise<Record<string, unknown>> {
    await this.until((ms) => ms.some(predicate), timeoutMs);
    return this.messages.find(predicate)!;
  }

  async waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (this.closed === undefined) {
      if (Date.now() > deadline) throw new Error('socket did not close');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.closed;
  }

  close(): void {
    this.ws.terminate();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}

/** The channel messages of one channel, in arrival order. */
export function onChannel(
  messages: ReadonlyArray<Record<string, unknown>>,
  channel: string,
): Array<Record<string, unknown>> {
  return messages.filter((m) => m.channel === channel);
}
