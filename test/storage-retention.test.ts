import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { validateConfig } from '../src/config.js';
import { createServer, type Server } from '../src/main.js';
import { createLogger } from '../src/observability/logger.js';
import { Metrics } from '../src/observability/metrics.js';
import { DiskGuard, measureDataDir } from '../src/storage/disk-guard.js';
import { pgliteTemplate } from '../src/storage/pglite-template.test-support.js';
import { deleteSimulatedTicks } from '../src/storage/simulated-tick-retention.js';
import { ADMIN_PASSWORD, LogLines, login } from './support/test-server.js';

const HOUR = 3_600_000;
const FLOOR = 1_000_000;
const dataDir = mkdtempSync(join(tmpdir(), 'tickstream-disk-'));
let freeBytes = 10 * FLOOR;
let server: Server;
const logs = new LogLines();

before(async () => {
  const config = validateConfig({
    dataDir: 'memory://',
    logLevel: 'info',
    auth: { jwtSecret: 'test-secret-'.padEnd(48, 'x') },
    simulation: { enabled: false },
    storage: { minFreeDiskBytes: FLOOR, diskCheckIntervalMs: 3_600_000 },
  });
  server = await createServer(config, createLogger({ level: 'info', destination: logs }), {
    env: { TICKSTREAM_ADMIN_PASSWORD: ADMIN_PASSWORD },
    storage: { loadDataDir: await pgliteTemplate() },
    metrics: new Metrics({ defaultMetrics: false }),
    // The free space is the test's; the size is that of a real (small) directory.
    measureDisk: async () => ({ sizeBytes: (await measureDataDir(dataDir)).sizeBytes, freeBytes }),
  });
});
after(async () => {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const storedSources = async (): Promise<Record<string, number>> => {
  const rows = await server.storage.database.driver.query<{ source: string; n: number }>(
    'select source, count(*)::int8 as n from ticks group by source order by source',
  );
  return Object.fromEntries(rows.map((r) => [r.source, Number(r.n)]));
};

describe('retention of simulated and replayed ticks', () => {
  it('deletes sim and replay ticks older than their retention, never live ones', async () => {
    // A fake clock: the ticks' arrival times are the test's.
    const now = Date.UTC(2026, 0, 5, 12);
    const old = now - 2 * HOUR;
    const recent = now - HOUR / 2;
    const { engine } = server;
    let price = 100;
    const tick = (symbol: string, at: number) => [{ symbol, price: (price += 0.01), timestamp: at }];
    for (const [source, at] of [
      ['sim', old],
      ['replay:abcd1234', old],
      ['http', old],
      ['sim', recent],
      ['replay:abcd1234', recent],
      ['http', recent],
    ] as const) {
      void engine.ingest(tick(`R.${source.slice(0, 3).toUpperCase()}`, at), source, at);
    }
    await server.storage.writer.flush();
    assert.deepEqual(await storedSources(), { http: 2, 'replay:abcd1234': 2, sim: 2 });
    const deleted = await deleteSimulatedTicks(server.storage.database, now, HOUR);
    assert.equal(deleted, 2);
    assert.deepEqual(await storedSources(), { http: 2, 'replay:abcd1234': 1, sim: 1 });
    // Candles made from the deleted ticks stay.
    const candles = await server.storage.database.marketData.candles({ symbol: 'R.SIM', interval: '1m' });
    assert.equal(candles.length, 2);
  });
});

describe('retention on a large table', () => {
  it('reads only the block ranges that hold old rows, not the whole table (BRIN summarized, no sequential scan)', async () => {
    const driver = server.storage.database.driver;
    // Today's partition exists (the one the server made at start): every tick is dated now.
    const now = Date.now();
    // 200,000 live ticks that arrived 10 minutes ago, after 5,000 simulated ones of 2 hours ago.
    await driver.exec(
      `insert into ticks (symbol, ts, price, volume, source, received_at, ingest_seq)
       select 'B.' || (g % 100), to_timestamp(${now / 1000}), 100, 1,
              case when g <= 5000 then 'sim' else 'http' end,
              to_timestamp(${now / 1000} - case when g <= 5000 then 7200 else 600 end + g / 1000.0),
              1000000 + g
         from generate_series(1, 200000) g`,
    );
    const [old] = await driver.query<{ n: number }>(
      `select count(*)::int8 as n from ticks where received_at < $1 and (source = 'sim' or source like 'replay:%')`,
      [new Date(now - HOUR)],
    );
    assert.ok(Number(old!.n) >= 5000);
    assert.equal(await deleteSimulatedTicks(server.storage.database, now, HOUR), Number(old!.n));
    // What the delete's plan reads now (nothing old is left): the summarized ranges exclude the
    // live rows, so no heap block of the partition is read.
    const [plan] = await driver.transaction(async (tx) => {
      await tx.exec('set local enable_seqscan = off');
      return tx.query<{ 'QUERY PLAN': unknown }>(
        `explain (analyze, format json) delete from ticks where received_at < $1 and (source = 'sim' or source like 'replay:%')`,
        [new Date(now - HOUR)],
      );
    });
    const text = JSON.stringify(plan);
    assert.doesNotMatch(text, /Seq Scan/, text);
    const lossy = [...text.matchAll(/"Lossy Heap Blocks":(\d+)/g)].map((m) => Number(m[1]));
    const exact = [...text.matchAll(/"Exact Heap Blocks":(\d+)/g)].map((m) => Number(m[1]));
    const read = [...lossy, ...exact].reduce((a, b) => a + b, 0);
    // The table holds about 2,000 blocks; only the ranges around the old rows may be read.
    assert.ok(read < 300, `${read} heap blocks read: ${text}`);
  });
});

describe('disk guard', () => {
  it('measures the data directory: size and growth', async () => {
    let at = 0;
    writeFileSync(join(dataDir, 'a'), Buffer.alloc(1000));
    const guard = new DiskGuard(
      {
        dataDir,
        minFreeBytes: FLOOR,
        checkIntervalMs: 1000,
        now: () => at,
      },
      createLogger({ level: 'silent' }),
    );
    await guard.check();
    assert.equal(guard.status().sizeBytes, 1000);
    assert.equal(guard.status().growthBytesPerHour, null);
    writeFileSync(join(dataDir, 'b'), Buffer.alloc(500));
    at = 60_000;
    await guard.check();
    assert.equal(guard.status().sizeBytes, 1500);
    assert.equal(guard.status().growthBytesPerHour, 30_000);
  });

  it('below the floor refuses raw ticks (candles, anomalies and reads go on), above it lets them in', async () => {
    const admin = await login(server);
    const { engine } = server;
    const before = (await storedSources()).http ?? 0;
    const T = Date.now() - 10_000;
    freeBytes = FLOOR - 1;
    await server.diskGuard.check();
    assert.ok(
      logs.lines.some((l) => l.level === 50 && /raw ticks are refused/.test(l.msg as string)),
      'one log line says so',
    );
    const metrics = await server.app.inject({ method: 'GET', url: '/api/metrics', headers: admin.headers });
    assert.equal(metrics.statusCode, 200);
    assert.deepEqual(
      { rawTicks: 'refused', freeBytes: FLOOR - 1, minFreeBytes: FLOOR },
      (({ rawTicks, freeBytes: free, minFreeBytes }) => ({ rawTicks, freeBytes: free, minFreeBytes }))(
        metrics.json<{ disk: { rawTicks: string; freeBytes: number; minFreeBytes: number } }>().disk,
      ),
    );
    // A 3 % jump: the engine still sees it, the anomaly and candle are stored, the raw rows are not.
    const low = await engine.ingest(
      [
        { symbol: 'DISK', price: 100, timestamp: T },
        { symbol: 'DISK', price: 103, timestamp: T + 10 },
      ],
      'http',
      Date.now(),
    );
    assert.equal(low.accepted, 2);
    await server.storage.writer.flush();
    assert.equal((await storedSources()).http ?? 0, before);
    assert.equal((await server.storage.database.marketData.anomalies({ symbol: 'DISK' })).length, 1);
    assert.equal(
      (await server.storage.database.marketData.candles({ symbol: 'DISK', interval: '1m' })).length,
      1,
    );
    assert.equal(server.storage.writer.counters().ticksNotStored, 2);
    const read = await server.app.inject({ method: 'GET', url: '/api/prices/DISK', headers: admin.headers });
    assert.equal(read.statusCode, 200);

    // ack=persisted cannot be kept while raw ticks are not written: refused before ingest, so the
    // client's retry is not a duplicate and no acknowledged tick is lost.
    const persistedTick = { symbol: 'DISK', price: 103.2, timestamp: T + 15 };
    for (const [url, payload] of [
      ['/api/prices/batch?ack=persisted', [persistedTick]],
      ['/api/prices?ack=persisted', persistedTick],
    ] as const) {
      const refused = await server.app.inject({ method: 'POST', url, payload, headers: admin.headers });
      assert.equal(refused.statusCode, 503, url);
      assert.equal(refused.headers['retry-after'], '3600');
      assert.equal(refused.json<{ error: { code: string } }>().error.code, 'STORAGE_UNAVAILABLE');
    }
    assert.equal(engine.stats('DISK')?.updateCount, 2, 'the refused ticks did not reach the engine');

    freeBytes = FLOOR + 1;
    await server.diskGuard.check();
    assert.equal(server.diskGuard.status().rawTicks, 'stored');
    const retried = await server.app.inject({
      method: 'POST',
      url: '/api/prices/batch?ack=persisted',
      payload: [persistedTick],
      headers: admin.headers,
    });
    assert.equal(retried.statusCode, 200);
    assert.equal(retried.json<{ accepted: number }>().accepted, 1);
    assert.equal((await storedSources()).http, before + 1, 'the retried tick is stored once committed');
    void engine.ingest([{ symbol: 'DISK', price: 103.5, timestamp: T + 20 }], 'http', Date.now());
    await server.storage.writer.flush();
    assert.equal((await storedSources()).http, before + 2);
  });
});
