import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import type { Candle, CandleData } from '../core/candles.js';
import type { Anomaly } from '../core/spike-detector.js';
import { normalizeTick, RejectReason, type RawTick } from '../core/tick.js';
import { Engine, type EngineOptions, type GapEvent } from './engine.js';
import { partitionOf, symbolHash } from './partition.js';
import { TickBatch } from './tick-batch.js';

const OPTIONS: EngineOptions = {
  partitions: 4,
  movingAverageWindow: 4,
  anomalyThresholdPercent: 2,
  slidingWindowMilliseconds: 1000,
  recentAnomaliesCapacity: 3,
  intervals: ['1s', '1m'],
  allowedLatenessMs: 1000,
  anomalyMode: 'episode',
  maxFutureSkewMs: 300_000,
  dedupeCapacity: 100,
};
const T0 = 1_700_000_000_000;
const NOW = T0 + 3_600_000;

function engine(options: Partial<EngineOptions> = {}): Engine {
  return new Engine({ ...OPTIONS, ...options });
}

/** Everything an engine emits, as plain data in emission order. */
function record(e: Engine): Array<[string, unknown]> {
  const events: Array<[string, unknown]> = [];
  e.on('tick', (t) =>
    events.push(['tick', { symbol: t.symbol, ts: t.ts, price: t.price, count: t.state.updateCount }]),
  );
  e.on('candle', (c: Candle) => events.push(['candle', c.toJSON()]));
  e.on('anomaly', (a: Anomaly) => events.push(['anomaly', a]));
  e.on('gap', (g: GapEvent) => events.push(['gap', g]));
  return events;
}

