import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { TickBatch } from '../engine/tick-batch.js';
import { concat, key, oracle, pbEncode, rows, varint, type PbTick } from './ingest.test-support.js';
import { SymbolInterner } from './symbol-interner.js';
import { nsToMs, TickDecoder } from './tick-decoder.js';
import { TickEncoder } from './tick-encoder.js';

function decodeOne(bytes: Uint8Array, decoder = new TickDecoder()) {
  const batch = new TickBatch(1);
  const ok = decoder.decode(bytes, 0, bytes.length, batch);
  return { ok, row: rows(batch)[0] };
}

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const uint64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const pbTick: fc.Arbitrary<PbTick> = fc.record(
  {
    symbol: fc.oneof(fc.constantFrom('AAPL', ' btc-usd ', 'EURUSD', ''), fc.string({ maxLength: 40 })),
    price: fc.oneof(fc.double(), fc.double({ min: 0.0001, max: 1e6, noNaN: true })),
    volume: fc.oneof(int64, fc.bigInt({ min: 0n, max: 10_000n })).map(String),
    exchangeTimestamp: fc
      .oneof(int64, fc.bigInt({ min: 1_600_000_000_000_000_000n, max: 1_800_000_000_000_000_000n }))
      .map(String),
    ingestTimestamp: int64.map(String),
    seq: fc.oneof(uint64, fc.bigInt({ min: 0n, max: 1000n })).map(String),
    id: fc.string({ maxLength: 20 }),
    fractionalVolume: fc.double(),
  },
  { requiredKeys: [] },
);
/** Fields the decoder does not know, appended: a message may carry them. */
const unknownField = fc.oneof(
  fc.tuple(fc.integer({ min: 9, max: 5000 }), uint64).map(([f, v]) => [...key(f, 0), ...varint(v)]),
  fc
    .tuple(fc.integer({ min: 9, max: 5000 }), fc.uint8Array({ maxLength: 20 }))
    .map(([f, b]) => [...key(f, 2), ...varint(b.length), ...b]),
  fc.integer({ min: 9, max: 5000 }).map((f) => [...key(f, 1), 1, 2, 3, 4, 5, 6, 7, 8]),
  fc.integer({ min: 9, max: 5000 }).map((f) => [...key(f, 5), 1, 2, 3, 4]),
);

