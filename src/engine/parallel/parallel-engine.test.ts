import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import fc from 'fast-check';

import type { RawTick } from '../../core/tick.js';
import { Engine, type EngineOptions } from '../engine.js';
import { partitionOf } from '../partition.js';
import { TickBatch } from '../tick-batch.js';
import { ParallelEngine, type OverflowPolicy, type ParallelOptions } from './parallel-engine.js';

const OPTIONS: EngineOptions = {
  partitions: 1,
  movingAverageWindow: 4,
  anomalyThresholdPercent: 2,
  slidingWindowMilliseconds: 1000,
  recentAnomaliesCapacity: 50,
  intervals: ['1s', '1m'],
  allowedLatenessMs: 1000,
  anomalyMode: 'episode',
  maxFutureSkewMs: 300_000,
  dedupeCapacity: 100,
};
const T0 = 1_700_000_000_000;
const NOW = T0 + 3_600_000;

const started: ParallelEngine[] = [];
let run = 0;
after(async () => {
  await Promise.all(started.map((e) => e.close()));
});

async function parallel(options: Partial<ParallelOptions> = {}): Promise<ParallelEngine> {
  const e = await ParallelEngine.start(OPTIONS, {
    partitions: 2,
    channelCapacity: 1000,
    overflowPolicy: 'reject',
    ...options,
  });
  started.push(e);
  return e;
}

type Recorded = Map<string, Array<[string, unknown]>>;

/** Calls `add` with every event, as plain data, in emission order. */
function listen(
  e: Engine | ParallelEngine,
  add: (symbol: string, type: string, event: unknown) => void,
): void {
  const target = e as ParallelEngine;
  target.on('tick', (t) =>
    add(t.symbol, 'tick', {
      symbol: t.symbol,
      ts: t.ts,
      price: t.price,
      volume: t.volume,
      seq: t.seq,
      id: t.id,
      source: t.source,
      receivedAt: t.receivedAt,
    }),
  );
  target.on('candle', (c) => add(c.symbol, 'candle', JSON.parse(JSON.stringify(c))));
  target.on('anomaly', (a) => add(a.symbol, 'anomaly', a));
  target.on('gap', (g) => add(g.symbol, 'gap', g));
}

/** Every event, per symbol, in emission order (the order a partitioned engine keeps). */
function record(e: Engine | ParallelEngine): Recorded {
  const bySymbol: Recorded = new Map();
  listen(e, (symbol, type, event) => {
    let list = bySymbol.get(symbol);
    if (list === undefined) bySymbol.set(symbol, (list = []));
    list.push([type, event]);
  });
  return bySymbol;
}

/** Every event of every symbol, in emission order. */
function recordAll(e: Engine | ParallelEngine): Array<[string, unknown]> {
  const all: Array<[string, unknown]> = [];
  listen(e, (_symbol, type, event) => all.push([type, event]));
  return all;
}

const tickArb = fc.record({
  symbol: fc.constantFrom('A', 'b', ' C ', 'DD', 'E', 'F', 'bad!'),
  price: fc.oneof(fc.double({ min: 90, max: 110, noNaN: true }), fc.constantFrom(0, -1, NaN)),
  volume: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.constantFrom(-1)),
  dt: fc.integer({ min: -1500, max: 700 }),
  seq: fc.oneof(fc.integer({ min: 0, max: 30 }), fc.constant(NaN)),
  id: fc.option(fc.constantFrom('a', 'b', 'c', ''), { nil: undefined }),
});

type ArbTick = Omit<typeof tickArb extends fc.Arbitrary<infer T> ? T : never, 'symbol'> & { symbol: string };

/** Numbers for raw symbols, as a decoder gives them (one a string, for the whole process). */
const symbolNumbers = new Map<string, number>();

/** `numbered`: every row carries its symbol's number (TickBatch.symbolNumbers). */
function toBatch(ticks: readonly ArbTick[], t0: number, numbered = false): TickBatch {
  const batch = new TickBatch(Math.max(1, ticks.length));
  let ts = t0;
  for (const t of ticks) {
    ts += t.dt;
    batch.push(t.symbol, t.price, t.volume, ts, t.seq, t.id);
    if (!symbolNumbers.has(t.symbol)) symbolNumbers.set(t.symbol, symbolNumbers.size);
    batch.symbolNumbers[batch.length - 1] = symbolNumbers.get(t.symbol)!;
  }
  batch.numbered = numbered;
  return batch;
}

