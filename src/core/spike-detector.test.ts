import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  ANOMALY_FIELDS,
  SPIKE_DOWN,
  SPIKE_UP,
  SpikeDetector,
  severityOf,
  type Anomaly,
  type AnomalyMode,
  type Severity,
} from './spike-detector.js';

/** The float64 neighbour `steps` representable values away from `x` (x > 0). */
function nextFloat(x: number, steps: number): number {
  const bits = new Float64Array([x]);
  const ints = new BigInt64Array(bits.buffer);
  ints[0] = ints[0]! + BigInt(steps);
  return bits[0]!;
}

/** A price p for which the DESIGN expression ((p − ref) / ref) * 100 equals `percent` exactly. */
function exactMove(ref: number, percent: number): number | undefined {
  const guess = ref * (1 + percent / 100);
  for (let d = -64; d <= 64; d++) {
    const p = nextFloat(guess, d);
    if (((p - ref) / ref) * 100 === percent) return p;
  }
  return undefined;
}

/** Base prices with an exact up move of +T and an exact down move of −T, per threshold. */
function exactClusters(thresholdPercent: number): number[][] {
  const clusters: number[][] = [];
  for (const base of [1, 3, 10, 50, 99.5, 100, 101, 250, 777, 1000, 0.04, 12_345.67, 64_000]) {
    const up = exactMove(base, thresholdPercent);
    const down = exactMove(base, -thresholdPercent);
    if (up !== undefined && down !== undefined) clusters.push([base, up, down]);
  }
  return clusters;
}

const THRESHOLDS = [2, 0.5, 5, 1.25];
const CLUSTERS = new Map(THRESHOLDS.map((t) => [t, exactClusters(t)]));

function naiveSeverity(changePercent: number): Severity {
  if (Math.abs(changePercent) > 5) return 'critical';
  if (Math.abs(changePercent) > 3) return 'high';
  return 'medium';
}

interface Push {
  /** Effective time (non-decreasing). */
  readonly t: number;
  /** The tick's own event time, carried into the anomaly. */
  readonly ts: number;
  readonly price: number;
}

interface Expected {
  readonly bits: number;
  readonly anomalies: Anomaly[];
  readonly up: number;
  readonly down: number;
}

let exactHits = 0;

/** DESIGN §3.4 by brute force: for each push, scan all earlier pushes for the window. */
function naiveDetector(
  pushes: readonly Push[],
  windowMs: number,
  thresholdPercent: number,
  mode: AnomalyMode,
) {
  const out: Expected[] = [];
  let upBefore = false;
  let downBefore = false;
  pushes.forEach((push, i) => {
    const inWindow = pushes.slice(0, i + 1).filter((s) => s.t >= push.t - windowMs);
    const m = Math.min(...inWindow.map((s) => s.price));
    const M = Math.max(...inWindow.map((s) => s.price));
    const up = ((push.price - m) / m) * 100;
    const down = ((push.price - M) / M) * 100;
    if (up === thresholdPercent || down === -thresholdPercent) exactHits++;
    const isUp = up > thresholdPercent;
    const isDown = down < -thresholdPercent;
    const fireUp = isUp && (mode === 'every' || !upBefore);
    const fireDown = isDown && (mode === 'every' || !downBefore);
    upBefore = isUp;
    downBefore = isDown;
    const anomalies: Anomaly[] = [];
    const record = (direction: 'up' | 'down', reference: number, changePercent: number): Anomaly => ({
      symbol: 'SYM',
      direction,
      price: push.price,
      ts: push.ts,
      referencePrice: reference,
      referenceTs: inWindow.filter((s) => s.price === reference).at(-1)!.t,
      changePercent,
      severity: naiveSeverity(changePercent),
      windowMs,
      thresholdPercent,
    });
    if (fireUp) anomalies.push(record('up', m, up));
    if (fireDown) anomalies.push(record('down', M, down));
    out.push({ bits: (fireUp ? SPIKE_UP : 0) | (fireDown ? SPIKE_DOWN : 0), anomalies, up, down });
  });
  return out;
}