describe('Engine.ingest', () => {
  it('answers per item: rejected ones with their reason, the rest accepted', () => {
    const e = engine();
    const result = e.ingest(
      [
        { symbol: 'aapl ', price: 100, timestamp: T0 },
        { symbol: 'bad symbol!', price: 100 },
        { symbol: 'AAPL', price: -1 },
        { symbol: 'AAPL', price: 1, volume: -5 },
        { symbol: 'AAPL', price: 1, timestamp: 'yesterday' },
        { symbol: 'AAPL', price: 1, timestamp: NOW + 300_001 },
        { symbol: 'AAPL', price: 1, seq: -1 },
        { symbol: 'AAPL', price: 1, id: '' },
        { symbol: 'AAPL', price: 101, timestamp: T0 - 1001 },
        { symbol: 'AAPL', price: 101, timestamp: T0 + 5, amount: 3 },
      ],
      'http',
      NOW,
    );
    assert.deepEqual(result, {
      accepted: 2,
      rejected: [
        { index: 1, reason: 'invalid_symbol' },
        { index: 2, reason: 'invalid_price' },
        { index: 3, reason: 'invalid_volume' },
        { index: 4, reason: 'invalid_timestamp' },
        { index: 5, reason: 'future_timestamp' },
        { index: 6, reason: 'invalid_seq' },
        { index: 7, reason: 'invalid_id' },
        { index: 8, reason: 'late' },
      ],
    });
    const stats = e.stats('AAPL');
    assert.equal(stats?.updateCount, 2);
    assert.equal(stats?.volume, 3);
    assert.equal(stats?.currentPrice, 101);
  });

  it('refuses what is not an object as invalid_symbol', () => {
    const e = engine();
    const result = e.ingest([null, 42, 'AAPL', []] as unknown as RawTick[], 'http', NOW);
    assert.deepEqual(
      result.rejected.map((r) => r.reason),
      ['invalid_symbol', 'invalid_symbol', 'invalid_symbol', 'invalid_symbol'],
    );
    assert.equal(e.counters().activeSymbols, 0);
  });

  it('uses the receive time for ticks without a timestamp', () => {
    const e = engine();
    e.ingest([{ symbol: 'X', price: 1 }], 'http', NOW);
    assert.equal(e.stats('X')?.lastUpdateTime, NOW);
  });

  it('detects duplicates by seq per source and by id, and reports gaps', () => {
    const e = engine();
    const events = record(e);
    const result = e.ingest(
      [
        { symbol: 'X', price: 1, seq: 1, timestamp: T0 },
        { symbol: 'X', price: 1, seq: 1, timestamp: T0 },
        { symbol: 'X', price: 1, seq: 5, timestamp: T0, source: 'other' },
        { symbol: 'X', price: 1, seq: 4, timestamp: T0 },
        { symbol: 'X', price: 1, id: 'a', timestamp: T0 },
        { symbol: 'X', price: 1, id: 'a', timestamp: T0 },
      ],
      'http',
      NOW,
    );
    assert.deepEqual(result.rejected, [
      { index: 1, reason: 'duplicate' },
      { index: 5, reason: 'duplicate' },
    ]);
    assert.deepEqual(
      events.filter(([type]) => type === 'gap'),
      [['gap', { symbol: 'X', source: 'http', from: 2, to: 3 }]],
    );
  });

  it('answers overloaded once the admission budget is spent, and a refused first tick leaves no symbol', () => {
    const e = engine();
    let room = 2;
    e.setAdmission({ available: () => room });
    const result = e.ingest(
      [
        { symbol: 'A', price: 1, timestamp: T0 },
        { symbol: 'bad!', price: 1 },
        { symbol: 'B', price: 1, timestamp: T0 },
        { symbol: 'C', price: 1, timestamp: T0 },
      ],
      'http',
      NOW,
    );
    assert.deepEqual(result.rejected, [
      { index: 1, reason: 'invalid_symbol' },
      { index: 3, reason: 'overloaded' },
    ]);
    assert.deepEqual(e.symbols(), ['A', 'B']);
    room = 0;
    assert.equal(
      e.ingest([{ symbol: 'A', price: 1, timestamp: T0 }], 'http', NOW).rejected[0]?.reason,
      'overloaded',
    );
    assert.equal(e.counters().rejected.overloaded, 2);
  });

  it('emits tick events with the updated state, candle closes and anomalies', () => {
    const e = engine();
    const events = record(e);
    e.ingest(
      [
        { symbol: 'X', price: 100, timestamp: T0 },
        { symbol: 'X', price: 104, timestamp: T0 + 500 },
        { symbol: 'X', price: 104, timestamp: T0 + 2500 },
      ],
      'http',
      NOW,
    );
    assert.deepEqual(events.slice(0, 2), [
      ['tick', { symbol: 'X', ts: T0, price: 100, count: 1 }],
      [
        'anomaly',
        {
          symbol: 'X',
          direction: 'up',
          price: 104,
          ts: T0 + 500,
          referencePrice: 100,
          referenceTs: T0,
          changePercent: 4,
          severity: 'high',
          windowMs: 1000,
          thresholdPercent: 2,
        },
      ],
    ]);
    const closed = events.filter(([type]) => type === 'candle').map(([, c]) => c as CandleData);
    assert.deepEqual(
      closed.map((c) => [c.interval, c.start, c.open, c.close, c.trades]),
      [['1s', T0, 100, 104, 2]],
    );
    assert.deepEqual(e.recentAnomalies({ symbol: 'x' }).length, 1);
  });

  it('keeps a listener failure from interrupting processing', () => {
    const e = engine();
    const errors: unknown[] = [];
    e.onListenerError((err) => errors.push(err));
    e.on('tick', () => {
      throw new Error('boom');
    });
    const result = e.ingest(
      [
        { symbol: 'X', price: 1, timestamp: T0 },
        { symbol: 'X', price: 2, timestamp: T0 },
      ],
      'http',
      NOW,
    );
    assert.equal(result.accepted, 2);
    assert.equal(errors.length, 2);
    assert.equal(e.counters().listenerErrors, 2);
  });

  it('tells a batch observer each batch: source, size and time by its own clock', () => {
    const e = engine();
    const seen: Array<[string, number, number]> = [];
    let clock = 100;
    e.observeBatches({
      now: () => (clock += 5),
      observe: (source, ticks, ms) => seen.push([source, ticks, ms]),
    });
    e.ingest(
      [
        { symbol: 'X', price: 1 },
        { symbol: '', price: 1 },
      ],
      'http',
      NOW,
    );
    const batch = new TickBatch(4);
    batch.push('X', 2, 0, T0);
    e.ingestBatch(batch, 'tcp', NOW);
    e.observeBatches(undefined);
    e.ingest([{ symbol: 'X', price: 1 }], 'http', NOW);
    assert.deepEqual(seen, [
      ['http', 2, 5],
      ['tcp', 1, 5],
    ]);
  });

  it('stops calling a listener once it is removed', () => {
    const e = engine();
    let calls = 0;
    const off = e.on('tick', () => calls++);
    e.ingest([{ symbol: 'X', price: 1, timestamp: T0 }], 'http', NOW);
    off();
    e.ingest([{ symbol: 'X', price: 1, timestamp: T0 }], 'http', NOW);
    assert.equal(calls, 1);
  });

  it('reports open candle updates only to candleUpdate listeners', () => {
    const e = engine();
    const updates: CandleData[] = [];
    e.on('candleUpdate', (c) => updates.push(c.toJSON()));
    e.ingest([{ symbol: 'X', price: 5, volume: 2, timestamp: T0 + 10 }], 'http', NOW);
    assert.deepEqual(
      updates.map((c) => [c.interval, c.start, c.closed, c.vwap]),
      [
        ['1s', T0, false, 5],
        ['1m', T0 - (T0 % 60_000), false, 5],
      ],
    );
  });
});

