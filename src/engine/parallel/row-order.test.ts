import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { reorder, rowOrder } from './row-order.js';

describe('rowOrder', () => {
  it('gives the stable sort by row of the entries from `from` on, as the naive sort does', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(20), { maxLength: 40 }),
        fc.array(fc.nat(20), { maxLength: 60 }),
        (before, rows) => {
          const all = [...before, ...rows];
          const from = before.length;
          const order = rowOrder(all, from, all.length);
          // Array.prototype.sort is stable: entries of one row keep their order.
          const want = rows.map((_, k) => from + k).sort((a, b) => all[a]! - all[b]!);
          if (order === undefined)
            assert.deepEqual(
              want,
              rows.map((_, k) => from + k),
            );
          else assert.deepEqual([...order], want);
          const labels = all.map((row, k) => `${row}:${k}`);
          if (order !== undefined) reorder(labels, from, order);
          assert.deepEqual(
            labels.slice(0, from),
            before.map((row, k) => `${row}:${k}`),
          );
          assert.deepEqual(
            labels.slice(from),
            want.map((k) => `${all[k]}:${k}`),
          );
        },
      ),
    );
  });
});
