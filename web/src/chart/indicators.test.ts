import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import type { Candle } from './candle-book';
import { smaAtEnd, smaSeries } from './indicators';

function candles(closes: number[]): Candle[] {
  return closes.map((close, i) => ({
    start: i * 1000,
    end: (i + 1) * 1000,
    open: close,
    high: close,
    low: close,
    close,
    volume: 1,
    trades: 1,
    vwap: close,
    revision: 0,
    closed: true,
  }));
}

describe('smaSeries', () => {
  it('averages the last `period` closes from the period-th candle on', () => {
    assert.deepEqual(smaSeries(candles([1, 2, 3, 4, 5]), 3), [
      { start: 2000, value: 2 },
      { start: 3000, value: 3 },
      { start: 4000, value: 4 },
    ]);
    assert.deepEqual(smaSeries(candles([1, 2]), 3), []);
  });

  it('agrees with a plain mean over each window, and its end with smaAtEnd', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.01, max: 1e6, noNaN: true }), { maxLength: 80 }),
        fc.integer({ min: 1, max: 30 }),
        (closes, period) => {
          const points = smaSeries(candles(closes), period);
          assert.equal(points.length, Math.max(0, closes.length - period + 1));
          points.forEach((point, i) => {
            const window = closes.slice(i, i + period);
            const mean = window.reduce((a, b) => a + b, 0) / period;
            assert.ok(Math.abs(point.value - mean) <= 1e-9 * Math.max(1, mean), `${point.value} vs ${mean}`);
          });
          const end = smaAtEnd(candles(closes), period);
          const last = points.at(-1);
          if (!last) assert.equal(end, null);
          else assert.ok(end && Math.abs(end.value - last.value) <= 1e-9 * Math.max(1, last.value));
        },
      ),
    );
  });
});
