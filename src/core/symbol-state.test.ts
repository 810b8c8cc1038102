import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Candle, CandleData } from './candles.js';
import { parseIntervals, type Interval } from './interval.js';
import type { Anomaly, AnomalyMode, Severity } from './spike-detector.js';
import {
  SymbolState,
  type SymbolEventSink,
  type SymbolStateOptions,
  type SymbolStats,
} from './symbol-state.js';

// ---------------------------------------------------------------------------------------------
// Inputs

interface TickAction {
  readonly kind: 'tick';
  readonly ts: number;
  readonly price: number;
  readonly volume: number;
  readonly seq: number | undefined;
  readonly id: string | undefined;
  readonly source: string;
  readonly receivedAt: number;
  /** The caller refuses the tick after `check` passed (e.g. overloaded): it must change nothing. */
  readonly refuse: boolean;
}
interface AdvanceAction {
  readonly kind: 'advance';
  readonly now: number;
}
type Action = TickAction | AdvanceAction;

type Event =
  | { readonly type: 'rejected'; readonly index: number; readonly reason: string }
  | {
      readonly type: 'gap';
      readonly symbol: string;
      readonly source: string;
      readonly from: number;
      readonly to: number;
    }
  | ({ readonly type: 'anomaly' } & Anomaly)
  | ({ readonly type: 'candle' } & CandleData);

/** The float64 neighbour `steps` representable values away from `x` (x > 0). */
function nextFloat(x: number, steps: number): number {
  const bits = new Float64Array([x]);
  const ints = new BigInt64Array(bits.buffer);
  ints[0] = ints[0]! + BigInt(steps);
  return bits[0]!;
}

/** A price p with ((p − ref) / ref) * 100 === percent exactly in float64, if one is near. */
function exactMove(ref: number, percent: number): number | undefined {
  const guess = ref * (1 + percent / 100);
  for (let d = -64; d <= 64; d++) {
    const p = nextFloat(guess, d);
    if (((p - ref) / ref) * 100 === percent) return p;
  }
  return undefined;
}

/** Prices around a base with moves of exactly ±T (and +T twice over), and of more and less than T. */
function priceCluster(base: number, thresholdPercent: number): number[] {
  const up = exactMove(base, thresholdPercent);
  const exact = [up, exactMove(base, -thresholdPercent), up && exactMove(up, thresholdPercent)];
  return [
    base,
    base * 1.004,
    base * 0.993,
    base * 1.08,
    base * 0.95,
    ...exact.filter((p) => p !== undefined),
  ];
}

const optionsArb = fc.record({
  movingAverageWindow: fc.integer({ min: 1, max: 6 }),
  windowMs: fc.constantFrom(0, 10, 100, 1000),
  thresholdPercent: fc.constantFrom(2, 0.5, 5),
  anomalyMode: fc.constantFrom<AnomalyMode>('episode', 'every'),
  intervals: fc
    .subarray(['1ms', '10ms', '100ms', '1s', '1m'], { minLength: 1 })
    .map((texts): readonly Interval[] => parseIntervals(texts)),
  allowedLatenessMs: fc.constantFrom(0, 5, 50, 1000),
  dedupeCapacity: fc.constantFrom(0, 1, 3, 10_000),
});

function actionsArb(options: SymbolStateOptions, withAdvance: boolean) {
  const L = options.allowedLatenessMs;
  const longest = options.intervals[options.intervals.length - 1]!.ms;
  const tsStep = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 30 }) },
    { weight: 2, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.constantFrom(-L, -L - 1, options.windowMs, options.windowMs + 1) },
    { weight: 2, arbitrary: fc.integer({ min: -L - 5, max: 0 }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: Math.min(longest, 100_000) + L }) },
  );
  const tick = fc.record({
    kind: fc.constant('tick' as const),
    clockStep: fc.integer({ min: 0, max: 40 }),
    tsStep,
    pricePick: fc.nat(),
    volume: fc.oneof(fc.constant(0), fc.constantFrom(1, 2.5), fc.double({ min: 0, max: 1000, noNaN: true })),
    source: fc.constantFrom('a', 'b'),
    seqStep: fc.option(fc.integer({ min: -1, max: 3 }), { nil: undefined, freq: 3 }),
    id: fc.option(
      fc.integer({ min: 0, max: 15 }).map((n) => `id-${n}`),
      { nil: undefined, freq: 2 },
    ),
    refuse: fc.oneof(
      { weight: 15, arbitrary: fc.constant(false) },
      { weight: 1, arbitrary: fc.constant(true) },
    ),
  });
  const advance = fc.record({
    kind: fc.constant('advance' as const),
    clockStep: fc.integer({ min: 0, max: 3000 }),
  });
  type Item = typeof tick extends fc.Arbitrary<infer T> ? T : never;
  type AdvanceItem = typeof advance extends fc.Arbitrary<infer T> ? T : never;
  const item: fc.Arbitrary<Item | AdvanceItem> = withAdvance
    ? fc.oneof({ weight: 8, arbitrary: tick }, { weight: 1, arbitrary: advance })
    : tick;
  return fc
    .tuple(
      fc.constantFrom(1, 100, 64_000, 0.04),
      fc.array(item, { minLength: 1, maxLength: 120, size: 'max' }),
    )
    .map(([base, items]) => {
      const prices = priceCluster(base, options.thresholdPercent);
      let clock = 1_700_000_000_000;
      let ts = clock;
      const nextSeq = new Map<string, number>();
      return items.map((it): Action => {
        clock += it.clockStep;
        if (it.kind === 'advance') return { kind: 'advance', now: clock };
        ts = Math.max(0, ts + it.tsStep);
        let seq: number | undefined;
        if (it.seqStep !== undefined) {
          // Mostly the next number, sometimes a repeat or a jump (duplicates and gaps).
          seq = Math.max(0, (nextSeq.get(it.source) ?? 0) + it.seqStep);
          nextSeq.set(it.source, seq + 1);
        }
        return {
          kind: 'tick',
          ts,
          price: prices[it.pricePick % prices.length]!,
          volume: it.volume,
          seq,
          id: it.id,
          source: it.source,
          receivedAt: clock,
          refuse: it.refuse,
        };
      });
    });
}

