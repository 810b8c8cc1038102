/**
 * Scenario `soak` (not in CI, not in a run of every scenario): `npm run bench -- soak
 * [--duration 30m] [--sample 10s] [--max-seconds 20] [--rate N] [--pglite-in-server-thread]`.
 *
 * `--rate N` soaks at N ticks/s instead of half the maximum (to compare two builds or settings at
 * the same load); `--pglite-in-server-thread` runs the embedded database in the server's thread
 * (`storage.embeddedThread: false`), as before it had a thread of its own.
 *
 * The whole server (HTTP, TCP and gRPC listening, storage on: embedded PGlite in a temporary data
 * directory) runs in this process; the producers and the stream clients run in a child process,
 * so the resident memory sampled is the server's alone.
 *
 * 1. The maximum, measured first in the same run: the child pushes HTTP batches (1,000 ticks a
 *    request, 4 at a time) and TCP frames (as fast as the socket drains) together for
 *    `--max-seconds`; the maximum is the ticks/s the server accepted over the last half of that
 *    push (storage on, so once the writer's buffer is full it is what storage sustains).
 * 2. Storage catches up, then 200 stream clients connect (150 WebSocket `/ws`, 50 SSE
 *    `/api/stream`, each on `ticks.{SYMBOL}` and `candles.1s.{SYMBOL}` of its own symbol).
 * 3. The soak: half the maximum, split evenly between HTTP batches and TCP frames, over 1,000
 *    symbols, for `--duration`. Every `--sample` the bench records resident memory (and the V8
 *    heap), the event loop's delay p99, the HTTP batch requests' p99 round trip (`ack=accepted`),
 *    the storage lag (how long ago the newest committed tick was accepted, and the ticks
 *    buffered), the ticks accepted and refused, and what the stream clients received.
 *
 * Results: bench/results/soak.json (every sample), docs/soak.svg (the chart), and two verdicts:
 * the slope of resident memory after warm-up (least squares, MB/hour) and the trend of the p99s
 * (least squares, ms/hour, and the median of the last third against the first third).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { WebSocket } from 'ws';

import { validateConfig } from '../src/config.js';
import { TickEncoder } from '../src/ingest/tick-encoder.js';
import { startServer, type RunningServer } from '../src/main.js';
import { createLogger } from '../src/observability/logger.js';
import { Metrics } from '../src/observability/metrics.js';
import { Random } from '../src/feeds/random.js';
import { soakChart } from './soak-chart.js';
import { printTable, writeResult } from './report.js';

const SYMBOLS = 1000;
const BATCH = 1000;
const WS_CLIENTS = 150;
const SSE_CLIENTS = 50;
const ADMIN_PASSWORD = 'soak-admin-password';
const symbolName = (i: number): string => `SK${String(i).padStart(3, '0')}`;

// ---------------------------------------------------------------------------------------------
// The child: producers and stream clients
// ---------------------------------------------------------------------------------------------

type ToDriver =
  | { type: 'setup'; url: string; tcpPort: number; key: string }
  | { type: 'push'; seconds: number }
  | { type: 'clients'; ws: number; sse: number }
  | { type: 'steady'; ticksPerSec: number }
  | { type: 'window' }
  | { type: 'stop' };

interface WindowReport {
  type: 'window';
  httpRequests: number;
  httpP50Ms: number;
  httpP99Ms: number;
  httpMaxMs: number;
  sentHttp: number;
  sentTcp: number;
  overloaded: number;
  otherRejected: number;
  httpErrors: number;
  /** The failed requests by kind (`503 STORAGE_UNAVAILABLE`, `network ECONNRESET`, ...). */
  httpErrorKinds: Record<string, number>;
  /** Batches not sent because 32 were already waiting for an answer. */
  skippedBatches: number;
  streamMessages: number;
  streamP99Ms: number;
  streamGaps: number;
  streamClosed: number;
  tcpUnsentBytes: number;
}

type FromDriver =
  | { type: 'ready' }
  | { type: 'pushed'; sentHttp: number; sentTcp: number }
  | { type: 'clients'; connected: number }
  | { type: 'started' }
  | WindowReport
  | { type: 'stopped' };

/** Latencies in 0.1 ms buckets up to 10 s. */
class Histogram {
  #buckets = new Uint32Array(100_000);
  count = 0;
  max = 0;

