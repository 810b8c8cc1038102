import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MovingAverage } from './moving-average.js';

/** Mean of the last `window` values of a plain array, summed afresh. */
function naiveMean(values: readonly number[], window: number): number {
  const last = values.slice(Math.max(0, values.length - window));
  let sum = 0;
  for (const v of last) sum += v;
  return sum / last.length;
}

/** A small seeded generator, so long runs are reproducible from the seed fast-check prints. */
function mulberry32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('MovingAverage', () => {
  it('is the mean of the last N values, bit for bit when the sums are exact (integers)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 16 }),
        fc.array(fc.integer({ min: 0, max: 1_000_000_000 }), { minLength: 1, maxLength: 200, size: 'max' }),
        (window, values) => {
          const average = new MovingAverage(window);
          assert.ok(Number.isNaN(average.value));
          assert.equal(average.count, 0);
          const seen: number[] = [];
          for (const v of values) {
            seen.push(v);
            const expected = naiveMean(seen, window);
            assert.equal(average.push(v), expected);
            assert.equal(average.value, expected);
            assert.equal(average.count, Math.min(seen.length, window));
            assert.equal(average.total, seen.length);
            assert.deepEqual(average.values(), seen.slice(-window));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('stays within rounding of the naive mean for arbitrary prices', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.double({ min: 1e-6, max: 1e9, noNaN: true }), {
          minLength: 1,
          maxLength: 300,
          size: 'max',
        }),
        (window, values) => {
          const average = new MovingAverage(window);
          const seen: number[] = [];
          for (const v of values) {
            seen.push(v);
            const got = average.push(v);
            // Bound the error by the largest value that can still be in the running sum (the last
            // two windows, plus slack): rounding is relative to what was added and subtracted.
            const scale = Math.max(...seen.slice(-4 * window));
            assert.ok(Math.abs(got - naiveMean(seen, window)) <= 1e-12 * scale, `${got} at ${seen.length}`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('does not drift over a long run (250k prices, regime changes across 8 orders of magnitude)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.constantFrom(1, 7, 64, 100), (seed, window) => {
        const random = mulberry32(seed);
        const n = 250_000;
        const values = new Float64Array(n);
        let price = 1;
        const scales = [1e-2, 1, 7.5, 1e3, 1e6];
        for (let i = 0; i < n; i++) {
          if (i % 5000 === 0) price = scales[Math.floor(random() * scales.length)]!;
          price *= Math.exp((random() - 0.5) * 0.01);
          values[i] = price;
        }
        const average = new MovingAverage(window);
        let worst = 0;
        for (let i = 0; i < n; i++) {
          const got = average.push(values[i]!);
          const from = Math.max(0, i - window + 1);
          let sum = 0;
          for (let j = from; j <= i; j++) sum += values[j]!;
          const expected = sum / (i - from + 1);
          // A running sum that is never re-summed carries the error of the 1e6 era into the 1e-2
          // era (~1e-7 relative); re-summing every window keeps it to the last few windows.
          let scale = 0;
          for (let j = Math.max(0, i - 4 * window + 1); j <= i; j++) scale = Math.max(scale, values[j]!);
          const error = Math.abs(got - expected) / scale;
          if (error > worst) worst = error;
        }
        assert.ok(worst <= 1e-9, `worst relative error ${worst}`);
      }),
      { numRuns: 2 },
    );
  });

  it('stays within 1e-9 of the mean itself over 300k random-walk prices', () => {
    const random = mulberry32(20240601);
    const window = 64;
    const average = new MovingAverage(window);
    const values: number[] = [];
    let price = 50_000;
    let worst = 0;
    for (let i = 0; i < 300_000; i++) {
      price *= Math.exp((random() - 0.5) * 0.002);
      values.push(price);
      const got = average.push(price);
      const expected = naiveMean(values.slice(-window), window);
      worst = Math.max(worst, Math.abs(got - expected) / expected);
    }
    assert.ok(worst <= 1e-9, `worst relative error ${worst}`);
  });

  it('continues bit for bit after restore from replayValues and total', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.double({ min: 1e-3, max: 1e7, noNaN: true }), {
          minLength: 0,
          maxLength: 120,
          size: 'max',
        }),
        fc.array(fc.double({ min: 1e-3, max: 1e7, noNaN: true }), {
          minLength: 1,
          maxLength: 120,
          size: 'max',
        }),
        (window, before, after) => {
          const original = new MovingAverage(window);
          for (const v of before) original.push(v);
          const replay = original.replayValues();
          assert.ok(replay.length <= 2 * window);
          assert.deepEqual(replay, before.slice(before.length - replay.length));
          const restored = MovingAverage.restore(window, replay, original.total);
          assert.equal(restored.total, original.total);
          assert.equal(restored.count, original.count);
          assert.ok(Object.is(restored.value, original.value));
          for (const v of after) {
            assert.ok(Object.is(restored.push(v), original.push(v)));
            assert.deepEqual(restored.values(), original.values());
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('rejects a window that is not a positive integer, and a replay longer than the total', () => {
    for (const window of [0, -1, 1.5, NaN, Infinity])
      assert.throws(() => new MovingAverage(window), RangeError);
    assert.throws(() => MovingAverage.restore(4, [1, 2, 3], 2), RangeError);
  });

  it('averages all values while fewer than the window have arrived', () => {
    const average = new MovingAverage(3);
    assert.equal(average.push(3), 3);
    assert.equal(average.push(6), 4.5);
    assert.equal(average.push(9), 6);
    assert.equal(average.push(12), 9);
    assert.deepEqual(average.values(), [6, 9, 12]);
  });
});