/**
 * The batches with symbols of their own, so that each run of a property (shrinking included) has
 * fresh symbols on a long-lived parallel engine; the invalid one stays invalid.
 */
function freshSymbols(batches: readonly ArbTick[][]): ArbTick[][] {
  const prefix = `R${run++}X`;
  return batches.map((b) =>
    b.map((t) => ({ ...t, symbol: t.symbol === 'bad!' ? t.symbol : prefix + t.symbol.trim() })),
  );
}

describe('ParallelEngine', () => {
  it('answers and emits per symbol exactly what one Engine does, for 1, 2 and 3 partitions, rows numbered or not; all in its order with 1', async () => {
    // With one partition, whose thread works a symbol at a time, every event comes in row order.
    for (const partitions of [1, 2, 3]) {
      const e = await parallel({ partitions, viewsEveryMs: 0 });
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(tickArb, { maxLength: 40 }), { minLength: 1, maxLength: 5 }),
          async (batches) => {
            const mapped = freshSymbols(batches);
            const one = new Engine(OPTIONS);
            const want = record(one);
            const got = record(e);
            const wantAll = recordAll(one);
            const gotAll = recordAll(e);
            const wantAnswers = mapped.map((b, k) => one.ingestBatch(toBatch(b, T0 + k * 5000), 'src', NOW));
            one.advance(NOW + 10 * 60_000);
            // Odd batches numbered (routed by number), even ones by name.
            const gotAnswers = await Promise.all(
              mapped.map((b, k) => e.ingestBatch(toBatch(b, T0 + k * 5000, k % 2 === 1), 'src', NOW)),
            );
            e.advance(NOW + 10 * 60_000);
            await e.refreshViews();
            assert.deepEqual(gotAnswers, wantAnswers);
            for (const [symbol, events] of want) assert.deepEqual(got.get(symbol), events, symbol);
            if (partitions === 1) assert.deepEqual(gotAll, wantAll);
            for (const symbol of one.symbols()) {
              assert.deepEqual(e.stats(symbol), one.stats(symbol), `stats ${symbol}`);
              assert.deepEqual(e.openCandles(symbol), one.openCandles(symbol), `open ${symbol}`);
            }
          },
        ),
        { numRuns: 40 },
      );
      await e.close();
    }
  });

  it('keeps each symbol’s order end to end over many batches and partitions', async () => {
    const e = await parallel({ partitions: 3, channelCapacity: 64, overflowPolicy: 'block' });
    const seen = new Map<string, number[]>();
    e.on('tick', (t) => {
      let list = seen.get(t.symbol);
      if (list === undefined) seen.set(t.symbol, (list = []));
      list.push(t.seq!);
    });
    const answers = [];
    for (let b = 0; b < 50; b++) {
      const batch = new TickBatch(100);
      for (let i = 0; i < 100; i++) batch.push(`S${i % 7}`, 100, 1, T0 + b * 100 + i, b * 100 + i);
      answers.push(e.ingestBatch(batch, 'tcp', NOW));
    }
    const results = await Promise.all(answers);
    assert.equal(
      results.reduce((n, r) => n + r.accepted, 0),
      5000,
    );
    for (let s = 0; s < 7; s++) {
      const seqs = seen.get(`S${s}`)!;
      assert.equal(seqs.length, 50 * Math.ceil((100 - s) / 7));
      for (let k = 1; k < seqs.length; k++) assert.ok(seqs[k]! > seqs[k - 1]!, `S${s} out of order`);
    }
    assert.deepEqual(
      e.partitionSizes().reduce((a, b) => a + b, 0),
      7,
    );
    assert.equal(e.partitionOf('S1'), partitionOf('S1', 3));
  });
});

async function overflow(policy: OverflowPolicy): Promise<{ e: ParallelEngine; results: number[] }> {
  // One partition's ring of 10 rows; 5 batches of 8 written at once, before the thread can drain.
  const e = await parallel({ partitions: 2, channelCapacity: 10, overflowPolicy: policy });
  const symbol = 'ONLY';
  const answers = [];
  for (let b = 0; b < 5; b++) {
    const batch = new TickBatch(8);
    for (let i = 0; i < 8; i++) batch.push(symbol, 100, 1, T0 + b * 8 + i, b * 8 + i);
    answers.push(e.ingestBatch(batch, 'tcp', NOW));
  }
  const results = (await Promise.all(answers)).map((r) => r.accepted);
  await e.flush();
  return { e, results };
}

