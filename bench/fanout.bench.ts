/**
 * Scenario `fanout`: 1,000 WebSocket clients on `/ws`, subscribed across 100 symbols (ten clients
 * on each `ticks.{SYMBOL}` channel), while ticks flow into the engine.
 *
 * Measured: messages delivered to the clients per second and tick-to-client latency (from the
 * moment a tick's batch enters the engine to the moment a client has its message) at the target
 * rate, 10,000 ticks/s (so 100,000 delivered messages/s); then the most messages/s sustained, from
 * rates stepped up until fewer than 97 % arrive or p99 reaches 250 ms. Each tick carries its
 * ingest time (wall clock, µs precision) in its `id`, which the clients read back.
 *
 * Ceilings, in the same run, taking turns with the hub: a bare `ws` server broadcasting the same
 * messages (the same envelope, built and encoded once per tick) to the same clients with `send`,
 * as in ws's README; and the same with writes batched per event-loop turn as the hub batches them
 * (each socket corked on its first write of a turn, uncorked right after). No engine, hub, send
 * buffers or history in either. The machine has two cores: the server and the client process (all
 * 1,000 clients of a server) share them, so the clients' own cost is part of every figure.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import { loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';

import Fastify from 'fastify';
import { WebSocket, WebSocketServer } from 'ws';

import { AccessTokens } from '../src/auth/access-tokens.js';
import { AuthService } from '../src/auth/auth-service.js';
import type { AccountStore } from '../src/auth/account-store.js';
import { validateConfig } from '../src/config.js';
import { DayAggregates } from '../src/engine/day-aggregates.js';
import { Engine } from '../src/engine/engine.js';
import { createLogger } from '../src/observability/logger.js';
import { Hub } from '../src/streams/hub/hub.js';
import { streamRoutes } from '../src/streams/stream-routes.js';
import { printTable, writeResult, type BenchRow } from './report.js';

const CLIENTS = 1000;
const SYMBOLS = 100;
const TARGET_TICKS_PER_SEC = 10_000;
const SECRET = new TextEncoder().encode('fanout-bench-secret-0123456789abcdef');

const symbolName = (i: number): string => `SYM${String(i).padStart(3, '0')}`;
/** Wall-clock ms with µs precision, comparable across processes. */
const wallMs = (): number => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------------------------------------
// The client process
// ---------------------------------------------------------------------------------------------

/** Latencies in 10 µs buckets up to 2 s, and the largest seen. */
class Histogram {
  readonly #buckets = new Uint32Array(200_000);
  count = 0;
  max = 0;

