/**
 * Scenario `engine`: ticks/s through the whole engine (validation, dedupe, lateness, moving
 * average, spike detection, candles at the default six intervals, statistics) on one core.
 *
 * Input: 1,000 symbols, 10 million pre-generated ticks (seeded), in batches of 1,000 columns,
 * each row with its symbol's number as the binary decoders give it (TickBatch.symbolNumbers).
 * Symbols are drawn uniformly at random (the cache-unfriendly case), prices follow a random walk
 * with rare jumps of 3–6 % (so anomalies fire), event time advances 0.1 ms per tick (10 ticks/s per symbol,
 * so 1 s candles close all the time) and 1 % of ticks arrive up to 500 ms late.
 * Ceiling: a loop that only reads the same pre-generated ticks. Reference: the plain typed-array
 * kernel of bench/reference-kernel.ts (moving average, 1 s min/max window, spike test, one candle,
 * VWAP) on the same ticks, symbols resolved to slots before timing: what the hardware allows. The
 * same kernel with the engine's six intervals (a candle each, packed per symbol) shows what they
 * cost on their own.
 * A second row feeds 2 million ticks as objects (the shape JSON parsing produces).
 * The breakdown: the first 2 million ticks again, through an engine with one interval (1m) and
 * one with the six (what the intervals cost), and 2 million ticks of 100 symbols (seeded the same
 * way, 10 ticks a second each), whose state stays in the core's cache: what the cache misses of
 * 1,000 symbols cost; and the first 2 million ticks without their symbol numbers (found by name,
 * as for ticks from JSON). `engine.json` keeps them under `breakdown`.
 * `parallel`: 3 million ticks through the partitioned engine the server path is built on
 * (src/engine/parallel/ParallelEngine) with 1, 2 and 4 partitions: routed on this thread into each
 * partition's SharedArrayBuffer ring, events back per chunk and emitted here to a `tick`, `candle`
 * and `anomaly` listener (as the server's wiring would), fed as TCP and gRPC feed it (a batch
 * whenever the rings have room), serve's ring size (`channelCapacity`) and policy;
 * timed in the steady state, after the first million ticks went through untimed (each thread's
 * compiler and the logs' growth took the first second of a run, a third of its time). On Linux
 * each count also keeps its CPU a tick by thread (`cpuNsPerTick`: the main thread, the partition
 * threads, the rest), read from /proc (bench/thread-cpu.ts).
 * `analyzePool`: the first 3 million ticks through `analyze --partitions N`'s PartitionPool
 * (columns posted per batch, no rings), timed from the start as an `analyze` run is.
 * `independent`: the scaling ceiling of the partitions. The same ticks split by partition over 1
 * and 2 worker threads (bench/engine-thread.ts), each running its own engine at once with nothing
 * shared and nothing sent while it runs (after the same untimed first million as `parallel`): how
 * two threads scale on this machine at best, against which 2 partitions ÷ 1 is read. `parallel`,
 * `analyzePool` and `independent` each keep the better of two turns.
 */
import { availableParallelism } from 'node:os';

import { validateConfig } from '../src/config.js';
import { ParallelEngine } from '../src/engine/parallel/parallel-engine.js';
import { PartitionPool } from '../src/engine/partition-pool.js';
import { partitionOf } from '../src/engine/partition.js';
import { normalizeSymbol } from '../src/core/tick.js';
import { startModuleWorker } from '../src/runtime/module-worker.js';
import type { EngineShare, EngineThreadResult } from './engine-thread.js';
import { engine, timeEngine } from './engine-run.js';
import { TickBatch } from '../src/engine/tick-batch.js';
import { Random } from '../src/feeds/random.js';
import type { RawTick } from '../src/core/tick.js';
import type { IngestResult } from '../src/engine/engine.js';
import { ReferenceKernel } from './reference-kernel.js';
import { printTable, secondsSince, writeResult } from './report.js';
import { cpuPerTick, cpuSummary, threadCpuMs, type CpuPerTick } from './thread-cpu.js';

