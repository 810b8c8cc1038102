import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SlidingMinMax } from './sliding-window.js';

interface Sample {
  readonly t: number;
  readonly price: number;
}

/** Min, max and their most recent holders by scanning every sample with time in [t − W, t]. */
function naiveWindow(all: readonly Sample[], t: number, windowMs: number) {
  const inside = all.filter((s) => s.t >= t - windowMs && s.t <= t);
  let min = Infinity;
  let max = -Infinity;
  for (const s of inside) {
    min = Math.min(min, s.price);
    max = Math.max(max, s.price);
  }
  // Most recent = last in arrival order among those holding the extreme.
  const minHolder = inside.filter((s) => s.price === min).at(-1)!;
  const maxHolder = inside.filter((s) => s.price === max).at(-1)!;
  return { min, max, minTime: minHolder.t, maxTime: maxHolder.t, inside };
}

/**
 * Non-decreasing sample times: repeats, small steps, steps of exactly the window (edge samples),
 * jumps past it; prices from a small set so that ties are common, or arbitrary.
 */
function streamArb(windowMs: number) {
  const step = fc.oneof(
    fc.constant(0),
    fc.integer({ min: 1, max: Math.max(1, Math.ceil(windowMs / 4)) }),
    fc.constant(windowMs),
    fc.constant(windowMs + 1),
    fc.integer({ min: 0, max: 3 * windowMs + 3 }),
  );
  const price = fc.oneof(fc.constantFrom(1, 2, 3, 5, 8), fc.double({ min: 0.01, max: 1000, noNaN: true }));
  return fc.array(fc.tuple(step, price), { minLength: 1, maxLength: 300, size: 'max' }).map((steps) => {
    let t = 1_000_000;
    return steps.map(([dt, p]) => ({ t: (t += dt), price: p }));
  });
}

const windowArb = fc.oneof(fc.constantFrom(0, 1, 10, 1000), fc.integer({ min: 0, max: 200 }));

describe('SlidingMinMax', () => {
  it('matches a full scan of the samples in [t − W, t] after every push', () => {
    fc.assert(
      fc.property(
        windowArb.chain((w) => fc.tuple(fc.constant(w), streamArb(w))),
        ([windowMs, stream]) => {
          const window = new SlidingMinMax(windowMs);
          const seen: Sample[] = [];
          for (const s of stream) {
            window.push(s.t, s.price);
            seen.push(s);
            const expected = naiveWindow(seen, s.t, windowMs);
            assert.deepEqual(
              { min: window.min, max: window.max, minTime: window.minTime, maxTime: window.maxTime },
              { min: expected.min, max: expected.max, minTime: expected.minTime, maxTime: expected.maxTime },
            );
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('holds more samples than its initial capacity (monotone runs of hundreds)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 17, max: 400 }), fc.boolean(), (n, rising) => {
        const window = new SlidingMinMax(1_000_000);
        const seen: Sample[] = [];
        for (let i = 0; i < n; i++) {
          const s = { t: i, price: rising ? 100 + i : 100 - i * 0.1 };
          window.push(s.t, s.price);
          seen.push(s);
          const expected = naiveWindow(seen, s.t, 1_000_000);
          assert.equal(window.min, expected.min);
          assert.equal(window.max, expected.max);
        }
        // Then let the window slide over the long monotone run, one sample at a time.
        for (let i = 0; i < n; i++) {
          const s = { t: 1_000_000 + i, price: 100 };
          window.push(s.t, s.price);
          seen.push(s);
          const expected = naiveWindow(seen, s.t, 1_000_000);
          assert.equal(window.min, expected.min);
          assert.equal(window.max, expected.max);
          assert.equal(window.minTime, expected.minTime);
          assert.equal(window.maxTime, expected.maxTime);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('rebuilds exactly from samples() and continues the same', () => {
    fc.assert(
      fc.property(
        windowArb.chain((w) => fc.tuple(fc.constant(w), streamArb(w), fc.nat())),
        ([windowMs, stream, cutPick]) => {
          const cut = cutPick % (stream.length + 1);
          const original = new SlidingMinMax(windowMs);
          for (const s of stream.slice(0, cut)) original.push(s.t, s.price);
          const samples = original.samples();
          // The kept samples are some of the samples inside the window, oldest first.
          if (cut > 0) {
            const inside = naiveWindow(stream.slice(0, cut), stream[cut - 1]!.t, windowMs).inside;
            let k = 0;
            for (const s of samples) {
              while (k < inside.length && (inside[k]!.t !== s.t || inside[k]!.price !== s.price)) k++;
              assert.ok(k < inside.length, `sample ${JSON.stringify(s)} is not in the window, in order`);
              k++;
            }
          } else assert.deepEqual(samples, []);
          const rebuilt = new SlidingMinMax(windowMs);
          for (const s of samples) rebuilt.push(s.t, s.price);
          const state = (w: SlidingMinMax) => [w.min, w.max, w.minTime, w.maxTime];
          assert.deepEqual(state(rebuilt), state(original));
          for (const s of stream.slice(cut)) {
            original.push(s.t, s.price);
            rebuilt.push(s.t, s.price);
            assert.deepEqual(state(rebuilt), state(original));
          }
          assert.deepEqual(rebuilt.samples(), original.samples());
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps a sample exactly at t − W and drops it one ms later', () => {
    const window = new SlidingMinMax(1000);
    window.push(0, 1);
    window.push(1000, 5);
    assert.deepEqual([window.min, window.minTime, window.max, window.maxTime], [1, 0, 5, 1000]);
    window.push(1001, 3);
    assert.deepEqual([window.min, window.minTime, window.max, window.maxTime], [3, 1001, 5, 1000]);
  });

  it('names the most recent holder of a tied extreme', () => {
    const window = new SlidingMinMax(100);
    window.push(10, 2);
    window.push(20, 7);
    window.push(30, 2);
    window.push(40, 7);
    assert.deepEqual([window.min, window.minTime, window.max, window.maxTime], [2, 30, 7, 40]);
  });

  it('with W = 0 holds only the samples at the current time', () => {
    const window = new SlidingMinMax(0);
    window.push(5, 10);
    window.push(5, 4);
    window.push(5, 6);
    assert.deepEqual([window.min, window.max], [4, 10]);
    window.push(6, 6);
    assert.deepEqual([window.min, window.max, window.minTime], [6, 6, 6]);
  });

  it('is empty (NaN) before the first sample, and rejects a bad window', () => {
    const window = new SlidingMinMax(10);
    assert.ok(Number.isNaN(window.min) && Number.isNaN(window.max) && Number.isNaN(window.minTime));
    for (const w of [-1, NaN, Infinity]) assert.throws(() => new SlidingMinMax(w), RangeError);
  });
});