describe('Engine clock and end of input', () => {
  it('closes a quiet symbol candle when the wall clock passes its end plus the lateness', () => {
    const e = engine();
    const events = record(e);
    e.ingest([{ symbol: 'X', price: 1, timestamp: T0 + 100 }], 'http', T0 + 100);
    e.advance(T0 + 1999);
    assert.equal(events.filter(([t]) => t === 'candle').length, 0);
    e.advance(T0 + 2000);
    const closed = events.filter(([t]) => t === 'candle').map(([, c]) => c as CandleData);
    assert.deepEqual(
      closed.map((c) => [c.interval, c.start, c.revision]),
      [['1s', T0, 0]],
    );
    // A tick within the lateness now lands in that closed candle: it is revised.
    e.ingest([{ symbol: 'X', price: 2, timestamp: T0 + 900 }], 'http', T0 + 2000);
    const after = events.filter(([t]) => t === 'candle').map(([, c]) => c as CandleData);
    assert.deepEqual(after.at(-1), { ...closed[0], close: 2, high: 2, trades: 2, revision: 1 });
  });

  it('closeAll emits every open candle by symbol, interval, start', () => {
    const e = engine();
    const events = record(e);
    e.ingest(
      [
        { symbol: 'B', price: 1, timestamp: T0 },
        { symbol: 'A', price: 1, timestamp: T0 },
      ],
      'http',
      NOW,
    );
    e.closeAll();
    assert.deepEqual(
      events
        .filter(([t]) => t === 'candle')
        .map(([, c]) => [(c as CandleData).symbol, (c as CandleData).interval]),
      [
        ['A', '1s'],
        ['A', '1m'],
        ['B', '1s'],
        ['B', '1m'],
      ],
    );
  });
});

