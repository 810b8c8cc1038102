import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  actionsArb,
  NaiveSymbol,
  optionsArb,
  seen,
  type Action,
  type Event,
} from '../../test/support/naive-symbol.js';
import type { Candle } from './candles.js';
import { parseIntervals } from './interval.js';
import type { Anomaly } from './spike-detector.js';
import { SnapshotPacker, unpackSnapshots } from './snapshot-pack.js';
import {
  SymbolState,
  type SymbolEventSink,
  type SymbolSnapshot,
  type SymbolStateOptions,
  type SymbolStats,
} from './symbol-state.js';

class Recorder implements SymbolEventSink {
  events: Event[] = [];
  constructor(readonly wantsCandleUpdates: boolean) {}
  gap(symbol: string, source: string, from: number, to: number): void {
    this.events.push({ type: 'gap', symbol, source, from, to });
  }
  anomaly(anomaly: Anomaly): void {
    this.events.push({ type: 'anomaly', ...anomaly });
  }
  candle(candle: Candle): void {
    // The sink gets live objects: copy at once.
    this.events.push({ type: 'candle', ...candle.toJSON() });
  }
  take(): Event[] {
    const events = this.events;
    this.events = [];
    return events;
  }
}

function step(state: SymbolState, sink: Recorder, index: number, action: Action): Event[] {
  if (action.kind === 'advance') {
    state.advance(action.now, sink);
    return sink.take();
  }
  const reason = state.check(action.ts, action.seq, action.id, action.source);
  if (reason !== undefined) return [{ type: 'rejected', index, reason }];
  if (action.refuse) return [{ type: 'rejected', index, reason: 'overloaded' }];
  state.apply(
    action.ts,
    action.price,
    action.volume,
    action.seq,
    action.id,
    action.source,
    action.receivedAt,
    sink,
  );
  return sink.take();
}

function assertStatsClose(got: SymbolStats, want: SymbolStats, context: string): void {
  const scale = want.maxPrice;
  assert.ok(
    Math.abs(got.movingAverage - want.movingAverage) <= 1e-12 * scale,
    `${context}: movingAverage ${got.movingAverage} vs ${want.movingAverage}`,
  );
  assert.ok(
    Math.abs(got.changeFromAverage - want.changeFromAverage) <= 1e-9,
    `${context}: changeFromAverage ${got.changeFromAverage} vs ${want.changeFromAverage}`,
  );
  assert.deepStrictEqual(
    { ...got, movingAverage: 0, changeFromAverage: 0 },
    { ...want, movingAverage: 0, changeFromAverage: 0 },
    context,
  );
}

const scenarioArb = (withAdvance: boolean) =>
  optionsArb.chain((options) =>
    fc.tuple(fc.constant(options), actionsArb(options, withAdvance), fc.boolean(), fc.nat()),
  );

// ---------------------------------------------------------------------------------------------