const SYMBOLS = 1000;
const BATCH = 1000;
const START_TS = 1_700_000_000_000;

/**
 * `count` ticks of `symbols` symbols, each symbol ticking 10 times a second of event time (so the
 * 1 s candles of every symbol turn over alike whatever their number); each row numbered by its
 * symbol, as a decoder numbers them.
 */
function generate(count: number, seed: string, symbols = SYMBOLS): TickBatch[] {
  const random = new Random(seed);
  const names = Array.from({ length: symbols }, (_, i) => `SYM${String(i).padStart(4, '0')}`);
  const prices = new Float64Array(symbols).fill(100);
  const step = 100 / symbols;
  const batches: TickBatch[] = [];
  let clock = START_TS;
  for (let b = 0; b < count / BATCH; b++) {
    const batch = new TickBatch(BATCH);
    for (let i = 0; i < BATCH; i++) {
      const k = random.int(symbols);
      // A random walk of up to ±0.05 % a tick, and now and then a jump of 3–6 % that the spike
      // detector must catch.
      const jump =
        random.next() < 0.0001 ? (random.next() < 0.5 ? -1 : 1) * (0.03 + 0.03 * random.next()) : 0;
      prices[k] = prices[k]! * (1 + (random.next() - 0.5) * 0.001 + jump);
      clock += step;
      const late = random.next() < 0.01 ? random.int(500) : 0;
      batch.push(names[k]!, prices[k], random.int(1000) / 10, Math.floor(clock) - late);
      batch.symbolNumbers[i] = k;
    }
    batch.numbered = true;
    batches.push(batch);
  }
  return batches;
}

/**
 * Where a partitioned run's CPU went, ns a tick: the main thread, the partition threads, V8's and
 * libuv's helpers; and how busy that kept the cores.
 */
function cpuNote(cpu: CpuPerTick, ticksPerSec: number): string {
  const total = cpu.main + cpu.workers.reduce((a, b) => a + b, 0) + cpu.other;
  const busy = (total * ticksPerSec) / 1e9 / availableParallelism();
  return `CPU a tick: ${cpuSummary(cpu)}; cores ${Math.round(busy * 100)} % busy`;
}

/** Nanoseconds a tick at `perSec` ticks a second, rounded. */
function nsPerTick(perSec: number): number {
  return Math.round(1e9 / perSec);
}

function toObjects(batches: readonly TickBatch[], count: number): RawTick[][] {
  const out: RawTick[][] = [];
  for (const batch of batches.slice(0, count / BATCH)) {
    const ticks: RawTick[] = [];
    for (let i = 0; i < batch.length; i++) {
      ticks.push({
        symbol: batch.symbols[i],
        price: batch.price[i],
        volume: batch.volume[i],
        timestamp: batch.ts[i],
      });
    }
    out.push(ticks);
  }
  return out;
}

/** Ticks/s through a fresh engine (a `candle` and an `anomaly` listener) over `batches`. */
function engineRate(batches: readonly TickBatch[], receivedAt: number, intervals?: string[]): number {
  const { ticks, seconds } = timeEngine(batches, receivedAt, intervals);
  return ticks / seconds;
}

/** The same with the batches' symbol numbers not read: every symbol found by name. */
function byNameRate(batches: readonly TickBatch[], receivedAt: number): number {
  for (const batch of batches) batch.numbered = false;
  try {
    return engineRate(batches, receivedAt);
  } finally {
    for (const batch of batches) batch.numbered = true;
  }
}

/**
 * Ticks/s through a ParallelEngine of `partitions` threads with serve's ring size and policy, fed
 * as the server's streaming producers (TCP, gRPC) feed it: a batch whenever the rings have room
 * for it (`room`), else waiting for the next answer (`answered`). The first `warm` batches go
 * through untimed (and answered) first.
 */
