import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import type { CandleData } from '../core/candles.js';
import type { Anomaly } from '../core/spike-detector.js';
import { Engine, type TickEvent } from '../engine/engine.js';
import { ErrorCode } from '../errors.js';
import { createLogger } from '../observability/logger.js';
import { BatchWriter, type BatchWriterOptions } from './batch-writer.js';
import { FaultyDriver } from './faulty-driver.test-support.js';
import { Database } from './database.js';
import type { MarketDataStore, StoredTick } from './market-data-store.js';
import { memoryDatabase } from './pglite-template.test-support.js';
import { ingestCalls, T0, TEST_ENGINE_OPTIONS, testTicks } from './test-ticks.test-support.js';
import { wireWriter } from './wire-writer.test-support.js';

const log = createLogger({ level: 'silent' });

const OPTIONS: BatchWriterOptions = {
  batchSize: 64,
  flushIntervalMs: 20,
  bufferCapacity: 10_000,
  openCandleFlushMs: 3_600_000,
  statsIntervalMs: 3_600_000,
  retryInitialDelayMs: 5,
  retryMaxDelayMs: 40,
  breakerFailures: 3,
  breakerHalfOpenMs: 50,
  writeConcurrency: 1,
};

/** A writer on a fresh in-memory database, closed after the test whatever happens. */
async function setup(t: TestContext, options: Partial<BatchWriterOptions> = {}, faulty = false) {
  const base = await memoryDatabase();
  const driver = faulty ? new FaultyDriver(base.driver) : undefined;
  const database = driver === undefined ? base : new Database(driver);
  const store = database.marketData;
  const engine = new Engine(TEST_ENGINE_OPTIONS);
  const writer = new BatchWriter(engine, store, { ...OPTIONS, ...options }, log, { seq: 0, writeNo: 0 });
  wireWriter(engine, writer);
  writer.start();
  t.after(async () => {
    if (driver !== undefined) {
      driver.release();
      driver.down = false;
    }
    await writer.close(1000);
    await database.close();
  });
  return { engine, store, writer, driver: driver! };
}

/** Every stored tick, in arrival order. */
async function allTicks(store: MarketDataStore): Promise<StoredTick[]> {
  return store.ticksAfter(0, Number.MAX_SAFE_INTEGER, 1_000_000);
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(5);
  }
}

