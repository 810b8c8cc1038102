import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Direction, severityOf, type Anomaly } from '../core/spike-detector.js';
import { Engine } from './engine.js';
import { anomalyHistory, candleHistory } from './history.js';
import { memoryDatabase } from '../storage/pglite-template.test-support.js';
import { TEST_ENGINE_OPTIONS } from '../storage/test-ticks.test-support.js';

describe('candleHistory', () => {
  it('merges stored candles with the live open ones, newest limit, oldest first', async (t) => {
    const database = await memoryDatabase();
    t.after(() => database.close());
    const store = database.marketData;
    const engine = new Engine({ ...TEST_ENGINE_OPTIONS, intervals: ['1m'] });
    const T = Date.UTC(2025, 0, 1);
    const candle = (start: number, close: number, closed: boolean) => ({
      symbol: 'HIST',
      interval: '1m',
      start,
      end: start + 60_000,
      open: 1,
      high: 9,
      low: 1,
      close,
      volume: 1,
      trades: 1,
      vwap: close,
      revision: 0,
      closed,
    });
    const point = await store.recoveryPoint();
    await store.write({
      writeNo: point.writeNo + 1,
      committedSeq: point.committedSeq,
      candles: [candle(T, 2, true), candle(T + 60_000, 3, true), candle(T + 120_000, 4, false)],
      anomalies: [],
    });
    // The live engine has moved the third bucket on, and opened a fourth (within the lateness, both open).
    engine.ingest(
      [
        { symbol: 'HIST', price: 5, timestamp: T + 130_000 },
        { symbol: 'HIST', price: 6, timestamp: T + 180_100 },
      ],
      'test',
      T + 180_200,
    );
    const live = engine.openCandles('HIST', '1m');
    assert.equal(live.length, 2);
    const all = await candleHistory(store, engine, { symbol: 'HIST', interval: '1m' });
    assert.deepEqual(
      all.map((c) => [c.start - T, c.close, c.closed]),
      [
        [0, 2, true],
        [60_000, 3, true],
        [120_000, 5, false],
        [180_000, 6, false],
      ],
    );
    const newest = await candleHistory(store, engine, { symbol: 'HIST', interval: '1m', limit: 2 });
    assert.deepEqual(
      newest.map((c) => c.start - T),
      [120_000, 180_000],
    );
    const ranged = await candleHistory(store, engine, {
      symbol: 'HIST',
      interval: '1m',
      from: T + 60_000,
      to: T + 180_000,
    });
    assert.deepEqual(
      ranged.map((c) => c.start - T),
      [60_000, 120_000],
    );
  });

  it('answers anomalies newest first: the engine’s recent ones, then older stored ones', async (t) => {
    const database = await memoryDatabase();
    t.after(() => database.close());
    const store = database.marketData;
    const engine = new Engine(TEST_ENGINE_OPTIONS);
    const T = Date.UTC(2025, 0, 1);
    const anomaly = (ts: number, changePercent: number): Anomaly => ({
      symbol: 'ANOM',
      direction: Direction.Up,
      price: 100 + changePercent,
      ts,
      referencePrice: 100,
      referenceTs: ts - 500,
      changePercent,
      severity: severityOf(changePercent),
      windowMs: 1000,
      thresholdPercent: 2,
    });
    // Stored before a restart: older than anything the engine has seen since.
    const point = await store.recoveryPoint();
    await store.write({
      writeNo: point.writeNo + 1,
      committedSeq: point.committedSeq,
      candles: [],
      anomalies: [anomaly(T, 2.5), anomaly(T + 1000, 4), anomaly(T + 2000, 6)].map((a, i) => ({
        anomaly: a,
        ingestSeq: i + 1,
      })),
    });
    // The live engine sees a 2.5 % jump.
    engine.ingest(
      [
        { symbol: 'ANOM', price: 100, timestamp: T + 10_000 },
        { symbol: 'ANOM', price: 102.5, timestamp: T + 10_100 },
      ],
      'test',
      T + 10_200,
    );
    assert.equal(engine.recentAnomalies().length, 1);
    const times = (list: readonly Anomaly[]): number[] => list.map((a) => a.ts - T);
    assert.deepEqual(times(await anomalyHistory(store, engine, { limit: 10 })), [10_100, 2000, 1000, 0]);
    assert.deepEqual(times(await anomalyHistory(store, engine, { limit: 2 })), [10_100, 2000]);
    assert.deepEqual(
      times(await anomalyHistory(store, engine, { symbol: 'ANOM', since: T + 1000, limit: 10 })),
      [10_100, 2000, 1000],
    );
    const severe = await anomalyHistory(store, engine, { severities: ['high', 'critical'], limit: 10 });
    assert.deepEqual(times(severe), [2000, 1000]);
    assert.deepEqual(await anomalyHistory(store, engine, { symbol: 'OTHER', limit: 10 }), []);
  });
});
