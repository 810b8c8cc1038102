import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { ema, parseIndicators, sma } from './indicators.js';

const closes = fc.array(fc.double({ min: 0.01, max: 1e6, noNaN: true }), { maxLength: 300, size: 'max' });

describe('indicators', () => {
  it('sma matches the mean of each window computed from scratch', () => {
    fc.assert(
      fc.property(closes, fc.integer({ min: 1, max: 50 }), (values, period) => {
        const got = sma(values, period);
        values.forEach((_, i) => {
          if (i < period - 1) assert.equal(got[i], null);
          else {
            const window = values.slice(i - period + 1, i + 1);
            const want = window.reduce((a, b) => a + b, 0) / period;
            assert.ok(Math.abs(got[i]! - want) <= 1e-9 * Math.max(1, Math.abs(want)), `sma at ${i}`);
          }
        });
      }),
    );
  });

  it('ema starts from the simple average and follows the recursion', () => {
    fc.assert(
      fc.property(closes, fc.integer({ min: 1, max: 50 }), (values, period) => {
        const got = ema(values, period);
        const alpha = 2 / (period + 1);
        let want: number | null = null;
        values.forEach((v, i) => {
          if (i === period - 1) want = values.slice(0, period).reduce((a, b) => a + b, 0) / period;
          else if (i >= period) want = alpha * v + (1 - alpha) * want!;
          if (want === null) assert.equal(got[i], null);
          else assert.ok(Math.abs(got[i]! - want) <= 1e-9 * Math.max(1, Math.abs(want)), `ema at ${i}`);
        });
      }),
    );
  });

  it('parses specs and names the bad one', () => {
    assert.deepEqual(parseIndicators('sma:10, EMA:20,sma:10'), [
      { kind: 'sma', period: 10, key: 'sma:10' },
      { kind: 'ema', period: 20, key: 'ema:20' },
    ]);
    assert.deepEqual(parseIndicators(''), []);
    assert.throws(() => parseIndicators('sma:0'), /invalid indicator "sma:0"/);
    assert.throws(() => parseIndicators('wma:5'), /invalid indicator "wma:5"/);
    assert.throws(() => parseIndicators('sma:1001'), /1 ≤ N ≤ 1000/);
  });
});