describe('BatchWriter', () => {
  it('stores every accepted tick, in arrival order, with the candles and anomalies it made', async (t) => {
    const { engine, store, writer } = await setup(t);
    const accepted: Array<Omit<StoredTick, 'ingestSeq'>> = [];
    const candles: CandleData[] = [];
    const anomalies: Anomaly[] = [];
    engine.on('tick', (t: TickEvent) =>
      accepted.push({
        symbol: t.symbol,
        ts: t.ts,
        price: t.price,
        volume: t.volume,
        seq: t.seq ?? null,
        id: t.id ?? null,
        source: t.source,
        receivedAt: t.receivedAt,
      }),
    );
    engine.on('candle', (c) => candles.push(c.toJSON()));
    engine.on('anomaly', (a) => anomalies.push(a));
    let refused = 0;
    for (const call of ingestCalls(testTicks(3000), 37)) {
      refused += engine.ingest(call.ticks, 'test', call.receivedAt).rejected.length;
    }
    engine.closeAll();
    await writer.flush();
    assert.ok(refused > 0, 'the test stream has duplicates and late ticks');
    assert.ok(anomalies.length > 0 && candles.length > 100);

    const stored = await allTicks(store);
    assert.deepEqual(
      stored,
      accepted.map((t, i) => ({ ...t, ingestSeq: i + 1 })),
    );
    for (const symbol of engine.symbols()) {
      for (const interval of TEST_ENGINE_OPTIONS.intervals) {
        assert.deepEqual(
          await store.candles({ symbol, interval, limit: 10_000 }),
          candles.filter((c) => c.symbol === symbol && c.interval === interval),
          `${symbol} ${interval}`,
        );
      }
    }
    const storedAnomalies = await store.anomalies({ limit: 10_000 });
    assert.deepEqual(
      storedAnomalies.map(({ id: _id, ingestSeq: _seq, ...a }) => a).reverse(),
      [...anomalies].sort((a, b) => a.ts - b.ts),
    );
    // Each anomaly carries the number of the tick that fired it.
    for (const a of storedAnomalies) assert.equal(stored[a.ingestSeq - 1]?.price, a.price);

    const c = writer.counters();
    assert.equal(c.acceptedSeq, accepted.length);
    assert.equal(c.committedSeq, accepted.length);
    assert.equal(c.ticksWritten, accepted.length);
    assert.equal(c.buffered, 0);
    assert.equal(c.anomaliesWritten, anomalies.length);
    assert.equal(c.writeFailures, 0);
    assert.ok(c.writes >= accepted.length / OPTIONS.batchSize / 8);
    assert.equal(await writer.close(1000), true);
  });

  it('writes a batch at its age bound without being asked', async (t) => {
    const { engine, store, writer } = await setup(t, { flushIntervalMs: 30 });
    engine.ingest([{ symbol: 'AGE', price: 1, timestamp: T0 }], 'test', T0);
    assert.equal(writer.counters().committedSeq, 0);
    await until(() => writer.counters().committedSeq === 1, 2000);
    assert.equal((await store.ticks({ symbol: 'AGE' })).ticks.length, 1);
    await writer.close(1000);
  });

  it('persisted() resolves only once the ticks before it are committed', async (t) => {
    const { engine, store, writer, driver } = await setup(t, { flushIntervalMs: 10_000 }, true);
    driver.hold();
    engine.ingest([{ symbol: 'ACK', price: 1, timestamp: T0 }], 'test', T0);
    let done = false;
    const persisted = writer.persisted().then(() => (done = true));
    await sleep(50);
    assert.equal(done, false);
    driver.release();
    await persisted; // does not wait for the 10 s age bound
    assert.equal((await store.ticks({ symbol: 'ACK' })).ticks.length, 1);
    assert.equal(writer.persisted() instanceof Promise, true);
    await writer.persisted();
    await writer.close(1000);
  });

  it('when storage is down: overloaded once the buffer is full, retried, nothing accepted lost', async (t) => {
    const { engine, store, writer, driver } = await setup(t, { bufferCapacity: 500, batchSize: 100 }, true);
    driver.down = true;
    let accepted = 0;
    let overloaded = 0;
    const ticks = testTicks(2000, 'down');
    for (const call of ingestCalls(ticks, 50)) {
      const result = engine.ingest(call.ticks, 'test', call.receivedAt);
      accepted += result.accepted;
      overloaded += result.rejected.filter((r) => r.reason === 'overloaded').length;
      await sleep(1);
    }
    assert.equal(accepted, 500);
    assert.ok(overloaded > 1000);
    assert.equal(writer.available(), 0);
    const persisted = writer.persisted();
    await until(() => writer.counters().breakerOpens > 0);
    const during = writer.counters();
    assert.ok(during.writeFailures >= OPTIONS.breakerFailures, `${during.writeFailures} failures`);
    assert.ok(during.retries > 0);
    assert.equal(during.circuit, 'open');
    assert.equal(during.committedSeq, 0);
    assert.equal(during.buffered, 500);
    assert.match(during.lastError ?? '', /ECONNREFUSED/);

    driver.down = false;
    await persisted;
    const stored = await allTicks(store);
    assert.equal(stored.length, 500);
    assert.deepEqual(
      stored.map((t) => t.ingestSeq),
      Array.from({ length: 500 }, (_, i) => i + 1),
    );
    assert.equal(writer.counters().circuit, 'closed');
    assert.equal(writer.counters().lastError, null);
    assert.equal(writer.available(), 500);
    // And it takes ticks again.
    const later = engine.ingest(
      [{ symbol: 'AAA', price: 100, timestamp: Date.UTC(2024, 2, 3) }],
      'test',
      Date.UTC(2024, 2, 3),
    );
    assert.equal(later.accepted, 1);
    await writer.persisted();
    assert.equal((await allTicks(store)).length, 501);
    await writer.close(1000);
  });

  it('writes the open candles about once a second, so history includes the current bucket', async (t) => {
    const { engine, store, writer } = await setup(t, { openCandleFlushMs: 30 });
    engine.ingest(
      [
        { symbol: 'OPEN', price: 10, volume: 1, timestamp: T0 + 100 },
        { symbol: 'OPEN', price: 12, volume: 3, timestamp: T0 + 200 },
      ],
      'test',
      T0 + 300,
    );
    const stored = async () => (await store.candles({ symbol: 'OPEN', interval: '1m' }))[0];
    await until(async () => (await stored())?.trades === 2);
    assert.deepEqual(await stored(), engine.openCandles('OPEN', '1m')[0]);
    assert.equal((await stored())?.closed, false);
    engine.ingest([{ symbol: 'OPEN', price: 11, timestamp: T0 + 400 }], 'test', T0 + 500);
    await until(async () => (await stored())?.trades === 3);
    await writer.close(1000);
  });

  it('close() writes everything and a snapshot of every symbol; later ticks are refused', async (t) => {
    const { engine, store, writer } = await setup(t, { flushIntervalMs: 10_000 });
    for (const call of ingestCalls(testTicks(300), 50)) engine.ingest(call.ticks, 'test', call.receivedAt);
    const seq = writer.counters().acceptedSeq;
    assert.equal(await writer.close(5000), true);
    const point = await store.recoveryPoint();
    assert.equal(point.committedSeq, seq);
    assert.equal(point.snapshotSeq, seq);
    assert.deepEqual(
      point.snapshots.map((s) => (s as { symbol: string }).symbol),
      engine.symbols(),
    );
    assert.deepEqual(
      (await store.symbolStats()).map((s) => s.updateCount),
      engine.allStats().map((s) => s.updateCount),
    );
    const after = engine.ingest([{ symbol: 'NEW', price: 1, timestamp: T0 }], 'test', T0);
    assert.deepEqual(after.rejected, [{ index: 0, reason: 'overloaded' }]);
    await writer.persisted(); // everything accepted is committed: nothing to wait for
  });

  it('close() gives up after its timeout when storage stays down, and says so', async (t) => {
    const { engine, writer, driver } = await setup(t, {}, true);
    driver.down = true;
    engine.ingest([{ symbol: 'LOST', price: 1, timestamp: T0 }], 'test', T0);
    const persisted = writer.persisted();
    assert.equal(await writer.close(100), false);
    await assert.rejects(persisted, { code: ErrorCode.StorageClosed });
    assert.equal(writer.counters().buffered, 1);
    driver.down = false;
  });
});
