/**
 * Scenario `tcp`: ticks/s from a client process over loopback into the engine through the binary
 * TCP ingest (length-prefixed protobuf frames), all analytics on (six candle intervals, spike
 * detector, moving average, dedupe, lateness); a second row adds the UTC-day aggregates that the
 * gRPC server keeps from the same ticks.
 *
 * Input: the engine scenario's market (1,000 symbols drawn uniformly at random, a random walk with
 * rare jumps, event time advancing 0.1 ms per tick, 1 % of ticks up to 500 ms late), encoded once
 * by the client as frames of about 34 bytes. The client resends a block of frames with event times
 * shifted forward on each pass, so it spends its core on writing, not encoding.
 *
 * Each engine row first takes 2 M ticks (500,000 with --quick) untimed through a connection of its
 * own, so that every thread, the partition threads too, is timed running compiled code.
 *
 * Ceiling: a server that only reads the same bytes from the same client and discards them.
 * In-process rows split the cost: the frame decoder alone, and the engine alone on the decoded
 * batches. The machine has two cores, shared by the client and the server.
 */
import { spawn } from 'node:child_process';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { DayAggregates } from '../src/engine/day-aggregates.js';
import { validateConfig } from '../src/config.js';
import { Engine } from '../src/engine/engine.js';
import type { EnginePort } from '../src/engine/engine-port.js';
import { ParallelEngine } from '../src/engine/parallel/parallel-engine.js';
import { TickBatch } from '../src/engine/tick-batch.js';
import { Random } from '../src/feeds/random.js';
import { FrameDecoder } from '../src/ingest/tcp/frame-decoder.js';
import { TcpIngestServer } from '../src/ingest/tcp/tcp-server.js';
import { TickEncoder } from '../src/ingest/tick-encoder.js';
import { createLogger } from '../src/observability/logger.js';
import { printTable, secondsSince, writeResult } from './report.js';
import { cpuPerTick, cpuSummary, threadCpuMs } from './thread-cpu.js';

const SYMBOLS = 1000;
const BLOCK = 250_000;
const SEED = 'tickstream-tcp-bench';

/** The engine with the default configuration (every analytic, the six default intervals), one partition. */
export function engine(): Engine {
  return new Engine({ ...validateConfig({}), partitions: 1 });
}

/** One block of frames, and where each frame's 9-byte timestamp varint sits, with its ms. */
export interface FrameBlock {
  readonly bytes: Uint8Array;
  readonly tsAt: Int32Array;
  readonly tsMs: Float64Array;
  /** Event time the block spans: the shift between passes. */
  readonly spanMs: number;
}

export function encodeBlock(count: number, startTs: number, seed: string): FrameBlock {
  const random = new Random(seed);
  const names = Array.from({ length: SYMBOLS }, (_, i) => `SYM${String(i).padStart(4, '0')}`);
  const prices = new Float64Array(SYMBOLS).fill(100);
  const encoder = new TickEncoder(count * 40);
  const tsAt = new Int32Array(count);
  const tsMs = new Float64Array(count);
  let clock = startTs;
  for (let i = 0; i < count; i++) {
    const k = random.int(SYMBOLS);
    const jump = random.next() < 0.0002 ? 30 : 1;
    prices[k] = prices[k]! * (1 + (random.next() - 0.5) * 0.001 * jump);
    clock += 0.1;
    const late = random.next() < 0.01 ? random.int(500) : 0;
    const ts = Math.floor(clock) - late;
    const before = encoder.length;
    encoder.frame({ symbol: names[k]!, price: prices[k], volume: 1 + random.int(1000), timestamp: ts });
    // The timestamp is the frame's last field: a 9-byte varint for any time after 1972.
    tsAt[i] = encoder.length - 9;
    tsMs[i] = ts;
    if (encoder.length - before > 64) throw new Error('unexpected frame size');
  }
  return { bytes: encoder.take(), tsAt, tsMs, spanMs: Math.ceil(clock - startTs) + 1 };
}

/** Rewrites every timestamp of the block to its original + `shiftMs`. */
export function shiftBlock(block: FrameBlock, shiftMs: number): void {
  const { bytes, tsAt, tsMs } = block;
  for (let i = 0; i < tsAt.length; i++) {
    const ms = tsMs[i]! + shiftMs;
    const msHi = Math.floor(ms / 4294967296);
    const low = (ms - msHi * 4294967296) * 1e6;
    const carry = Math.floor(low / 4294967296);
    let hi = (msHi * 1e6 + carry) >>> 0;
    let lo = (low - carry * 4294967296) >>> 0;
    let at = tsAt[i]!;
    for (let b = 0; b < 8; b++) {
      bytes[at++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    bytes[at] = lo;
  }
}

/** The client process: sends `total` ticks as fast as the socket takes them. */
async function client(port: number, total: number, startTs: number): Promise<void> {
  const block = encodeBlock(Math.min(BLOCK, total), startTs, SEED);
  const frameBytes = block.bytes.length / block.tsAt.length;
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let sent = 0;
  for (let pass = 0; sent < total; pass++) {
    if (pass > 0) shiftBlock(block, pass * block.spanMs);
    const n = Math.min(block.tsAt.length, total - sent);
    const chunk = n === block.tsAt.length ? block.bytes : block.bytes.subarray(0, n * frameBytes);
    // A fresh copy per pass: the socket may still hold the previous one when we rewrite.
    if (!socket.write(Buffer.from(chunk))) await new Promise((resolve) => socket.once('drain', resolve));
    sent += n;
  }
  await new Promise<void>((resolve) => socket.end(resolve));
}

function spawnClient(port: number, total: number, startTs: number): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      '--client',
      String(port),
      String(total),
      String(startTs),
    ],
    { stdio: 'inherit' },
  );
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`client exited with ${code}`)))),
  );
}

