import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  Candle,
  CANDLE_BAR_FIELDS,
  CANDLE_FIELDS,
  CandleSet,
  type CandleData,
  type CandleInit,
  type CandleSink,
} from './candles.js';
import { parseInterval, type Interval } from './interval.js';
import { SnapshotPacker } from './snapshot-pack.js';

/**
 * One interval of a CandleSet, driven the way these tests drive a series: `add` returns the candle
 * the tick changed (an update, or a closed revision), closes are collected into arrays.
 */
class OneInterval {
  readonly #set: CandleSet;
  #touched: Candle | undefined;
  #out: Candle[] = [];
  readonly #sink: CandleSink;

  constructor(interval: Interval) {
    this.#set = new CandleSet('SYM', [interval]);
    this.#sink = {
      wantsCandleUpdates: true,
      // The set lends its Candle objects: copied here, as a listener keeping them must.
      candle: (c) => {
        if (this.#collecting) this.#out.push(new Candle(c.toInit()));
        else this.#touched = new Candle(c.toInit());
      },
    };
  }

  #collecting = false;

  get nextEnd(): number {
    return this.#set.nextEnd;
  }

  add(ts: number, price: number, volume: number, watermark: number): Candle {
    this.#touched = undefined;
    this.#set.add(ts, price, volume, watermark, this.#sink);
    return this.#touched!;
  }

  closeUpTo(watermark: number, eventWatermark: number, out: Candle[]): void {
    this.#collecting = true;
    this.#out = out;
    this.#set.closeUpTo(watermark, eventWatermark, this.#sink);
    this.#collecting = false;
  }

  closeAll(out: Candle[]): void {
    this.closeUpTo(Infinity, Infinity, out);
  }

  openCandles(): Candle[] {
    return this.#set.openCandles();
  }

  revisableCandles(): Candle[] {
    return this.#set.revisableCandles();
  }

  restore(init: CandleInit): void {
    this.#set.restore(init);
  }
}

interface Trade {
  readonly ts: number;
  readonly price: number;
  readonly volume: number;
}

/** One bucket by brute force over its trades, given in arrival order. */
function naiveCandle(
  label: string,
  intervalMs: number,
  trades: readonly Trade[],
  closed: boolean,
): CandleData {
  const start = Math.floor(trades[0]!.ts / intervalMs) * intervalMs;
  const minTs = Math.min(...trades.map((t) => t.ts));
  const maxTs = Math.max(...trades.map((t) => t.ts));
  let volume = 0;
  let pv = 0;
  for (const t of trades) {
    volume += t.volume;
    pv += t.price * t.volume;
  }
  return {
    symbol: 'SYM',
    interval: label,
    start,
    end: start + intervalMs,
    open: trades.find((t) => t.ts === minTs)!.price,
    high: Math.max(...trades.map((t) => t.price)),
    low: Math.min(...trades.map((t) => t.price)),
    close: trades.findLast((t) => t.ts === maxTs)!.price,
    volume,
    trades: trades.length,
    vwap: volume > 0 ? pv / volume : null,
    revision: 0,
    closed,
  };
}

/** Ticks moving forward with repeats, steps back within and beyond the lateness, and jumps. */
function tradesArb(latenessMs: number, intervalMs: number) {
  const step = fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 0, max: Math.max(1, intervalMs) }) },
    { weight: 1, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.constant(-latenessMs) },
    { weight: 1, arbitrary: fc.integer({ min: -latenessMs - 3, max: 0 }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 5 * intervalMs + latenessMs }) },
  );
  const trade = fc.record({
    step,
    price: fc.oneof(fc.constantFrom(10, 11, 12), fc.double({ min: 0.5, max: 500, noNaN: true })),
    volume: fc.oneof(fc.constant(0), fc.constantFrom(1, 2.5), fc.double({ min: 0, max: 1000, noNaN: true })),
  });
  return fc.array(trade, { minLength: 1, maxLength: 150, size: 'max' }).map((items) => {
    let t = 1_700_000_000_000;
    return items.map(({ step: dt, price, volume }): Trade => ({
      ts: (t = Math.max(0, t + dt)),
      price,
      volume,
    }));
  });
}