describe('Engine snapshots', () => {
  it('bounds recent anomalies, newest first, filterable by symbol', () => {
    const e = engine({ anomalyMode: 'every' });
    const ticks: RawTick[] = [];
    for (let i = 0; i < 5; i++)
      ticks.push({ symbol: i % 2 === 0 ? 'A' : 'B', price: 100 + 10 * i, timestamp: T0 });
    ticks.unshift({ symbol: 'B', price: 100, timestamp: T0 });
    e.ingest(ticks, 'http', NOW);
    const recent = e.recentAnomalies();
    assert.equal(recent.length, 3);
    assert.deepEqual(
      recent.map((a) => a.price),
      [140, 130, 120],
    );
    assert.deepEqual(
      e.recentAnomalies({ symbol: 'A', limit: 1 }).map((a) => a.price),
      [140],
    );
    assert.equal(e.counters().anomalies, 4);
  });

  it('counts accepted and rejected ticks per reason and per source', () => {
    const e = engine();
    e.ingest(
      [
        { symbol: 'A', price: 1 },
        { symbol: '', price: 1 },
      ],
      'http',
      NOW,
    );
    e.ingest([{ symbol: 'B', price: 1 }], 'tcp', NOW);
    const c = e.counters();
    assert.equal(c.accepted, 2);
    assert.equal(c.rejected.invalid_symbol, 1);
    assert.equal(c.activeSymbols, 2);
    assert.deepEqual(c.bySource, { http: { accepted: 1, rejected: 1 }, tcp: { accepted: 1, rejected: 0 } });
  });

  it('ingests one tick, answering it as normalized or the reason it was refused, counted as ingest counts', () => {
    const e = engine();
    assert.deepEqual(e.ingestOne({ symbol: ' aapl ', price: '12.5', timestamp: T0, seq: 3 }, 'http', NOW), {
      symbol: 'AAPL',
      price: 12.5,
      volume: 0,
      ts: T0,
      seq: 3,
      id: undefined,
      source: 'http',
      receivedAt: NOW,
    });
    assert.equal(e.ingestOne({ symbol: 'AAPL', price: -1 }, 'http', NOW), 'invalid_price');
    assert.equal(e.ingestOne(null as unknown as RawTick, 'http', NOW), 'invalid_symbol');
    assert.deepEqual(e.counters().bySource, { http: { accepted: 1, rejected: 2 } });
  });

  it('replays ticks with the same state and events as ingest, moving no counter', () => {
    const ticks: RawTick[] = [];
    for (let i = 0; i < 60; i++)
      ticks.push({ symbol: `S${i % 2}`, price: 100 + (i % 7) * 3, timestamp: T0 + i * 400 });
    ticks.push({ symbol: '', price: 1 });
    const ingested = engine();
    const ingestedEvents = record(ingested);
    const answer = ingested.ingest(ticks, 'http', NOW);
    const replayed = engine();
    const replayedEvents = record(replayed);
    assert.deepEqual(replayed.replay(ticks, 'http', NOW), answer);
    assert.deepEqual(replayedEvents, ingestedEvents);
    assert.deepEqual(replayed.allStats(), ingested.allStats());
    assert.ok(ingested.counters().anomalies > 0 && ingested.counters().candlesClosed > 0);
    const c = replayed.counters();
    assert.equal(c.accepted + c.anomalies + c.gaps + c.candlesClosed, 0);
    assert.deepEqual(c.bySource, {});
    assert.ok(Object.values(c.rejected).every((n) => n === 0));
  });

  it('returns copies of open candles that later ticks do not change', () => {
    const e = engine();
    e.ingest([{ symbol: 'A', price: 1, timestamp: T0 }], 'http', NOW);
    const [first] = e.openCandles('a', '1s');
    e.ingest([{ symbol: 'A', price: 9, timestamp: T0 }], 'http', NOW);
    assert.equal(first?.close, 1);
    assert.equal(e.openCandles('A', '1s')[0]?.close, 9);
    assert.deepEqual(e.openCandles('UNKNOWN'), []);
  });

  it('restores symbols from snapshots and continues the same series', () => {
    const ticks: RawTick[] = [];
    for (let i = 0; i < 200; i++)
      ticks.push({ symbol: `S${i % 3}`, price: 100 + Math.sin(i) * 5, timestamp: T0 + i * 37, seq: i });
    const whole = engine();
    const wholeEvents = record(whole);
    whole.ingest(ticks, 'http', NOW);

    const first = engine();
    const firstEvents = record(first);
    first.ingest(ticks.slice(0, 77), 'http', NOW);
    const second = engine();
    const secondEvents = record(second);
    second.restore(JSON.parse(JSON.stringify(first.snapshot())) as ReturnType<Engine['snapshot']>);
    second.ingest(ticks.slice(77), 'http', NOW);
    const withoutTicks = (events: Array<[string, unknown]>) => events.filter(([t]) => t !== 'tick');
    assert.deepEqual(
      [...withoutTicks(firstEvents), ...withoutTicks(secondEvents)],
      withoutTicks(wholeEvents),
    );
    assert.deepEqual(second.allStats(), whole.allStats());
  });
});

