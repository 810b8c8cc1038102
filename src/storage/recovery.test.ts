import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { Engine } from '../engine/engine.js';
import { createLogger } from '../observability/logger.js';
import { BatchWriter, type BatchWriterOptions } from './batch-writer.js';
import { Database, openDatabase } from './database.js';
import type { MarketDataStore } from './market-data-store.js';
import { memoryDatabase, pgliteTemplate } from './pglite-template.test-support.js';
import { recover } from './recovery.js';
import { startStorageService, type StorageSettings } from './storage-service.js';
import { ingestCalls, TEST_ENGINE_OPTIONS, testTicks } from './test-ticks.test-support.js';
import { wireWriter } from './wire-writer.test-support.js';

const log = createLogger({ level: 'silent' });

const WRITER: BatchWriterOptions = {
  batchSize: 200,
  flushIntervalMs: 10,
  bufferCapacity: 100_000,
  openCandleFlushMs: 25,
  statsIntervalMs: 3_600_000,
  retryInitialDelayMs: 5,
  retryMaxDelayMs: 50,
  breakerFailures: 5,
  breakerHalfOpenMs: 100,
  writeConcurrency: 1,
};

const SETTINGS = (dataDir: string): StorageSettings => ({
  dataDir,
  storage: {
    ...WRITER,
    embeddedThread: true,
    embeddedCheckpointWalBytes: 536_870_912,
    poolSize: 2,
    connectTimeoutMs: 5000,
    partitionsAheadDays: 1,
    closeTimeoutMs: 10_000,
  },
  // Keep everything: the test data is from 2024.
  retention: { ticksDays: 0 },
});

const TICKS = testTicks(4000, 'recovery');
const CALLS = [...ingestCalls(TICKS, 40)];

function feed(engine: Engine, from: number, to: number): void {
  for (const call of CALLS.slice(from, to)) engine.ingest(call.ticks, 'file', call.receivedAt);
}

/** Everything a run leaves behind, in a comparable form. */
async function results(store: MarketDataStore, engine: Engine) {
  const symbols = engine.symbols();
  const candles = [];
  for (const symbol of symbols) {
    for (const interval of TEST_ENGINE_OPTIONS.intervals) {
      candles.push(...(await store.candles({ symbol, interval, limit: 10_000 })));
    }
  }
  return {
    ticks: await store.ticksAfter(0, Number.MAX_SAFE_INTEGER, 1_000_000),
    candles,
    anomalies: (await store.anomalies({ limit: 10_000 })).map(({ id: _id, ...a }) => a),
    stats: engine.allStats(),
    recentAnomalies: engine.recentAnomalies(),
    symbols: (await store.symbols()).map(({ createdAt: _c, ...s }) => s),
  };
}

/** The uninterrupted run every restarted run must match. */
let reference: Awaited<ReturnType<typeof results>> | undefined;
async function uninterrupted() {
  if (reference !== undefined) return reference;
  const database = await memoryDatabase();
  const engine = new Engine(TEST_ENGINE_OPTIONS);
  const writer = new BatchWriter(engine, database.marketData, WRITER, log, { seq: 0, writeNo: 0 });
  wireWriter(engine, writer);
  writer.start();
  feed(engine, 0, CALLS.length);
  engine.closeAll();
  await writer.close(5000);
  reference = await results(database.marketData, engine);
  await database.close();
  assert.ok(reference.anomalies.length > 5, 'the stream fires anomalies');
  assert.ok(reference.ticks.length > 3000);
  return reference;
}

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('recovery', () => {
  it('a run stopped and restarted halfway ends with the same ticks, candles, stats and anomalies', async (t) => {
    const expected = await uninterrupted();
    const dir = mkdtempSync(join(tmpdir(), 'tickstream-recovery-'));
    dirs.push(dir);
    const half = Math.floor(CALLS.length / 2);

    const first = new Engine(TEST_ENGINE_OPTIONS);
    const one = await startStorageService(first, SETTINGS(dir), log, { loadDataDir: await pgliteTemplate() });
    wireWriter(first, one.writer);
    t.after(() => one.close());
    assert.equal(one.recovery.symbols, 0);
    feed(first, 0, half);
    await one.close();

    const second = new Engine(TEST_ENGINE_OPTIONS);
    const two = await startStorageService(second, SETTINGS(dir), log);
    wireWriter(second, two.writer);
    t.after(() => two.close());
    // A graceful stop leaves a snapshot of everything: nothing to replay.
    assert.equal(two.recovery.symbols, first.symbols().length);
    assert.equal(two.recovery.replayed, 0);
    assert.deepEqual(second.allStats(), first.allStats());
    feed(second, half, CALLS.length);
    second.closeAll();
    await two.writer.checkpoint();
    assert.deepEqual(await results(two.database.marketData, second), expected);
    await two.close();

    // The stored statistics are the final ones too.
    const database = await openDatabase({ dataDir: dir });
    assert.deepEqual(
      (await database.marketData.symbolStats()).map(({ snapshotSeq: _s, updatedAt: _u, ...s }) => s),
      expected.stats,
    );
    await database.close();
  });

  it('after a crash, the last snapshot plus the ticks stored after it give the same results', async (t) => {
    const expected = await uninterrupted();
    const database = await memoryDatabase();
    const third = Math.floor(CALLS.length / 3);

    const first = new Engine(TEST_ENGINE_OPTIONS);
    const crashed = new BatchWriter(first, database.marketData, WRITER, log, { seq: 0, writeNo: 0 });
    wireWriter(first, crashed);
    crashed.start();
    const restartedWriter: { writer?: BatchWriter } = {};
    t.after(async () => {
      await crashed.close(0);
      await restartedWriter.writer?.close(1000);
      await database.close();
    });
    feed(first, 0, third);
    await crashed.checkpoint();
    feed(first, third, 2 * third);
    await crashed.flush();
    // The process dies here: no close, no final snapshot. Its writer is simply never used again.

    const second = new Engine(TEST_ENGINE_OPTIONS);
    const restarted = new Database(database.driver).marketData;
    const report = await recover(second, restarted, log);
    assert.ok(report.snapshotSeq > 0 && report.replayed > 0, JSON.stringify(report));
    assert.equal(report.replayRefused, 0);
    assert.equal(report.committedSeq, crashed.counters().committedSeq);
    assert.deepEqual(second.allStats(), first.allStats());
    assert.deepEqual(second.recentAnomalies(), first.recentAnomalies());
    // The replayed ticks were counted by the run that accepted them: metrics start from zero.
    const counted = second.counters();
    assert.equal(counted.accepted, 0);
    assert.deepEqual(counted.bySource, {});
    assert.equal(counted.anomalies + counted.candlesClosed + counted.gaps, 0);
    assert.ok(Object.values(counted.rejected).every((n) => n === 0));
    const writer = new BatchWriter(second, restarted, WRITER, log, {
      seq: report.committedSeq,
      writeNo: report.writeNo,
    });
    restartedWriter.writer = writer;
    wireWriter(second, writer);
    writer.start();
    feed(second, 2 * third, CALLS.length);
    second.closeAll();
    await writer.checkpoint();
    assert.deepEqual(await results(restarted, second), expected);
  });
});