// ---------------------------------------------------------------------------------------------
// The naive oracle: DESIGN §3.2–3.5 over the whole stream, every answer recomputed by scanning.

interface Accepted {
  readonly ts: number;
  /** Effective time for the spike window: the largest ts accepted so far. */
  readonly t: number;
  readonly price: number;
  readonly volume: number;
  readonly seq: number | undefined;
  readonly id: string | undefined;
  readonly source: string;
  readonly receivedAt: number;
}

function naiveSeverity(changePercent: number): Severity {
  if (Math.abs(changePercent) > 5) return 'critical';
  if (Math.abs(changePercent) > 3) return 'high';
  return 'medium';
}

/** How often the generated streams reach the cases that matter, so a weak generator cannot hide. */
const seen = { exactThreshold: 0, revision: 0, duplicate: 0, late: 0, gap: 0, up: 0, down: 0 };

class NaiveSymbol {
  readonly accepted: Accepted[] = [];
  /** Per interval label: bucket start → revision of the candle last emitted as closed. */
  readonly #closed = new Map<string, Map<number, number>>();
  #clockWatermark = -Infinity;
  #upBefore = false;
  #downBefore = false;

  constructor(
    readonly symbol: string,
    readonly options: SymbolStateOptions,
    readonly wantsCandleUpdates: boolean,
  ) {
    for (const interval of options.intervals) this.#closed.set(interval.label, new Map());
  }

  get lastTs(): number {
    return Math.max(-Infinity, ...this.accepted.map((a) => a.ts));
  }