  add(ms: number): void {
    const at = Math.min(this.#buckets.length - 1, Math.max(0, Math.floor(ms * 100)));
    this.#buckets[at]!++;
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  percentile(p: number): number {
    let seen = 0;
    const want = Math.ceil(this.count * p);
    for (let i = 0; i < this.#buckets.length; i++) {
      seen += this.#buckets[i]!;
      if (seen >= want) return (i + 1) / 100;
    }
    return this.max;
  }
}

type ToClients =
  | { type: 'connect'; url: string; clients: number; symbols: number }
  | { type: 'reset' }
  | { type: 'report' }
  | { type: 'close' };

type FromClients =
  | { type: 'ready' }
  | { type: 'reset' }
  | { type: 'report'; delivered: number; p50: number; p99: number; max: number; gaps: number; cpuMs: number }
  | { type: 'closed' };

const ID_MARK = Buffer.from('"id":"');

async function clientProcess(): Promise<void> {
  const sockets: WebSocket[] = [];
  let histogram = new Histogram();
  let gaps = 0;
  let cpu = process.cpuUsage();
  const send = (message: FromClients): void => {
    process.send!(message);
  };
  // The message is read without JSON.parse: the client's own cost stays small and equal for both servers.
  const onMessage = (data: Buffer): void => {
    const at = data.indexOf(ID_MARK);
    if (at < 0) {
      if (data.includes('"type":"gap"')) gaps++;
      return;
    }
    const start = at + ID_MARK.length;
    const end = data.indexOf(0x3a /* : */, start);
    histogram.add(wallMs() - Number(data.toString('latin1', start, end)));
  };
  process.on('message', (message: ToClients) => {
    void (async () => {
      switch (message.type) {
        case 'connect': {
          let snapshots = 0;
          for (let i = 0; i < message.clients; i++) {
            const ws = new WebSocket(message.url, { perMessageDeflate: false, skipUTF8Validation: true });
            ws.on('message', (data: Buffer) => {
              if (data.includes('"type":"snapshot"')) snapshots++;
              else onMessage(data);
            });
            ws.on('error', (err) => console.error('client error', err.message));
            sockets.push(ws);
            await once(ws, 'open');
            ws.send(
              JSON.stringify({ op: 'subscribe', channels: [`ticks.${symbolName(i % message.symbols)}`] }),
            );
          }
          while (snapshots < message.clients) await new Promise((resolve) => setTimeout(resolve, 10));
          send({ type: 'ready' });
          break;
        }
        case 'reset':
          histogram = new Histogram();
          gaps = 0;
          cpu = process.cpuUsage();
          send({ type: 'reset' });
          break;
        case 'report': {
          const used = process.cpuUsage(cpu);
          send({
            type: 'report',
            delivered: histogram.count,
            p50: histogram.percentile(0.5),
            p99: histogram.percentile(0.99),
            max: histogram.max,
            gaps,
            cpuMs: (used.user + used.system) / 1000,
          });
          break;
        }
        case 'close':
          for (const ws of sockets) ws.terminate();
          sockets.length = 0;
          send({ type: 'closed' });
          break;
      }
    })();
  });
}

// ---------------------------------------------------------------------------------------------
// The server process
// ---------------------------------------------------------------------------------------------

class Clients {
  readonly child: ChildProcess;

  constructor() {
    this.child = fork(fileURLToPath(import.meta.url), ['--clients'], {
      execArgv: ['--import', 'tsx'],
      stdio: 'inherit',
    });
  }

  async ask<T extends FromClients['type']>(
    message: ToClients,
    answer: T,
  ): Promise<Extract<FromClients, { type: T }>> {
    const reply = new Promise<Extract<FromClients, { type: T }>>((resolve) => {
      const listener = (m: FromClients): void => {
        if (m.type === answer) {
          this.child.off('message', listener);
          resolve(m as Extract<FromClients, { type: T }>);
        }
      };
      this.child.on('message', listener);
    });
    this.child.send(message);
    return reply;
  }

  stop(): void {
    this.child.kill();
  }
}

/** A server under test: something that takes a batch of ticks and fans it out. */
interface FanoutServer {
  readonly url: string;
  /** Ingests `count` ticks (round robin over the symbols), stamped with the ingest time. */
  ingest(count: number): void;
  close(): Promise<void>;
}

const names = Array.from({ length: SYMBOLS }, (_, i) => symbolName(i));

/** Tick `n` as the engine takes it: symbol round robin, a walking price, the ingest time in `id`. */
class TickSource {
  #n = 0;
  #prices = new Float64Array(SYMBOLS).fill(100);

  next(now: number): { symbol: string; price: number; volume: number; id: string } {
    const k = this.#n++ % SYMBOLS;
    const price = (this.#prices[k] = this.#prices[k]! * (1 + ((this.#n * 7919) % 11) / 1e5 - 5e-5));
    return { symbol: names[k]!, price, volume: 1, id: `${now.toFixed(3)}:${this.#n}` };
  }
}

async function hubServer(): Promise<FanoutServer & { hub: Hub; token: string }> {
  const config = validateConfig({ logLevel: 'silent' });
  const engine = new Engine({ ...config, partitions: 1 });
  const dayAggregates = new DayAggregates();
  const hub = new Hub({ engine, options: config.streams, dayAggregates });
  // The hub's listeners as src/main.ts wires them.
  engine.on('candle', hub.onCandle);
  engine.on('candleUpdate', hub.onCandle);
  engine.on('anomaly', hub.onAnomaly);
  engine.on('tick', dayAggregates.onTick);
  engine.on('tick', hub.onTick);
  engine.demandCandleUpdates(() => hub.wantsCandleUpdates());
  hub.start();
  const tokens = new AccessTokens(SECRET);
  // Access tokens are checked by signature alone: the store is never asked.
  const auth = new AuthService({} as AccountStore, tokens, config.auth, createLogger({ level: 'silent' }));
  const app = Fastify({ logger: false });
  await app.register(streamRoutes, { hub, auth });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const token = (await tokens.issue({ id: 'bench', username: 'bench', role: 'reader', sessionId: 'bench' }))
    .token;
  const source = new TickSource();
  return {
    hub,
    token,
    url: `ws://127.0.0.1:${port}/ws?access_token=${token}`,
    ingest(count) {
      const now = wallMs();
      const ticks = new Array<ReturnType<TickSource['next']>>(count);
      for (let i = 0; i < count; i++) ticks[i] = source.next(now);
      engine.ingest(ticks, 'bench', Math.floor(now));
    },
    async close() {
      hub.stop();
      await app.close();
    },
  };
}

/**
 * The ceiling: `ws` alone, the same envelope built and encoded once per tick, sent to the symbol's
 * clients with `send` (the broadcast of ws's README). `batched`: the same, with each socket corked
 * for the rest of the turn on its first write, as the hub does.
 */
async function bareServer(batched: boolean): Promise<FanoutServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await once(wss, 'listening');
  const bySymbol = new Map<string, Array<{ ws: WebSocket; socket: Socket; corked: boolean }>>(
    names.map((n) => [n, []]),
  );
  const seqs = new Map<string, number>(names.map((n) => [n, 0]));
  wss.on('connection', (ws, request) => {
    ws.once('message', (data: Buffer) => {
      const channel = (JSON.parse(data.toString()) as { channels: string[] }).channels[0]!;
      bySymbol.get(channel.slice('ticks.'.length))!.push({ ws, socket: request.socket, corked: false });
      ws.send(JSON.stringify({ channel, seq: 0, type: 'snapshot', data: null }));
    });
  });
  const { port } = wss.address() as AddressInfo;
  const source = new TickSource();
  let corked: Array<{ socket: Socket; corked: boolean }> = [];
  const uncork = (): void => {
    for (const c of corked) {
      c.corked = false;
      c.socket.uncork();
    }
    corked = [];
  };
  return {
    url: `ws://127.0.0.1:${port}/`,
    ingest(count) {
      const now = wallMs();
      for (let i = 0; i < count; i++) {
        const t = source.next(now);
        const seq = seqs.get(t.symbol)! + 1;
        seqs.set(t.symbol, seq);
        const json = `{"channel":"ticks.${t.symbol}","seq":${seq},"type":"update","data":{"symbol":"${t.symbol}","ts":${Math.floor(now)},"price":${t.price},"volume":1,"id":"${t.id}","source":"bench"}}`;
        const bytes = Buffer.from(json);
        for (const client of bySymbol.get(t.symbol)!) {
          if (batched && !client.corked) {
            client.corked = true;
            client.socket.cork();
            if (corked.push(client) === 1) queueMicrotask(uncork);
          }
          client.ws.send(bytes, { binary: false });
        }
      }
    },
    async close() {
      for (const ws of wss.clients) ws.terminate();
      await new Promise((resolve) => wss.close(resolve));
    },
  };
}

interface Phase {
  /** Messages the clients should get per second at this rate. */
  readonly offeredPerSec: number;
  readonly delivered: number;
  readonly perSec: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly gaps: number;
  /** Server CPU per delivered message, µs. */
  readonly serverCpuUsPerMessage: number;
  readonly clientCpuShare: number;
  readonly serverCpuShare: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs a load of `ticksPerSec` for `seconds` (every millisecond or so, the ticks that are due). */
async function phase(
  server: FanoutServer,
  clients: Clients,
  seconds: number,
  ticksPerSec: number,
): Promise<Phase> {
  await clients.ask({ type: 'reset' }, 'reset');
  const cpu = process.cpuUsage();
  const start = performance.now();
  const end = start + seconds * 1000;
  let ingested = 0;
  while (performance.now() < end) {
    const due = Math.floor(((performance.now() - start) / 1000) * ticksPerSec) - ingested;
    if (due > 0) {
      server.ingest(due);
      ingested += due;
    }
    await sleep(1);
  }
  const elapsed = (performance.now() - start) / 1000;
  // Let the last messages arrive (counted, but the rate is over the load's own time).
  await sleep(300);
  const used = process.cpuUsage(cpu);
  const report = await clients.ask({ type: 'report' }, 'report');
  const serverCpuMs = (used.user + used.system) / 1000;
  const wallMsTotal = elapsed * 1000 + 300;
  return {
    offeredPerSec: (ingested * CLIENTS) / SYMBOLS / elapsed,
    delivered: report.delivered,
    perSec: report.delivered / elapsed,
    p50: report.p50,
    p99: report.p99,
    max: report.max,
    gaps: report.gaps,
    serverCpuUsPerMessage: (serverCpuMs * 1000) / Math.max(1, report.delivered),
    serverCpuShare: serverCpuMs / wallMsTotal,
    clientCpuShare: report.cpuMs / wallMsTotal,
  };
}

/** A client process with its clients connected to `server`, warmed up. */
async function withClients(server: FanoutServer): Promise<Clients> {
  const clients = new Clients();
  await clients.ask({ type: 'connect', url: server.url, clients: CLIENTS, symbols: SYMBOLS }, 'ready');
  await phase(server, clients, 0.5, TARGET_TICKS_PER_SEC);
  return clients;
}

/** Sustained means nearly everything offered arrived, without a queue building up. */
function sustained(p: Phase): boolean {
  return p.perSec >= 0.97 * p.offeredPerSec && p.p99 < 250;
}

const RAMP_TICKS_PER_SEC = [5_000, 15_000, 20_000, 25_000, 30_000, 40_000, 50_000, 60_000];

interface Contender {
  readonly name: string;
  readonly server: FanoutServer;
  readonly clients: Clients;
  target: Phase | undefined;
  readonly ramp: Array<{ ticksPerSec: number; phase: Phase }>;
  up: boolean;
}

function capacityOf(c: Contender): { perSec: number; sustained: boolean } {
  const runs = [...(c.target === undefined ? [] : [c.target]), ...c.ramp.map((s) => s.phase)];
  const ok = runs.filter(sustained);
  if (ok.length > 0) return { perSec: Math.max(...ok.map((p) => p.perSec)), sustained: true };
  return { perSec: Math.max(...runs.map((p) => p.perSec)), sustained: false };
}

export async function run(options: string[]): Promise<void> {
  const quick = options.includes('--quick');
  const seconds = quick ? 2 : 5;
  const rampSeconds = quick ? 1 : 2;
  const hubUnderTest = await hubServer();
  const contenders: Contender[] = [];
  for (const [name, server] of [
    ['hub', hubUnderTest],
    ['bare ws', await bareServer(false)],
    ['bare ws, batched writes', await bareServer(true)],
  ] as const) {
    contenders.push({
      name,
      server,
      clients: await withClients(server),
      target: undefined,
      ramp: [],
      up: true,
    });
  }
  try {
    // The target rate, each in turn, twice (keeping the run with the better p99: the machine is shared).
    for (let round = 0; round < 2; round++) {
      for (const c of contenders) {
        const p = await phase(c.server, c.clients, seconds, TARGET_TICKS_PER_SEC);
        if (c.target === undefined || p.p99 < c.target.p99) c.target = p;
      }
    }
    // Capacity: rising rates, each in turn, until none sustains the rate (twice in a row).
    for (const ticksPerSec of RAMP_TICKS_PER_SEC) {
      if (!contenders.some((c) => c.up)) break;
      for (const c of contenders) {
        if (!c.up && ticksPerSec > TARGET_TICKS_PER_SEC) continue;
        let p = await phase(c.server, c.clients, rampSeconds, ticksPerSec);
        // One more try before giving up on a rate: other work on the machine can spoil one run.
        if (!sustained(p)) p = await phase(c.server, c.clients, rampSeconds, ticksPerSec);
        c.ramp.push({ ticksPerSec, phase: p });
        if (ticksPerSec > TARGET_TICKS_PER_SEC) c.up = sustained(p);
      }
    }
    const [hub, bare, batched] = contenders as [Contender, Contender, Contender];
    const hubTarget = hub.target!;
    const hubCapacity = capacityOf(hub);
    const fmt = (p: Phase): string =>
      `p50 ${p.p50.toFixed(2)} ms, p99 ${p.p99.toFixed(2)} ms, max ${p.max.toFixed(1)} ms; CPU server ${Math.round(p.serverCpuShare * 100)} %, clients ${Math.round(p.clientCpuShare * 100)} %`;
    const capacityNote = (c: Contender): string => {
      const cap = capacityOf(c);
      return cap.sustained ? '' : ' (no rate sustained: best delivered)';
    };
    const rows: BenchRow[] = [];
    for (const ceiling of [bare, batched]) {
      rows.push({
        name: `hub, ${TARGET_TICKS_PER_SEC.toLocaleString('en-US')} ticks/s → ${CLIENTS} clients, vs ${ceiling.name}`,
        value: hubTarget.perSec,
        unit: 'msgs/s',
        ceiling: ceiling.target!.perSec,
        note: `${ceiling.name}: ${fmt(ceiling.target!)}`,
      });
    }
    rows.push({
      name: 'hub, tick-to-client latency at that rate',
      value: hubTarget.p99,
      unit: 'ms p99',
      note: `${fmt(hubTarget)}; goal p99 ≤ 25 ms`,
    });
    for (const ceiling of [bare, batched]) {
      rows.push({
        name: `hub, most msgs/s sustained, vs ${ceiling.name}`,
        value: hubCapacity.perSec,
        unit: 'msgs/s',
        ceiling: capacityOf(ceiling).perSec,
        note: `≥ 97 % delivered, p99 < 250 ms${capacityNote(hub)}; ${ceiling.name}${capacityNote(ceiling)}`,
      });
    }
    rows.push({
      name: 'server CPU per delivered message, vs bare ws, batched writes',
      value: hubTarget.serverCpuUsPerMessage,
      unit: 'µs',
      ceiling: batched.target!.serverCpuUsPerMessage,
      note: "at the target rate; the hub's includes the engine; lower is better",
    });
    printTable('fanout', rows);
    const row = (p: Phase) => ({
      offeredPerSec: Math.round(p.offeredPerSec),
      deliveredPerSec: Math.round(p.perSec),
      p50Ms: p.p50,
      p99Ms: p.p99,
      maxMs: Math.round(p.max * 100) / 100,
      gaps: p.gaps,
      serverCpuUsPerMessage: Math.round(p.serverCpuUsPerMessage * 100) / 100,
      serverCpuShare: Math.round(p.serverCpuShare * 100) / 100,
      clientCpuShare: Math.round(p.clientCpuShare * 100) / 100,
    });
    const summary = (c: Contender) => ({
      target: row(c.target!),
      capacityPerSec: Math.round(capacityOf(c).perSec),
      capacitySustained: capacityOf(c).sustained,
      ramp: c.ramp.map((s) => ({ ticksPerSec: s.ticksPerSec, ...row(s.phase) })),
    });
    const counters = hubUnderTest.hub.counters('ws');
    const path = writeResult('fanout', {
      scenario: 'fanout',
      clients: CLIENTS,
      symbols: SYMBOLS,
      targetTicksPerSec: TARGET_TICKS_PER_SEC,
      seconds,
      hub: summary(hub),
      bareWs: summary(bare),
      bareWsBatched: summary(batched),
      ratio: hubCapacity.perSec / capacityOf(bare).perSec,
      ratioBatched: hubCapacity.perSec / capacityOf(batched).perSec,
      targetRatio: hubTarget.perSec / bare.target!.perSec,
      hubSlowConsumer: {
        conflated: counters.conflated,
        dropped: counters.dropped,
        closed: counters.slowConsumerCloses,
      },
      loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
      goals: { p99Ms: 25, deliveredPerSec: 100_000, ratio: 0.7 },
    });
    console.log(`wrote ${path}`);
  } finally {
    for (const c of contenders) {
      await c.clients.ask({ type: 'close' }, 'closed');
      c.clients.stop();
      await c.server.close();
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && process.argv[2] === '--clients') {
  await clientProcess();
}