  add(ms: number): void {
    this.#buckets[Math.min(this.#buckets.length - 1, Math.max(0, Math.floor(ms * 10)))]!++;
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  percentile(p: number): number {
    if (this.count === 0) return 0;
    const want = Math.ceil(this.count * p);
    let seen = 0;
    for (let i = 0; i < this.#buckets.length; i++) {
      seen += this.#buckets[i]!;
      if (seen >= want) return (i + 1) / 10;
    }
    return this.max;
  }

  reset(): void {
    this.#buckets.fill(0);
    this.count = 0;
    this.max = 0;
  }
}

async function driverProcess(): Promise<void> {
  let url = '';
  let key = '';
  let socket: Socket | undefined;
  const random = new Random('tickstream-soak');
  // Prices wander within ±0.4 % of 100: no spike of 2 %, so anomalies stay rare.
  const bodies = Array.from({ length: 16 }, () =>
    JSON.stringify(
      Array.from({ length: BATCH }, () => ({
        symbol: symbolName(random.int(SYMBOLS)),
        price: Math.round((100 + (random.next() - 0.5) * 0.8) * 100) / 100,
        volume: 1 + random.int(100),
      })),
    ),
  );
  const frames: Buffer[] = [];
  for (let i = 0; i < 4096; i++) {
    const encoder = new TickEncoder();
    encoder.frame({
      symbol: symbolName(random.int(SYMBOLS)),
      price: Math.round((100 + (random.next() - 0.5) * 0.8) * 100) / 100,
      volume: 1 + random.int(100),
    });
    frames.push(Buffer.from(encoder.take()));
  }
  let nextBody = 0;
  let nextFrame = 0;

  const http = new Histogram();
  const stream = new Histogram();
  const w = {
    httpRequests: 0,
    sentHttp: 0,
    sentTcp: 0,
    overloaded: 0,
    otherRejected: 0,
    httpErrors: 0,
    httpErrorKinds: {} as Record<string, number>,
    skippedBatches: 0,
    streamMessages: 0,
    streamGaps: 0,
    streamClosed: 0,
  };
  let inFlight = 0;
  // Cumulative ticks sent (the window counters above are reset at every sample): the pacing.
  const total = { http: 0, tcp: 0 };

  const countKind = (kind: string): void => {
    w.httpErrorKinds[kind] = (w.httpErrorKinds[kind] ?? 0) + 1;
  };

  const postBatch = (): Promise<void> => {
    const body = bodies[nextBody++ % bodies.length]!;
    const started = performance.now();
    inFlight++;
    w.sentHttp += BATCH;
    total.http += BATCH;
    return fetch(`${url}/api/prices/batch`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body,
    })
      .then(async (res) => {
        const answer = (await res.json()) as { rejected?: Array<{ reason: string }>; code?: string };
        http.add(performance.now() - started);
        w.httpRequests++;
        if (res.status !== 200) {
          w.httpErrors++;
          countKind(`${res.status} ${answer.code ?? ''}`.trim());
          return;
        }
        for (const r of answer.rejected ?? []) {
          if (r.reason === 'overloaded') w.overloaded++;
          else w.otherRejected++;
        }
      })
      .catch((err: unknown) => {
        w.httpErrors++;
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        countKind(`network ${cause?.code ?? cause?.message ?? String(err)}`);
      })
      .finally(() => {
        inFlight--;
      });
  };

  const writeFrames = (count: number): boolean => {
    const parts: Buffer[] = [];
    for (let i = 0; i < count; i++) parts.push(frames[nextFrame++ % frames.length]!);
    w.sentTcp += count;
    total.tcp += count;
    return socket!.write(Buffer.concat(parts));
  };

  let steady: { stop: boolean; done: Promise<void> } | undefined;
  const sockets: WebSocket[] = [];
  const sseRequests: IncomingMessage[] = [];

  const onStreamMessage = (text: string): void => {
    const message = JSON.parse(text) as { type?: string; data?: { ts?: number } };
    if (message.type === 'gap') w.streamGaps++;
    if (message.type !== 'update') return;
    w.streamMessages++;
    const ts = message.data?.ts;
    // A tick's ts is its receive time at the server (no timestamp sent); candles are skipped.
    if (typeof ts === 'number' && !('interval' in (message.data ?? {}))) stream.add(Date.now() - ts);
  };

  const send = (m: FromDriver): void => {
    process.send!(m);
  };

