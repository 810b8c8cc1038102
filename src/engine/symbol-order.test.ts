import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { SymbolOrder } from './symbol-order.js';
import { TickBatch } from './tick-batch.js';

function batchOf(numbers: readonly number[], numbered = true): TickBatch {
  const batch = new TickBatch(Math.max(1, numbers.length));
  numbers.forEach((n, i) => {
    batch.push(`S${n}`, 1, 1);
    batch.symbolNumbers[i] = n;
  });
  batch.numbered = numbered;
  return batch;
}

/** The naive order: each symbol's rows, symbols in the order of their first row. */
function naive(numbers: readonly number[]): number[] {
  const groups = new Map<number, number[]>();
  numbers.forEach((n, i) => {
    if (!groups.has(n)) groups.set(n, []);
    groups.get(n)!.push(i);
  });
  return [...groups.values()].flat();
}

describe('SymbolOrder', () => {
  it('orders rows a symbol at a time as the naive grouping does, over many batches with one instance', () => {
    const order = new SymbolOrder();
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.oneof(fc.nat(12), fc.nat(5000)), { maxLength: 60 }), {
          minLength: 1,
          maxLength: 8,
        }),
        (batches) => {
          for (const numbers of batches) {
            const got = order.arrange(batchOf(numbers));
            const want = naive(numbers);
            if (got === undefined)
              assert.deepEqual(
                want,
                numbers.map((_, i) => i),
              );
            else assert.deepEqual([...got.subarray(0, numbers.length)], want);
          }
        },
      ),
    );
  });

  it('answers undefined when every row is a symbol of its own, or a row has no number', () => {
    const order = new SymbolOrder();
    assert.equal(order.arrange(batchOf([3, 1, 2])), undefined);
    assert.equal(order.arrange(batchOf([3, 1, 3], false)), undefined);
    assert.equal(order.arrange(batchOf([3, -1, 3])), undefined);
    assert.deepEqual([...order.arrange(batchOf([3, 1, 3, 1]))!.subarray(0, 4)], [0, 2, 1, 3]);
  });
});