describe('ParallelEngine overflow policies', () => {
  it('reject: refuses what does not fit as overloaded, counted', async () => {
    const { e, results } = await overflow('reject');
    const c = e.counters();
    const total = results.reduce((a, b) => a + b, 0);
    assert.ok(total < 40, `some refused (${total} accepted)`);
    assert.equal(c.accepted, total);
    assert.equal(c.rejected.overloaded, 40 - total);
    assert.equal(c.ringFull, 40 - total);
    assert.equal(c.dropped, 0);
  });

  it('drop-oldest: drops the oldest waiting ticks, each counted and answered overloaded', async () => {
    const { e, results } = await overflow('drop-oldest');
    const c = e.counters();
    const total = results.reduce((a, b) => a + b, 0);
    assert.ok(c.dropped > 0);
    assert.equal(c.accepted, total);
    assert.equal(c.dropped, 40 - total);
    assert.equal(c.rejected.overloaded, c.dropped);
    // The newest batch is never the one dropped from.
    assert.equal(results[4], 8);
  });

  it('block: waits for room, nothing refused or dropped', async () => {
    const { e, results } = await overflow('block');
    assert.deepEqual(results, [8, 8, 8, 8, 8]);
    const c = e.counters();
    assert.equal(c.accepted, 40);
    assert.equal(c.dropped + c.ringFull + c.rejected.overloaded, 0);
  });

  it('block: rows waiting for room outlive a restart of their partition, events as on one thread', async () => {
    const e = await parallel({
      partitions: 2,
      channelCapacity: 10,
      overflowPolicy: 'block',
      snapshotEveryTicks: 16,
      snapshotTicksPerSymbol: 0,
    });
    const one = new Engine(OPTIONS);
    const want = record(one);
    const got = record(e);
    const ticks = (b: number): RawTick[] =>
      Array.from({ length: 25 }, (_, i) => ({
        symbol: i % 5 === 0 ? 'OTHER' : 'ONLY',
        price: 100 * (i % 7 === 6 ? 1.03 : 1),
        volume: 1,
        timestamp: T0 + (b * 25 + i) * 211,
        seq: b * 25 + i,
      }));
    const answers = [];
    const wants = [];
    // Rows of later calls wait in the log behind a ring of 10 while the partition dies.
    for (let b = 0; b < 8; b++) {
      if (b === 3) e.crashPartition(e.partitionOf('ONLY'));
      wants.push(one.ingest(ticks(b), 'src', NOW));
      answers.push(e.ingest(ticks(b), 'src', NOW));
    }
    assert.deepEqual(await Promise.all(answers), wants);
    await e.refreshViews();
    assert.equal(e.counters().restarts, 1);
    assert.equal(e.counters().rejected.overloaded ?? 0, 0);
    for (const [symbol, events] of want) assert.deepEqual(got.get(symbol), events, symbol);
    assert.deepEqual(e.stats('ONLY'), one.stats('ONLY'));
  });

  it('reject: a producer that hands in only what room() allows, waiting on answered(), has none refused', async () => {
    const e = await parallel({ partitions: 2, channelCapacity: 16, overflowPolicy: 'reject' });
    const answers = [];
    let waits = 0;
    for (let b = 0; b < 50; b++) {
      const batch = new TickBatch(8);
      for (let i = 0; i < 8; i++) batch.push('ONLY', 100, 1, T0 + b * 8 + i, b * 8 + i);
      while (e.room() < batch.length) {
        waits++;
        await e.answered();
      }
      answers.push(e.ingestBatch(batch, 'tcp', NOW));
    }
    const results = await Promise.all(answers);
    assert.ok(waits > 0, 'the ring filled up');
    assert.equal(
      results.reduce((n, r) => n + r.accepted, 0),
      400,
    );
    assert.equal(e.counters().rejected.overloaded ?? 0, 0);
  });

  it('block: rows still waiting for room when the engine closes are answered overloaded', async () => {
    const e = await ParallelEngine.start(OPTIONS, {
      partitions: 1,
      channelCapacity: 4,
      overflowPolicy: 'block',
    });
    const batch = new TickBatch(1000);
    for (let i = 0; i < 1000; i++) batch.push('ONLY', 100, 1, T0 + i, i);
    const answer = e.ingestBatch(batch, 'tcp', NOW);
    await e.close();
    const result = await answer;
    assert.equal(result.accepted + result.rejected.length, 1000);
    assert.ok(result.rejected.length > 0, 'some rows never reached the ring');
    assert.ok(result.rejected.every((r) => r.reason === 'overloaded'));
    // The ones refused are the last ones, in their order.
    assert.deepEqual(
      result.rejected.map((r) => r.index),
      Array.from({ length: result.rejected.length }, (_, k) => 1000 - result.rejected.length + k),
    );
  });
});