  process.on('message', (m: ToDriver) => {
    void (async () => {
      switch (m.type) {
        case 'setup': {
          url = m.url;
          key = m.key;
          socket = connect({ host: '127.0.0.1', port: m.tcpPort });
          await once(socket, 'connect');
          send({ type: 'ready' });
          break;
        }
        case 'push': {
          const before = { http: w.sentHttp, tcp: w.sentTcp };
          const until = performance.now() + m.seconds * 1000;
          const httpLoop = async (): Promise<void> => {
            while (performance.now() < until) await postBatch();
          };
          const tcpLoop = async (): Promise<void> => {
            while (performance.now() < until) {
              if (!writeFrames(BATCH)) await once(socket!, 'drain');
            }
          };
          await Promise.all([httpLoop(), httpLoop(), httpLoop(), httpLoop(), tcpLoop()]);
          send({ type: 'pushed', sentHttp: w.sentHttp - before.http, sentTcp: w.sentTcp - before.tcp });
          break;
        }
        case 'clients': {
          const base = url.replace(/^http/, 'ws');
          const channels = (i: number): string[] => [`ticks.${symbolName(i)}`, `candles.1s.${symbolName(i)}`];
          for (let i = 0; i < m.ws; i++) {
            const ws = new WebSocket(`${base}/ws?api_key=${encodeURIComponent(key)}`, {
              perMessageDeflate: false,
            });
            ws.on('message', (data: Buffer) => onStreamMessage(data.toString()));
            ws.on('close', () => w.streamClosed++);
            ws.on('error', () => {});
            await once(ws, 'open');
            ws.send(JSON.stringify({ op: 'subscribe', channels: channels(i) }));
            sockets.push(ws);
          }
          for (let i = m.ws; i < m.ws + m.sse; i++) {
            const target = new URL(`${url}/api/stream`);
            target.searchParams.set('channels', channels(i).join(','));
            target.searchParams.set('api_key', key);
            const res = await new Promise<IncomingMessage>((resolve, reject) =>
              httpRequest(target, resolve).on('error', reject).end(),
            );
            if (res.statusCode !== 200) throw new Error(`SSE answered ${res.statusCode}`);
            let pending = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              pending += chunk;
              let end: number;
              while ((end = pending.indexOf('\n\n')) >= 0) {
                const event = pending.slice(0, end);
                pending = pending.slice(end + 2);
                for (const line of event.split('\n'))
                  if (line.startsWith('data: ')) onStreamMessage(line.slice(6));
              }
            });
            res.on('close', () => w.streamClosed++);
            sseRequests.push(res);
          }
          send({ type: 'clients', connected: sockets.length + sseRequests.length });
          break;
        }
        case 'steady': {
          // Paced every 50 ms: what is owed by now is sent (HTTP in whole batches of 1,000).
          const half = m.ticksPerSec / 2;
          const base = { ...total };
          const state = { stop: false, done: Promise.resolve() };
          state.done = (async () => {
            const started = performance.now();
            for (let step = 1; !state.stop; step++) {
              const elapsed = (performance.now() - started) / 1000;
              let httpDue = half * elapsed - (total.http - base.http);
              while (httpDue >= BATCH) {
                if (inFlight >= 32) {
                  // Not sent, and not owed any more: the soak does not catch up later.
                  w.skippedBatches++;
                  base.http -= BATCH;
                } else void postBatch();
                httpDue -= BATCH;
              }
              const tcpDue = Math.floor(half * elapsed) - (total.tcp - base.tcp);
              if (tcpDue > 0) writeFrames(tcpDue);
              await sleep(Math.max(0, started + step * 50 - performance.now()));
            }
          })();
          steady = state;
          send({ type: 'started' });
          break;
        }
        case 'window': {
          send({
            type: 'window',
            ...w,
            httpP50Ms: http.percentile(0.5),
            httpP99Ms: http.percentile(0.99),
            httpMaxMs: http.max,
            streamP99Ms: stream.percentile(0.99),
            tcpUnsentBytes: socket?.writableLength ?? 0,
          });
          http.reset();
          stream.reset();
          for (const k of Object.keys(w) as Array<keyof typeof w>) if (k !== 'httpErrorKinds') w[k] = 0;
          w.httpErrorKinds = {};
          break;
        }
        case 'stop': {
          if (steady !== undefined) {
            steady.stop = true;
            await steady.done;
          }
          while (inFlight > 0) await sleep(10);
          for (const ws of sockets) ws.terminate();
          for (const res of sseRequests) res.destroy();
          socket?.destroy();
          send({ type: 'stopped' });
          process.exit(0);
        }
      }
    })().catch((err: unknown) => {
      console.error('soak driver failed', err);
      process.exit(1);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The server side: the bench itself
// ---------------------------------------------------------------------------------------------

class Driver {
  readonly child: ChildProcess;

  constructor() {
    this.child = fork(fileURLToPath(import.meta.url), ['--soak-driver'], {
      execArgv: ['--import', 'tsx'],
      stdio: 'inherit',
    });
  }

  ask<T extends FromDriver['type']>(message: ToDriver, answer: T): Promise<Extract<FromDriver, { type: T }>> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`soak driver exited (${code})`));
      const listener = (m: FromDriver): void => {
        if (m.type !== answer) return;
        this.child.off('message', listener);
        this.child.off('exit', onExit);
        resolve(m as Extract<FromDriver, { type: T }>);
      };
      this.child.on('message', listener);
      this.child.once('exit', onExit);
      this.child.send(message);
    });
  }
}