  watermark(): number {
    return Math.max(this.lastTs - this.options.allowedLatenessMs, this.#clockWatermark);
  }

  lastSeq(source: string): number | undefined {
    return this.accepted.filter((a) => a.source === source && a.seq !== undefined).at(-1)?.seq;
  }

  rejectReason(tick: TickAction): string | undefined {
    const last = this.lastSeq(tick.source);
    if (tick.seq !== undefined && last !== undefined && tick.seq <= last) return 'duplicate';
    const cap = this.options.dedupeCapacity;
    const ids = this.accepted.filter((a) => a.id !== undefined).map((a) => a.id);
    if (tick.id !== undefined && cap > 0 && ids.slice(-cap).includes(tick.id)) return 'duplicate';
    if (tick.ts < this.lastTs - this.options.allowedLatenessMs) return 'late';
    return undefined;
  }

  candle(interval: Interval, start: number, closed: boolean, revision: number): Event {
    const I = interval.ms;
    const trades = this.accepted.filter((a) => Math.floor(a.ts / I) * I === start);
    const minTs = Math.min(...trades.map((a) => a.ts));
    const maxTs = Math.max(...trades.map((a) => a.ts));
    let volume = 0;
    let pv = 0;
    for (const a of trades) {
      volume += a.volume;
      pv += a.price * a.volume;
    }
    return {
      type: 'candle',
      symbol: this.symbol,
      interval: interval.label,
      start,
      end: start + I,
      open: trades.find((a) => a.ts === minTs)!.price,
      high: Math.max(...trades.map((a) => a.price)),
      low: Math.min(...trades.map((a) => a.price)),
      close: trades.findLast((a) => a.ts === maxTs)!.price,
      volume,
      trades: trades.length,
      vwap: volume > 0 ? pv / volume : null,
      revision,
      closed,
    };
  }

  /** Candles of buckets with ticks whose end the watermark has passed and that were never closed. */
  closeUpTo(watermark: number, out: Event[]): void {
    for (const interval of this.options.intervals) {
      const closed = this.#closed.get(interval.label)!;
      const I = interval.ms;
      const starts = [...new Set(this.accepted.map((a) => Math.floor(a.ts / I) * I))].sort((x, y) => x - y);
      for (const start of starts) {
        if (closed.has(start) || start + I > watermark) continue;
        closed.set(start, 0);
        out.push(this.candle(interval, start, true, 0));
      }
    }
  }

  tick(index: number, tick: TickAction): Event[] {
    const reason = this.rejectReason(tick) ?? (tick.refuse ? 'overloaded' : undefined);
    if (reason === 'duplicate' || reason === 'late') seen[reason]++;
    if (reason !== undefined) return [{ type: 'rejected', index, reason }];
    const out: Event[] = [];
    const last = this.lastSeq(tick.source);
    if (tick.seq !== undefined && last !== undefined && tick.seq > last + 1) {
      seen.gap++;
      out.push({ type: 'gap', symbol: this.symbol, source: tick.source, from: last + 1, to: tick.seq - 1 });
    }
    const t = Math.max(tick.ts, this.lastTs);
    this.accepted.push({ ...tick, t });

    const { windowMs, thresholdPercent, anomalyMode } = this.options;
    const inWindow = this.accepted.filter((a) => a.t >= t - windowMs);
    const m = Math.min(...inWindow.map((a) => a.price));
    const M = Math.max(...inWindow.map((a) => a.price));
    const up = ((tick.price - m) / m) * 100;
    const down = ((tick.price - M) / M) * 100;
    if (up === thresholdPercent || down === -thresholdPercent) seen.exactThreshold++;
    const isUp = up > thresholdPercent;
    const isDown = down < -thresholdPercent;
    const anomaly = (direction: 'up' | 'down', reference: number, changePercent: number): Event => ({
      type: 'anomaly',
      symbol: this.symbol,
      direction,
      price: tick.price,
      ts: tick.ts,
      referencePrice: reference,
      referenceTs: inWindow.filter((a) => a.price === reference).at(-1)!.t,
      changePercent,
      severity: naiveSeverity(changePercent),
      windowMs,
      thresholdPercent,
    });
    if (isUp && (anomalyMode === 'every' || !this.#upBefore)) out.push(anomaly('up', m, up));
    if (isDown && (anomalyMode === 'every' || !this.#downBefore)) out.push(anomaly('down', M, down));
    if (isUp) seen.up++;
    if (isDown) seen.down++;
    this.#upBefore = isUp;
    this.#downBefore = isDown;

    const watermark = this.watermark();
    for (const interval of this.options.intervals) {
      const start = Math.floor(tick.ts / interval.ms) * interval.ms;
      const closed = this.#closed.get(interval.label)!;
      const revision = closed.get(start);
      if (revision !== undefined) {
        // Only a bucket the wall clock closed can still be reached: re-emit it, one revision up.
        closed.set(start, revision + 1);
        seen.revision++;
        out.push(this.candle(interval, start, true, revision + 1));
      } else if (start + interval.ms <= watermark) {
        // An empty bucket the clock passed: its first candle is born closed.
        closed.set(start, 0);
        out.push(this.candle(interval, start, true, 0));
      } else if (this.wantsCandleUpdates) {
        out.push(this.candle(interval, start, false, 0));
      }
    }
    this.closeUpTo(watermark, out);
    return out;
  }

  advance(now: number): Event[] {
    const last = this.accepted.at(-1);
    if (last === undefined) return [];
    const clockWatermark = this.lastTs + (now - last.receivedAt) - this.options.allowedLatenessMs;
    this.#clockWatermark = Math.max(this.#clockWatermark, clockWatermark);
    const out: Event[] = [];
    this.closeUpTo(this.watermark(), out);
    return out;
  }

  closeAll(): Event[] {
    const out: Event[] = [];
    this.closeUpTo(Infinity, out);
    return out;
  }

  /** Stats with the moving average as a plain mean; compared within rounding. */
  stats(): SymbolStats {
    const prices = this.accepted.map((a) => a.price);
    const recent = prices.slice(-this.options.movingAverageWindow);
    let sum = 0;
    for (const p of recent) sum += p;
    const movingAverage = sum / recent.length;
    let volume = 0;
    for (const a of this.accepted) volume += a.volume;
    const currentPrice = prices.at(-1)!;
    return {
      symbol: this.symbol,
      currentPrice,
      movingAverage,
      updateCount: prices.length,
      lastUpdateTime: this.accepted.at(-1)!.ts,
      minPrice: Math.min(...prices),
      maxPrice: Math.max(...prices),
      volume,
      changeFromAverage: ((currentPrice - movingAverage) / movingAverage) * 100,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Driving the real thing the way the engine does: check, then apply.

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