describe('ParallelEngine restart', () => {
  it('restarts a partition thread that throws from its state: answers and events as without the crash', async () => {
    const errors: number[] = [];
    const e = await parallel({
      partitions: 2,
      snapshotEveryTicks: 30,
      snapshotTicksPerSymbol: 0,
      viewsEveryMs: 0,
    });
    e.onThreadError((_err, p) => errors.push(p));
    const one = new Engine(OPTIONS);
    const want = record(one);
    const got = record(e);
    const ticks = (k: number): RawTick[] =>
      Array.from({ length: 20 }, (_, i) => ({
        symbol: `Q${i % 3}`,
        price: 100 + ((k * 20 + i) % 9) * (i % 4 === 0 ? 3 : 0.1),
        volume: 1,
        timestamp: T0 + (k * 20 + i) * 137,
        seq: k * 20 + i,
      }));
    for (let k = 0; k < 10; k++) {
      if (k === 4) e.crashPartition(e.partitionOf('Q0'));
      if (k === 7) e.crashPartition(e.partitionOf('Q1'));
      const want = one.ingest(ticks(k), 'src', NOW);
      assert.deepEqual(await e.ingest(ticks(k), 'src', NOW), want, `batch ${k}`);
    }
    await e.refreshViews();
    assert.equal(e.counters().restarts, 2);
    assert.deepEqual(errors, [e.partitionOf('Q0'), e.partitionOf('Q1')]);
    for (const [symbol, events] of want) assert.deepEqual(got.get(symbol), events, symbol);
    for (const symbol of one.symbols()) assert.deepEqual(e.stats(symbol), one.stats(symbol));
  });
});

describe('ParallelEngine restart, asked for views as it dies', () => {
  it('sends nothing once its thread has thrown: the events it made come once, from the new thread', async () => {
    const e = await parallel({ partitions: 1, snapshotTicksPerSymbol: 0, viewsEveryMs: 0 });
    const one = new Engine(OPTIONS);
    const want = record(one);
    const got = record(e);
    // Each batch closes 1 s candles and jumps by 3 % every fifth tick: events in every chunk.
    const ticks = (k: number): RawTick[] =>
      Array.from({ length: 50 }, (_, i) => ({
        symbol: `V${i % 2}`,
        price: 100 * (i % 5 === 4 ? 1.03 : 1),
        volume: 1,
        timestamp: T0 + (k * 50 + i) * 300,
      }));
    // A crash asked for hits the next chunk the thread takes: this batch's, or (when the thread took
    // the rows before the request) the next one's. The last batch asks for none.
    for (let k = 0; k < 7; k++) {
      if (k % 2 === 1 && k < 6) e.crashPartition(0);
      const answer = e.ingest(ticks(k), 'src', NOW);
      // Asked right behind the rows: the thread takes the request between its throw and its end.
      const views = e.refreshViews();
      assert.deepEqual(await answer, one.ingest(ticks(k), 'src', NOW), `batch ${k}`);
      await views;
    }
    await e.refreshViews();
    for (const [symbol, events] of want) assert.deepEqual(got.get(symbol), events, symbol);
    const c = e.counters();
    assert.equal(c.restarts, 3);
    const o = one.counters();
    assert.deepEqual(
      [c.accepted, c.anomalies, c.gaps, c.candlesClosed],
      [o.accepted, o.anomalies, o.gaps, o.candlesClosed],
    );
  });
});

describe('ParallelEngine queries', () => {
  it('answers symbols, stats, open candles, recent anomalies and counters from all partitions', async () => {
    const e = await parallel({ partitions: 3, viewsEveryMs: 0 });
    const one = new Engine(OPTIONS);
    const ticks: RawTick[] = [];
    for (let i = 0; i < 300; i++)
      ticks.push({
        symbol: `Z${i % 11}`,
        price: i % 50 === 49 ? 200 : 100,
        volume: 2,
        timestamp: T0 + i * 10,
      });
    one.ingest(ticks, 'http', NOW);
    await e.ingest(ticks, 'http', NOW);
    await e.refreshViews();
    assert.deepEqual(e.symbols(), one.symbols());
    assert.deepEqual(e.allStats(), one.allStats());
    assert.deepEqual(e.openCandles('z3', '1s'), one.openCandles('z3', '1s'));
    const sort = (a: Array<{ symbol: string; ts: number }>): unknown[] =>
      [...a].sort((x, y) => x.ts - y.ts || (x.symbol < y.symbol ? -1 : 1));
    assert.deepEqual(sort(e.recentAnomalies()), sort(one.recentAnomalies()));
    assert.ok(one.recentAnomalies().length > 0);
    const { dropped, ringFull, restarts, ...counters } = e.counters();
    assert.deepEqual(counters, one.counters());
    assert.deepEqual([dropped, ringFull, restarts], [0, 0, 0]);
  });
});

