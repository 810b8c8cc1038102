import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { CandleBook, mergeCandles, newerCandle, normalizeCandle, type Candle } from './candle-book';

const MINUTE = 60_000;
const T0 = Date.UTC(2024, 0, 2, 14, 0);

function candle(index: number, patch: Partial<Candle> = {}): Candle {
  const start = T0 + index * MINUTE;
  return {
    start,
    end: start + MINUTE,
    open: 100,
    high: 101,
    low: 99,
    close: 100 + index,
    volume: 10,
    trades: 3,
    vwap: 100,
    revision: 0,
    closed: true,
    ...patch,
  };
}

describe('normalizeCandle', () => {
  it('reads REST candles (ISO times) and stream candles (epoch ms) alike', () => {
    const wire = {
      open: 1,
      high: 2,
      low: 0.5,
      close: 1.5,
      volume: 3,
      trades: 2,
      vwap: 1.2,
      revision: 1,
      closed: true,
    };
    const rest = normalizeCandle({
      ...wire,
      start: '2024-01-02T14:00:00.000Z',
      end: '2024-01-02T14:01:00.000Z',
    });
    const stream = normalizeCandle({ ...wire, symbol: 'AAPL', interval: '1m', start: T0, end: T0 + MINUTE });
    assert.deepEqual(rest, stream);
    assert.equal(rest?.start, T0);
    assert.equal(rest?.revision, 1);
  });

  it('defaults what older shapes leave out and refuses unusable candles', () => {
    const bare = normalizeCandle({
      start: T0,
      end: T0 + MINUTE,
      open: 1,
      high: 1,
      low: 1,
      close: 1,
      volume: 0,
      trades: 1,
      vwap: null,
    });
    assert.equal(bare?.revision, 0);
    assert.equal(bare?.closed, false);
    assert.equal(bare?.vwap, null);
    assert.equal(
      normalizeCandle({
        start: 'soon',
        end: T0,
        open: 1,
        high: 1,
        low: 1,
        close: 1,
        volume: 0,
        trades: 0,
        vwap: null,
      }),
      null,
    );
    assert.equal(
      normalizeCandle({
        start: T0,
        end: T0,
        open: Number.NaN,
        high: 1,
        low: 1,
        close: 1,
        volume: 0,
        trades: 0,
        vwap: null,
      }),
      null,
    );
  });
});

describe('newerCandle', () => {
  it('prefers the higher revision, then a closed candle, then the later arrival', () => {
    const open = candle(0, { closed: false, close: 1 });
    const closed = candle(0, { closed: true, close: 2 });
    const revised = candle(0, { revision: 1, close: 3 });
    assert.equal(newerCandle(closed, revised), revised);
    assert.equal(newerCandle(revised, closed), revised);
    assert.equal(newerCandle(closed, open), closed);
    assert.equal(newerCandle(open, closed), closed);
    const later = candle(0, { closed: false, close: 4 });
    assert.equal(newerCandle(open, later), later);
  });
});

describe('mergeCandles', () => {
  it('joins pages and live candles into one series, oldest first, one per bucket', () => {
    const older = [candle(0), candle(1)];
    const newer = [candle(2), candle(3, { closed: false, close: 1 })];
    const live = [candle(3, { closed: false, close: 7 }), candle(4, { closed: false })];
    const merged = mergeCandles([...newer, ...older], live);
    assert.deepEqual(
      merged.map((c) => c.start),
      [0, 1, 2, 3, 4].map((i) => T0 + i * MINUTE),
    );
    assert.equal(merged[3]?.close, 7, 'the live version of the open candle wins');
  });

  it('keeps a revision from history over a stale live copy', () => {
    const merged = mergeCandles(
      [candle(0, { revision: 2, close: 9 })],
      [candle(0, { revision: 1, close: 5 })],
    );
    assert.equal(merged[0]?.close, 9);
  });
});

describe('CandleBook', () => {
  it('moves only the tail while the newest candle ticks or a new one opens', () => {
    const book = new CandleBook();
    book.setHistory([candle(0), candle(1), candle(2, { closed: false })]);
    assert.equal(book.applyLive(candle(2, { closed: false, close: 50 })), 'tail');
    assert.equal(book.candles.at(-1)?.close, 50);
    assert.equal(book.applyLive(candle(2, { closed: true, close: 51 })), 'tail');
    assert.equal(book.applyLive(candle(3, { closed: false })), 'tail');
    assert.equal(book.candles.length, 4);
  });

  it('redraws for a revision of an older candle and ignores stale versions', () => {
    const book = new CandleBook();
    book.setHistory([candle(0), candle(1), candle(2)]);
    assert.equal(book.applyLive(candle(0, { revision: 1, close: 42 })), 'full');
    assert.equal(book.candles[0]?.close, 42);
    assert.equal(book.applyLive(candle(0, { revision: 0, close: 1 })), 'none');
    assert.equal(book.applyLive(candle(1, { closed: false })), 'none', 'an open copy of a closed candle');
    assert.equal(book.candles[0]?.close, 42);
  });

  it('fills a hole before the tail', () => {
    const book = new CandleBook();
    book.setHistory([candle(0), candle(2)]);
    assert.equal(book.applyLive(candle(1)), 'full');
    assert.deepEqual(
      book.candles.map((c) => c.start),
      [0, 1, 2].map((i) => T0 + i * MINUTE),
    );
  });

  it('keeps live candles that arrived before the history, and those newer than it', () => {
    const book = new CandleBook();
    book.applyLive(candle(5, { closed: false, close: 77 }));
    assert.equal(book.candles.length, 1);
    book.setHistory([candle(3), candle(4), candle(5, { closed: false, close: 70 })]);
    assert.equal(book.candles.length, 3);
    assert.equal(book.candles.at(-1)?.close, 77);
    assert.equal(book.oldestStart, T0 + 3 * MINUTE);
  });

  it('ends up where a naive replay of every version ends up, in any order of arrival', () => {
    const version = fc.record({
      index: fc.integer({ min: 0, max: 12 }),
      revision: fc.integer({ min: 0, max: 3 }),
      closed: fc.boolean(),
      close: fc.integer({ min: 1, max: 1000 }),
    });
    fc.assert(
      fc.property(
        fc.array(version, { maxLength: 25 }),
        fc.array(version, { maxLength: 40 }),
        (history, live) => {
          const book = new CandleBook();
          const historyCandles = history.map((v) => candle(v.index, v));
          book.setHistory(historyCandles);
          for (const v of live) book.applyLive(candle(v.index, v));

          // Oracle: for each bucket, among all versions (history first, then live in arrival
          // order) the best by (revision, closed), the latest arrival on a tie.
          const best = new Map<number, Candle>();
          const rank = (c: Candle) => c.revision * 2 + (c.closed ? 1 : 0);
          for (const c of [...historyCandles, ...live.map((v) => candle(v.index, v))]) {
            const current = best.get(c.start);
            if (!current || rank(c) >= rank(current)) best.set(c.start, c);
          }
          const expected = [...best.values()].sort((a, b) => a.start - b.start);
          assert.deepEqual(book.candles, expected);
        },
      ),
    );
  });
});