async function parallel(
  batches: readonly TickBatch[],
  partitions: number,
  receivedAt: number,
  warm: number,
): Promise<{ ticksPerSec: number; cpu: CpuPerTick | undefined }> {
  const config = validateConfig({});
  const engine = await ParallelEngine.start(config, {
    partitions,
    channelCapacity: config.channelCapacity,
    overflowPolicy: config.overflowPolicy,
  });
  let seen = 0;
  engine.on('tick', () => seen++);
  engine.on('candle', () => {});
  engine.on('anomaly', () => {});
  try {
    let answers: Array<Promise<IngestResult>> = [];
    let ticks = 0;
    let accepted = 0;
    const count = async (): Promise<void> => {
      for (const answer of await Promise.all(answers)) accepted += answer.accepted;
      answers = [];
    };
    let start = process.hrtime.bigint();
    let cpuBefore = threadCpuMs();
    for (let b = 0; b < batches.length; b++) {
      if (b === warm) {
        await count();
        ticks = 0;
        accepted = 0;
        start = process.hrtime.bigint();
        cpuBefore = threadCpuMs();
      }
      const batch = batches[b]!;
      while (engine.room() < batch.length) await engine.answered();
      answers.push(engine.ingestBatch(batch, 'bench', receivedAt));
      ticks += batch.length;
    }
    await count();
    const perSec = ticks / secondsSince(start);
    const cpuAfter = threadCpuMs();
    if (seen === 0) throw new Error('no tick events');
    if (accepted !== ticks) throw new Error(`${ticks - accepted} of ${ticks} ticks not accepted`);
    return { ticksPerSec: perSec, cpu: cpuPerTick(cpuBefore, cpuAfter, ticks, partitions) };
  } finally {
    await engine.close();
  }
}

/**
 * The scaling ceiling: `threads` engines on worker threads at once, each alone with the ticks of
 * one partition (the same stable hash), nothing shared and no message while they run. Ticks/s is
 * all their ticks over the slowest one's time: what `threads` partitions could give at best here.
 */