describe('ParallelEngine recovery', () => {
  it('restores every partition from snapshots and replays ticks like Engine, moving no counter', async () => {
    const e = await parallel({ partitions: 3, viewsEveryMs: 0 });
    const before = new Engine(OPTIONS);
    const ticks = (from: number, n: number): RawTick[] =>
      Array.from({ length: n }, (_, k) => ({
        symbol: `V${(from + k) % 5}`,
        price: 100 + ((from + k) % 7 === 6 ? 5 : 0.1 * ((from + k) % 3)),
        volume: 1,
        timestamp: T0 + (from + k) * 113,
        seq: from + k,
      }));
    before.ingest(ticks(0, 100), 'src', NOW);
    // The recovered engines: one thread (the reference) and the partitioned one.
    const one = new Engine(OPTIONS);
    one.restore(before.snapshot());
    one.restoreAnomalies(before.recentAnomalies().reverse());
    await e.restore(before.snapshot());
    e.restoreAnomalies(before.recentAnomalies().reverse());
    const want = record(one);
    const got = record(e);
    assert.deepEqual(await e.replay(ticks(100, 50), 'src', NOW), one.replay(ticks(100, 50), 'src', NOW));
    assert.deepEqual(await e.ingest(ticks(150, 50), 'src', NOW), one.ingest(ticks(150, 50), 'src', NOW));
    await e.refreshViews();
    for (const [symbol, events] of want) assert.deepEqual(got.get(symbol), events, symbol);
    assert.deepEqual(e.symbols(), one.symbols());
    assert.deepEqual(e.allStats(), one.allStats());
    // Across partitions there is no order: compared as sets (each symbol's own order is checked above).
    const key = (a: { symbol: string; ts: number }): string => `${a.symbol}@${a.ts}`;
    assert.deepEqual(e.recentAnomalies().map(key).sort(), one.recentAnomalies().map(key).sort());
    const { dropped, ringFull, restarts, ...counters } = e.counters();
    assert.deepEqual(counters, one.counters());
    assert.equal(dropped + ringFull + restarts, 0);
  });
});

describe('ParallelEngine drop-oldest under load', () => {
  it('answers every tick once: accepted ones emitted in order, dropped ones counted, none processed twice', async () => {
    const e = await parallel({ partitions: 2, channelCapacity: 50, overflowPolicy: 'drop-oldest' });
    const emitted = new Map<string, number[]>();
    e.on('tick', (t) => {
      let list = emitted.get(t.symbol);
      if (list === undefined) emitted.set(t.symbol, (list = []));
      list.push(t.seq!);
    });
    const answers = [];
    let seq = 0;
    for (let b = 0; b < 300; b++) {
      const batch = new TickBatch(40);
      for (let i = 0; i < 40; i++, seq++) batch.push(`D${seq % 5}`, 100, 1, T0 + seq, seq);
      answers.push(e.ingestBatch(batch, 'tcp', NOW));
      if (b % 25 === 0) await new Promise((r) => setImmediate(r));
    }
    const results = await Promise.all(answers);
    await e.flush();
    const accepted = results.reduce((n, r) => n + r.accepted, 0);
    const refused = results.reduce((n, r) => n + r.rejected.length, 0);
    assert.equal(accepted + refused, 12_000);
    assert.ok(results.every((r) => r.rejected.every((x) => x.reason === 'overloaded')));
    const c = e.counters();
    assert.equal(c.accepted, accepted);
    assert.ok(c.dropped > 0, 'the bursts overflow the ring');
    assert.equal(c.dropped, refused);
    let seen = 0;
    for (const seqs of emitted.values()) {
      seen += seqs.length;
      for (let k = 1; k < seqs.length; k++) assert.ok(seqs[k]! > seqs[k - 1]!, 'order');
    }
    assert.equal(seen, accepted);
    assert.deepEqual(e.queueDepths(), [0, 0]);
  });
});
