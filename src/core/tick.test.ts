import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  REJECT_REASONS,
  RejectReason,
  normalizeSymbol,
  normalizeTick,
  normalizeTimestamp,
  parseIsoTimestamp,
  type RawTick,
  type Tick,
} from './tick.js';

const RECEIVED_AT = 1_700_000_000_000;
const SKEW_MS = 300_000;

/** DESIGN §3.1 symbol rule, checked character by character rather than with the regex. */
function naiveSymbol(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const s = raw.trim().toUpperCase();
  if (s.length < 1 || s.length > 32) return undefined;
  const alnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  if (!alnum.includes(s[0]!)) return undefined;
  for (const c of s.slice(1)) if (!(alnum + '._:/-').includes(c)) return undefined;
  return s;
}

/** A field value with what normalizing it must give: a value, or "invalid". */
type Case =
  | { readonly raw: unknown; readonly valid: true; readonly value: unknown }
  | { readonly raw: unknown; readonly valid: false };
const ok = (raw: unknown, value: unknown): Case => ({ raw, valid: true, value });
const bad = (raw: unknown): Case => ({ raw, valid: false });

const symbols: Case[] = [
  ok('BTC-USD', 'BTC-USD'),
  ok('  eth/usd ', 'ETH/USD'),
  ok('a', 'A'),
  ok('0x:y.z_9-', '0X:Y.Z_9-'),
  ok('\tbrk.b\n', 'BRK.B'),
  ok('Z'.repeat(32), 'Z'.repeat(32)),
  bad(undefined),
  bad(null),
  bad(''),
  bad('   '),
  bad('-BTC'),
  bad('.X'),
  bad('Z'.repeat(33)),
  bad('BTC USD'),
  bad('BTC€'),
  bad('btc#'),
  bad(42),
  bad(['BTC']),
];
const prices: Case[] = [
  ok(1, 1),
  ok(0.0001, 0.0001),
  ok('101.5', 101.5),
  ok(' 2e3 ', 2000),
  ok('.5', 0.5),
  ok('+7', 7),
  ok(Number.MAX_VALUE, Number.MAX_VALUE),
  ok(5e-324, 5e-324),
  bad(undefined),
  bad(null),
  bad(0),
  bad(-0),
  bad(-1),
  bad(NaN),
  bad(Infinity),
  bad(-Infinity),
  bad(''),
  bad('abc'),
  bad('0x10'),
  bad('1,5'),
  bad('1e999'),
  bad('0'),
  bad(true),
  bad({}),
];
const volumes: Case[] = [
  ok(undefined, 0),
  ok(null, 0),
  ok(0, 0),
  ok(3.5, 3.5),
  ok('7', 7),
  ok('1e2', 100),
  ok('-0', 0),
  ok(-0, 0),
  bad(-1),
  bad(-1e-9),
  bad(NaN),
  bad(Infinity),
  bad('x'),
  bad('-0.5'),
  bad(true),
  bad({}),
];
const ISO_123 = new Date(RECEIVED_AT + 123).toISOString();
/** Valid time values; `future` ones are valid times more than the skew after receipt. */
const timestamps: Array<Case & { future?: true }> = [
  ok(undefined, RECEIVED_AT),
  ok(null, RECEIVED_AT),
  ok(0, 0),
  ok(RECEIVED_AT - 1.7, RECEIVED_AT - 2),
  ok(String(RECEIVED_AT + 5), RECEIVED_AT + 5),
  ok(`${RECEIVED_AT}.9`, RECEIVED_AT),
  ok(ISO_123, RECEIVED_AT + 123),
  ok(RECEIVED_AT + SKEW_MS, RECEIVED_AT + SKEW_MS), // exactly at the skew is still accepted
  { ...ok(RECEIVED_AT + SKEW_MS + 1, undefined), future: true },
  { ...ok('2030-01-01T00:00:00Z', undefined), future: true },
  { ...ok(8.64e15, undefined), future: true },
  bad(-1),
  bad(NaN),
  bad(Infinity),
  bad(8.64e15 + 1),
  bad('yesterday'),
  bad('2023-02-29T00:00:00Z'),
  bad(''),
  bad(' 17 '),
  bad({}),
  bad(true),
];
const seqs: Case[] = [
  ok(undefined, undefined),
  ok(null, undefined),
  ok(0, 0),
  ok(7, 7),
  ok(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
  bad(-1),
  bad(1.5),
  bad('3'),
  bad(2 ** 53),
  bad(NaN),
  bad(Infinity),
  bad(true),
];
const ids: Case[] = [
  ok(undefined, undefined),
  ok(null, undefined),
  ok('a', 'a'),
  ok('x'.repeat(128), 'x'.repeat(128)),
  ok(42, '42'),
  ok(0, '0'),
  bad(''),
  bad('x'.repeat(129)),
  bad(1.5),
  bad(NaN),
  bad(true),
  bad({}),
];
const sources: Case[] = [
  ok(undefined, 'http'),
  ok('feed-a', 'feed-a'),
  ok('', 'http'),
  ok('s'.repeat(64), 's'.repeat(64)),
  ok('s'.repeat(65), 'http'),
  ok(5, 'http'),
];

describe('normalizeTick', () => {
  it('reports the first failing check in DESIGN order, and builds the tick when all pass', () => {
    fc.assert(
      fc.property(
        fc.record({
          symbol: fc.constantFrom(...symbols),
          price: fc.constantFrom(...prices),
          volume: fc.constantFrom(...volumes),
          volumeKey: fc.constantFrom('volume', 'amount', 'size'),
          timestamp: fc.constantFrom(...timestamps),
          seq: fc.constantFrom(...seqs),
          id: fc.constantFrom(...ids),
          source: fc.constantFrom(...sources),
        }),
        (c) => {
          const raw: Record<string, unknown> = {
            symbol: c.symbol.raw,
            price: c.price.raw,
            [c.volumeKey]: c.volume.raw,
            timestamp: c.timestamp.raw,
            seq: c.seq.raw,
            id: c.id.raw,
            source: c.source.raw,
          };
          const result = normalizeTick(raw, 'http', RECEIVED_AT, SKEW_MS);
          let expected: RejectReason | undefined;
          if (!c.symbol.valid) expected = 'invalid_symbol';
          else if (!c.price.valid) expected = 'invalid_price';
          else if (!c.volume.valid) expected = 'invalid_volume';
          else if (!c.timestamp.valid) expected = 'invalid_timestamp';
          else if (c.timestamp.future === true) expected = 'future_timestamp';
          else if (!c.seq.valid) expected = 'invalid_seq';
          else if (!c.id.valid) expected = 'invalid_id';
          if (expected !== undefined) {
            assert.deepEqual(result, { ok: false, reason: expected });
            return;
          }
          assert.ok(result.ok, `expected acceptance, got ${JSON.stringify(result)}`);
          const want: Tick = {
            symbol: c.symbol.valid ? (c.symbol.value as string) : '',
            price: c.price.valid ? (c.price.value as number) : NaN,
            volume: c.volume.valid ? (c.volume.value as number) : NaN,
            ts: c.timestamp.valid ? (c.timestamp.value as number) : NaN,
            seq: c.seq.valid ? (c.seq.value as number | undefined) : NaN,
            id: c.id.valid ? (c.id.value as string | undefined) : '',
            source: c.source.valid ? (c.source.value as string) : '',
            receivedAt: RECEIVED_AT,
          };
          assert.deepStrictEqual(result.tick, want);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('has stable reject reasons, in the order the checks run', () => {
    assert.deepEqual(REJECT_REASONS, [
      'invalid_symbol',
      'invalid_price',
      'invalid_volume',
      'invalid_timestamp',
      'future_timestamp',
      'invalid_seq',
      'invalid_id',
      'duplicate',
      'late',
      'overloaded',
    ]);
    assert.equal(RejectReason.Late, 'late');
  });

  it('takes the volume from `amount` or `size` when `volume` is absent, `volume` first', () => {
    const volumeOf = (raw: RawTick): number => {
      const r = normalizeTick({ symbol: 'X', price: 1, ...raw }, 'http', RECEIVED_AT, SKEW_MS);
      assert.ok(r.ok);
      return r.tick.volume;
    };
    assert.equal(volumeOf({ amount: 3 }), 3);
    assert.equal(volumeOf({ size: '4.5' }), 4.5);
    assert.equal(volumeOf({ amount: 3, size: 4 }), 3);
    assert.equal(volumeOf({ volume: 2, amount: 3, size: 4 }), 2);
    assert.equal(volumeOf({ volume: undefined, size: 4 }), 4);
    assert.equal(volumeOf({}), 0);
    const r = normalizeTick({ symbol: 'X', price: 1, size: -1 }, 'http', RECEIVED_AT, SKEW_MS);
    assert.deepEqual(r, { ok: false, reason: 'invalid_volume' });
  });

  it('treats the future skew as a parameter: ts may be at most maxFutureSkewMs after receipt', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: -5, max: 5 }), (skew, delta) => {
        const ts = RECEIVED_AT + skew + delta;
        const r = normalizeTick({ symbol: 'X', price: 1, timestamp: ts }, 'sim', RECEIVED_AT, skew);
        if (delta > 0) assert.deepEqual(r, { ok: false, reason: 'future_timestamp' });
        else assert.ok(r.ok && r.tick.ts === ts && r.tick.source === 'sim');
      }),
      { numRuns: 300 },
    );
  });
});

describe('normalizeSymbol', () => {
  const chars = [...'ABCXYZ019abcxyz._:/- \t#€ß'];
  it('trims, upper-cases and applies the symbol pattern', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...chars), maxLength: 40, size: 'max' }), (raw) => {
        assert.equal(normalizeSymbol(raw), naiveSymbol(raw));
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts 1 to 32 characters after trimming', () => {
    assert.equal(normalizeSymbol(' ' + 'q'.repeat(32) + ' '), 'Q'.repeat(32));
    assert.equal(normalizeSymbol('q'.repeat(33)), undefined);
    assert.equal(normalizeSymbol('9'), '9');
    assert.equal(normalizeSymbol('_A'), undefined);
    assert.equal(normalizeSymbol(Symbol('x')), undefined);
  });
});

