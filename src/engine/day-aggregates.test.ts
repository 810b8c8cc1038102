import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { CandleSet, type Candle } from '../core/candles.js';
import { DayAggregates, type DayAggregate } from './day-aggregates.js';
import { Engine } from './engine.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 2);

interface T {
  symbol: string;
  ts: number;
  price: number;
  volume: number;
}

/** The naive definition: the latest day that has a tick (in arrival order, ticks of earlier days
 *  than the current one at their arrival do not count), then OHLCV over its ticks. */
function oracle(ticks: readonly T[], symbol: string): DayAggregate | undefined {
  let current = -Infinity;
  const counted: T[] = [];
  for (const t of ticks.filter((x) => x.symbol === symbol)) {
    const day = Math.floor(t.ts / DAY) * DAY;
    if (day > current) {
      current = day;
      counted.length = 0;
    }
    if (day === current) counted.push(t);
  }
  if (counted.length === 0) return undefined;
  const minTs = Math.min(...counted.map((t) => t.ts));
  const maxTs = Math.max(...counted.map((t) => t.ts));
  const volume = counted.reduce((v, t) => v + t.volume, 0);
  const pv = counted.reduce((v, t) => v + t.price * t.volume, 0);
  return {
    symbol,
    dayStart: current,
    open: counted.find((t) => t.ts === minTs)!.price,
    high: Math.max(...counted.map((t) => t.price)),
    low: Math.min(...counted.map((t) => t.price)),
    close: counted.findLast((t) => t.ts === maxTs)!.price,
    volume,
    trades: counted.length,
    vwap: volume > 0 ? pv / volume : null,
    lastTs: maxTs,
  };
}

function close(actual: DayAggregate | undefined, expected: DayAggregate | undefined): void {
  if (actual === undefined || expected === undefined) return assert.equal(actual, expected);
  const { volume, vwap, ...rest } = actual;
  const { volume: v, vwap: w, ...want } = expected;
  assert.deepEqual(rest, want);
  assert.ok(Math.abs(volume - v) <= 1e-9 * Math.max(1, v));
  assert.ok(vwap === w || (vwap !== null && w !== null && Math.abs(vwap - w) <= 1e-9 * w));
}

