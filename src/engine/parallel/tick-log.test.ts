import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { TickLog } from './tick-log.js';

interface Row {
  row: number;
  symbol: number;
  price: number;
  id: string | undefined;
  dropped: boolean;
}

const owner = { answer: () => undefined };

describe('TickLog', () => {
  it('keeps every row after the trim point by position, through wrapping and growth (naive oracle)', () => {
    const step = fc.oneof(
      fc.record({ append: fc.integer({ min: 1, max: 40 }), id: fc.option(fc.string({ maxLength: 4 })) }),
      fc.record({ trim: fc.integer({ min: 0, max: 60 }) }),
      fc.record({ drop: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), fc.integer({ min: 1, max: 16 }), (steps, capacity) => {
        const log = new TickLog(capacity);
        const naive: Row[] = [];
        let base = 0;
        for (const s of steps) {
          if ('append' in s) {
            for (let k = 0; k < s.append; k++) {
              const position = base + naive.length;
              const id = s.id ?? undefined;
              const i = log.append(owner, position);
              log.set(i, position % 7, 1, position * 0.5, 1, position, NaN, 9, id);
              naive.push({ row: position, symbol: position % 7, price: position * 0.5, id, dropped: false });
            }
          } else if ('trim' in s) {
            const to = Math.min(base + s.trim, base + naive.length);
            log.trim(to);
            naive.splice(0, to - base);
            base = to;
          } else if (naive.length > 0) {
            const k = s.drop % naive.length;
            log.dropped[log.at(base + k)] = 1;
            naive[k]!.dropped = true;
          }
        }
        assert.equal(log.base, base);
        assert.equal(log.end, base + naive.length);
        const rows = log.rows(base, base + naive.length, []);
        assert.equal(rows.length, naive.length);
        // `run` answers the rows that lie side by side: a run, then the rest from index 0.
        const run = log.run(base, naive.length);
        for (let k = 0; k < naive.length; k++)
          assert.equal(log.at(base + k), k < run ? log.at(base) + k : k - run);
        naive.forEach((r, k) => {
          assert.equal(log.row[log.at(base + k)], r.row);
          assert.equal(rows.symbol[k], r.dropped ? -1 : r.symbol);
          assert.equal(rows.price[k], r.price);
          assert.equal(rows.ids[k], r.id);
        });
      }),
      { numRuns: 200 },
    );
  });
});
