import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { WebSocket } from 'ws';

import { faultParameter, reportFigures } from './fault-report.js';
import { startFaultServer } from './fault-server.js';

/**
 * Load: stream clients of which 10 % stop reading (docs/streams.md, slow clients). A quarter of
 * the clients read over SSE, the rest over WebSocket. The fast ones follow one symbol each
 * (`ticks.{SYMBOL}`, `stats.{SYMBOL}`); the ones that will get stuck follow every symbol
 * (`ticks.*`, `stats.*`, `candles.1s.*`), so they fall behind within a second once they stop.
 * Ticks stream in over HTTP at a steady rate throughout. Phase A: everyone reads. Phase B: the
 * stuck ones stop reading (the socket paused: the kernel's buffers fill, then the server's).
 *
 * Checked: the engine is not slowed (every tick offered in B is accepted, none `overloaded`; the
 * ingest round trip is reported beside A's), the fast clients are not slowed (their tick-to-client
 * p99 in B against A's; no gap, no close), memory stays bounded (the bytes waiting in the server's
 * sockets stay under the stuck clients × `streams.maxBufferBytes`; resident memory is
 * reported), and the stuck ones are conflated and dropped while behind, then cut: WebSocket
 * closed with 4008 `slow consumer: …`, SSE streams ended.
 *
 * The producer runs in the test's process: on a machine too busy for it to keep its pace the
 * stuck clients never fall behind, and the test fails on the conflation check (figures say how
 * many ticks were offered).
 *
 * CI runs 200 clients with small limits (64 KiB soft, 512 KiB hard, 3 s stall) so the cut comes
 * within seconds; `npm run bench -- faults` runs 1,000 clients with the default limits (1 MiB,
 * 8 MiB, 30 s). Knobs: FAULT_SLOW_CLIENTS, FAULT_SLOW_TICKS_PER_SEC, FAULT_STREAM_DEFAULT_LIMITS=1.
 */
const CLIENTS = faultParameter('SLOW_CLIENTS', 200);
const DEFAULT_LIMITS = process.env.FAULT_STREAM_DEFAULT_LIMITS === '1';
const LIMITS = DEFAULT_LIMITS
  ? { sendBufferBytes: 1_048_576, maxBufferBytes: 8_388_608, maxStallMs: 30_000 }
  : { sendBufferBytes: 65_536, maxBufferBytes: 524_288, maxStallMs: 3000 };
/** Grace a closed slow consumer gets to read up to the close (SLOW_CLOSE_GRACE_MS) and a margin. */
const PHASE_B_MS = LIMITS.maxStallMs + 5000 + 4000;
const PHASE_A_MS = 6000;
const SYMBOLS = 50;
/** Enough that a stuck client of every symbol fills the kernel's loopback buffers within seconds. */
const TICKS_PER_SEC = faultParameter('SLOW_TICKS_PER_SEC', 5000);
const symbol = (i: number): string => `SLOW${i % SYMBOLS}`;

/** Latencies in ms, kept whole (a few hundred thousand at most). */
class Latencies {
  readonly values: number[] = [];
  p(q: number): number {
    if (this.values.length === 0) return 0;
    const sorted = [...this.values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * q) - 1)]!;
  }
}

interface Client {
  readonly kind: 'ws' | 'sse';
  readonly stuck: boolean;
  received: number;
  gaps: number;
  closed: { code?: number; reason?: string } | undefined;
  pause(): void;
  resume(): void;
  end(): void;
}