/** `30m`, `90s`, `45` (seconds). */
function parseSeconds(text: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(text);
  if (match === null) throw new Error(`${option} takes a duration like 30m, 90s or 45`);
  return Number(match[1]) * (match[2] === 'h' ? 3600 : match[2] === 'm' ? 60 : 1);
}

function option(args: string[], name: string, fallback: string): string {
  const at = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (at < 0) return fallback;
  const arg = args[at]!;
  if (arg.includes('=')) return arg.slice(arg.indexOf('=') + 1);
  const value = args[at + 1];
  if (value === undefined || value.startsWith('-')) throw new Error(`${name} needs a value`);
  return value;
}

/** Least squares: y = intercept + slope × x. */
export function linearFit(
  xs: readonly number[],
  ys: readonly number[],
): { slope: number; intercept: number } {
  const n = xs.length;
  if (n < 2) return { slope: 0, intercept: ys[0] ?? 0 };
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Sample {
  atSec: number;
  rssMb: number;
  heapUsedMb: number;
  externalMb: number;
  /** PGlite's WebAssembly memory (part of the resident size; it grows and never shrinks). */
  pgliteWasmMb: number | null;
  /** The V8 heap of PGlite's thread. */
  pgliteThreadHeapMb: number | null;
  /** WAL written so far, and where the last checkpoint began (both MB from the WAL's start). */
  walMb: number | null;
  checkpointMb: number | null;
  /** null when the histogram took no sample in the window (the loop never came round to it). */
  eventLoopP99Ms: number | null;
  eventLoopMaxMs: number | null;
  ingestP50Ms: number;
  ingestP99Ms: number;
  ingestMaxMs: number;
  storageLagMs: number;
  storageLagMaxMs: number;
  bufferedTicks: number;
  acceptedPerSec: number;
  committedPerSec: number;
  overloaded: number;
  httpErrors: number;
  httpErrorKinds: Record<string, number>;
  skippedBatches: number;
  streamMessagesPerSec: number;
  streamP99Ms: number;
  streamGaps: number;
  streamClosed: number;
  tcpUnsentBytes: number;
  loadAverage1m: number;
}

interface SoakMeta {
  readonly durationSec: number;
  readonly sampleSec: number;
  readonly warmupSec: number;
  readonly targetPerSec: number;
  readonly maxPerSec: number;
  readonly connected: number;
}

/** The verdicts (memory slope, p99 trends), the chart (docs/soak.svg) and the table, from the samples. */
function summarize(meta: SoakMeta, raw: readonly Sample[]) {
  const { durationSec, sampleSec, warmupSec, targetPerSec, maxPerSec, connected } = meta;
  // A sample taken less than half an interval after the one before (the loop was blocked and
  // the timer caught up) covers too short a window to mean anything: left out.
  const samples = raw.filter((s, i) => s.atSec - (i === 0 ? 0 : raw[i - 1]!.atSec) >= sampleSec / 2);
  const after = samples.filter((s) => s.atSec >= warmupSec);
  const hours = (s: Sample): number => s.atSec / 3600;
  const rssFit = linearFit(
    after.map(hours),
    after.map((s) => s.rssMb),
  );
  const trend = (pick: (s: Sample) => number | null) => {
    const valued = after.filter((s) => pick(s) !== null);
    const fit = linearFit(
      valued.map(hours),
      valued.map((s) => pick(s)!),
    );
    const third = Math.max(1, Math.floor(valued.length / 3));
    return {
      slopePerHour: fit.slope,
      firstThirdMedian: median(valued.slice(0, third).map((s) => pick(s)!)),
      lastThirdMedian: median(valued.slice(-third).map((s) => pick(s)!)),
    };
  };
  const verdict = {
    warmupSec,
    samplesUsed: samples.length,
    samplesLeftOut: raw.length - samples.length,
    rssSlopeMbPerHour: rssFit.slope,
    rssAfterWarmupMb: {
      min: Math.min(...after.map((s) => s.rssMb)),
      max: Math.max(...after.map((s) => s.rssMb)),
    },
    ingestP99: trend((s) => s.ingestP99Ms),
    eventLoopP99: trend((s) => s.eventLoopP99Ms),
    storageLag: trend((s) => s.storageLagMs),
    acceptedPerSecMedian: median(samples.map((s) => s.acceptedPerSec)),
    overloadedTotal: samples.reduce((n, s) => n + s.overloaded, 0),
    httpErrorsTotal: samples.reduce((n, s) => n + s.httpErrors, 0),
    skippedBatchesTotal: samples.reduce((n, s) => n + s.skippedBatches, 0),
    streamClosedTotal: samples.reduce((n, s) => n + s.streamClosed, 0),
    streamGapsTotal: samples.reduce((n, s) => n + s.streamGaps, 0),
    loadAverageMedian: median(samples.map((s) => s.loadAverage1m)),
  };

  const minutes = samples.map((s) => s.atSec / 60);
  const svg = soakChart({
    title: `tickstream soak: ${Math.round((raw[raw.length - 1]?.atSec ?? durationSec) / 60)} min at ${targetPerSec.toLocaleString('en-US')} ticks/s, ${connected} stream clients, PGlite`,
    subtitle:
      `half the maximum measured in the same run (${Math.round(maxPerSec).toLocaleString('en-US')} ticks/s); ` +
      `2 cores shared (load average median ${verdict.loadAverageMedian.toFixed(1)}); shaded: warm-up; ${samples.length} of ${raw.length} samples`,
    minutes,
    durationMinutes: durationSec / 60,
    warmupMinutes: warmupSec / 60,
    series: [
      {
        title: 'resident memory',
        unit: 'MB',
        values: samples.map((s) => s.rssMb),
        fit: {
          intercept: rssFit.intercept,
          slopePerMinute: rssFit.slope / 60,
          fromMinute: warmupSec / 60,
        },
        note: `slope after warm-up ${verdict.rssSlopeMbPerHour.toFixed(1)} MB/h`,
      },
      {
        title: 'event-loop delay p99',
        unit: 'ms',
        values: samples.map((s) => s.eventLoopP99Ms),
        note: `trend ${verdict.eventLoopP99.slopePerHour.toFixed(1)} ms/h`,
      },
      {
        title: 'ingest p99 (HTTP batch of 1,000, round trip)',
        unit: 'ms',
        values: samples.map((s) => s.ingestP99Ms),
        note: `trend ${verdict.ingestP99.slopePerHour.toFixed(1)} ms/h`,
      },
      {
        title: 'storage lag (age of the newest committed tick)',
        unit: 'ms',
        values: samples.map((s) => s.storageLagMs),
        note: `trend ${verdict.storageLag.slopePerHour.toFixed(1)} ms/h`,
      },
    ],
  });
  const svgPath = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'soak.svg');
  writeFileSync(svgPath, svg);

  printTable('soak', [
    { name: 'maximum ingest (HTTP batch + TCP, storage on)', value: maxPerSec, unit: 'ticks/s' },
    {
      name: 'soak ingest (median accepted)',
      value: verdict.acceptedPerSecMedian,
      unit: 'ticks/s',
      ceiling: maxPerSec,
    },
    {
      name: 'resident memory slope after warm-up',
      value: verdict.rssSlopeMbPerHour,
      unit: 'MB/h',
      note: `${verdict.rssAfterWarmupMb.min.toFixed(0)}–${verdict.rssAfterWarmupMb.max.toFixed(0)} MB`,
    },
    {
      name: 'ingest p99 trend',
      value: verdict.ingestP99.slopePerHour,
      unit: 'ms/h',
      note: `median p99 first third ${verdict.ingestP99.firstThirdMedian.toFixed(1)} ms, last ${verdict.ingestP99.lastThirdMedian.toFixed(1)} ms`,
    },
    {
      name: 'event-loop delay p99 trend',
      value: verdict.eventLoopP99.slopePerHour,
      unit: 'ms/h',
      note: `first third ${verdict.eventLoopP99.firstThirdMedian.toFixed(1)} ms, last ${verdict.eventLoopP99.lastThirdMedian.toFixed(1)} ms`,
    },
    {
      name: 'storage lag trend',
      value: verdict.storageLag.slopePerHour,
      unit: 'ms/h',
      note: `first third ${verdict.storageLag.firstThirdMedian.toFixed(0)} ms, last ${verdict.storageLag.lastThirdMedian.toFixed(0)} ms`,
    },
  ]);
  return { verdict };
}