describe('TickDecoder', () => {
  it('decodes what protobufjs encodes, as the oracle reads it (fast-check)', () => {
    const decoder = new TickDecoder();
    fc.assert(
      fc.property(pbTick, fc.array(unknownField, { maxLength: 3 }), (tick, unknown) => {
        const bytes = concat([pbEncode(tick), ...unknown]);
        const { ok, row } = decodeOne(bytes, decoder);
        assert.equal(ok, true);
        assert.deepEqual(row, oracle(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads its own encoder', () => {
    const bytes = new TickEncoder()
      .message({
        symbol: 'btc-usd',
        price: 25741.02,
        volume: 0.0219,
        timestamp: 1_693_929_601_123,
        seq: 7,
        id: 'trade-1',
      })
      .take();
    assert.deepEqual(decodeOne(bytes).row, {
      symbol: 'btc-usd',
      price: 25741.02,
      volume: 0.0219,
      ts: 1_693_929_601_123,
      seq: 7,
      id: 'trade-1',
    });
    assert.deepEqual(oracle(bytes), decodeOne(bytes).row);
  });

  it("numbers each row by its symbol (the interner's number; −1 when it keeps none): a numbered batch", () => {
    const interner = new SymbolInterner();
    const decoder = new TickDecoder(interner);
    const batch = new TickBatch(4);
    for (const symbol of ['AAPL', 'MSFT', 'AAPL', 'ÉTÉ']) {
      const bytes = new TickEncoder().message({ symbol, price: 1, volume: 1 }).take();
      assert.equal(decoder.decode(bytes, 0, bytes.length, batch), true);
    }
    assert.equal(batch.numbered, true);
    const [aapl, msft, again, none] = batch.symbolNumbers;
    assert.ok(aapl! >= 0 && msft! >= 0 && aapl !== msft);
    assert.equal(again, aapl);
    assert.equal(none, -1);
  });

  it('truncates nanoseconds to milliseconds exactly, beyond 2^53', () => {
    const bytes = pbEncode({ symbol: 'X', price: 1, exchangeTimestamp: '1700000000123999999' });
    assert.equal(decodeOne(bytes).row?.ts, 1_700_000_000_123);
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }), (ns) => {
        const hi = Number(ns >> 32n);
        const lo = Number(ns & 0xffffffffn);
        assert.equal(nsToMs(hi, lo), Number(ns / 1_000_000n));
      }),
      { numRuns: 5000 },
    );
    for (const ns of [999_999n, 1_000_000n, 1_000_000n * 4294n + 999_999n, 2n ** 63n - 1n]) {
      assert.equal(nsToMs(Number(ns >> 32n), Number(ns & 0xffffffffn)), Number(ns / 1_000_000n));
    }
  });

  it('turns values the engine cannot see as wrong into values it refuses for the right reason', () => {
    const row = decodeOne(
      pbEncode({ symbol: 'X', price: 1, volume: '-1', exchangeTimestamp: '-5', seq: '9007199254740992' }),
    ).row!;
    assert.ok(Number.isNaN(row.volume), 'negative volume');
    assert.equal(row.ts, -1, 'negative time');
    assert.equal(row.seq, -1, 'seq beyond 2^53 − 1');
    const unset = decodeOne(pbEncode({ symbol: 'X', price: 1 })).row!;
    assert.ok(Number.isNaN(unset.ts), 'unset time means receive time');
    assert.ok(Number.isNaN(unset.seq), 'unset seq means none');
    assert.equal(unset.volume, 0);
    assert.equal(decodeOne(pbEncode({ symbol: 'X', price: 1, seq: '0' })).row?.seq, 0, 'seq 0 is sent');
  });

  it('prefers fractional_volume to volume, and reads the last of repeated fields', () => {
    const bytes = concat([
      pbEncode({ symbol: 'A', price: 1, volume: '3', fractionalVolume: 3.25 }),
      pbEncode({ symbol: 'B', price: 2 }),
    ]);
    assert.deepEqual(decodeOne(bytes).row, {
      symbol: 'B',
      price: 2,
      volume: 3.25,
      ts: NaN,
      seq: NaN,
      id: undefined,
    });
  });

  it('reads a key written in more bytes than it needs', () => {
    const bytes = concat([
      [0x8a, 0x00, 1, 0x41],
      [0x11, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f],
    ]);
    assert.deepEqual(decodeOne(bytes), {
      ok: true,
      row: { symbol: 'A', price: 1, volume: 0, ts: NaN, seq: NaN, id: undefined },
    });
  });

  const malformed: Array<[string, number[]]> = [
    ['a truncated double', [0x11, 1, 2, 3]],
    ['a truncated varint', [0x18, 0x80]],
    ['a string longer than the message', [0x0a, 5, 0x41]],
    ['a known field with the wrong wire type', [0x10, 1]],
    ['ingest_timestamp as a string', [...key(5, 2), 0]],
    ['field number 0', [0x00, 1]],
    ['a group', [...key(20, 3)]],
    ['wire type 7', [...key(20, 7), 1]],
    ['an eleven-byte varint', [0x18, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]],
    ['a truncated unknown fixed32', [...key(20, 5), 1, 2]],
  ];
  for (const [name, bytes] of malformed) {
    it(`reports ${name} as malformed and appends nothing`, () => {
      const batch = new TickBatch(2);
      assert.equal(new TickDecoder().decode(new Uint8Array(bytes), 0, bytes.length, batch), false);
      assert.equal(batch.length, 0);
    });
  }

  it('agrees with protobufjs on every cut of a message: malformed exactly when cut inside a field', () => {
    const full = new TickEncoder()
      .message({
        symbol: 'ETH-USD',
        price: 1800.5,
        volume: 12.5,
        timestamp: 1_700_000_000_000,
        seq: 3,
        id: 'x',
      })
      .take();
    for (let cut = 0; cut <= full.length; cut++) {
      const bytes = full.subarray(0, cut);
      const { ok, row } = decodeOne(bytes);
      const expected = oracle(bytes);
      assert.equal(ok, expected !== undefined, `cut at ${cut}`);
      if (ok) assert.deepEqual(row, expected, `cut at ${cut}`);
    }
  });

  it('never throws on random bytes (fast-check)', () => {
    const decoder = new TickDecoder();
    const batch = new TickBatch(1);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        batch.clear();
        const ok = decoder.decode(bytes, 0, bytes.length, batch);
        assert.equal(batch.length, ok ? 1 : 0);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('SymbolInterner', () => {
  const bytes = (s: string) => new TextEncoder().encode(s);

  it('returns the string of the bytes, for new and known ones, across clearing when full', () => {
    const interner = new SymbolInterner(8);
    const words = Array.from({ length: 100 }, (_, i) => `SYM${i % 37}-é${i % 5}`);
    for (const word of words) {
      const b = bytes(`..${word}..`);
      assert.equal(interner.intern(b, 2, b.length - 2), word);
    }
    assert.ok(interner.size <= 16);
  });

  it('numbers the strings it keeps: one number a string, none given twice by any interner', () => {
    const a = new SymbolInterner(8);
    const b = new SymbolInterner(8);
    const numberOf = (interner: SymbolInterner, word: string): number => {
      assert.equal(interner.intern(bytes(word), 0, word.length), word);
      return interner.lastNumber;
    };
    const aapl = numberOf(a, 'AAPL');
    const long = numberOf(a, 'A-LONGER-SYMBOL');
    assert.ok(aapl >= 0 && long >= 0 && aapl !== long);
    assert.equal(numberOf(a, 'AAPL'), aapl);
    assert.equal(numberOf(a, 'A-LONGER-SYMBOL'), long);
    // Another interner gives the same string a number of its own.
    const other = numberOf(b, 'AAPL');
    assert.ok(other >= 0 && other !== aapl);
    // Strings not kept have none.
    assert.equal(a.intern(bytes('ÉTÉ'), 0, 5), 'ÉTÉ');
    assert.equal(a.lastNumber, -1);
    // Once the table starts over, a string kept again gets a new number; a number names one string.
    const seen = new Map<number, string>([
      [aapl, 'AAPL'],
      [long, 'A-LONGER-SYMBOL'],
      [other, 'AAPL'],
    ]);
    for (let i = 0; i < 40; i++) {
      const word = `S${i}`;
      const n = numberOf(a, word);
      assert.equal(seen.get(n) ?? word, word);
      seen.set(n, word);
    }
    assert.notEqual(numberOf(a, 'AAPL'), aapl);
  });

  it('decodes non-ASCII and invalid UTF-8 each time, and long strings without keeping them', () => {
    const interner = new SymbolInterner();
    assert.equal(interner.intern(new Uint8Array([0x41, 0xff]), 0, 2), 'A\ufffd');
    assert.equal(interner.intern(bytes('ÉTÉ'), 0, 5), 'ÉTÉ');
    const long = 'L'.repeat(100);
    assert.equal(interner.intern(bytes(long), 0, 100), long);
    assert.equal(interner.size, 0);
    assert.equal(interner.intern(bytes('AAPL'), 0, 4), 'AAPL');
    assert.equal(interner.intern(bytes('A-LONGER-SYMBOL'), 0, 15), 'A-LONGER-SYMBOL');
    assert.equal(interner.size, 2);
  });

  it('tells apart strings that collide in the table (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string({ maxLength: 12 }),
            fc.string({
              unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)),
              maxLength: 12,
            }),
          ),
          {
            maxLength: 200,
          },
        ),
        (words) => {
          const interner = new SymbolInterner(16);
          for (const word of words) {
            const b = bytes(word);
            assert.equal(interner.intern(b, 0, b.length), new TextDecoder().decode(b));
          }
        },
      ),
    );
  });
});
