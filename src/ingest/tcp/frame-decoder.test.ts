import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { TickBatch } from '../../engine/tick-batch.js';
import { concat, frame, key, oracle, rows, varint, type TickRow } from '../ingest.test-support.js';
import { TickEncoder } from '../tick-encoder.js';
import { FrameDecoder, FrameError, MAX_FRAME_BYTES } from './frame-decoder.js';

interface Outcome {
  ticks: TickRow[];
  frames: number;
  malformed: number;
  error: FrameError | undefined;
  pending: number;
}

/**
 * Feeds `chunks` through a decoder the way the server does: decode, and whenever the batch is
 * full, take its ticks and continue where the decoder stopped.
 */
function run(chunks: readonly Uint8Array[], capacity = 1000): Outcome {
  const decoder = new FrameDecoder();
  const batch = new TickBatch(capacity);
  const ticks: TickRow[] = [];
  for (const chunk of chunks) {
    let offset = 0;
    for (;;) {
      offset = decoder.decode(chunk, offset, batch);
      if (decoder.error !== undefined) break;
      if (batch.full) {
        ticks.push(...rows(batch));
        batch.clear();
        continue;
      }
      assert.equal(offset, chunk.length, 'a decoder with room in its batch uses up the chunk');
      break;
    }
    if (decoder.error !== undefined) break;
  }
  ticks.push(...rows(batch));
  return {
    ticks,
    frames: decoder.frames,
    malformed: decoder.malformed,
    error: decoder.error,
    pending: decoder.pending,
  };
}

/** Cuts `bytes` at the given positions (any order, repeats allowed). */
function cut(bytes: Uint8Array, at: readonly number[]): Uint8Array[] {
  const points = [...new Set(at.map((p) => Math.min(p, bytes.length)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  out.push(bytes.subarray(from));
  return out;
}

/** A stream of varied frames: plain, fractional, with ids and seqs, unicode, malformed, big. */
function sampleStream(): { bytes: Uint8Array; bodies: Uint8Array[] } {
  const encoder = new TickEncoder();
  const bodies: Uint8Array[] = [];
  const add = (body: Uint8Array) => bodies.push(body);
  add(encoder.message({ symbol: 'AAPL', price: 189.25, volume: 100, timestamp: 1_700_000_000_000 }).take());
  add(encoder.message({ symbol: ' btc-usd', price: 25741.02, volume: 0.0219, seq: 1, id: 'a1' }).take());
  add(new Uint8Array([0x11, 1, 2])); // malformed: truncated price
  add(encoder.message({ symbol: 'ÉTÉ', price: -1, timestampNs: 1_700_000_000_123_999_999n }).take());
  add(concat([[...key(100, 2), ...varint(600)], new Uint8Array(600), [0x0a, 1, 0x42]])); // big
  for (let i = 0; i < 20; i++)
    add(encoder.message({ symbol: `S${i % 3}`, price: i + 0.5, volume: i }).take());
  return { bytes: concat(bodies.map(frame)), bodies };
}

describe('FrameDecoder', () => {
  const { bytes, bodies } = sampleStream();
  const expected = bodies.map(oracle).filter((t): t is TickRow => t !== undefined);

  it('decodes a whole stream into the ticks the oracle reads from each frame', () => {
    const outcome = run([bytes]);
    assert.deepEqual(outcome.ticks, expected);
    assert.equal(outcome.frames, bodies.length);
    assert.equal(outcome.malformed, 1);
    assert.equal(outcome.error, undefined);
    assert.equal(outcome.pending, 0);
  });

  it('gives the same ticks for a split at every byte', () => {
    const whole = run([bytes]);
    for (let at = 0; at <= bytes.length; at++) {
      assert.deepEqual(run(cut(bytes, [at])), whole, `split at ${at}`);
    }
  });

  it('gives the same ticks one byte at a time, and with a batch that fills up mid-chunk', () => {
    const whole = run([bytes]);
    assert.deepEqual(
      run(
        cut(
          bytes,
          Array.from({ length: bytes.length }, (_, i) => i),
        ),
      ),
      whole,
    );
    assert.deepEqual(run([bytes], 1), whole);
    assert.deepEqual(run([bytes], 7), whole);
  });

  it('gives the same ticks for random cuts and batch sizes (fast-check)', () => {
    const whole = run([bytes]);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 30 }),
        (at, capacity) => {
          assert.deepEqual(run(cut(bytes, at), capacity), whole);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('holds a partial frame as pending (a truncated stream)', () => {
    const outcome = run([bytes.subarray(0, bytes.length - 3)]);
    assert.equal(outcome.ticks.length, expected.length - 1);
    assert.equal(outcome.pending, frame(bodies.at(-1)!).length - 3);
    assert.equal(run([bytes.subarray(0, 2)]).pending, 2);
  });

  const good = frame(new TickEncoder().message({ symbol: 'A', price: 1 }).take());
  const header = (length: number) => {
    const h = new Uint8Array(4);
    new DataView(h.buffer).setUint32(0, length, false);
    return h;
  };

  for (const [name, length, error] of [
    ['a zero length', 0, FrameError.Empty],
    ['a length one above the limit', MAX_FRAME_BYTES + 1, FrameError.TooLarge],
    ['the largest length', 0xffffffff, FrameError.TooLarge],
  ] as const) {
    it(`stops at ${name}, after the ticks before it, however the header is split`, () => {
      const stream = concat([good, good, header(length), good]);
      for (let at = 0; at <= stream.length; at++) {
        const decoder = new FrameDecoder();
        const batch = new TickBatch(10);
        for (const chunk of cut(stream, [at])) decoder.decode(chunk, 0, batch);
        assert.equal(decoder.error, error, `split at ${at}`);
        assert.equal(decoder.errorLength, length);
        assert.equal(batch.length, 2, `split at ${at}`);
        assert.equal(decoder.decode(good, 0, batch), 0, 'a failed decoder reads nothing more');
        assert.equal(batch.length, 2);
      }
    });
  }

  it('accepts a frame of exactly the largest length', () => {
    const body = concat([[0x0a, 1, 0x42, 0x11, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f], key(100, 2)]);
    const filler = MAX_FRAME_BYTES - body.length - 3;
    const big = concat([body, varint(filler), new Uint8Array(filler)]);
    assert.equal(big.length, MAX_FRAME_BYTES);
    const outcome = run(cut(frame(big), [1000, 70_000, 500_000]));
    assert.equal(outcome.error, undefined);
    assert.deepEqual(outcome.ticks, [{ symbol: 'B', price: 1, volume: 0, ts: NaN, seq: NaN, id: undefined }]);
  });

  it('never throws on random bytes cut anywhere, and stops or stays in step (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.array(fc.nat(400), { maxLength: 10 }),
        fc.integer({ min: 1, max: 8 }),
        (garbage, at, capacity) => {
          const outcome = run(cut(garbage, at), capacity);
          assert.ok(outcome.ticks.length + outcome.malformed === outcome.frames);
          assert.deepEqual(run([garbage], capacity), outcome);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('stays in step after random garbage inside well-formed frames (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 60 }), { maxLength: 20 }), (bodies) => {
        const stream = concat([...bodies.map(frame), good]);
        const outcome = run([stream]);
        assert.equal(outcome.error, undefined);
        assert.equal(outcome.frames, bodies.length + 1);
        assert.deepEqual(outcome.ticks.at(-1), oracle(good.subarray(4)));
      }),
      { numRuns: 1000 },
    );
  });
});
