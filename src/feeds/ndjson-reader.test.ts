import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { NdjsonReader } from './ndjson-reader.js';
import type { TickReaderOptions, TickRecord } from './tick-record.js';
import { bytes, cut, error, readAll, tick } from './tick-reader.test-support.js';

const read = (chunks: ReadonlyArray<string | Uint8Array>, options?: TickReaderOptions): TickRecord[] =>
  readAll(new NdjsonReader(options), chunks);

const TRICKY =
  '\uFEFF{"symbol":"AAPL","price":101.5,"volume":3,"timestamp":1700000000000,"seq":7,"id":"a","source":"s","x":1}\r\n' +
  '\n' +
  '   \r\n' +
  '{"symbol":"漢😀","price":"99.5","amount":2,"ts":"2024-01-02T03:04:05Z","seq":"8"}\n' +
  '{"symbol":"X",\n' +
  '[1,2]\r\n' +
  'null\n' +
  '{"symbol":"BTC-USD","price":2,"volume":null,"size":0.5,"time":5,"id":null}';

const TRICKY_RECORDS: TickRecord[] = [
  tick(1, {
    symbol: 'AAPL',
    price: 101.5,
    volume: 3,
    timestamp: 1700000000000,
    seq: 7,
    id: 'a',
    source: 's',
  }),
  tick(4, { symbol: '漢😀', price: '99.5', volume: 2, timestamp: '2024-01-02T03:04:05Z', seq: '8' }),
  error(5, 'not valid JSON'),
  error(6, 'not a JSON object'),
  error(7, 'not a JSON object'),
  tick(8, { symbol: 'BTC-USD', price: 2, volume: 0.5, timestamp: 5 }),
];

describe('NdjsonReader', () => {
  it('reads objects, skips blank lines, reports bad lines with their numbers', () => {
    assert.deepEqual(read([TRICKY]), TRICKY_RECORDS);
  });

  it('gives the same records when the bytes are split at any position', () => {
    const data = bytes(TRICKY);
    for (let at = 0; at <= data.length; at++) {
      assert.deepEqual(read(cut(data, [at])), TRICKY_RECORDS, `split at byte ${at}`);
    }
    assert.deepEqual(read(Array.from(data, (_, i) => data.subarray(i, i + 1))), TRICKY_RECORDS);
  });

  it('reads what JSON.stringify wrote, however it is cut (oracle)', () => {
    const key = fc.constantFrom(
      'symbol',
      'price',
      'volume',
      'amount',
      'size',
      'timestamp',
      'ts',
      'time',
      'seq',
      'id',
    );
    const value = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 5 }),
      fc.double({ noNaN: true }),
      fc.constant(null),
    );
    const line = fc.oneof(
      { weight: 4, arbitrary: fc.dictionary(key, value).map((o) => ({ o })) },
      fc.constantFrom({ bad: '{"a":' }, { bad: '[]' }, { bad: '"text"' }, { blank: '  ' }, { blank: '' }),
    );
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 8 }),
        fc.boolean(),
        fc.array(fc.nat()),
        (lines, crlf, cutSeeds) => {
          const expected: TickRecord[] = [];
          const texts = lines.map((l, i) => {
            if ('o' in l) {
              // Naive: spell out each field's names and keep the first that is not null.
              // JSON has no −0 or Infinity: compare with what the line really says.
              const o = JSON.parse(JSON.stringify(l.o)) as Record<string, unknown>;
              const pick = (...names: string[]): unknown =>
                names.map((n) => o[n]).find((v) => v !== undefined && v !== null);
              const fields: Record<string, unknown> = {
                symbol: pick('symbol'),
                price: pick('price'),
                volume: pick('volume', 'amount', 'size'),
                timestamp: pick('timestamp', 'ts', 'time'),
                seq: pick('seq'),
                id: pick('id'),
              };
              for (const name of Object.keys(fields)) if (fields[name] === undefined) delete fields[name];
              expected.push(tick(i + 1, fields));
              return JSON.stringify(l.o);
            }
            if ('bad' in l) {
              expected.push(error(i + 1, l.bad === '{"a":' ? 'not valid JSON' : 'not a JSON object'));
              return l.bad;
            }
            return l.blank;
          });
          const data = bytes(texts.join(crlf ? '\r\n' : '\n'));
          const positions = [...new Set(cutSeeds.map((s) => s % (data.length + 1)))].sort((a, b) => a - b);
          assert.deepEqual(read(cut(data, positions)), expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('takes mapped fields from their keys, and mapped keys serve only their field', () => {
    const line = '{"id":"TSLA","price":1,"qty":5,"volume":9,"amount":3,"Symbol":"no"}\n';
    assert.deepEqual(read([line], { map: { symbol: 'id', volume: 'qty' } }), [
      tick(1, { symbol: 'TSLA', price: 1, volume: 5 }),
    ]);
    // Keys are exact: "Symbol" is not "symbol".
    assert.deepEqual(read([line]), [tick(1, { price: 1, volume: 9, id: 'TSLA' })]);
  });

  it('ignores inherited names', () => {
    assert.deepEqual(read(['{"symbol":"A","price":1}\n'], { map: { id: 'toString' } }), [
      tick(1, { symbol: 'A', price: 1 }),
    ]);
  });

  it('reads a long line across many chunks', () => {
    const long = JSON.stringify({ symbol: 'A', price: 1, id: 'x'.repeat(100_000) });
    const chunks = (long + '\n' + long).match(/[^]{1,1000}/g)!;
    const expected = tick(1, { symbol: 'A', price: 1, id: 'x'.repeat(100_000) });
    assert.deepEqual(read(chunks), [expected, { ...expected, line: 2 }]);
  });

  it('reports a line longer than maxRecordLength once, however it is cut, and goes on', () => {
    const text =
      '{"symbol":"A","price":1}\n{"symbol":"' + 'B'.repeat(40) + '","price":2}\r\n{"symbol":"C","price":3}';
    const expected = [
      tick(1, { symbol: 'A', price: 1 }),
      error(2, 'line longer than 30 characters'),
      tick(3, { symbol: 'C', price: 3 }),
    ];
    const data = bytes(text);
    for (let at = 0; at <= data.length; at++) {
      assert.deepEqual(read(cut(data, [at]), { maxRecordLength: 30 }), expected, `split at ${at}`);
    }
  });

  it('replaces invalid UTF-8 instead of failing', () => {
    const data = new Uint8Array([...bytes('{"symbol":"'), 0xff, ...bytes('","price":1}\n')]);
    assert.deepEqual(read([data]), [tick(1, { symbol: '\uFFFD', price: 1 })]);
  });
});
