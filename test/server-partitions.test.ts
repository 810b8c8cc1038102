import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ParallelEngine } from '../src/engine/parallel/parallel-engine.js';
import type { Server } from '../src/main.js';
import {
  createTestDatabase,
  postgresSkip,
  type TestDatabase,
} from '../src/storage/postgres-test-database.test-support.js';
import { ingestCalls, testTicks } from '../src/storage/test-ticks.test-support.js';
import { login, testServer } from './support/test-server.js';

/**
 * `serve` with the engine on worker threads (`partitions: 2`) beside the one-thread engine, fed the
 * same seeded ticks (late, duplicate, gapped, four symbols over both partitions): the same answers
 * over HTTP, the same rows stored, and after a restart the same state, continued.
 */

const skip = postgresSkip();
const TICKS = testTicks(8000, 'partitions');
const FIRST = TICKS.slice(0, 5000);
const REST = TICKS.slice(5000);
const INTERVALS = ['1s', '1m'];
const RYW_TS = Date.now();
const config = (partitions: number) => ({
  partitions,
  intervals: INTERVALS,
  storage: { statsIntervalMs: 200 },
  // The seeded ticks are from 2024: kept (a restart would drop their days' partitions).
  retention: { ticksDays: 0 },
});

async function feed(server: Server, ticks: typeof TICKS): Promise<void> {
  // Handed in without waiting, as a busy producer does; answered in any order.
  const answers = [];
  for (const call of ingestCalls(ticks, 250))
    answers.push(server.engine.ingest(call.ticks, 'test', call.receivedAt));
  for (const answer of answers) await answer;
}

/** What a client and storage see: every answer that must not depend on the engine's shape. */
async function observed(server: Server): Promise<unknown> {
  await server.storage.writer.flush();
  const { headers } = await login(server);
  const prices = await server.app.inject({ method: 'GET', url: '/api/prices', headers });
  assert.equal(prices.statusCode, 200, prices.body);
  const store = server.storage.database.marketData;
  const ticks = (await store.ticksAfter(0, Number.MAX_SAFE_INTEGER, 100_000))
    .map((t) => [t.symbol, t.ts, t.price, t.volume, t.seq, t.id, t.source].join('|'))
    .sort();
  const symbols = server.engine.symbols();
  const candles = [];
  for (const symbol of symbols)
    for (const interval of INTERVALS) candles.push(await store.candles({ symbol, interval, limit: 100_000 }));
  const anomalies = (await store.anomalies({ limit: 100_000 })).map(({ symbol, ts, price, severity }) => ({
    symbol,
    ts,
    price,
    severity,
  }));
  return { prices: prices.json<unknown>(), ticks, symbols, candles, anomalies, counters: counts(server) };
}

function counts(server: Server): unknown {
  const { accepted, rejected, anomalies, gaps, candlesClosed, activeSymbols } = server.engine.counters();
  return { accepted, rejected, anomalies, gaps, candlesClosed, activeSymbols };
}

describe('serve with worker partitions', { skip }, () => {
  let database: TestDatabase;
  let one: Server;
  before(async () => {
    database = await createTestDatabase();
    one = await testServer(config(1));
  });
  after(async () => {
    await one?.close();
    await database?.drop();
  });

  it('answers, stores and recovers exactly as the one-thread engine', async () => {
    const env = { DATABASE_URL: database.url };
    let two = await testServer(config(2), env);
    try {
      assert.ok(two.engine instanceof ParallelEngine, 'partitions: 2 runs the threaded engine');
      await feed(one, FIRST);
      // A partition thread that throws midway is restarted from its state: nothing changes.
      const half = FIRST.length / 2;
      await feed(two, FIRST.slice(0, half));
      two.engine.crashPartition(1);
      // The thread throws after the next chunk it processes: one call at a time, so it is idle (and
      // takes the request) before the next rows arrive, then its failure reaches this thread.
      for (const call of ingestCalls(FIRST.slice(half), 250))
        await two.engine.ingest(call.ticks, 'test', call.receivedAt);
      const deadline = Date.now() + 10_000;
      while (two.engine.counters().restarts === 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(two.engine.counters().restarts, 1);
      assert.ok(two.logs.lines.some((l) => String(l.msg).startsWith('engine partition thread failed')));
      const expected = await observed(one);
      assert.deepEqual(await observed(two), expected);

      // A POST answered, then a read: the read sees it (the views are brought up to date first).
      const { headers } = await login(two);
      const posted = await two.app.inject({
        method: 'POST',
        url: '/api/prices',
        headers,
        payload: { symbol: 'RYW', price: 42.5, volume: 1, timestamp: RYW_TS },
      });
      assert.equal(posted.statusCode, 200, posted.body);
      const read = await two.app.inject({ method: 'GET', url: '/api/prices/RYW', headers });
      assert.equal(read.statusCode, 200, read.body);
      assert.equal(read.json<{ currentPrice: number }>().currentPrice, 42.5);
      await one.app.inject({
        method: 'POST',
        url: '/api/prices',
        headers: (await login(one)).headers,
        payload: { symbol: 'RYW', price: 42.5, volume: 1, timestamp: RYW_TS },
      });
    } finally {
      await two.close();
    }

    // Restarted: every partition rebuilt from the stored snapshots and the ticks after them.
    two = await testServer(config(2), env);
    try {
      assert.deepEqual(
        JSON.stringify((await login(two), two.engine.symbols())),
        JSON.stringify(one.engine.symbols()),
      );
      await feed(one, REST);
      await feed(two, REST);
      const expected = (await observed(one)) as { counters: unknown };
      const got = (await observed(two)) as { counters: unknown };
      // A restart starts its counters again: they count what arrived after it.
      assert.deepEqual({ ...got, counters: undefined }, { ...expected, counters: undefined });
    } finally {
      await two.close();
    }
  });
});