const scenarioArb = fc
  .record({
    windowMs: fc.constantFrom(0, 10, 100, 1000),
    thresholdPercent: fc.constantFrom(...THRESHOLDS),
    mode: fc.constantFrom<AnomalyMode>('episode', 'every'),
    clusterPick: fc.nat(),
  })
  .chain((s) => {
    const clusters = CLUSTERS.get(s.thresholdPercent)!;
    const cluster = clusters[s.clusterPick % clusters.length]!;
    const base = cluster[0]!;
    const price = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...cluster) },
      { weight: 1, arbitrary: fc.constantFrom(base * 1.07, base * 0.96, base * 1.031, base * 0.99) },
      { weight: 1, arbitrary: fc.double({ min: base * 0.9, max: base * 1.1, noNaN: true }) },
    );
    const step = fc.oneof(
      fc.constant(0),
      fc.constant(s.windowMs),
      fc.constant(s.windowMs + 1),
      fc.integer({ min: 0, max: 2 * s.windowMs + 2 }),
    );
    const pushes = fc
      .array(fc.tuple(step, price, fc.integer({ min: 0, max: 50 })), {
        minLength: 1,
        maxLength: 120,
        size: 'max',
      })
      .map((steps) => {
        let t = 5_000;
        return steps.map(([dt, p, lag]): Push => {
          t += dt;
          return { t, ts: t - lag, price: p };
        });
      });
    return fc.tuple(fc.constant(s), pushes, fc.nat());
  });

function detectorOf(s: { windowMs: number; thresholdPercent: number; mode: AnomalyMode }): SpikeDetector {
  return new SpikeDetector({ windowMs: s.windowMs, thresholdPercent: s.thresholdPercent, mode: s.mode });
}

/** What a push produced: the bits, and the records of what fired. */
function pushAndRead(detector: SpikeDetector, push: Push) {
  const bits = detector.push(push.t, push.price);
  const anomalies: Anomaly[] = [];
  if ((bits & SPIKE_UP) !== 0) anomalies.push(detector.anomaly('SYM', 'up', push.price, push.ts));
  if ((bits & SPIKE_DOWN) !== 0) anomalies.push(detector.anomaly('SYM', 'down', push.price, push.ts));
  return { bits, anomalies };
}