/** Runs one client against a server that counts; resolves with ticks/s from first byte to last tick. */
async function measure(
  total: number,
  startTs: number,
  listen: () => Promise<{
    port: number;
    done: () => boolean;
    firstByteAt: () => bigint;
    close: () => Promise<void>;
  }>,
): Promise<number> {
  const server = await listen();
  const client = spawnClient(server.port, total, startTs);
  await new Promise<void>((resolve) => {
    const poll = (): void => {
      if (server.done()) resolve();
      else setTimeout(poll, 1);
    };
    poll();
  });
  const seconds = secondsSince(server.firstByteAt());
  await client;
  await server.close();
  return total / seconds;
}

/** A server that reads and discards: the ceiling. */
function discardServer(totalBytes: number) {
  return async () => {
    let bytes = 0;
    let first = 0n;
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('data', (chunk) => {
        if (first === 0n) first = process.hrtime.bigint();
        bytes += chunk.length;
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      port: (server.address() as AddressInfo).port,
      done: () => bytes >= totalBytes,
      firstByteAt: () => first,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  };
}

/** A server that decodes frames into batches and drops them: socket + decoder, no engine. */
function decodeServer(total: number) {
  return async () => {
    let ticks = 0;
    let first = 0n;
    const server = createServer((socket) => {
      const decoder = new FrameDecoder();
      const batch = new TickBatch(1024);
      socket.on('data', (chunk: Buffer) => {
        if (first === 0n) first = process.hrtime.bigint();
        let offset = 0;
        do {
          offset = decoder.decode(chunk, offset, batch);
          ticks += batch.length;
          batch.clear();
        } while (offset < chunk.length);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      port: (server.address() as AddressInfo).port,
      done: () => ticks >= total,
      firstByteAt: () => first,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  };
}

export async function run(options: string[]): Promise<void> {
  const quick = options.includes('--quick');
  const total = quick ? 2_000_000 : 10_000_000;
  // Event time ends well before the receive time, so no tick is in the future.
  const startTs = Date.now() - 3_600_000 - total / 10;
  // Each engine's warm-up ticks, before the timed ones in event time.
  const warm = quick ? 500_000 : 2_000_000;
  const warmTs = startTs - warm / 10 - 60_000;
  const logger = createLogger({ level: 'warn' });

  // In process, no socket: the decoder alone, then decoder and engine (the cost split).
  const block = encodeBlock(Math.min(BLOCK, total), startTs, SEED);
  const passes = Math.max(1, Math.round(total / block.tsAt.length));
  const inProcessTotal = passes * block.tsAt.length;
  const batch = new TickBatch(1024);
  const decodeAll = (decoder: FrameDecoder, each: (b: TickBatch) => void): void => {
    let offset = 0;
    while (offset < block.bytes.length) {
      offset = decoder.decode(block.bytes, offset, batch);
      each(batch);
      batch.clear();
    }
  };
  let decoded = 0;
  const decoder = new FrameDecoder();
  let start = process.hrtime.bigint();
  for (let p = 0; p < passes; p++) decodeAll(decoder, (b) => (decoded += b.length));
  const decoderPerSec = decoded / secondsSince(start);

  const alone = engine();
  alone.on('candle', () => {});
  alone.on('anomaly', () => {});
  const inProcessDecoder = new FrameDecoder();
  let elapsed = 0;
  for (let p = 0; p < passes; p++) {
    if (p > 0) shiftBlock(block, p * block.spanMs); // untimed: the client's work
    const receivedAt = Date.now();
    start = process.hrtime.bigint();
    decodeAll(inProcessDecoder, (b) => alone.ingestBatch(b, 'bench', receivedAt));
    elapsed += secondsSince(start);
  }
  const inProcessPerSec = inProcessTotal / elapsed;
  const enginePerSec = 1 / (1 / inProcessPerSec - 1 / decoderPerSec);

  const ceilingPerSec = await measure(
    total,
    startTs,
    discardServer(total * (block.bytes.length / block.tsAt.length)),
  );
  const decodePerSec = await measure(total, startTs, decodeServer(total));

  /**
   * The TCP ingest into a fresh engine; `days`: with the day aggregates the gRPC server keeps;
   * `partitions` ≥ 2: the threaded engine serve runs, with a `tick` listener as serve has.
   */
  const ingest = async (days: boolean, partitions = 1) => {
    const config = validateConfig({});
    const e: EnginePort =
      partitions === 1
        ? engine()
        : await ParallelEngine.start(config, {
            partitions,
            channelCapacity: config.channelCapacity,
            overflowPolicy: config.overflowPolicy,
          });
    if (partitions > 1) e.on('tick', () => {});
    let closed = 0;
    e.on('candle', () => closed++);
    e.on('anomaly', () => {});
    if (days) e.on('tick', new DayAggregates().onTick);
    let tcp: TcpIngestServer | undefined;
    const listen = (count: number) => async () => {
      tcp = await TcpIngestServer.start(e, { host: '127.0.0.1', port: 0, allow: [] }, logger);
      const server = tcp;
      let first = 0n;
      return {
        port: server.address.port,
        done: () => {
          const c = server.counters();
          if (first === 0n && c.bytes > 0) first = process.hrtime.bigint();
          const rejected = Object.values(c.rejected).reduce((a, b) => a + b, 0);
          return c.accepted + rejected >= count;
        },
        // The first poll after the first byte: at most a millisecond late, on a run of seconds.
        firstByteAt: () => first,
        close: () => server.stop(),
      };
    };
    // Untimed, through a connection of its own: every thread runs compiled code once timing
    // starts. Without it a fresh partition thread's compiling (about 600 ms over the threads on
    // this machine) is timed, while the main thread's code is already compiled by the rows before.
    await measure(warm, warmTs, listen(warm));
    closed = 0;
    const cpuBefore = threadCpuMs();
    const perSec = await measure(total, startTs, listen(total));
    const cpu = cpuPerTick(cpuBefore, threadCpuMs(), total, partitions === 1 ? 0 : partitions);
    if (e instanceof ParallelEngine) await e.close();
    const counters = tcp!.counters();
    const rejected = Object.values(counters.rejected).reduce((a, b) => a + b, 0);
    return { perSec, accepted: counters.accepted, rejected, closed, cpu };
  };
  const plain = await ingest(false);
  const withDays = await ingest(true);
  const cores = availableParallelism();
  const threaded = await ingest(false, Math.max(2, cores));
  const ingestPerSec = plain.perSec;

  const fmt = (n: number): string => n.toLocaleString('en-US');
  printTable('tcp', [
    {
      name: `tcp → engine, ${fmt(total)} ticks, 1 connection`,
      value: ingestPerSec,
      unit: 'ticks/s',
      ceiling: ceilingPerSec,
      note:
        plain.cpu === undefined
          ? `${fmt(plain.accepted)} accepted, ${fmt(plain.rejected)} rejected, ${fmt(plain.closed)} candles closed`
          : `${fmt(plain.rejected)} rejected; server CPU a tick: ${cpuSummary(plain.cpu)}`,
    },
    {
      name: 'tcp → engine + UTC-day aggregates (as with gRPC on)',
      value: withDays.perSec,
      unit: 'ticks/s',
      ceiling: ceilingPerSec,
      note: `${fmt(withDays.accepted)} accepted`,
    },
    {
      name: `tcp → engine on ${Math.max(2, cores)} partition threads (serve's default here)`,
      value: threaded.perSec,
      unit: 'ticks/s',
      ceiling: ceilingPerSec,
      note:
        threaded.cpu === undefined
          ? `${fmt(threaded.accepted)} accepted, ${fmt(threaded.rejected)} rejected, ${fmt(threaded.closed)} candles closed`
          : `${fmt(threaded.rejected)} rejected; server CPU a tick: ${cpuSummary(threaded.cpu)}`,
    },
    {
      name: 'tcp → frame decoder only (no engine)',
      value: decodePerSec,
      unit: 'ticks/s',
      ceiling: ceilingPerSec,
    },
    { name: 'in process, no socket: frame decoder alone', value: decoderPerSec, unit: 'ticks/s' },
    {
      name: 'in process, no socket: decoder + engine',
      value: inProcessPerSec,
      unit: 'ticks/s',
      note: `engine share alone ≈ ${Math.round(enginePerSec).toLocaleString('en-US')} ticks/s`,
    },
  ]);
  const path = writeResult('tcp', {
    scenario: 'tcp',
    ticks: total,
    symbols: SYMBOLS,
    ticksPerSec: Math.round(ingestPerSec),
    ceilingPerSec: Math.round(ceilingPerSec),
    ratio: ingestPerSec / ceilingPerSec,
    decodeOnlyPerSec: Math.round(decodePerSec),
    decoderInProcessPerSec: Math.round(decoderPerSec),
    decoderAndEngineInProcessPerSec: Math.round(inProcessPerSec),
    engineShareInProcessPerSec: Math.round(enginePerSec),
    withDayAggregatesPerSec: Math.round(withDays.perSec),
    partitions: Math.max(2, cores),
    partitionsTicksPerSec: Math.round(threaded.perSec),
    partitionsRatio: threaded.perSec / ceilingPerSec,
    cpuNsPerTick: plain.cpu,
    partitionsCpuNsPerTick: threaded.cpu,
    accepted: plain.accepted,
    rejected: plain.rejected,
    goalPerSec: 2_000_000,
  });
  console.log(`wrote ${path}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && process.argv[2] === '--client') {
  await client(Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5]));
}
