/**
 * Scenario `store`: raw ticks per second into storage through the batch writer, on the embedded
 * database (PGlite, in a directory) and on a PostgreSQL server, each beside its ceiling: a bare
 * binary COPY of the same rows, pre-encoded, with the same client, into an identical fresh schema,
 * in the same run.
 *
 * Input: 1,000 symbols (uniformly random: the cache-unfriendly case for the (symbol, ts) index),
 * a seeded random walk, event time advancing 1 ms per 3 ticks, in batches of 1,000 columns fed to
 * the engine (all analytics on, one candle interval, 1h, so candle writes stay negligible beside
 * the raw ticks). The writer path is the product's: engine tick events → column buffers → binary
 * COPY in batches (storage.batchSize, default 10,000) → commit; the clock stops when every tick is
 * committed. The producer waits for room instead of being refused (`overloaded`). On PostgreSQL
 * the writer keeps storage.writeConcurrency writes in flight (2), so the ceiling runs that many
 * COPYs at a time too; PGlite writes one at a time.
 *
 * PostgreSQL runs when BENCH_DATABASE_URL, TEST_DATABASE_URL or DATABASE_URL names a server where
 * the bench may create (and drops) two databases.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import postgres from 'postgres';

import { loadConfig } from '../src/config.js';
import { Engine } from '../src/engine/engine.js';
import { TickBatch } from '../src/engine/tick-batch.js';
import { Random } from '../src/feeds/random.js';
import { createLogger } from '../src/observability/logger.js';
import { BatchWriter } from '../src/storage/batch-writer.js';
import { openDatabase, type Database } from '../src/storage/database.js';
import { TickChunk } from '../src/storage/tick-chunk.js';
import { MS_PER_DAY, TICK_COPY_TARGET, TickCopyEncoder } from '../src/storage/tick-copy-encoder.js';
import { printTable, secondsSince, writeResult, type BenchRow } from './report.js';

const SYMBOLS = 1000;
const BATCH = 1000;
const START_TS = Date.UTC(2025, 0, 6, 9, 0, 0);

function generate(count: number): TickBatch[] {
  const random = new Random('tickstream-store-bench');
  const names = Array.from({ length: SYMBOLS }, (_, i) => `SYM${String(i).padStart(4, '0')}`);
  const prices = new Float64Array(SYMBOLS).fill(100);
  const batches: TickBatch[] = [];
  for (let b = 0; b < count / BATCH; b++) {
    const batch = new TickBatch(BATCH);
    for (let i = 0; i < BATCH; i++) {
      const n = b * BATCH + i;
      const k = random.int(SYMBOLS);
      prices[k] = prices[k]! * (1 + (random.next() - 0.5) * 0.0005);
      batch.push(
        names[k]!,
        Math.round(prices[k] * 1e4) / 1e4,
        random.int(1000) / 10,
        START_TS + Math.floor(n / 3),
      );
    }
    batches.push(batch);
  }
  return batches;
}

/** The same rows as the writer stores (ingest numbers 1…n, one receive time per batch), pre-encoded. */
function encodeCeiling(
  batches: readonly TickBatch[],
  rowsPerCopy: number,
): { data: Uint8Array[]; days: Set<number> } {
  const encoder = new TickCopyEncoder();
  const days = new Set<number>();
  const data: Uint8Array[] = [];
  let chunk = new TickChunk(rowsPerCopy);
  let seq = 1;
  const flush = (): void => {
    data.push(encoder.encode([chunk], days).slice());
    const next = new TickChunk(rowsPerCopy);
    next.firstSeq = seq;
    chunk = next;
  };
  chunk.firstSeq = 1;
  for (const batch of batches) {
    const receivedAt = batch.ts[batch.length - 1]! + 1;
    for (let i = 0; i < batch.length; i++) {
      const r = chunk.length++;
      chunk.symbols[r] = batch.symbols[i]!;
      chunk.ts[r] = batch.ts[i]!;
      chunk.price[r] = batch.price[i]!;
      chunk.volume[r] = batch.volume[i]!;
      chunk.seq[r] = NaN;
      chunk.sources[r] = 'bench';
      chunk.receivedAt[r] = receivedAt;
      seq++;
      if (chunk.full) flush();
    }
  }
  if (chunk.length > 0) flush();
  return { data, days };
}

interface Target {
  readonly name: string;
  /** A fresh, migrated database, and how to dispose of it. */
  open(): Promise<{ database: Database; dispose: () => Promise<void> }>;
}

/** Bare COPY of the pre-encoded rows, `concurrency` transactions at a time (the writer's setting). */
async function ceiling(
  target: Target,
  encoded: { data: Uint8Array[]; days: Set<number> },
  rows: number,
  concurrency: number,
) {
  const { database, dispose } = await target.open();
  try {
    await database.tickPartitions.ensure(encoded.days);
    let next = 0;
    const start = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < encoded.data.length) {
          const data = encoded.data[next++]!;
          await database.driver.transaction((tx) => tx.copyBinary(TICK_COPY_TARGET, data));
        }
      }),
    );
    return rows / secondsSince(start);
  } finally {
    await dispose();
  }
}