/** Days in a month by asking the calendar for day 0 of the next month. */
function daysInMonth(year: number, month: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, 0);
  return d.getUTCDate();
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

const isoParts = fc
  .record({
    year: fc.integer({ min: 0, max: 9999 }),
    month: fc.integer({ min: 1, max: 12 }),
    dayPick: fc.nat(),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.option(fc.integer({ min: 0, max: 59 }), { nil: undefined }),
    fraction: fc.option(
      fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 9, size: 'max' }),
      {
        nil: undefined,
      },
    ),
    fractionSep: fc.constantFrom('.', ','),
    dateOnly: fc.boolean(),
    separator: fc.constantFrom('T', ' '),
    zone: fc.oneof(
      fc.constantFrom('', 'Z', 'z'),
      fc
        .tuple(
          fc.constantFrom('+', '-'),
          fc.integer({ min: 0, max: 23 }),
          fc.integer({ min: 0, max: 59 }),
          fc.constantFrom('colon', 'compact', 'hours'),
        )
        .map(([sign, h, m, form]) =>
          form === 'colon'
            ? `${sign}${pad(h, 2)}:${pad(m, 2)}`
            : form === 'compact'
              ? `${sign}${pad(h, 2)}${pad(m, 2)}`
              : `${sign}${pad(h, 2)}`,
        ),
    ),
  })
  .map((p) => ({ ...p, day: 1 + (p.dayPick % daysInMonth(p.year, p.month)) }));