const setupArb = fc
  .record({
    interval: fc.constantFrom('1ms', '10ms', '250ms', '1s', '1m'),
    latenessMs: fc.constantFrom(0, 5, 100, 1000),
  })
  .chain((s) => fc.tuple(fc.constant(s), tradesArb(s.latenessMs, parseInterval(s.interval).ms)));

/** Drives a series the way a symbol does under event time: late ticks dropped, watermark = lastTs − lateness. */
function runSeries(series: OneInterval, trades: readonly Trade[], latenessMs: number, lastTs = -Infinity) {
  const updates: CandleData[] = [];
  const closes: CandleData[][] = [];
  for (const trade of trades) {
    if (trade.ts < lastTs - latenessMs) {
      updates.push(undefined as never);
      closes.push([]);
      continue;
    }
    lastTs = Math.max(lastTs, trade.ts);
    const watermark = lastTs - latenessMs;
    updates.push(series.add(trade.ts, trade.price, trade.volume, watermark).toJSON());
    const closed: Candle[] = [];
    series.closeUpTo(watermark, watermark, closed);
    closes.push(closed.map((c) => c.toJSON()));
  }
  const rest: Candle[] = [];
  series.closeAll(rest);
  return { updates, closes, rest: rest.map((c) => c.toJSON()), lastTs };
}