describe('Engine.ingest of raw values', () => {
  it('checks a raw tick exactly as normalizeTick does (DESIGN §3.1, in its order)', () => {
    const value = fc.oneof(
      fc.constantFrom(undefined, null, '', ' ', 'x', '12.5', '-1', '1700000000000', '2024-01-02T03:04:05Z'),
      fc.constantFrom(0, -1, 1.5, 3, NaN, Infinity, T0, 2 ** 60, true, {}, []),
    );
    const raw = fc.oneof(
      fc.record(
        {
          symbol: fc.oneof(fc.constantFrom('A', ' b ', 'bad!', ''), value),
          price: value,
          volume: value,
          amount: value,
          size: value,
          timestamp: value,
          seq: value,
          id: fc.oneof(value, fc.constant('i'.repeat(129))),
          source: value,
        },
        { requiredKeys: [] },
      ),
      fc.constantFrom(null, 1, 'AAPL', undefined),
    );
    fc.assert(
      fc.property(raw, (r) => {
        const expected =
          typeof r !== 'object' || r === null
            ? RejectReason.InvalidSymbol
            : ((n) => (n.ok ? n.tick : n.reason))(normalizeTick(r, 'http', NOW, OPTIONS.maxFutureSkewMs));
        assert.deepEqual(engine().ingestOne(r as RawTick, 'http', NOW), expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('reports rejections at their position in a batch longer than its columns', () => {
    const ticks: RawTick[] = Array.from({ length: 3000 }, (_, i) => ({
      symbol: 'A',
      price: i % 1000 === 999 ? -1 : 100,
      timestamp: T0 + i,
    }));
    const result = engine().ingest(ticks, 'http', NOW);
    assert.equal(result.accepted, 2997);
    assert.deepEqual(
      result.rejected.map((r) => r.index),
      [999, 1999, 2999],
    );
  });
});

describe('Engine.ingestBatch', () => {
  it('gives the same answers and events as ingest for the same ticks', () => {
    const tick = fc.record({
      symbol: fc.constantFrom('A', 'b', ' C ', 'bad!'),
      price: fc.oneof(fc.double({ min: 0.5, max: 200, noNaN: true }), fc.constantFrom(0, -1, NaN, Infinity)),
      volume: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.constantFrom(-1, NaN)),
      ts: fc.oneof(fc.integer({ min: T0, max: T0 + 10_000 }), fc.constant(NaN)),
      seq: fc.oneof(fc.integer({ min: 0, max: 30 }), fc.constant(NaN)),
      id: fc.option(fc.constantFrom('a', 'b', 'c', ''), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(tick, { maxLength: 60 }), (ticks) => {
        const objects = engine();
        const objectEvents = record(objects);
        const raw: RawTick[] = ticks.map((t) => ({
          symbol: t.symbol,
          price: t.price,
          volume: Number.isNaN(t.volume) ? NaN : t.volume,
          timestamp: Number.isNaN(t.ts) ? undefined : t.ts,
          seq: Number.isNaN(t.seq) ? undefined : t.seq,
          id: t.id,
        }));
        const a = objects.ingest(raw, 'src', NOW);

        const columns = engine();
        const columnEvents = record(columns);
        const batch = new TickBatch(Math.max(1, ticks.length));
        for (const t of ticks) batch.push(t.symbol, t.price, t.volume, t.ts, t.seq, t.id);
        const b = columns.ingestBatch(batch, 'src', NOW);
        assert.deepEqual(b, a);
        assert.deepEqual(columnEvents, objectEvents);
      }),
      { numRuns: 200 },
    );
  });

  it('finds the rows of a cleared batch filled again without numbers by name, not by stale numbers', () => {
    const e = engine();
    const batch = new TickBatch(1);
    batch.push('A', 100, 1, T0);
    batch.symbolNumbers[0] = 7;
    batch.numbered = true;
    assert.equal(e.ingestBatch(batch, 'src', NOW).accepted, 1);
    // Refilled by a producer that gives no numbers: row 0 still holds A's number.
    batch.clear();
    batch.push('B', 200, 1, T0 + 1);
    assert.equal(e.ingestBatch(batch, 'src', NOW).accepted, 1);
    assert.equal(e.stats('A')?.updateCount, 1);
    assert.equal(e.stats('B')?.currentPrice, 200);
  });

  it("finds states by the producer's symbol numbers with the same answers, events and state as by name", () => {
    // Two spellings of B with numbers of their own, and an invalid symbol with a number.
    const spellings = ['A', 'b', ' B ', 'bad!', 'C'];
    const tick = fc.record({
      k: fc.integer({ min: 0, max: spellings.length - 1 }),
      price: fc.oneof(fc.double({ min: 0.5, max: 200, noNaN: true }), fc.constantFrom(0, NaN)),
      volume: fc.integer({ min: 0, max: 100 }),
      ts: fc.integer({ min: T0, max: T0 + 10_000 }),
    });
    // Batches, each maybe followed by a restore from the engine's own snapshot (new state objects).
    const step = fc.record({ ticks: fc.array(tick, { maxLength: 30 }), restore: fc.boolean() });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 6 }), (steps) => {
        const byName = engine();
        const byNumber = engine();
        const nameEvents = record(byName);
        const numberEvents = record(byNumber);
        for (const { ticks, restore } of steps) {
          const batch = new TickBatch(Math.max(1, ticks.length));
          ticks.forEach((t, i) => {
            batch.push(spellings[t.k]!, t.price, t.volume, t.ts);
            batch.symbolNumbers[i] = t.k;
          });
          const answer = byName.ingestBatch(batch, 'src', NOW);
          batch.numbered = true;
          assert.deepEqual(byNumber.ingestBatch(batch, 'src', NOW), answer);
          if (restore) {
            byName.restore(byName.snapshot());
            byNumber.restore(byNumber.snapshot());
          }
        }
        assert.deepEqual(numberEvents, nameEvents);
        assert.deepEqual(byNumber.snapshot(), byName.snapshot());
      }),
      { numRuns: 200 },
    );
  });
});

describe('partitions', () => {
  it('routes by a stable hash that never changes', () => {
    // Pinned values: persisted layouts and other nodes rely on them.
    // FNV-1a test vectors.
    assert.equal(symbolHash('foobar'), 0xbf9cf968);
    assert.equal(symbolHash(''), 0x811c9dc5);
    assert.equal(symbolHash('a'), 0xe40c292c);
    assert.equal(partitionOf('a', 7), 0xe40c292c % 7);
  });

  it('puts every symbol in exactly one partition and spreads them', () => {
    const e = engine({ partitions: 4 });
    const ticks: RawTick[] = Array.from({ length: 400 }, (_, i) => ({
      symbol: `SYM${i}`,
      price: 1,
      timestamp: T0,
    }));
    e.ingest(ticks, 'http', NOW);
    const sizes = e.partitionSizes();
    assert.equal(
      sizes.reduce((a, b) => a + b, 0),
      400,
    );
    for (const size of sizes) assert.ok(size > 60, `unbalanced partitions ${sizes.join(',')}`);
    assert.equal(e.partitionOf('SYM1'), partitionOf('SYM1', 4));
  });

  it('refuses a partition count below 1', () => {
    assert.throws(() => engine({ partitions: 0 }), /partitions/);
  });
});

describe('Engine.ingestBatchBySymbol', () => {
  const rowArb = fc.record({
    symbol: fc.constantFrom('A', 'B', 'C', 'D', 'bad!'),
    price: fc.oneof(fc.double({ min: 90, max: 110, noNaN: true }), fc.constantFrom(0, NaN)),
    volume: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.constant(-1)),
    dt: fc.integer({ min: -1500, max: 700 }),
    seq: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constant(NaN)),
    id: fc.option(fc.constantFrom('a', 'b', ''), { nil: undefined }),
    source: fc.constantFrom('', 'x', 'y'),
    // The row's own receive time (NaN: the batch's).
    late: fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.constant(NaN)),
  });
  type Row = typeof rowArb extends fc.Arbitrary<infer T> ? T : never;
  const NUMBERS: Record<string, number> = { A: 0, B: 1, C: 2, D: 3, 'bad!': 4 };

  /** Events as plain data with the row (in the call) that made them. */
  function byRow(e: Engine, rowOf: () => number): Array<[number, string, unknown]> {
    const events: Array<[number, string, unknown]> = [];
    e.on('candle', (c: Candle) => events.push([rowOf(), 'candle', c.toJSON()]));
    e.on('candleUpdate', (c: Candle) => events.push([rowOf(), 'candleUpdate', c.toJSON()]));
    e.on('anomaly', (a: Anomaly) => events.push([rowOf(), 'anomaly', a]));
    e.on('gap', (g: GapEvent) => events.push([rowOf(), 'gap', g]));
    return events;
  }

  it('answers, emits (sorted back by row) and keeps what the same rows one at a time give', () => {
    fc.assert(
      fc.property(fc.array(fc.array(rowArb, { maxLength: 50 }), { minLength: 1, maxLength: 4 }), (calls) => {
        const options = { intervals: ['1s', '1m'], movingAverageWindow: 3 };
        const oneByOne = engine(options);
        const grouped = engine(options);
        let row = 0;
        const want = byRow(oneByOne, () => row);
        const got = byRow(grouped, () => grouped.row);
        let ts = T0;
        calls.forEach((rows: Row[], call) => {
          const at = NOW + call * 10_000;
          const batch = new TickBatch(Math.max(1, rows.length));
          const wantAnswer: { accepted: number; rejected: Array<{ index: number; reason: string }> } = {
            accepted: 0,
            rejected: [],
          };
          rows.forEach((r, k) => {
            ts += r.dt;
            batch.push(r.symbol, r.price, r.volume, ts, r.seq, r.id, r.source, at + r.late);
            batch.symbolNumbers[k] = NUMBERS[r.symbol]!;
            const one = new TickBatch(1);
            one.push(r.symbol, r.price, r.volume, ts, r.seq, r.id);
            row = k;
            const answer = oneByOne.ingestBatch(one, r.source === '' ? 'src' : r.source, at + (r.late || 0));
            wantAnswer.accepted += answer.accepted;
            for (const x of answer.rejected) wantAnswer.rejected.push({ index: k, reason: x.reason });
          });
          batch.numbered = true;
          const first = got.length;
          const answer = grouped.ingestBatchBySymbol(batch, 'src', at);
          assert.deepEqual(answer, wantAnswer);
          // Array.prototype.sort is stable: a row's events keep their order.
          const made = got.splice(first).sort((a, b) => a[0] - b[0]);
          got.push(...made);
        });
        assert.deepEqual(got, want);
        assert.deepEqual(grouped.symbols(), oneByOne.symbols());
        for (const symbol of oneByOne.symbols()) {
          assert.deepEqual(grouped.stats(symbol), oneByOne.stats(symbol), `stats ${symbol}`);
          assert.deepEqual(grouped.activity(symbol), oneByOne.activity(symbol), `activity ${symbol}`);
          assert.deepEqual(grouped.openCandles(symbol), oneByOne.openCandles(symbol), `open ${symbol}`);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('goes in row order when fewer ticks are admitted than the batch holds, refusing the same ones', () => {
    const plain = engine();
    const grouped = engine();
    for (const e of [plain, grouped]) e.setAdmission({ available: () => 3 });
    const batch = (): TickBatch => {
      const b = new TickBatch(6);
      ['A', 'B', 'A', 'B', 'A', 'B'].forEach((s, i) => {
        b.push(s, 100 + i, 1, T0 + i);
        b.symbolNumbers[i] = s === 'A' ? 0 : 1;
      });
      b.numbered = true;
      return b;
    };
    const want = plain.ingestBatch(batch(), 'src', NOW);
    assert.deepEqual(grouped.ingestBatchBySymbol(batch(), 'src', NOW), want);
    assert.deepEqual(
      want.rejected.map((r) => r.index),
      [3, 4, 5],
    );
  });
});