describe('SpikeDetector', () => {
  it('fires exactly where a brute-force scan of the window says, in both modes', () => {
    exactHits = 0;
    fc.assert(
      fc.property(scenarioArb, ([s, pushes]) => {
        const detector = detectorOf(s);
        const expected = naiveDetector(pushes, s.windowMs, s.thresholdPercent, s.mode);
        pushes.forEach((push, i) => {
          const got = pushAndRead(detector, push);
          const want = expected[i]!;
          assert.deepStrictEqual(got, { bits: want.bits, anomalies: want.anomalies }, `push ${i}`);
          assert.ok(Object.is(detector.upChangePercent, want.up));
          assert.ok(Object.is(detector.downChangePercent, want.down));
        });
      }),
      { numRuns: 400 },
    );
    // The generator must actually produce moves of exactly the threshold, or the strict `>` is untested.
    assert.ok(exactHits > 50, `only ${exactHits} exact-threshold moves generated`);
  });

  it('continues the same after restore from samples() and episodes', () => {
    fc.assert(
      fc.property(scenarioArb, ([s, pushes, cutPick]) => {
        const cut = cutPick % (pushes.length + 1);
        const original = detectorOf(s);
        for (const push of pushes.slice(0, cut)) original.push(push.t, push.price);
        const restored = detectorOf(s);
        restored.restore(structuredClone(original.samples()), { ...original.episodes });
        for (const push of pushes.slice(cut)) {
          assert.deepStrictEqual(pushAndRead(restored, push), pushAndRead(original, push));
        }
        assert.deepStrictEqual(restored.episodes, original.episodes);
      }),
      { numRuns: 300 },
    );
  });

  it('does not fire at exactly the threshold (strict >), and fires one ulp above it', () => {
    const detector = detectorOf({ windowMs: 1000, thresholdPercent: 2, mode: 'every' });
    assert.equal(((102 - 100) / 100) * 100, 2);
    assert.equal(detector.push(0, 100), 0);
    assert.equal(detector.push(500, 102), 0);
    assert.equal(detector.upChangePercent, 2);
    assert.equal(detector.push(600, 102.00000001), SPIKE_UP);

    const down = detectorOf({ windowMs: 1000, thresholdPercent: 2, mode: 'every' });
    assert.equal(((98 - 100) / 100) * 100, -2);
    down.push(0, 100);
    assert.equal(down.push(10, 98), 0);
    assert.equal(down.push(20, 97.99999999), SPIKE_DOWN);
  });

  it('includes the sample at exactly t − W in the window', () => {
    const inside = detectorOf({ windowMs: 1000, thresholdPercent: 2, mode: 'episode' });
    inside.push(0, 100);
    assert.equal(inside.push(1000, 103), SPIKE_UP);
    assert.deepStrictEqual(inside.anomaly('X', 'up', 103, 1000), {
      symbol: 'X',
      direction: 'up',
      price: 103,
      ts: 1000,
      referencePrice: 100,
      referenceTs: 0,
      changePercent: ((103 - 100) / 100) * 100,
      severity: 'medium',
      windowMs: 1000,
      thresholdPercent: 2,
    });
    const outside = detectorOf({ windowMs: 1000, thresholdPercent: 2, mode: 'episode' });
    outside.push(0, 100);
    assert.equal(outside.push(1001, 103), 0);
  });

  it('can fire up and down on one tick, each against its own reference', () => {
    const detector = detectorOf({ windowMs: 1000, thresholdPercent: 2, mode: 'every' });
    detector.push(0, 100);
    detector.push(10, 120);
    assert.equal(detector.push(20, 110), SPIKE_UP | SPIKE_DOWN);
    const up = detector.anomaly('X', 'up', 110, 20);
    const down = detector.anomaly('X', 'down', 110, 20);
    assert.deepEqual([up.referencePrice, up.referenceTs, up.severity], [100, 0, 'critical']);
    assert.deepEqual([down.referencePrice, down.referenceTs, down.severity], [120, 10, 'critical']);
    assert.ok(up.changePercent > 0 && down.changePercent < 0);
  });

  it('in episode mode fires once per episode, in every mode on each tick', () => {
    // Against min 100 / max 107 at threshold 5: +6, +7, +2 (−4.7), +6.5, +4 (−2.8), −6.5.
    const prices = [100, 106, 107, 102, 106.5, 104, 100];
    const fired = (mode: AnomalyMode) => {
      const detector = detectorOf({ windowMs: 10_000, thresholdPercent: 5, mode });
      return prices.map((p, i) => detector.push(i, p));
    };
    assert.deepEqual(fired('episode'), [0, SPIKE_UP, 0, 0, SPIKE_UP, 0, SPIKE_DOWN]);
    assert.deepEqual(fired('every'), [0, SPIKE_UP, SPIKE_UP, 0, SPIKE_UP, 0, SPIKE_DOWN]);
  });

  it('names the most recent sample holding the extreme as the reference', () => {
    const detector = detectorOf({ windowMs: 1000, thresholdPercent: 2, mode: 'every' });
    detector.push(0, 100);
    detector.push(100, 100);
    detector.push(200, 101);
    assert.equal(detector.push(300, 110), SPIKE_UP);
    assert.equal(detector.anomaly('X', 'up', 110, 300).referenceTs, 100);
  });
});

describe('severityOf', () => {
  it('grades the absolute change: > 5 critical, > 3 high, else medium', () => {
    fc.assert(
      fc.property(fc.double({ min: -20, max: 20, noNaN: true }), (change) => {
        assert.equal(severityOf(change), naiveSeverity(change));
      }),
      { numRuns: 500 },
    );
    assert.equal(severityOf(3), 'medium');
    assert.equal(severityOf(nextFloat(3, 1)), 'high');
    assert.equal(severityOf(5), 'high');
    assert.equal(severityOf(-5.01), 'critical');
    assert.equal(severityOf(-3.5), 'high');
  });
});

describe('ANOMALY_FIELDS', () => {
  it('is the order of the fields of an anomaly as the detector builds it (outputs keep it)', () => {
    const detector = new SpikeDetector({ windowMs: 1000, thresholdPercent: 2, mode: 'episode' });
    detector.push(0, 100);
    assert.deepEqual(Object.keys(detector.anomaly('X', 'up', 100, 0)), [...ANOMALY_FIELDS]);
  });
});