async function throughWriter(target: Target, batches: readonly TickBatch[], rows: number) {
  const config = loadConfig({ flags: { intervals: '1h', partitions: 1 } });
  const { database, dispose } = await target.open();
  try {
    await database.tickPartitions.ensure([Math.floor(START_TS / MS_PER_DAY)]);
    const engine = new Engine(config);
    const writer = new BatchWriter(
      engine,
      database.marketData,
      config.storage,
      createLogger({ level: 'warn' }),
      {
        seq: 0,
        writeNo: 0,
      },
    );
    // As src/main.ts wires it.
    engine.on('candle', writer.onCandle);
    engine.on('anomaly', writer.onAnomaly);
    engine.on('tick', writer.onTick);
    engine.setAdmission(writer.admission);
    writer.start();
    let waits = 0;
    const start = process.hrtime.bigint();
    for (const batch of batches) {
      while (writer.available() < batch.length) {
        waits++;
        await sleep(1);
      }
      const receivedAt = batch.ts[batch.length - 1]! + 1;
      const result = engine.ingestBatch(batch, 'bench', receivedAt);
      if (result.rejected.length > 0) throw new Error(`refused: ${JSON.stringify(result.rejected[0])}`);
    }
    await writer.persisted();
    const perSec = rows / secondsSince(start);
    const counters = writer.counters();
    await writer.close(60_000);
    if (counters.ticksWritten !== rows) throw new Error(`wrote ${counters.ticksWritten} of ${rows}`);
    return { perSec, writes: counters.writes, waits };
  } finally {
    await dispose();
  }
}

/** PGlite on a worker thread of its own (the server's default, `storage.embeddedThread`) or in this one. */
function pgliteTarget(thread: boolean): Target {
  return {
    name: thread ? 'PGlite (own thread)' : 'PGlite (this thread)',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'tickstream-bench-'));
      const database = await openDatabase({ dataDir: dir, thread });
      await database.migrate();
      return {
        database,
        dispose: async () => {
          await database.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  };
}

function postgresTarget(baseUrl: string): Target {
  return {
    name: 'PostgreSQL',
    async open() {
      const name = `tickstream_bench_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
      const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
      await admin.unsafe(`create database ${name}`);
      const url = new URL(baseUrl);
      url.pathname = `/${name}`;
      const database = await openDatabase({ databaseUrl: url.toString(), dataDir: 'unused', poolSize: 4 });
      await database.migrate();
      return {
        database,
        dispose: async () => {
          await database.close();
          await admin.unsafe(`drop database if exists ${name} with (force)`);
          await admin.end();
        },
      };
    },
  };
}

export async function run(options: string[]): Promise<void> {
  const quick = options.includes('--quick');
  const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  const targets: Array<{ target: Target; rows: number; file: string }> = [
    { target: pgliteTarget(true), rows: quick ? 200_000 : 1_000_000, file: 'store-pglite' },
    { target: pgliteTarget(false), rows: quick ? 200_000 : 1_000_000, file: 'store-pglite-in-thread' },
  ];
  if (url !== undefined && url !== '') {
    targets.push({ target: postgresTarget(url), rows: quick ? 400_000 : 2_000_000, file: 'store-postgres' });
  } else {
    console.log('store: PostgreSQL skipped (set BENCH_DATABASE_URL, TEST_DATABASE_URL or DATABASE_URL)');
  }
  const { batchSize, writeConcurrency } = loadConfig().storage;
  for (const { target, rows, file } of targets) {
    const concurrency = target.name.startsWith('PGlite') ? 1 : writeConcurrency;
    const batches = generate(rows);
    const encoded = encodeCeiling(batches, batchSize);
    // Alternate, best of two each: this machine's other load moves single runs by ±20 %.
    const ceilings: number[] = [];
    const writers: Array<Awaited<ReturnType<typeof throughWriter>>> = [];
    for (let round = 0; round < 2; round++) {
      ceilings.push(await ceiling(target, encoded, rows, concurrency));
      writers.push(await throughWriter(target, batches, rows));
    }
    const ceilingPerSec = Math.max(...ceilings);
    const best = writers.reduce((a, b) => (b.perSec > a.perSec ? b : a));
    const rowsText = rows.toLocaleString('en-US');
    const table: BenchRow[] = [
      {
        name: `${target.name}: ${rowsText} ticks, engine → writer → COPY`,
        value: best.perSec,
        unit: 'rows/s',
        ceiling: ceilingPerSec,
        note: `${best.writes} commits; ceiling: bare COPY of the same rows, ${batchSize.toLocaleString('en-US')}-row transactions, ${concurrency} at a time`,
      },
    ];
    printTable(`store (${target.name})`, table);
    const path = writeResult(file, {
      scenario: 'store',
      driver: target.name,
      rows,
      rowsPerSec: Math.round(best.perSec),
      ceilingPerSec: Math.round(ceilingPerSec),
      ratio: best.perSec / ceilingPerSec,
      runs: { writer: writers.map((w) => Math.round(w.perSec)), ceiling: ceilings.map(Math.round) },
      batchSize,
      writeConcurrency: concurrency,
      symbols: SYMBOLS,
    });
    console.log(`wrote ${path}`);
  }
}