/** `--replot`: the verdicts and chart again from bench/results/soak.json (after a change to them). */
function replot(): void {
  const path = join(dirname(fileURLToPath(import.meta.url)), 'results', 'soak.json');
  const result = JSON.parse(readFileSync(path, 'utf8')) as {
    durationSec: number;
    sampleSec: number;
    targetTicksPerSec: number;
    maxTicksPerSec: number;
    streamClients: { connected: number };
    verdict: { warmupSec: number };
    samples: Sample[];
  };
  const { verdict } = summarize(
    {
      durationSec: result.durationSec,
      sampleSec: result.sampleSec,
      warmupSec: result.verdict.warmupSec,
      targetPerSec: result.targetTicksPerSec,
      maxPerSec: result.maxTicksPerSec,
      connected: result.streamClients.connected,
    },
    result.samples,
  );
  writeFileSync(
    path,
    JSON.stringify({ ...result, verdict, replottedAt: new Date().toISOString() }, null, 2) + '\n',
  );
  console.log(`rewrote the verdict in ${path} and docs/soak.svg`);
}

export async function run(args: string[]): Promise<void> {
  if (args.includes('--replot')) {
    replot();
    return;
  }
  const durationSec = parseSeconds(option(args, '--duration', '30m'), '--duration');
  const sampleSec = parseSeconds(option(args, '--sample', '10s'), '--sample');
  const maxSec = parseSeconds(option(args, '--max-seconds', '20s'), '--max-seconds');
  const warmupSec = Math.min(300, durationSec / 4);
  const dataDir = mkdtempSync(join(tmpdir(), 'tickstream-soak-'));
  const config = validateConfig({
    dataDir,
    logLevel: 'warn',
    simulation: { enabled: false },
    auth: { jwtSecret: 'soak-secret-'.padEnd(48, 'x') },
    http: { host: '127.0.0.1', port: 0, rateLimitPerMinute: 100_000_000, maxBatch: 10_000 },
    tcp: { host: '127.0.0.1', port: 0 },
    grpc: { host: '127.0.0.1', port: 0 },
    // A smaller buffer than the default 500,000 so the short maximum push fills it within seconds
    // and the maximum measured is what storage sustains, not what the buffer absorbed.
    storage: { bufferCapacity: 100_000, embeddedThread: !args.includes('--pglite-in-server-thread') },
  });
  const fixedRate = args.includes('--rate') ? Number(option(args, '--rate', '')) : undefined;
  if (fixedRate !== undefined && !(Number.isInteger(fixedRate) && fixedRate > 0)) {
    throw new Error('--rate takes a whole number of ticks per second');
  }
  const server: RunningServer = await startServer(config, createLogger({ level: 'warn' }), {
    env: { TICKSTREAM_ADMIN_PASSWORD: ADMIN_PASSWORD },
    metrics: new Metrics({ defaultMetrics: false }),
  });
  const driver = new Driver();
  try {
    const admin = await server.auth.login('admin', ADMIN_PASSWORD);
    const created = await fetch(`${server.url}/api/auth/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'soak', role: 'writer' }),
    });
    if (created.status !== 201) throw new Error(`api key: ${created.status} ${await created.text()}`);
    const { key } = (await created.json()) as { key: string };
    await driver.ask({ type: 'setup', url: server.url, tcpPort: server.tcp!.address.port, key }, 'ready');

    // 1. The maximum.
    console.log(`soak: measuring the maximum ingest (${maxSec} s push, HTTP batches + TCP, storage on)`);
    const accepted = (): number => server.engine.counters().accepted;
    const marks: Array<{ at: number; accepted: number; committed: number }> = [];
    const marker = setInterval(
      () =>
        marks.push({
          at: performance.now(),
          accepted: accepted(),
          committed: server.storage.writer.counters().committedSeq,
        }),
      250,
    );
    const pushed = await driver.ask({ type: 'push', seconds: maxSec }, 'pushed');
    clearInterval(marker);
    // The buffer absorbs a burst: the maximum counts only what was accepted and then committed,
    // over the push and the time storage took to catch up after it.
    const pushStart = marks[0]!;
    const pushEnd = marks[marks.length - 1]!;
    await server.storage.writer.persisted();
    while (server.storage.writer.counters().buffered > 0) await sleep(100);
    const drainedAt = performance.now();
    const acceptedInPush = accepted() - pushStart.accepted;
    const maxPerSec = (acceptedInPush * 1000) / (drainedAt - pushStart.at);
    const committedPerSecAtMax =
      ((server.storage.writer.counters().committedSeq - pushStart.committed) * 1000) /
      (drainedAt - pushStart.at);
    const drainSec = (drainedAt - pushEnd.at) / 1000;
    const targetPerSec = fixedRate ?? Math.max(100, Math.round(maxPerSec / 2 / 100) * 100);
    console.log(
      `soak: maximum ${Math.round(maxPerSec).toLocaleString('en-US')} ticks/s accepted ` +
        `and committed (${acceptedInPush} ticks in the push, storage ${drainSec.toFixed(1)} s behind at its end; ` +
        `${Math.round(committedPerSecAtMax).toLocaleString('en-US')} committed/s); soak at ` +
        `${targetPerSec.toLocaleString('en-US')} ticks/s for ${durationSec} s`,
    );

    // 2. The stream clients.
    const clients = await driver.ask({ type: 'clients', ws: WS_CLIENTS, sse: SSE_CLIENTS }, 'clients');

    // 3. The soak.
    const eld = monitorEventLoopDelay({ resolution: 10 });
    eld.enable();
    // Storage lag: when the ingest sequence passed each value, to tell how old the newest
    // committed tick is (polled every 100 ms).
    const passed: Array<{ at: number; seq: number }> = [];
    let lagMax = 0;
    const lagNow = (): number => {
      const { committedSeq, acceptedSeq } = server.storage.writer.counters();
      const now = performance.now();
      passed.push({ at: now, seq: acceptedSeq });
      if (committedSeq >= acceptedSeq) {
        passed.splice(0, passed.length - 1);
        return 0;
      }
      // The first moment the accepted sequence was past the committed one.
      while (passed.length > 1 && passed[1]!.seq <= committedSeq) passed.shift();
      return now - passed[0]!.at;
    };
    const lagPoller = setInterval(() => {
      lagMax = Math.max(lagMax, lagNow());
    }, 100);
    await driver.ask({ type: 'window' }, 'window');
    await driver.ask({ type: 'steady', ticksPerSec: targetPerSec }, 'started');
    const samples: Sample[] = [];
    const started = performance.now();
    let prev = {
      at: started,
      accepted: accepted(),
      committed: server.storage.writer.counters().committedSeq,
    };
    for (let k = 1; k * sampleSec <= durationSec; k++) {
      // After a blocked loop, the samples missed are skipped, not taken back to back.
      k = Math.max(k, Math.ceil((performance.now() - started) / (sampleSec * 1000)));
      await sleep(Math.max(0, started + k * sampleSec * 1000 - performance.now()));
      const win = await driver.ask({ type: 'window' }, 'window');
      const now = performance.now();
      const mem = process.memoryUsage();
      const embedded = await server.storage.database.driver.memory?.();
      const [wal] = await server.storage.database.driver
        .query<{ wal: string; checkpoint: string }>(
          `select (pg_current_wal_lsn() - '0/0'::pg_lsn)::text as wal,
                  (checkpoint_lsn - '0/0'::pg_lsn)::text as checkpoint from pg_control_checkpoint()`,
        )
        .catch(() => []);
      const writer = server.storage.writer.counters();
      const seconds = (now - prev.at) / 1000;
      const sample: Sample = {
        atSec: Math.round((now - started) / 100) / 10,
        rssMb: mem.rss / 1048576,
        heapUsedMb: mem.heapUsed / 1048576,
        externalMb: mem.external / 1048576,
        pgliteWasmMb: embedded === undefined ? null : embedded.wasmBytes / 1048576,
        pgliteThreadHeapMb: embedded === undefined ? null : embedded.threadHeapBytes / 1048576,
        walMb: wal === undefined ? null : Number(wal.wal) / 1048576,
        checkpointMb: wal === undefined ? null : Number(wal.checkpoint) / 1048576,
        eventLoopP99Ms: eld.count > 0 ? eld.percentile(99) / 1e6 : null,
        eventLoopMaxMs: eld.count > 0 ? eld.max / 1e6 : null,
        ingestP50Ms: win.httpP50Ms,
        ingestP99Ms: win.httpP99Ms,
        ingestMaxMs: win.httpMaxMs,
        storageLagMs: lagNow(),
        storageLagMaxMs: lagMax,
        bufferedTicks: writer.buffered,
        acceptedPerSec: (accepted() - prev.accepted) / seconds,
        committedPerSec: (writer.committedSeq - prev.committed) / seconds,
        overloaded: win.overloaded,
        httpErrors: win.httpErrors,
        httpErrorKinds: win.httpErrorKinds,
        skippedBatches: win.skippedBatches,
        streamMessagesPerSec: win.streamMessages / seconds,
        streamP99Ms: win.streamP99Ms,
        streamGaps: win.streamGaps,
        streamClosed: win.streamClosed,
        tcpUnsentBytes: win.tcpUnsentBytes,
        loadAverage1m: loadavg()[0]!,
      };
      samples.push(sample);
      prev = { at: now, accepted: accepted(), committed: writer.committedSeq };
      eld.reset();
      lagMax = 0;
      console.log(
        `soak ${String(Math.round(sample.atSec)).padStart(5)} s: rss ${sample.rssMb.toFixed(0)} MB ` +
          `(heap ${sample.heapUsedMb.toFixed(0)}, PGlite wasm ${sample.pgliteWasmMb?.toFixed(0) ?? '-'}, ` +
          `its thread's heap ${sample.pgliteThreadHeapMb?.toFixed(0) ?? '-'}), ` +
          `WAL ${sample.walMb?.toFixed(0) ?? '-'} MB (checkpoint at ${sample.checkpointMb?.toFixed(0) ?? '-'}), ` +
          `loop p99 ${sample.eventLoopP99Ms?.toFixed(1) ?? '-'} ms, ingest p99 ${sample.ingestP99Ms.toFixed(1)} ms, ` +
          `lag ${sample.storageLagMs.toFixed(0)} ms, ${Math.round(sample.acceptedPerSec)} ticks/s, ` +
          `${Math.round(sample.streamMessagesPerSec)} msgs/s, load ${sample.loadAverage1m.toFixed(1)}` +
          (sample.httpErrors > 0 ? `, failed requests ${JSON.stringify(sample.httpErrorKinds)}` : ''),
      );
    }
    clearInterval(lagPoller);
    eld.disable();
    await driver.ask({ type: 'stop' }, 'stopped');

    const { verdict } = summarize(
      { durationSec, sampleSec, warmupSec, targetPerSec, maxPerSec, connected: clients.connected },
      samples,
    );
    const path = writeResult('soak', {
      scenario: 'soak',
      durationSec,
      sampleSec,
      maxPushSec: maxSec,
      maxPushSent: pushed,
      maxTicksPerSec: maxPerSec,
      maxAcceptedInPush: acceptedInPush,
      maxDrainSec: drainSec,
      committedPerSecAtMax,
      targetTicksPerSec: targetPerSec,
      streamClients: { ws: WS_CLIENTS, sse: SSE_CLIENTS, connected: clients.connected },
      storage: `PGlite (embedded${config.storage.embeddedThread ? ', on its own thread' : ', in the server thread'}), data directory in the temp dir, bufferCapacity 100,000`,
      verdict,
      samples,
    });
    console.log(`wrote ${path} and docs/soak.svg`);
  } finally {
    driver.child.kill();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && process.argv[2] === '--soak-driver') {
  await driverProcess();
}