describe('SymbolState', () => {
  it('matches the whole-stream oracle: rejections, gaps, anomalies, candles (with revisions), stats', () => {
    for (const key of Object.keys(seen) as Array<keyof typeof seen>) seen[key] = 0;
    fc.assert(
      fc.property(scenarioArb(true), ([options, actions, wantsCandleUpdates]) => {
        const state = new SymbolState('SYM', options);
        const sink = new Recorder(wantsCandleUpdates);
        const oracle = new NaiveSymbol('SYM', options, wantsCandleUpdates);
        actions.forEach((action, i) => {
          const got = step(state, sink, i, action);
          const want = action.kind === 'tick' ? oracle.tick(i, action) : oracle.advance(action.now);
          assert.deepStrictEqual(got, want, `action ${i}: ${JSON.stringify(action)}`);
          if (oracle.accepted.length > 0)
            assertStatsClose(state.stats(), oracle.stats(), `after action ${i}`);
        });
        state.closeAll(sink);
        assert.deepStrictEqual(sink.take(), oracle.closeAll(), 'closeAll');
        assert.equal(state.openCandles().length, 0);
      }),
      { numRuns: 300 },
    );
    for (const [key, count] of Object.entries(seen))
      assert.ok(count >= 20, `only ${count} × ${key} generated`);
  });

  it('packed (snapshot-pack.ts) at any point, reads back as its snapshot, field for field and in key order', () => {
    fc.assert(
      fc.property(scenarioArb(true), ([options, actions, wantsCandleUpdates]) => {
        const state = new SymbolState('SYM', options);
        const sink = new Recorder(wantsCandleUpdates);
        const packed = (): SymbolSnapshot[] => {
          const packer = new SnapshotPacker();
          packer.number(options.intervals.length);
          for (const interval of options.intervals) packer.string(interval.label);
          packer.number(1);
          state.pack(packer);
          return unpackSnapshots(packer.take());
        };
        assert.deepStrictEqual(packed(), [state.snapshot()], 'before any tick');
        actions.forEach((action, i) => {
          step(state, sink, i, action);
          const [got] = packed();
          const want = state.snapshot();
          assert.deepStrictEqual(got, want, `after action ${i}`);
          // Storage writes snapshots as JSON: the same text, keys in the same order.
          assert.equal(JSON.stringify(got), JSON.stringify(want), `JSON after action ${i}`);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('restored from a snapshot at any point, continues bit for bit like an uninterrupted run', () => {
    fc.assert(
      fc.property(scenarioArb(true), ([options, actions, wantsCandleUpdates, cutPick]) => {
        const cut = cutPick % (actions.length + 1);
        const whole = new SymbolState('SYM', options);
        const wholeSink = new Recorder(wantsCandleUpdates);
        const expected = actions.map((action, i) => step(whole, wholeSink, i, action));
        whole.closeAll(wholeSink);
        const expectedTail = wholeSink.take();

        let first = new SymbolState('SYM', options);
        const sink = new Recorder(wantsCandleUpdates);
        actions.slice(0, cut).forEach((action, i) => step(first, sink, i, action));
        const snapshot = first.snapshot();
        // Through storage the snapshot is plain data; JSON cannot hold the ±Infinity of an empty state.
        const stored =
          first.updateCount > 0
            ? (JSON.parse(JSON.stringify(snapshot)) as typeof snapshot)
            : structuredClone(snapshot);
        first = undefined as never;
        const restored = SymbolState.restore(stored, options);
        assert.deepStrictEqual(restored.snapshot(), snapshot);
        for (let i = cut; i < actions.length; i++) {
          assert.deepStrictEqual(step(restored, sink, i, actions[i]!), expected[i], `action ${i}`);
        }
        assert.deepStrictEqual(restored.stats(), whole.stats());
        restored.closeAll(sink);
        assert.deepStrictEqual(sink.take(), expectedTail);
      }),
      { numRuns: 300 },
    );
  });

  it('changes nothing when a tick is checked and then refused', () => {
    fc.assert(
      fc.property(scenarioArb(false), ([options, actions]) => {
        const state = new SymbolState('SYM', options);
        const sink = new Recorder(false);
        actions.forEach((action, i) => {
          const before = state.snapshot();
          const beforeStats = state.stats();
          if (action.kind === 'tick') state.check(action.ts, action.seq, action.id, action.source);
          assert.deepStrictEqual(state.snapshot(), before);
          assert.deepStrictEqual(state.stats(), beforeStats);
          step(state, sink, i, action);
        });
      }),
      { numRuns: 100 },
    );
  });

  it('rejects late at lastTs − lateness − 1, accepts lastTs − lateness, and checks duplicates first', () => {
    const options = baseOptions({ allowedLatenessMs: 1000 });
    const state = new SymbolState('X', options);
    const sink = new Recorder(false);
    state.apply(10_000, 1, 1, 5, 'a', 'feed', 10_000, sink);
    assert.equal(state.check(8_999, undefined, undefined, 'feed'), 'late');
    assert.equal(state.check(9_000, undefined, undefined, 'feed'), undefined);
    assert.equal(state.check(8_000, 5, undefined, 'feed'), 'duplicate');
    assert.equal(state.check(8_000, undefined, 'a', 'other'), 'duplicate');
    assert.equal(state.check(10_000, 6, 'b', 'feed'), undefined);
    assert.equal(state.check(10_000, 0, undefined, 'other'), undefined);
  });

  it('emits a gap with the missing range, and none for the first seq of a source', () => {
    const state = new SymbolState('X', baseOptions({}));
    const sink = new Recorder(false);
    state.apply(1, 1, 0, 7, undefined, 'a', 1, sink);
    state.apply(2, 1, 0, 8, undefined, 'a', 2, sink);
    state.apply(3, 1, 0, 12, undefined, 'a', 3, sink);
    state.apply(4, 1, 0, 3, undefined, 'b', 4, sink);
    assert.deepStrictEqual(sink.take(), [{ type: 'gap', symbol: 'X', source: 'a', from: 9, to: 11 }]);
  });

  it('has no price statistics before the first tick', () => {
    const stats = new SymbolState('X', baseOptions({})).stats();
    assert.equal(stats.updateCount, 0);
    assert.equal(stats.volume, 0);
    assert.ok(Number.isNaN(stats.currentPrice) && Number.isNaN(stats.movingAverage));
  });
});

function baseOptions(overrides: Partial<SymbolStateOptions>): SymbolStateOptions {
  return {
    movingAverageWindow: 4,
    windowMs: 1000,
    thresholdPercent: 2,
    anomalyMode: 'episode',
    intervals: parseIntervals(['1s']),
    allowedLatenessMs: 1000,
    dedupeCapacity: 100,
    ...overrides,
  };
}

describe('SymbolState candle revisions (wall-clock watermark)', () => {
  const candlesOf = (events: Event[]) =>
    events.filter((e): e is Extract<Event, { type: 'candle' }> => e.type === 'candle');

  it('closes a quiet symbol’s candle on time, then re-emits it with revision + 1 when a tick lands in it', () => {
    const state = new SymbolState('X', baseOptions({}));
    const sink = new Recorder(false);
    state.apply(10_500, 100, 2, undefined, undefined, 'f', 10_500, sink);
    assert.deepStrictEqual(sink.take(), []);

    // Event time alone would hold [10000, 11000) open until a tick at 12000 arrives.
    state.advance(11_999, sink);
    assert.deepStrictEqual(sink.take(), [], 'watermark 10500 + 1499 − 1000 = 10999: not yet');
    state.advance(12_000, sink);
    const [closed] = candlesOf(sink.take());
    assert.deepStrictEqual(closed, {
      type: 'candle',
      symbol: 'X',
      interval: '1s',
      start: 10_000,
      end: 11_000,
      open: 100,
      high: 100,
      low: 100,
      close: 100,
      volume: 2,
      trades: 1,
      vwap: 100,
      revision: 0,
      closed: true,
    });

    // A tick within the lateness lands in the closed bucket: a revision, closed, with both ticks.
    assert.equal(state.check(10_800, undefined, undefined, 'f'), undefined);
    state.apply(10_800, 101, 1, undefined, undefined, 'f', 12_100, sink);
    assert.deepStrictEqual(sink.take(), [
      {
        ...closed,
        high: 101,
        close: 101,
        volume: 3,
        trades: 2,
        vwap: (100 * 2 + 101) / 3,
        revision: 1,
      },
    ]);

    // And another: revision 2, open moves to the earlier ts.
    state.apply(10_100, 99, 0, undefined, undefined, 'f', 12_200, sink);
    const [again] = candlesOf(sink.take());
    assert.deepEqual(
      [again!.revision, again!.open, again!.low, again!.close, again!.trades],
      [2, 99, 99, 101, 3],
    );

    // Normal flow afterwards: the bucket is not closed a second time by event time.
    state.apply(12_500, 101, 1, undefined, undefined, 'f', 12_500, sink);
    state.apply(14_000, 101, 1, undefined, undefined, 'f', 14_000, sink);
    const starts = candlesOf(sink.take()).map((c) => [c.start, c.revision]);
    assert.deepEqual(starts, [[12_000, 0]]);
  });

  it('makes a closed first candle for a tick in an empty bucket the clock already passed', () => {
    const state = new SymbolState('X', baseOptions({}));
    const sink = new Recorder(true);
    state.apply(10_500, 100, 1, undefined, undefined, 'f', 10_500, sink);
    sink.take();
    state.advance(13_000, sink); // watermark 12500
    assert.deepEqual(
      candlesOf(sink.take()).map((c) => c.start),
      [10_000],
    );
    state.apply(9_600, 95, 1, undefined, undefined, 'f', 13_050, sink);
    assert.deepStrictEqual(candlesOf(sink.take()), [
      {
        type: 'candle',
        symbol: 'X',
        interval: '1s',
        start: 9_000,
        end: 10_000,
        open: 95,
        high: 95,
        low: 95,
        close: 95,
        volume: 1,
        trades: 1,
        vwap: 95,
        revision: 0,
        closed: true,
      },
    ]);
    // A tick ahead of the clock watermark opens its bucket as usual.
    state.apply(12_600, 96, 1, undefined, undefined, 'f', 13_100, sink);
    const [update] = candlesOf(sink.take());
    assert.deepEqual([update!.start, update!.closed, update!.revision], [12_000, false, 0]);
  });

  it('never moves the watermark back, and does nothing before the first tick', () => {
    const state = new SymbolState('X', baseOptions({}));
    const sink = new Recorder(false);
    state.advance(1e15, sink);
    assert.equal(state.watermark, -Infinity);
    state.apply(10_500, 100, 1, undefined, undefined, 'f', 10_500, sink);
    state.advance(12_500, sink);
    assert.equal(state.watermark, 11_500);
    state.advance(11_000, sink);
    assert.equal(state.watermark, 11_500);
    // A new tick moves the arrival reference, but the watermark stays where the clock put it.
    state.apply(10_600, 100, 1, undefined, undefined, 'f', 12_600, sink);
    assert.equal(state.watermark, 11_500);
    state.advance(12_700, sink);
    assert.equal(state.watermark, 11_500);
    state.advance(15_000, sink);
    assert.equal(state.watermark, 10_600 + (15_000 - 12_600) - 1000);
  });
});

describe('SymbolState snapshot after the wall clock closed candles', () => {
  // The snapshot carries the clock-moved watermark and the closed candles a tick may still
  // revise; without them a restored state would open a fresh revision-0 candle instead.
  it('continues revisions after restore like an uninterrupted run', () => {
    const options = baseOptions({ allowedLatenessMs: 0 });
    const run = (cutAfterAdvance: boolean) => {
      let state = new SymbolState('X', options);
      const sink = new Recorder(false);
      state.apply(10_500, 100, 1, undefined, undefined, 'f', 10_500, sink);
      state.advance(11_000, sink); // closes [10000, 11000) by the clock
      sink.take();
      if (cutAfterAdvance) state = SymbolState.restore(structuredClone(state.snapshot()), options);
      state.apply(10_600, 101, 1, undefined, undefined, 'f', 11_000, sink);
      state.advance(12_000, sink);
      state.closeAll(sink);
      return sink.take();
    };
    assert.deepStrictEqual(run(true), run(false));
  });
});