describe('CandleSet', () => {
  it('matches grouping every accepted tick by bucket, closing at the watermark', () => {
    fc.assert(
      fc.property(setupArb, ([{ interval: text, latenessMs }, trades]) => {
        const interval = parseInterval(text);
        const I = interval.ms;
        const got = runSeries(new OneInterval(interval), trades, latenessMs);

        // The oracle: decide acceptance, then at every step group all accepted ticks by bucket.
        const accepted: Trade[] = [];
        const closedStarts = new Set<number>();
        let lastTs = -Infinity;
        trades.forEach((trade, i) => {
          if (trade.ts < lastTs - latenessMs) {
            assert.equal(got.updates[i], undefined);
            return;
          }
          accepted.push(trade);
          lastTs = Math.max(lastTs, trade.ts);
          const bucketOf = (t: Trade) => Math.floor(t.ts / I) * I;
          const start = bucketOf(trade);
          assert.ok(!closedStarts.has(start), 'an accepted tick never reaches a candle closed by event time');
          const sameBucket = accepted.filter((t) => bucketOf(t) === start);
          assert.deepStrictEqual(
            got.updates[i],
            naiveCandle(interval.label, I, sameBucket, false),
            `update ${i}`,
          );
          const starts = [...new Set(accepted.map(bucketOf))].sort((a, b) => a - b);
          const closing = starts.filter((s) => !closedStarts.has(s) && s + I <= lastTs - latenessMs);
          for (const s of closing) closedStarts.add(s);
          // Every tick that will ever land in a closing bucket has arrived: it is final now.
          const expected = closing.map((s) =>
            naiveCandle(
              interval.label,
              I,
              accepted.filter((t) => bucketOf(t) === s),
              true,
            ),
          );
          assert.deepStrictEqual(got.closes[i], expected, `closes after tick ${i}`);
        });
        const bucketOf = (t: Trade) => Math.floor(t.ts / I) * I;
        const remaining = [...new Set(accepted.map(bucketOf))]
          .filter((s) => !closedStarts.has(s))
          .sort((a, b) => a - b);
        assert.deepStrictEqual(
          got.rest,
          remaining.map((s) =>
            naiveCandle(
              interval.label,
              I,
              accepted.filter((t) => bucketOf(t) === s),
              true,
            ),
          ),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('continues the same after its open candles are restored from toInit()', () => {
    fc.assert(
      fc.property(setupArb, fc.nat(), ([{ interval: text, latenessMs }, trades], cutPick) => {
        const interval = parseInterval(text);
        const cut = cutPick % (trades.length + 1);
        const original = new OneInterval(interval);
        const first = runSeries(original, trades.slice(0, cut), latenessMs);
        const restored = new OneInterval(interval);
        for (const candle of original.openCandles()) restored.restore(structuredClone(candle.toInit()));
        assert.deepStrictEqual(
          restored.openCandles().map((c) => c.toJSON()),
          original.openCandles().map((c) => c.toJSON()),
        );
        assert.equal(restored.nextEnd, original.nextEnd);
        const a = runSeries(original, trades.slice(cut), latenessMs, first.lastTs);
        const b = runSeries(restored, trades.slice(cut), latenessMs, first.lastTs);
        assert.deepStrictEqual(b, a);
      }),
      { numRuns: 200 },
    );
  });

  it('aligns buckets to the UTC epoch (1d candles start at UTC midnight)', () => {
    const series = new OneInterval(parseInterval('1d'));
    const ts = Date.parse('2024-03-10T23:59:59.999Z');
    const candle = series.add(ts, 5, 1, -Infinity);
    assert.equal(candle.start, Date.parse('2024-03-10T00:00:00Z'));
    assert.equal(candle.end, Date.parse('2024-03-11T00:00:00Z'));
    assert.equal(candle.interval, '1d');
    const hour = new OneInterval(parseInterval('60m'));
    assert.equal(
      hour.add(Date.parse('2024-03-10T13:45:00Z'), 5, 1, -Infinity).start,
      Date.parse('2024-03-10T13:00Z'),
    );
  });

  it('has vwap null while the volume is 0, and open/close by time with ties by arrival', () => {
    const series = new OneInterval(parseInterval('1s'));
    let c = series.add(1500, 10, 0, -Infinity);
    assert.equal(c.vwap, null);
    c = series.add(1500, 11, 0, -Infinity); // same ts: open stays the first, close moves to the latest
    assert.deepEqual([c.open, c.close, c.vwap], [10, 11, null]);
    c = series.add(1200, 9, 2, -Infinity); // earlier ts arriving later: the new open
    assert.deepEqual([c.open, c.close, c.low, c.vwap, c.trades], [9, 11, 9, 9, 3]);
    c = series.add(1200, 8, 2, -Infinity); // tie on the smallest ts: the earliest arrival stays open
    assert.deepEqual([c.open, c.low, c.vwap], [9, 8, 8.5]);
  });

  it('closes only candles that ended by the watermark, oldest first, and skips empty buckets', () => {
    const series = new OneInterval(parseInterval('1s'));
    series.add(500, 1, 1, -Infinity);
    series.add(3500, 2, 1, -Infinity);
    series.add(2999, 3, 1, -Infinity);
    const out: Candle[] = [];
    series.closeUpTo(2999, 2999, out);
    assert.deepEqual(
      out.map((c) => c.start),
      [0],
    );
    series.closeUpTo(3000, 3000, out);
    assert.deepEqual(
      out.map((c) => [c.start, c.closed]),
      [
        [0, true],
        [2000, true],
      ],
    );
    assert.deepEqual(
      series.openCandles().map((c) => c.start),
      [3000],
    );
    assert.equal(series.nextEnd, 4000);
  });

  it('revises a candle the wall clock closed, as a new closed candle with revision + 1', () => {
    const series = new OneInterval(parseInterval('1s'));
    const open = series.add(1500, 10, 1, 500);
    const out: Candle[] = [];
    // The clock pushed the watermark to 2100 while event time stands at 500.
    series.closeUpTo(2100, 500, out);
    assert.equal(out.length, 1);
    const first = out[0]!.toJSON();
    assert.deepEqual([first.revision, first.closed, first.trades], [0, true, 1]);
    const revised = series.add(1700, 12, 3, 2100);
    assert.notEqual(revised, out[0], 'a revision is a new Candle; the closed one is not changed');
    assert.deepEqual(out[0]!.toJSON(), first);
    assert.equal(open.closed, false, 'the object lent with an update is never marked closed');
    assert.deepStrictEqual(revised.toJSON(), {
      ...first,
      high: 12,
      close: 12,
      volume: 4,
      trades: 2,
      vwap: (10 * 1 + 12 * 3) / 4,
      revision: 1,
    });
    const again = series.add(1100, 9, 0, 2100);
    assert.deepEqual([again.revision, again.open, again.low, again.trades, again.closed], [2, 9, 9, 3, true]);
    // A tick for an empty bucket the clock passed makes a closed first candle.
    const empty = series.add(600, 7, 1, 2100);
    assert.deepEqual([empty.start, empty.revision, empty.closed, empty.trades], [0, 0, true, 1]);
  });
});

describe('Candle', () => {
  it('round-trips through toInit() and serializes as its public fields', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            ts: fc.integer({ min: 60_000, max: 119_999 }),
            price: fc.double({ min: 1, max: 100, noNaN: true }),
            volume: fc.double({ min: 0, max: 10, noNaN: true }),
          }),
          { minLength: 1, maxLength: 40, size: 'max' },
        ),
        (trades) => {
          const series = new OneInterval(parseInterval('1m'));
          let a: Candle | undefined;
          for (const t of trades) a = series.add(t.ts, t.price, t.volume, -Infinity);
          const b = new Candle(structuredClone(a!.toInit()));
          assert.deepStrictEqual(b.toJSON(), a!.toJSON());
          assert.deepStrictEqual(b.toInit(), a!.toInit());
          assert.deepStrictEqual(a!.toJSON(), naiveCandle('1m', 60_000, trades, false));
          assert.deepStrictEqual(JSON.parse(JSON.stringify(a)), a!.toJSON());
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('CandleSet with several intervals', () => {
  it('keeps each interval as a one-interval set would, emitting shortest interval first', () => {
    const intervals = ['250ms', '1s', '1m'].map(parseInterval);
    fc.assert(
      fc.property(tradesArb(1000, 250), fc.constantFrom(0, 100, 1000), (trades, latenessMs) => {
        const events: CandleData[] = [];
        const all = new CandleSet('SYM', intervals);
        const sink: CandleSink = { wantsCandleUpdates: true, candle: (c) => events.push(c.toJSON()) };
        const single = intervals.map((i) => new OneInterval(i));
        const expected: CandleData[] = [];
        let lastTs = -Infinity;
        for (const t of trades) {
          if (t.ts < lastTs - latenessMs) continue;
          lastTs = Math.max(lastTs, t.ts);
          const watermark = lastTs - latenessMs;
          all.add(t.ts, t.price, t.volume, watermark, sink);
          for (const s of single) expected.push(s.add(t.ts, t.price, t.volume, watermark).toJSON());
          if (watermark >= all.nextEnd) all.closeUpTo(watermark, watermark, sink);
          for (const s of single) {
            const out: Candle[] = [];
            s.closeUpTo(watermark, watermark, out);
            expected.push(...out.map((c) => c.toJSON()));
          }
        }
        assert.deepStrictEqual(events, expected);
      }),
      { numRuns: 150 },
    );
  });

  it('grows past its initial slots when many buckets are open at once, and restores revisable candles', () => {
    const set = new OneInterval(parseInterval('1ms'));
    // Lateness of 100 ms at 1 ms buckets: up to 100 buckets open together.
    for (let ts = 0; ts < 100; ts++) set.add(ts, 1 + ts, 1, -Infinity);
    assert.equal(set.openCandles().length, 100);
    const out: Candle[] = [];
    set.closeUpTo(50, 0, out);
    assert.equal(out.length, 50);
    assert.equal(set.revisableCandles().length, 50);
    const restored = new OneInterval(parseInterval('1ms'));
    for (const c of [...set.openCandles(), ...set.revisableCandles()]) restored.restore(c.toInit());
    assert.deepStrictEqual(
      restored.revisableCandles().map((c) => c.toJSON()),
      set.revisableCandles().map((c) => c.toJSON()),
    );
    const a = set.add(10, 500, 1, 50);
    const b = restored.add(10, 500, 1, 50);
    assert.deepStrictEqual(b.toJSON(), a.toJSON());
    assert.equal(a.revision, 1);
  });
});

describe('CandleSet without open-candle updates', () => {
  /** A set and the closed candles (closes and revisions) it emits, and the updates when wanted. */
  function driven(intervals: readonly Interval[], wantsCandleUpdates: boolean) {
    const closed: CandleInit[] = [];
    const updates: CandleInit[] = [];
    const sink = {
      wantsCandleUpdates,
      candle: (c: Candle) => (c.closed ? closed : updates).push({ ...c.toInit(), closed: c.closed }),
    };
    return { set: new CandleSet('SYM', intervals), sink, closed, updates };
  }

  function packed(set: CandleSet): number[] {
    const packer = new SnapshotPacker();
    set.pack(packer);
    return Array.from(packer.take().numbers);
  }

  // Without update listeners the longer intervals' newest buckets take the ticks that land in the
  // shortest one's newest bucket later, all at once; a set that reports every update takes them
  // tick by tick. Whatever reads them (closes, revisions, snapshots, restores) must not tell.
  it('has every candle, close, revision and snapshot of a set that takes each tick at once', () => {
    const setups = [
      ['250ms', '1s', '1m'],
      ['1s', '1m', '5m', '15m', '1h', '1d'],
      ['1ms', '10ms'],
      // Not nested (1 s is no multiple of 400 ms): nothing is deferred.
      ['400ms', '1s'],
    ].map((labels) => labels.map(parseInterval));
    fc.assert(
      fc.property(
        fc.constantFrom(...setups),
        fc.constantFrom(0, 100, 1000),
        tradesArb(1000, 250),
        fc.array(fc.nat(11), { minLength: 1, maxLength: 40 }),
        (intervals, latenessMs, trades, actions) => {
          let a = driven(intervals, false);
          let b = driven(intervals, true);
          let lastTs = -Infinity;
          let clock = -Infinity;
          const close = (watermark: number, eventWatermark: number): void => {
            if (watermark >= a.set.nextEnd) a.set.closeUpTo(watermark, eventWatermark, a.sink);
            if (watermark >= b.set.nextEnd) b.set.closeUpTo(watermark, eventWatermark, b.sink);
          };
          trades.forEach((t, i) => {
            if (t.ts < lastTs - latenessMs) return;
            lastTs = Math.max(lastTs, t.ts);
            const eventWatermark = lastTs - latenessMs;
            const watermark = Math.max(eventWatermark, clock);
            const action = actions[i % actions.length]!;
            // Now and then a listener wants this tick's updates.
            a.sink.wantsCandleUpdates = action === 0;
            const updatesBefore = b.updates.length;
            a.set.add(t.ts, t.price, t.volume, watermark, a.sink);
            b.set.add(t.ts, t.price, t.volume, watermark, b.sink);
            if (action === 0) assert.deepStrictEqual(a.updates, b.updates.slice(updatesBefore));
            a.updates.length = 0;
            close(watermark, eventWatermark);
            assert.equal(a.set.nextEnd, b.set.nextEnd);
            if (action === 1) {
              // The wall clock moves a quiet symbol's watermark on: newest buckets close, and a
              // later tick may revise them.
              clock = Math.max(clock, lastTs + (t.volume % 3000) - latenessMs);
              close(Math.max(eventWatermark, clock), eventWatermark);
            } else if (action === 2) {
              assert.deepStrictEqual(
                a.set.openCandles().map((c) => c.toInit()),
                b.set.openCandles().map((c) => c.toInit()),
              );
            } else if (action === 3) {
              assert.deepStrictEqual(packed(a.set), packed(b.set));
            } else if (action === 4) {
              // A restart: each set restored from its own snapshot.
              const restored = [a, b].map((d) => {
                const next = driven(intervals, d.sink.wantsCandleUpdates);
                for (const c of [...d.set.openCandles(), ...d.set.revisableCandles()])
                  next.set.restore(c.toInit());
                next.set.restoreCloses(d.set.closesByLabel() ?? {});
                next.closed.push(...d.closed);
                return next;
              });
              [a, b] = [restored[0]!, restored[1]!];
            }
          });
          a.set.closeAll(a.sink);
          b.set.closeAll(b.sink);
          assert.deepStrictEqual(a.closed, b.closed);
          assert.deepStrictEqual(packed(a.set), packed(b.set));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('CANDLE_FIELDS', () => {
  it('is the order of the fields of a candle as plain data (outputs keep it); the bar comes first', () => {
    assert.deepEqual(Object.keys(new Candle().toJSON()), [...CANDLE_FIELDS]);
    assert.deepEqual([...CANDLE_BAR_FIELDS], CANDLE_FIELDS.slice(0, CANDLE_BAR_FIELDS.length));
  });
});