async function independent(
  batches: readonly TickBatch[],
  threads: number,
  receivedAt: number,
  warm: number,
): Promise<number> {
  const shares = Array.from({ length: threads }, () => ({
    symbols: [] as string[],
    price: [] as number[],
    volume: [] as number[],
    ts: [] as number[],
  }));
  // Each thread's warm-up: its ticks among the first `warm` batches.
  const warmTicks = shares.map(() => 0);
  for (let b = 0; b < batches.length; b++) {
    const batch = batches[b]!;
    for (let i = 0; i < batch.length; i++) {
      const symbol = batch.symbols[i]!;
      const k = partitionOf(normalizeSymbol(symbol)!, threads);
      if (b < warm) warmTicks[k]!++;
      const share = shares[k]!;
      share.symbols.push(symbol);
      share.price.push(batch.price[i]!);
      share.volume.push(batch.volume[i]!);
      share.ts.push(batch.ts[i]!);
    }
  }
  const workers = shares.map(() => startModuleWorker(import.meta.url, 'engine-thread'));
  const next = <T>(w: (typeof workers)[number]): Promise<T> =>
    new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
  try {
    await Promise.all(
      workers.map((w, k) => {
        const share: EngineShare = {
          batch: BATCH,
          warm: warmTicks[k]!,
          symbols: shares[k]!.symbols,
          price: Float64Array.from(shares[k]!.price),
          volume: Float64Array.from(shares[k]!.volume),
          ts: Float64Array.from(shares[k]!.ts),
        };
        const ready = next<'ready'>(w);
        w.postMessage({ share, receivedAt });
        return ready;
      }),
    );
    const done = workers.map((w) => next<EngineThreadResult>(w));
    for (const w of workers) w.postMessage('go');
    const results = await Promise.all(done);
    const ticks = results.reduce((sum, r) => sum + r.ticks, 0);
    return ticks / Math.max(...results.map((r) => r.seconds));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Ticks/s through `analyze`'s PartitionPool of `partitions` threads, up to 8 batches in flight. */
async function analyzePool(
  batches: readonly TickBatch[],
  partitions: number,
  receivedAt: number,
): Promise<number> {
  const pool = PartitionPool.start({ ...validateConfig({}), partitions }, partitions);
  try {
    await pool.ready();
    const inFlight: Array<Promise<unknown>> = [];
    let ticks = 0;
    const start = process.hrtime.bigint();
    for (const batch of batches) {
      inFlight.push(pool.ingest(batch, 'bench', receivedAt));
      ticks += batch.length;
      if (inFlight.length >= 8) await inFlight.shift();
    }
    await Promise.all(inFlight);
    return ticks / secondsSince(start);
  } finally {
    await pool.close();
  }
}

export async function run(options: string[]): Promise<void> {
  const quick = options.includes('--quick');
  const total = quick ? 1_000_000 : 10_000_000;
  const objectTotal = quick ? 200_000 : 2_000_000;
  const batches = generate(total, 'tickstream-engine-bench');
  const receivedAt = START_TS + total / 10 + 60_000;

  // Ceiling: read every field of every pre-generated tick, nothing else.
  let checksum = 0;
  let start = process.hrtime.bigint();
  for (const batch of batches) {
    for (let i = 0; i < batch.length; i++) {
      checksum += batch.price[i]! + batch.volume[i]! + batch.ts[i]! + batch.symbols[i]!.length;
    }
  }
  const ceilingPerSec = total / secondsSince(start);

  // Reference kernel: symbol slots resolved before timing, then the plain loop.
  const slotOf = new Map<string, number>();
  const slots = batches.map((batch) => {
    const out = new Int32Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const name = batch.symbols[i]!;
      let slot = slotOf.get(name);
      if (slot === undefined) slotOf.set(name, (slot = slotOf.size));
      out[i] = slot;
    }
    return out;
  });
  const runKernel = (kernel: ReferenceKernel): number => {
    const from = process.hrtime.bigint();
    for (let b = 0; b < batches.length; b++) {
      const batch = batches[b]!;
      kernel.run(slots[b]!, batch.price, batch.volume, batch.ts, batch.length);
    }
    return total / secondsSince(from);
  };
  const kernel = new ReferenceKernel(SYMBOLS);
  const referenceTicksPerSec = runKernel(kernel);
  const intervalsMs = engine().intervals.map((i) => i.ms);
  const kernelSix = new ReferenceKernel(SYMBOLS, intervalsMs);
  const referenceSixTicksPerSec = runKernel(kernelSix);

  const columns = engine();
  let closed = 0;
  columns.on('candle', () => closed++);
  columns.on('anomaly', () => {});
  start = process.hrtime.bigint();
  let accepted = 0;
  for (const batch of batches) accepted += columns.ingestBatch(batch, 'bench', receivedAt).accepted;
  const ticksPerSec = total / secondsSince(start);

  const objectBatches = toObjects(batches, objectTotal);
  const objects = engine();
  objects.on('candle', () => {});
  start = process.hrtime.bigint();
  for (const ticks of objectBatches) objects.ingest(ticks, 'bench', receivedAt);
  const objectTicksPerSec = objectTotal / secondsSince(start);

  // Where the time goes, by what the configuration and the input can change (the engine is the
  // same): the six intervals against one, and 1,000 symbols against 100 (whose state stays in the
  // core's cache; the same 10 ticks a second of event time per symbol).
  const breakdownTotal = quick ? 200_000 : 2_000_000;
  const firstBatches = batches.slice(0, breakdownTotal / BATCH);
  const fewSymbols = 100;
  const fewBatches = generate(breakdownTotal, 'tickstream-engine-bench-100', fewSymbols);
  const fewReceivedAt = START_TS + (breakdownTotal * 100) / fewSymbols + 60_000;
  // Each twice, taking turns, the better of the two kept: one code, compiled for every shape.
  let sixIntervalsTicksPerSec = 0;
  let oneIntervalTicksPerSec = 0;
  let fewSymbolsTicksPerSec = 0;
  let byNameTicksPerSec = 0;
  for (let round = 0; round < 2; round++) {
    sixIntervalsTicksPerSec = Math.max(sixIntervalsTicksPerSec, engineRate(firstBatches, receivedAt));
    oneIntervalTicksPerSec = Math.max(oneIntervalTicksPerSec, engineRate(firstBatches, receivedAt, ['1m']));
    fewSymbolsTicksPerSec = Math.max(fewSymbolsTicksPerSec, engineRate(fewBatches, fewReceivedAt));
    byNameTicksPerSec = Math.max(byNameTicksPerSec, byNameRate(firstBatches, receivedAt));
  }

  const parallelBatches = batches.slice(0, (quick ? 500_000 : 3_000_000) / BATCH);
  // The partitioned engine and the scaling ceiling: these ticks after the ones before them, fed
  // untimed (each thread's compiler and the logs' growth are at their start, not in the steady
  // state a server runs in); the pool (a finite `analyze` run) is timed from its start.
  const warm = (quick ? 100_000 : 1_000_000) / BATCH;
  const steadyBatches = batches.slice(0, warm + parallelBatches.length);
  // Each twice, the counts taking turns, the better of the two kept: the three threads on two
  // cores spread a single run by ±15 %, and the ratios between the counts are what is read.
  const best = (runs: Array<{ ticksPerSec: number }>, at: number, ticksPerSec: number): void => {
    runs[at]!.ticksPerSec = Math.max(runs[at]!.ticksPerSec, Math.round(ticksPerSec));
  };
  const parallelRuns = [1, 2, 4].map((partitions) => ({
    partitions,
    ticksPerSec: 0,
    cpuNsPerTick: undefined as CpuPerTick | undefined,
  }));
  const poolRuns = [1, 2, 4].map((partitions) => ({ partitions, ticksPerSec: 0 }));
  const independentRuns = [1, 2].map((threads) => ({ threads, ticksPerSec: 0 }));
  for (let round = 0; round < 2; round++) {
    for (let k = 0; k < parallelRuns.length; k++) {
      const { partitions } = parallelRuns[k]!;
      const run = await parallel(steadyBatches, partitions, receivedAt, warm);
      // The CPU of the turn kept.
      if (run.ticksPerSec > parallelRuns[k]!.ticksPerSec) parallelRuns[k]!.cpuNsPerTick = run.cpu;
      best(parallelRuns, k, run.ticksPerSec);
      best(poolRuns, k, await analyzePool(parallelBatches, partitions, receivedAt));
      if (k < independentRuns.length)
        best(independentRuns, k, await independent(steadyBatches, partitions, receivedAt, warm));
    }
  }
  const [alone, pair] = independentRuns;
  const scaling = pair!.ticksPerSec / alone!.ticksPerSec;
  const partitionScaling = parallelRuns[1]!.ticksPerSec / parallelRuns[0]!.ticksPerSec;

  const counters = columns.counters();
  const note = `${accepted.toLocaleString('en-US')} accepted, ${counters.anomalies} anomalies, ${closed.toLocaleString('en-US')} candles closed`;
  printTable('engine', [
    {
      name: `engine, ${total.toLocaleString('en-US')} ticks in columns`,
      value: ticksPerSec,
      unit: 'ticks/s',
      ceiling: ceilingPerSec,
      note,
    },
    {
      name: 'engine beside the reference kernel',
      value: ticksPerSec,
      unit: 'ticks/s',
      ceiling: referenceTicksPerSec,
      note: `kernel: ${kernel.result().anomalies} spike ticks, ${kernel.result().candlesClosed} candles`,
    },
    {
      name: `engine beside the kernel with ${intervalsMs.length} intervals`,
      value: ticksPerSec,
      unit: 'ticks/s',
      ceiling: referenceSixTicksPerSec,
      note: `kernel: ${kernelSix.result().candlesClosed} candles`,
    },
    {
      name: `engine, ${objectTotal.toLocaleString('en-US')} ticks as objects`,
      value: objectTicksPerSec,
      unit: 'ticks/s',
    },
    {
      name: `engine, ${breakdownTotal.toLocaleString('en-US')} ticks, one interval (1m)`,
      value: oneIntervalTicksPerSec,
      unit: 'ticks/s',
      note: `six intervals on the same ticks: ${nsPerTick(sixIntervalsTicksPerSec)} ns a tick, one: ${nsPerTick(oneIntervalTicksPerSec)}`,
    },
    {
      name: `engine, ${breakdownTotal.toLocaleString('en-US')} ticks of ${fewSymbols} symbols`,
      value: fewSymbolsTicksPerSec,
      unit: 'ticks/s',
      note: `${fewSymbols} symbols' state fits the core's cache: ${nsPerTick(fewSymbolsTicksPerSec)} ns a tick, ${SYMBOLS.toLocaleString('en-US')}: ${nsPerTick(sixIntervalsTicksPerSec)}`,
    },
    {
      name: `engine, ${breakdownTotal.toLocaleString('en-US')} ticks, symbols by name`,
      value: byNameTicksPerSec,
      unit: 'ticks/s',
      note: `without their numbers (as from JSON): ${nsPerTick(byNameTicksPerSec)} ns a tick, numbered: ${nsPerTick(sixIntervalsTicksPerSec)}`,
    },
    ...parallelRuns.map((p) => ({
      name: `partitioned engine (rings), ${p.partitions} partition${p.partitions === 1 ? '' : 's'}`,
      value: p.ticksPerSec,
      unit: 'ticks/s',
      ceiling: parallelRuns[0]!.ticksPerSec,
      note:
        p.cpuNsPerTick === undefined
          ? `${(parallelBatches.length * BATCH).toLocaleString('en-US')} ticks after ${(warm * BATCH).toLocaleString('en-US')} untimed; ceiling: 1 partition`
          : `ceiling: 1 partition; ${cpuNote(p.cpuNsPerTick, p.ticksPerSec)}`,
    })),
    ...independentRuns.map((r) => ({
      name: `independent engines, ${r.threads} thread${r.threads === 1 ? '' : 's'}`,
      value: r.ticksPerSec,
      unit: 'ticks/s',
      ceiling: alone!.ticksPerSec,
      note:
        r.threads === 1
          ? 'one engine on a worker thread, nothing shared'
          : `the scaling ceiling: ${scaling.toFixed(2)}× one; 2 partitions made ${partitionScaling.toFixed(2)}× one`,
    })),
    ...poolRuns.map((p) => ({
      name: `analyze pool, ${p.partitions} partition${p.partitions === 1 ? '' : 's'}`,
      value: p.ticksPerSec,
      unit: 'ticks/s',
      ceiling: poolRuns[0]!.ticksPerSec,
      note: `${(parallelBatches.length * BATCH).toLocaleString('en-US')} ticks; ceiling: 1 partition`,
    })),
  ]);
  if (checksum === 0) console.log('(checksum 0)');
  const path = writeResult('engine', {
    scenario: 'engine',
    ticksPerSec: Math.round(ticksPerSec),
    ceilingPerSec: Math.round(ceilingPerSec),
    ratio: ticksPerSec / ceilingPerSec,
    referenceTicksPerSec: Math.round(referenceTicksPerSec),
    referenceRatio: ticksPerSec / referenceTicksPerSec,
    referenceSixIntervalsTicksPerSec: Math.round(referenceSixTicksPerSec),
    referenceSixIntervalsRatio: ticksPerSec / referenceSixTicksPerSec,
    objectTicksPerSec: Math.round(objectTicksPerSec),
    breakdown: {
      ticks: breakdownTotal,
      sixIntervalsTicksPerSec: Math.round(sixIntervalsTicksPerSec),
      oneIntervalTicksPerSec: Math.round(oneIntervalTicksPerSec),
      fewSymbols,
      fewSymbolsTicksPerSec: Math.round(fewSymbolsTicksPerSec),
      byNameTicksPerSec: Math.round(byNameTicksPerSec),
    },
    parallel: parallelRuns,
    analyzePool: poolRuns,
    independent: independentRuns,
    ticks: total,
    symbols: SYMBOLS,
    anomalies: counters.anomalies,
    candlesClosed: closed,
  });
  console.log(`wrote ${path}`);
}
