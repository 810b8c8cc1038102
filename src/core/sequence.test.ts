import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SequenceTracker } from './sequence.js';

interface Op {
  readonly source: string;
  readonly seq: number | undefined;
  readonly id: string | undefined;
  /** Whether the caller goes on to accept a tick that is not a duplicate (it may be refused later). */
  readonly accept: boolean;
}

/** DESIGN §3.2 with plain arrays: every accepted tick is kept, and each question scans them. */
class NaiveDedupe {
  readonly accepted: Array<{ source: string; seq: number | undefined; id: string | undefined }> = [];
  constructor(readonly capacity: number) {}

  lastSeq(source: string): number {
    const seqs = this.accepted.filter((a) => a.source === source && a.seq !== undefined).map((a) => a.seq!);
    return seqs.length === 0 ? -1 : seqs[seqs.length - 1]!;
  }

  recentIds(): string[] {
    const ids = this.accepted.filter((a) => a.id !== undefined).map((a) => a.id!);
    return this.capacity === 0 ? [] : ids.slice(-this.capacity);
  }

  isDuplicate(op: Op): boolean {
    if (op.seq !== undefined && op.seq <= this.lastSeq(op.source)) return true;
    return op.id !== undefined && this.recentIds().includes(op.id);
  }
}

const opArb = fc.record({
  source: fc.constantFrom('a', 'b', 'c'),
  seq: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined, freq: 3 }),
  id: fc.option(
    fc.integer({ min: 0, max: 25 }).map((n) => `id-${n}`),
    { nil: undefined, freq: 3 },
  ),
  accept: fc.boolean(),
});

/** Mostly rising sequence numbers per source (with repeats, steps back and jumps), as feeds send them. */
const opsArb = fc
  .array(fc.tuple(opArb, fc.integer({ min: -2, max: 4 })), { minLength: 1, maxLength: 200, size: 'max' })
  .map((items) => {
    const next = new Map<string, number>();
    return items.map(([op, step]): Op => {
      if (op.seq === undefined || step === 4) return op;
      const seq = Math.max(0, (next.get(op.source) ?? 0) + step);
      next.set(op.source, seq + 1);
      return { ...op, seq };
    });
  });

describe('SequenceTracker', () => {
  it('answers duplicates like a scan of all accepted ticks', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 1, 2, 5, 10_000), opsArb, (capacity, ops) => {
        const tracker = new SequenceTracker(capacity);
        const naive = new NaiveDedupe(capacity);
        for (const op of ops) {
          const duplicate = naive.isDuplicate(op);
          assert.equal(tracker.isDuplicate(op.source, op.seq, op.id), duplicate, JSON.stringify(op));
          if (!duplicate && op.accept) {
            tracker.record(op.source, op.seq, op.id);
            naive.accepted.push(op);
          }
          for (const source of ['a', 'b', 'c']) assert.equal(tracker.lastSeq(source), naive.lastSeq(source));
          assert.deepEqual(tracker.ids(), naive.recentIds());
        }
        const sequences = Object.fromEntries(tracker.sequences().map((s) => [s.source, s.seq]));
        for (const source of ['a', 'b', 'c']) {
          const last = naive.lastSeq(source);
          assert.equal(sequences[source], last === -1 ? undefined : last);
        }
      }),
      { numRuns: 250 },
    );
  });

  it('rebuilt from sequences() and ids() answers the same from then on', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 1, 3, 10_000), opsArb, opsArb, (capacity, before, after) => {
        const original = new SequenceTracker(capacity);
        const apply = (tracker: SequenceTracker, op: Op) => {
          const duplicate = tracker.isDuplicate(op.source, op.seq, op.id);
          if (!duplicate && op.accept) tracker.record(op.source, op.seq, op.id);
          return duplicate;
        };
        for (const op of before) apply(original, op);
        const rebuilt = new SequenceTracker(capacity);
        for (const { source, seq } of original.sequences()) rebuilt.record(source, seq, undefined);
        for (const id of original.ids()) rebuilt.record('', undefined, id);
        assert.deepEqual(rebuilt.ids(), original.ids());
        for (const op of after) assert.equal(apply(rebuilt, op), apply(original, op));
        assert.deepEqual(rebuilt.ids(), original.ids());
      }),
      { numRuns: 200 },
    );
  });

  it('keeps sequence numbers per source and ids per symbol', () => {
    const tracker = new SequenceTracker(10);
    tracker.record('a', 5, 'x');
    assert.equal(tracker.isDuplicate('a', 5, undefined), true);
    assert.equal(tracker.isDuplicate('a', 6, undefined), false);
    assert.equal(tracker.isDuplicate('b', 5, undefined), false);
    assert.equal(tracker.isDuplicate('b', undefined, 'x'), true);
    assert.equal(tracker.isDuplicate('b', 0, 'y'), false);
    assert.equal(tracker.isDuplicate('a', undefined, undefined), false);
    assert.equal(tracker.lastSeq('never'), -1);
  });

  it('forgets the oldest id beyond its capacity', () => {
    const tracker = new SequenceTracker(2);
    tracker.record('s', undefined, 'a');
    tracker.record('s', undefined, 'b');
    tracker.record('s', undefined, 'c');
    assert.equal(tracker.isDuplicate('s', undefined, 'a'), false);
    assert.equal(tracker.isDuplicate('s', undefined, 'b'), true);
    assert.deepEqual(tracker.ids(), ['b', 'c']);
  });

  it('rejects a bad capacity', () => {
    for (const capacity of [-1, 1.5, NaN]) assert.throws(() => new SequenceTracker(capacity), RangeError);
  });
});
