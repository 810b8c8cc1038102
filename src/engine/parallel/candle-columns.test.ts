import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { Candle, type CandleInit } from '../../core/candles.js';
import { CandleColumnWriter, loadCandleAt } from './candle-columns.js';

const SYMBOLS = ['AAA', 'BBB', 'CCC'];
const INTERVALS = ['1s', '1m', '5m'];

const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 });
const init: fc.Arbitrary<CandleInit & { s: number; i: number }> = fc.record({
  s: fc.integer({ min: 0, max: SYMBOLS.length - 1 }),
  i: fc.integer({ min: 0, max: INTERVALS.length - 1 }),
  symbol: fc.constant(''),
  interval: fc.constant(''),
  start: finite,
  end: finite,
  open: finite,
  high: finite,
  low: finite,
  close: finite,
  // 0 gives a null vwap.
  volume: fc.oneof(fc.constant(0), fc.double({ noNaN: true, min: 0, max: 1e9, noDefaultInfinity: true })),
  trades: fc.nat(),
  pvSum: finite,
  openTs: finite,
  closeTs: finite,
  revision: fc.nat(),
  closed: fc.boolean(),
});

describe('CandleColumnWriter', () => {
  it('hands over every candle exactly, in order, through growth and reuse, into one lent Candle (naive oracle)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(init, { maxLength: 700 }), { maxLength: 3 }), (messages) => {
        const writer = new CandleColumnWriter();
        const lent = new Candle();
        for (const inits of messages) {
          const expected = inits.map((x) => {
            const candle = new Candle({ ...x, symbol: SYMBOLS[x.s]!, interval: INTERVALS[x.i]! });
            writer.push(candle, x.s, x.i);
            return candle.toInit();
          });
          const columns = writer.take();
          assert.equal(columns.length, inits.length);
          // Each loaded over the one before: every field of the lent Candle is written again.
          const got = expected.map((_e, k) => loadCandleAt(columns, k, SYMBOLS, INTERVALS, lent).toInit());
          assert.deepEqual(got, expected);
          assert.equal(writer.length, 0);
        }
      }),
      { numRuns: 50 },
    );
  });
});
