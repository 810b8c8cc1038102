import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatInterval, parseInterval, parseIntervals } from './interval.js';

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['ms', 1],
  ['s', 1000],
  ['m', 60 * 1000],
  ['h', 60 * 60 * 1000],
  ['d', 24 * 60 * 60 * 1000],
];

/** Canonical label by brute force: of every exact way to write the length, the smallest number. */
function naiveLabel(ms: number): string {
  const forms = UNITS.filter(([, size]) => ms % size === 0).map(([unit, size]) => ({ n: ms / size, unit }));
  forms.sort((a, b) => a.n - b.n);
  return `${forms[0]!.n}${forms[0]!.unit}`;
}

describe('parseInterval', () => {
  it('multiplies the count by the unit and labels it canonically', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.constantFrom(...UNITS), (n, [unit, size]) => {
        const interval = parseInterval(`${n}${unit}`);
        assert.equal(interval.ms, n * size);
        assert.equal(interval.label, naiveLabel(n * size));
        assert.equal(formatInterval(interval.ms), interval.label);
        // The label is itself a valid interval of the same length.
        assert.deepEqual(parseInterval(interval.label), interval);
      }),
      { numRuns: 1000 },
    );
  });

  it('parses the design examples', () => {
    assert.deepEqual(parseInterval('250ms'), { label: '250ms', ms: 250 });
    assert.deepEqual(parseInterval('30s'), { label: '30s', ms: 30_000 });
    assert.deepEqual(parseInterval('4h'), { label: '4h', ms: 14_400_000 });
    assert.deepEqual(parseInterval('1d'), { label: '1d', ms: 86_400_000 });
    assert.deepEqual(parseInterval('60s'), { label: '1m', ms: 60_000 });
    assert.deepEqual(parseInterval('1000ms'), { label: '1s', ms: 1000 });
    assert.deepEqual(parseInterval('90s'), { label: '90s', ms: 90_000 });
    assert.deepEqual(parseInterval(' 5m '), { label: '5m', ms: 300_000 });
    assert.deepEqual(parseInterval('48h'), { label: '2d', ms: 172_800_000 });
  });

  it('throws a RangeError naming the input for anything else', () => {
    for (const text of [
      '',
      'm',
      '0s',
      '0ms',
      '1.5m',
      '-1m',
      '+1m',
      '1w',
      '1 m',
      '1M',
      '1S',
      'm1',
      '1mm',
      '99999999999999d',
    ]) {
      assert.throws(
        () => parseInterval(text),
        (e: unknown) => e instanceof RangeError && e.message.includes(`"${text}"`),
        text,
      );
    }
  });
});

describe('parseIntervals', () => {
  it('returns every distinct length once, shortest first', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.constantFrom(...UNITS), { minLength: 8, maxLength: 8 }),
        (seconds, units) => {
          // Write each length in some unit that divides it, so the input texts vary.
          const texts = seconds.map((s, i) => {
            const ms = s * 1000;
            const [unit, size] = units[i]!;
            return ms % size === 0 ? `${ms / size}${unit}` : `${s}s`;
          });
          const result = parseIntervals(texts);
          const expected = [...seconds].sort((a, b) => a - b).map((s) => s * 1000);
          assert.deepEqual(
            result.map((i) => i.ms),
            expected,
          );
          for (const interval of result) assert.equal(interval.label, naiveLabel(interval.ms));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('parses the default list', () => {
    const labels = parseIntervals(['1d', '1h', '15m', '5m', '1m', '1s']).map((i) => i.label);
    assert.deepEqual(labels, ['1s', '1m', '5m', '15m', '1h', '1d']);
  });

  it('rejects an empty list, a bad entry and two entries of the same length', () => {
    assert.throws(() => parseIntervals([]), RangeError);
    assert.throws(() => parseIntervals(['1m', 'x']), RangeError);
    assert.throws(() => parseIntervals(['60s', '1m']), RangeError);
    assert.throws(() => parseIntervals(['1s', '1000ms']), RangeError);
  });
});