describe('DayAggregates', () => {
  it('matches the naive definition for ticks across days in any order (fast-check)', () => {
    const tick = fc.record({
      symbol: fc.constantFrom('A', 'B'),
      ts: fc.integer({ min: T0 - DAY, max: T0 + 2 * DAY }),
      price: fc.integer({ min: 1, max: 50 }),
      volume: fc.constantFrom(0, 0.5, 1, 3),
    });
    fc.assert(
      fc.property(fc.array(tick, { maxLength: 60 }), (ticks) => {
        const days = new DayAggregates();
        for (const t of ticks) days.add(t.symbol, t.ts, t.price, t.volume);
        for (const symbol of ['A', 'B', 'C']) close(days.get(symbol), oracle(ticks, symbol));
        assert.deepEqual(
          days.symbols(),
          ['A', 'B'].filter((s) => ticks.some((t) => t.symbol === s)),
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('agrees with the 1 d candle of core/candles.ts on the ticks of the day (fast-check)', () => {
    const tick = fc.record({
      ts: fc.integer({ min: T0, max: T0 + DAY - 1 }),
      price: fc.integer({ min: 1, max: 50 }),
      volume: fc.constantFrom(0, 0.25, 1, 7),
    });
    fc.assert(
      fc.property(fc.array(tick, { minLength: 1, maxLength: 40 }), (ticks) => {
        const days = new DayAggregates();
        const candles = new CandleSet('X', [{ label: '1d', ms: DAY }]);
        let last: Candle | undefined;
        const sink = { wantsCandleUpdates: true, candle: (c: Candle) => (last = c) };
        for (const t of ticks) {
          days.add('X', t.ts, t.price, t.volume);
          candles.add(t.ts, t.price, t.volume, -Infinity, sink);
        }
        const day = days.get('X')!;
        const c = last!.toInit();
        assert.deepEqual(
          [
            day.dayStart,
            day.open,
            day.high,
            day.low,
            day.close,
            day.volume,
            day.trades,
            day.vwap,
            day.lastTs,
          ],
          [c.start, c.open, c.high, c.low, c.close, c.volume, c.trades, last!.vwap, c.closeTs],
        );
      }),
      { numRuns: 500 },
    );
  });

  it('keeps the candle tie rules: open of the earliest ts to arrive first, close to arrive last', () => {
    const days = new DayAggregates();
    days.add('X', T0 + 5, 10, 1);
    days.add('X', T0 + 1, 11, 1);
    days.add('X', T0 + 1, 12, 1);
    days.add('X', T0 + 5, 13, 1);
    const day = days.get('X')!;
    assert.equal(day.open, 11);
    assert.equal(day.close, 13);
    assert.equal(day.lastTs, T0 + 5);
  });

  it('follows the engine and tells listeners of their symbol, until removed', () => {
    const engine = new Engine({
      partitions: 1,
      movingAverageWindow: 4,
      anomalyThresholdPercent: 2,
      slidingWindowMilliseconds: 1000,
      recentAnomaliesCapacity: 10,
      intervals: ['1m'],
      allowedLatenessMs: 1000,
      anomalyMode: 'episode',
      maxFutureSkewMs: 300_000,
      dedupeCapacity: 10,
    });
    const days = new DayAggregates();
    const detach = engine.on('tick', days.onTick);
    const seen: DayAggregate[] = [];
    const all: string[] = [];
    const remove = days.subscribe('AAPL', (a) => seen.push(a));
    days.subscribeAll((a) => all.push(a.symbol));
    engine.ingest(
      [
        { symbol: 'aapl', price: 10, volume: 2, timestamp: T0 + 1000 },
        { symbol: 'MSFT', price: 20, timestamp: T0 + 1000 },
        { symbol: 'AAPL', price: -1, timestamp: T0 + 1000 },
        { symbol: 'AAPL', price: 12, volume: 1, timestamp: T0 + 2000 },
      ],
      'test',
      T0 + 10_000,
    );
    assert.deepEqual(
      seen.map((a) => [a.open, a.high, a.close, a.volume, a.trades]),
      [
        [10, 10, 10, 2, 1],
        [10, 12, 12, 3, 2],
      ],
    );
    assert.deepEqual(all, ['AAPL', 'MSFT', 'AAPL']);
    assert.equal(days.listenerCount('AAPL'), 1);
    remove();
    remove();
    assert.equal(days.listenerCount('AAPL'), 0);
    assert.equal(days.listenerCount(), 1);
    detach();
    engine.ingest([{ symbol: 'AAPL', price: 13, timestamp: T0 + 3000 }], 'test', T0 + 10_000);
    assert.equal(days.get('AAPL')?.trades, 2);
    assert.equal(seen.length, 2);
  });

  it('keeps listeners of a symbol before its first tick, forgets them when they leave', () => {
    const days = new DayAggregates();
    const remove = days.subscribe('NONE', () => {});
    assert.equal(days.listenerCount('NONE'), 1);
    remove();
    assert.deepEqual(days.symbols(), []);
    assert.equal(days.listenerCount(), 0);
    assert.equal(days.listenerCount('NONE'), 0);
    const seen: number[] = [];
    const stop = days.subscribe('LATER', (a) => seen.push(a.close));
    days.add('LATER', T0, 4, 1);
    days.add('LATER', T0 + 1, 5, 1);
    stop();
    days.add('LATER', T0 + 2, 6, 1);
    assert.deepEqual(seen, [4, 5]);
    assert.equal(days.listenerCount(), 0);
  });

  it('survives a throwing listener', () => {
    const days = new DayAggregates();
    const errors: unknown[] = [];
    days.onListenerError((err) => errors.push(err));
    let calls = 0;
    days.subscribe('X', () => {
      throw new Error('boom');
    });
    days.subscribe('X', () => calls++);
    days.add('X', T0, 1, 1);
    assert.equal(calls, 1);
    assert.equal(errors.length, 1);
    assert.equal(days.listenerErrors, 1);
  });

  it("starts from a restored engine's open 1 d candles", () => {
    const options = {
      partitions: 1,
      movingAverageWindow: 4,
      anomalyThresholdPercent: 2,
      slidingWindowMilliseconds: 1000,
      recentAnomaliesCapacity: 10,
      intervals: ['1m', '1d'],
      allowedLatenessMs: 1000,
      anomalyMode: 'episode' as const,
      maxFutureSkewMs: 300_000,
      dedupeCapacity: 10,
    };
    const before = new Engine(options);
    before.ingest(
      [
        { symbol: 'X', price: 5, volume: 1, timestamp: T0 + 100 },
        { symbol: 'X', price: 7, volume: 1, timestamp: T0 + 200 },
      ],
      'test',
      T0 + 1000,
    );
    const after = new Engine(options);
    after.restore(before.snapshot());
    const days = new DayAggregates();
    days.restoreFrom(after);
    assert.deepEqual(days.get('X'), {
      symbol: 'X',
      dayStart: T0,
      open: 5,
      high: 7,
      low: 5,
      close: 7,
      volume: 2,
      trades: 2,
      vwap: 6,
      lastTs: T0 + 200,
    });
  });
});