describe('fault: slow and stuck stream clients', () => {
  it(
    `${CLIENTS} clients, 10 % stop reading: engine and fast clients not slowed, memory bounded, stuck ones cut`,
    { timeout: 120_000 + PHASE_B_MS + CLIENTS * 100 },
    async () => {
      const server = await startFaultServer({ streams: LIMITS });
      // Every connection's socket, to add up the bytes waiting in the server (WebSocket and SSE).
      const sockets = new Set<Socket>();
      server.app.server.on('connection', (socket: Socket) => {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
      });
      const clients: Client[] = [];
      let phase: 'A' | 'B' | 'off' = 'off';
      const latency = { A: new Latencies(), B: new Latencies() };
      const onMessage = (client: Client, text: string): void => {
        const message = JSON.parse(text) as { type?: string; channel?: string; data?: { ts?: number } };
        if (message.type === 'gap') client.gaps++;
        if (message.type !== 'update') return;
        client.received++;
        if (!client.stuck && phase !== 'off' && message.channel?.startsWith('ticks.') === true)
          latency[phase].values.push(Date.now() - message.data!.ts!);
      };
      try {
        const key = encodeURIComponent(server.headers['x-api-key']!);
        const wsUrl = `${server.url.replace(/^http/, 'ws')}/ws?api_key=${key}`;
        const sseCount = Math.round(CLIENTS / 4);
        const stuckEvery = 10; // every tenth client of each kind gets stuck
        for (let i = 0; i < CLIENTS; i++) {
          const kind = i < CLIENTS - sseCount ? 'ws' : 'sse';
          const stuck = i % stuckEvery === stuckEvery - 1;
          const channels = stuck
            ? ['ticks.*', 'stats.*', 'candles.1s.*']
            : [`ticks.${symbol(i)}`, `stats.${symbol(i)}`];
          if (kind === 'ws') {
            const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
            const client: Client = {
              kind,
              stuck,
              received: 0,
              gaps: 0,
              closed: undefined,
              pause: () => ws.pause(),
              resume: () => ws.resume(),
              end: () => ws.terminate(),
            };
            ws.on('message', (data: Buffer) => onMessage(client, data.toString()));
            ws.on('close', (code, reason) => (client.closed = { code, reason: reason.toString() }));
            ws.on('error', () => {});
            await once(ws, 'open');
            ws.send(JSON.stringify({ op: 'subscribe', channels }));
            clients.push(client);
          } else {
            const url = new URL(`${server.url}/api/stream`);
            url.searchParams.set('channels', channels.join(','));
            url.searchParams.set('api_key', server.headers['x-api-key']!);
            const res = await new Promise<IncomingMessage>((resolve, reject) =>
              httpRequest(url, resolve).on('error', reject).end(),
            );
            assert.equal(res.statusCode, 200);
            const client: Client = {
              kind,
              stuck,
              received: 0,
              gaps: 0,
              closed: undefined,
              pause: () => res.pause(),
              resume: () => res.resume(),
              end: () => res.destroy(),
            };
            let pending = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              pending += chunk;
              let end: number;
              while ((end = pending.indexOf('\n\n')) >= 0) {
                for (const line of pending.slice(0, end).split('\n'))
                  if (line.startsWith('data: ')) onMessage(client, line.slice(6));
                pending = pending.slice(end + 2);
              }
            });
            res.on('close', () => (client.closed ??= {}));
            clients.push(client);
          }
        }
        const stuckClients = clients.filter((c) => c.stuck);
        const fastClients = clients.filter((c) => !c.stuck);

        // The producer: a batch every 20 ms, each tick without timestamp (its ts is the receive
        // time, which the clients compare with their clock).
        const ingest = {
          A: { offered: 0, accepted: 0, overloaded: 0, roundTrips: new Latencies() },
          B: { offered: 0, accepted: 0, overloaded: 0, roundTrips: new Latencies() },
        };
        let producing = true;
        let next = 0;
        const inFlight = new Set<Promise<void>>();
        const producer = (async () => {
          const perBatch = Math.round(TICKS_PER_SEC / 50);
          let due = Date.now();
          while (producing) {
            const now = phase as 'A' | 'B' | 'off';
            const books = now === 'off' ? undefined : ingest[now];
            const items = Array.from({ length: perBatch }, () => ({
              symbol: symbol(next++),
              price: 100 + (next % 7) / 100,
              volume: 1,
            }));
            const started = performance.now();
            const request = fetch(`${server.url}/api/prices/batch`, {
              method: 'POST',
              headers: { ...server.headers, 'content-type': 'application/json' },
              body: JSON.stringify(items),
            }).then(async (res) => {
              const answer = (await res.json()) as { accepted: number; rejected: Array<{ reason: string }> };
              if (books === undefined) return;
              books.offered += items.length;
              books.accepted += answer.accepted;
              books.overloaded += answer.rejected.filter((r) => r.reason === 'overloaded').length;
              books.roundTrips.values.push(performance.now() - started);
            });
            inFlight.add(request);
            void request.finally(() => inFlight.delete(request));
            due += 20;
            await sleep(Math.max(0, due - Date.now()));
          }
        })();

        await sleep(1500); // snapshots delivered, everyone reading
        const rssBefore = process.memoryUsage().rss;
        phase = 'A';
        await sleep(PHASE_A_MS);
        const rssA = process.memoryUsage().rss;
        const countersAtB = { ...server.hub.counters('ws') };
        const sseAtB = { ...server.hub.counters('sse') };
        phase = 'B';
        for (const c of stuckClients) c.pause();
        let maxSocketBytes = 0;
        let rssMax = rssA;
        const bStarted = Date.now();
        while (Date.now() - bStarted < PHASE_B_MS) {
          let bytes = 0;
          for (const socket of sockets) bytes += socket.writableLength;
          maxSocketBytes = Math.max(maxSocketBytes, bytes);
          rssMax = Math.max(rssMax, process.memoryUsage().rss);
          await sleep(250);
        }
        phase = 'off';
        producing = false;
        await producer;
        await Promise.all(inFlight);
        // The stuck ones read again: what reached them before the cut, then the end of the stream.
        for (const c of stuckClients) c.resume();
        const resumedAt = Date.now();
        while (stuckClients.some((c) => c.closed === undefined) && Date.now() - resumedAt < 10_000)
          await sleep(100);
        const ws = server.hub.counters('ws');
        const sse = server.hub.counters('sse');
        const figures = {
          clients: CLIENTS,
          stuck: stuckClients.length,
          limits: LIMITS,
          ticksPerSec: TICKS_PER_SEC,
          phaseMs: { A: PHASE_A_MS, B: PHASE_B_MS },
          ingest: {
            A: {
              offered: ingest.A.offered,
              accepted: ingest.A.accepted,
              overloaded: ingest.A.overloaded,
              roundTripP99Ms: ingest.A.roundTrips.p(0.99),
            },
            B: {
              offered: ingest.B.offered,
              accepted: ingest.B.accepted,
              overloaded: ingest.B.overloaded,
              roundTripP99Ms: ingest.B.roundTrips.p(0.99),
            },
          },
          fastClients: {
            A: { delivered: latency.A.values.length, p50Ms: latency.A.p(0.5), p99Ms: latency.A.p(0.99) },
            B: { delivered: latency.B.values.length, p50Ms: latency.B.p(0.5), p99Ms: latency.B.p(0.99) },
            gaps: fastClients.reduce((n, c) => n + c.gaps, 0),
            closed: fastClients.filter((c) => c.closed !== undefined).length,
          },
          stuckClients: {
            closedWs: stuckClients.filter((c) => c.kind === 'ws' && c.closed !== undefined).length,
            closedWs4008: stuckClients.filter((c) => c.kind === 'ws' && c.closed?.code === 4008).length,
            endedSse: stuckClients.filter((c) => c.kind === 'sse' && c.closed !== undefined).length,
            conflated: ws.conflated - countersAtB.conflated + sse.conflated - sseAtB.conflated,
            dropped: ws.dropped - countersAtB.dropped + sse.dropped - sseAtB.dropped,
            slowConsumerCloses:
              ws.slowConsumerCloses -
              countersAtB.slowConsumerCloses +
              sse.slowConsumerCloses -
              sseAtB.slowConsumerCloses,
          },
          memory: {
            maxSocketBytes,
            boundBytes: stuckClients.length * LIMITS.maxBufferBytes,
            rssBeforeMb: Math.round(rssBefore / 1048576),
            rssEndOfAMb: Math.round(rssA / 1048576),
            rssMaxInBMb: Math.round(rssMax / 1048576),
          },
        };
        reportFigures('slow-clients', figures);

        // The engine: nothing refused, every tick of B taken.
        assert.ok(ingest.B.offered > 0);
        assert.equal(ingest.B.overloaded, 0, 'no tick refused as overloaded while clients were stuck');
        assert.equal(ingest.B.accepted, ingest.B.offered, 'every tick offered in B was accepted');
        // The fast clients: everything, in time.
        assert.equal(figures.fastClients.gaps, 0, 'no fast client lost a message');
        assert.equal(figures.fastClients.closed, 0, 'no fast client was closed');
        assert.ok(latency.B.values.length > 0);
        const a99 = latency.A.p(0.99);
        const b99 = latency.B.p(0.99);
        assert.ok(
          b99 <= Math.max(4 * a99, a99 + 500),
          `fast clients' p99 ${b99} ms with stuck clients, ${a99} ms without`,
        );
        // The stuck ones: conflated and dropped while behind, then cut.
        assert.ok(figures.stuckClients.conflated > 0, 'stats of the stuck clients were conflated');
        assert.ok(figures.stuckClients.dropped > 0, 'ticks of the stuck clients were dropped');
        assert.equal(
          figures.stuckClients.slowConsumerCloses,
          stuckClients.length,
          'every stuck client was closed as a slow consumer',
        );
        for (const c of stuckClients)
          assert.ok(c.closed !== undefined, `a stuck ${c.kind} client was not cut`);
        // A WebSocket client that reads up to the close frame before the cut sees why.
        for (const c of stuckClients)
          if (c.kind === 'ws' && c.closed?.code === 4008)
            assert.match(c.closed.reason ?? '', /^slow consumer/);
        // Memory: the sockets hold no more than the hard limit per stuck client.
        assert.ok(
          maxSocketBytes <= figures.memory.boundBytes,
          `${maxSocketBytes} bytes waiting in the server's sockets, bound ${figures.memory.boundBytes}`,
        );
      } finally {
        phase = 'off';
        for (const c of clients) c.end();
        await server.close();
      }
    },
  );
});
