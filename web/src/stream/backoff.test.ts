import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { backoffDelayMs, DEFAULT_BACKOFF } from './backoff';

describe('backoffDelayMs', () => {
  const options = { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.5 };

  it('doubles from the initial delay up to the cap', () => {
    const lowest = [1, 2, 3, 4, 5, 6, 7, 8, 20].map((attempt) => backoffDelayMs(attempt, () => 0, options));
    assert.deepEqual(lowest, [250, 500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000]);
    const highest = [1, 2, 3, 7, 8, 100].map((attempt) => backoffDelayMs(attempt, () => 0.999999, options));
    assert.deepEqual(highest, [500, 1000, 2000, 30_000, 30_000, 30_000]);
  });

  it('stays within [base × (1 − jitter), base] for any attempt and random draw', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, r) => {
          let base = DEFAULT_BACKOFF.initialMs;
          for (let i = 1; i < attempt && base < DEFAULT_BACKOFF.maxMs; i++) base *= 2;
          base = Math.min(base, DEFAULT_BACKOFF.maxMs);
          const delay = backoffDelayMs(attempt, () => r);
          return delay >= Math.floor(base / 2) && delay <= base;
        },
      ),
    );
  });

  it('treats attempt 0 like the first retry', () => {
    assert.equal(
      backoffDelayMs(0, () => 1, options),
      500,
    );
  });
});
