import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Random } from './random.js';

const draw = (random: Random, n: number): number[] => Array.from({ length: n }, () => random.next());

describe('Random', () => {
  it('repeats its sequence for the same seed, numbers and their text alike', () => {
    assert.deepEqual(draw(new Random(42), 100), draw(new Random(42), 100));
    assert.deepEqual(draw(new Random(42), 100), draw(new Random('42'), 100));
    assert.deepEqual(draw(new Random('sim'), 100), draw(new Random('sim'), 100));
  });

  it('gives different sequences for different seeds', () => {
    const seen = new Set<number>();
    for (const seed of [0, 1, 2, -1, 2 ** 32, 0.5, 'a', 'b', '']) seen.add(new Random(seed).next());
    assert.equal(seen.size, 9);
  });

  it('keeps next() in [0, 1) and int(n) in [0, n), evenly (chi-square)', () => {
    const random = new Random(7);
    const counts = new Array<number>(10).fill(0);
    const draws = 100_000;
    for (let i = 0; i < draws; i++) {
      const u = random.next();
      assert.ok(u >= 0 && u < 1);
      const k = random.int(10);
      assert.ok(Number.isInteger(k) && k >= 0 && k < 10);
      counts[k]!++;
    }
    const expected = draws / 10;
    const chiSquare = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    // 9 degrees of freedom: P(χ² > 27.9) = 0.001.
    assert.ok(chiSquare < 27.9, `chi-square ${chiSquare}`);
  });

  it('draws standard normals (mean 0, variance 1, symmetric tails)', () => {
    const random = new Random('normal');
    const n = 200_000;
    let sum = 0;
    let squares = 0;
    let beyond2 = 0;
    for (let i = 0; i < n; i++) {
      const z = random.normal();
      assert.ok(Number.isFinite(z));
      sum += z;
      squares += z * z;
      if (Math.abs(z) > 2) beyond2++;
    }
    const mean = sum / n;
    assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
    assert.ok(Math.abs(squares / n - mean * mean - 1) < 0.02, `variance ${squares / n}`);
    // P(|Z| > 2) = 0.0455.
    assert.ok(Math.abs(beyond2 / n - 0.0455) < 0.003, `tail ${beyond2 / n}`);
  });

  it('keeps the seed it was given', () => {
    assert.equal(new Random('x').seed, 'x');
  });
});