describe('parseIsoTimestamp', () => {
  it('agrees with Date.parse on valid dates (no offset means UTC, sub-ms digits truncated)', () => {
    fc.assert(
      fc.property(isoParts, (p) => {
        const date = `${pad(p.year, 4)}-${pad(p.month, 2)}-${pad(p.day, 2)}`;
        let text = date;
        let canonical = `${date}T00:00:00.000Z`;
        if (!p.dateOnly) {
          let time = `${pad(p.hour, 2)}:${pad(p.minute, 2)}`;
          let ms = '000';
          if (p.second !== undefined) {
            time += `:${pad(p.second, 2)}`;
            if (p.fraction !== undefined) {
              time += p.fractionSep + p.fraction;
              ms = p.fraction.padEnd(3, '0').slice(0, 3);
            }
          }
          text = `${date}${p.separator}${time}${p.zone}`;
          // Date.parse reads offset-less date-times as local time: give it the UTC the design asks for.
          const zone =
            p.zone === '' || p.zone === 'Z' || p.zone === 'z'
              ? 'Z'
              : `${p.zone.slice(0, 3)}:${p.zone.length > 3 ? p.zone.slice(-2) : '00'}`;
          canonical = `${date}T${pad(p.hour, 2)}:${pad(p.minute, 2)}:${pad(p.second ?? 0, 2)}.${ms}${zone}`;
        }
        const expected = Date.parse(canonical);
        assert.ok(!Number.isNaN(expected), canonical);
        assert.equal(parseIsoTimestamp(text), expected, text);
        assert.equal(normalizeTimestamp(text, RECEIVED_AT), expected >= 0 ? expected : NaN, text);
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects days beyond the end of the month (Date.parse would roll them over)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1970, max: 9999 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 28, max: 32 }),
        (year, month, day) => {
          const text = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T12:00:00Z`;
          const valid = day <= daysInMonth(year, month);
          assert.equal(Number.isNaN(parseIsoTimestamp(text)), !valid, text);
        },
      ),
      { numRuns: 1000 },
    );
    assert.equal(parseIsoTimestamp('2024-02-29T00:00:00Z'), Date.parse('2024-02-29T00:00:00Z'));
    assert.ok(Number.isNaN(parseIsoTimestamp('2100-02-29T00:00:00Z')));
    assert.equal(parseIsoTimestamp('2000-02-29T00:00:00Z'), Date.parse('2000-02-29T00:00:00Z'));
  });

  it('truncates fractions beyond milliseconds instead of rounding', () => {
    assert.equal(parseIsoTimestamp('2024-01-01T00:00:01.999999Z'), Date.parse('2024-01-01T00:00:01.999Z'));
    assert.equal(parseIsoTimestamp('1970-01-01T00:00:00.0009Z'), 0);
    assert.equal(normalizeTimestamp('1970-01-01T00:00:00.0009Z', RECEIVED_AT), 0);
  });

  it('reads a time without an offset as UTC', () => {
    assert.equal(parseIsoTimestamp('2024-06-01T12:30:00'), Date.UTC(2024, 5, 1, 12, 30));
    assert.equal(parseIsoTimestamp('2024-06-01 12:30'), Date.UTC(2024, 5, 1, 12, 30));
    assert.equal(parseIsoTimestamp('2024-06-01'), Date.UTC(2024, 5, 1));
  });

  it('rejects malformed and out-of-range text', () => {
    for (const text of [
      '',
      'yesterday',
      '2024-1-1',
      '2024-01-01T',
      '2024-01-01T10',
      '2024-13-01T00:00:00Z',
      '2024-00-10T00:00:00Z',
      '2024-01-00T00:00:00Z',
      '2024-01-01T24:00:00Z',
      '2024-01-01T10:60:00Z',
      '2024-01-01T10:00:60Z',
      '2024-01-01T10:00:00+24:00',
      '2024-01-01T10:00:00+05:60',
      '2024-01-01T10:00:00.Z',
      '2024-01-01T10:00:00 Z',
      ' 2024-01-01T10:00:00Z',
      '+002024-01-01T00:00:00Z',
    ]) {
      assert.ok(Number.isNaN(parseIsoTimestamp(text)), text);
      assert.ok(Number.isNaN(normalizeTimestamp(text, RECEIVED_AT)), text);
    }
  });
});

describe('normalizeTimestamp', () => {
  it('truncates numbers in [0, 8.64e15] to integer ms and rejects anything else', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e16, max: 1e16 }), (x) => {
        const expected = x >= 0 && x <= 8.64e15 ? Math.floor(x) : NaN;
        assert.equal(normalizeTimestamp(x, RECEIVED_AT), expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads digit strings as epoch ms', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 8.64e15 }), fc.nat(999), (n, frac) => {
        assert.equal(normalizeTimestamp(String(n), RECEIVED_AT), n);
        assert.equal(normalizeTimestamp(`${n}.${frac}`, RECEIVED_AT), n);
      }),
      { numRuns: 500 },
    );
    // Number('1700000000000.9999') rounds to …001: the fraction must be cut before converting.
    assert.equal(normalizeTimestamp('1700000000000.9999', RECEIVED_AT), 1_700_000_000_000);
  });

  it('uses the receive time when absent', () => {
    assert.equal(normalizeTimestamp(undefined, 42), 42);
    assert.equal(normalizeTimestamp(null, 42), 42);
    assert.ok(Number.isNaN(normalizeTimestamp(true, 42)));
    assert.ok(Number.isNaN(normalizeTimestamp(-0.5, 42)));
  });
});
