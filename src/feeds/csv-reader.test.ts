import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CsvReader } from './csv-reader.js';
import type { FieldMap } from './field-map.js';
import type { TickReaderOptions, TickRecord } from './tick-record.js';
import { bytes, cut, error, readAll, tick } from './tick-reader.test-support.js';

const read = (chunks: ReadonlyArray<string | Uint8Array>, options?: TickReaderOptions): TickRecord[] =>
  readAll(new CsvReader(options), chunks);

// Every feature at once: BOM, CRLF and LF, quoted commas, doubled quotes, a quoted CRLF and a
// quoted LF, multi-byte characters (2, 3 and 4 bytes), a blank line, bad rows, a final row
// without a line end.
const TRICKY =
  '\uFEFFSymbol, Price ,amount,Time,seq,id,Source,note\r\n' +
  'AAPL,101.5,3,2024-01-02T03:04:05.678Z,7,"a,b","src ""x""",ignored\r\n' +
  '"MSFT","99","",1700000000000,,"multi\r\nline",,"é 漢 😀"\n' +
  '\r\n' +
  'BAD,1,2\r\n' +
  'GOOG,5,1,,x12,"id\n2",,\r\n' +
  '"EUR""USD"junk,1,2,3,4,5,6,7\r\n' +
  'BTC-USD,2,0.5,1,42,ok,sim,"last"';

const TRICKY_RECORDS: TickRecord[] = [
  tick(2, {
    symbol: 'AAPL',
    price: '101.5',
    volume: '3',
    timestamp: '2024-01-02T03:04:05.678Z',
    seq: 7,
    id: 'a,b',
    source: 'src "x"',
  }),
  tick(3, { symbol: 'MSFT', price: '99', timestamp: '1700000000000', id: 'multi\r\nline' }),
  error(6, 'expected 8 fields, found 3'),
  tick(7, { symbol: 'GOOG', price: '5', volume: '1', seq: 'x12', id: 'id\n2' }),
  error(9, 'unexpected character after a closing quote'),
  tick(10, {
    symbol: 'BTC-USD',
    price: '2',
    volume: '0.5',
    timestamp: '1',
    seq: 42,
    id: 'ok',
    source: 'sim',
  }),
];

describe('CsvReader', () => {
  it('reads quoting, line ends, BOM, blank lines and bad rows with their line numbers', () => {
    assert.deepEqual(read([TRICKY]), TRICKY_RECORDS);
    assert.deepEqual(read([bytes(TRICKY)]), TRICKY_RECORDS);
  });

  it('gives the same records when the bytes are split at any position', () => {
    const data = bytes(TRICKY);
    for (let at = 0; at <= data.length; at++) {
      assert.deepEqual(read(cut(data, [at])), TRICKY_RECORDS, `split at byte ${at}`);
    }
  });

  it('gives the same records fed one byte or one character at a time', () => {
    const data = bytes(TRICKY);
    assert.deepEqual(read(Array.from(data, (_, i) => data.subarray(i, i + 1))), TRICKY_RECORDS);
    assert.deepEqual(read(Array.from(TRICKY)), TRICKY_RECORDS);
  });

  it('gives the same records for random cuts', () => {
    const data = bytes(TRICKY);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: data.length }), { maxLength: 40 }),
        (positions) => {
          assert.deepEqual(
            read(
              cut(
                data,
                positions.sort((a, b) => a - b),
              ),
            ),
            TRICKY_RECORDS,
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads what a naive CSV writer wrote, however it is cut (oracle)', () => {
    const COLUMNS = ['symbol', 'price', 'volume', 'timestamp', 'seq', 'id', 'source', 'extra'];
    const cell = fc
      .array(fc.constantFrom('a', 'Z', '7', ' ', ',', '"', '\r', '\n', 'é', '😀'), { maxLength: 6 })
      .map((chars) => chars.join(''));
    const row = fc.record({
      cells: fc.array(cell, { minLength: COLUMNS.length, maxLength: COLUMNS.length }),
      quoteAll: fc.boolean(),
      crlf: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(row, { maxLength: 8 }),
        fc.boolean(),
        fc.array(fc.nat()),
        (rows, finalNewline, cutSeeds) => {
          let text = COLUMNS.join(',') + '\n';
          const expected: TickRecord[] = [];
          rows.forEach((r, index) => {
            const line = text.split(/\r\n|\r|\n/).length;
            text += r.cells
              .map((v) => (r.quoteAll || /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v))
              .join(',');
            if (index < rows.length - 1 || finalNewline) text += r.crlf ? '\r\n' : '\n';
            const fields: Record<string, unknown> = {};
            COLUMNS.slice(0, 7).forEach((name, i) => {
              const v = r.cells[i]!;
              if (v !== '') fields[name] = name === 'seq' && /^\d+$/.test(v) ? Number(v) : v;
            });
            expected.push(tick(line, fields));
          });
          const data = bytes(text);
          const positions = [...new Set(cutSeeds.map((s) => s % (data.length + 1)))].sort((a, b) => a - b);
          assert.deepEqual(read(cut(data, positions)), expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('finds columns by name, case-insensitively, ignoring others and taking the first volume alias', () => {
    const records = read(['x, SIZE ,Amount,PRICE,Symbol,TS\n', '1,2,3,4,aapl,5\n']);
    assert.deepEqual(records, [tick(2, { symbol: 'aapl', price: '4', volume: '3', timestamp: '5' })]);
  });

  it('takes mapped fields from their columns, and mapped columns serve only their field', () => {
    const csv = 'timestamp,id,exchange,price,volume,amount\n2023-09-05T16:00:00Z,TSLA,NMS,252.5,9,7\n';
    const map: FieldMap = { symbol: 'ID', volume: 'amount' };
    assert.deepEqual(read([csv], { map }), [
      tick(2, { symbol: 'TSLA', price: '252.5', volume: '7', timestamp: '2023-09-05T16:00:00Z' }),
    ]);
  });

  it('throws up front, naming the columns, when symbol or price is missing', () => {
    const reader = new CsvReader();
    assert.throws(
      () => reader.push('timestamp,id,price\n"2023-09-05T16:00:00Z",TSLA,1\n', []),
      /no "symbol" column \(columns: timestamp, id, price\); map one with symbol=COLUMN/,
    );
    assert.throws(() => read(['symbol,cost\nA,1\n']), /no "price" column \(columns: symbol, cost\)/);
    assert.throws(() => read(['symbol,price\n'], { map: { price: 'last' } }), /no column "last" for price/);
  });

  it('throws on an empty input, a bad header and an unknown mapped field', () => {
    assert.throws(() => read([]), /empty: no header row/);
    assert.throws(() => read(['\r\n\n']), /empty: no header row/);
    assert.throws(() => read(['"symbol"x,price\n']), /CSV header \(line 1\): unexpected character/);
    assert.throws(() => read(['"symbol,price\n']), /CSV header \(line 1\): unterminated quoted field/);
    assert.throws(() => new CsvReader({ map: { ticker: 'id' } as FieldMap }), /unknown field "ticker"/);
  });

  it('accepts a header alone, and rows without a final line end', () => {
    assert.deepEqual(read(['symbol,price']), []);
    assert.deepEqual(read(['symbol,price\nA,1']), [tick(2, { symbol: 'A', price: '1' })]);
    assert.deepEqual(read(['symbol,price\nA,']), [tick(2, { symbol: 'A' })]);
  });

  it('treats CR alone as a line end, and a stray quote in an unquoted field as a character', () => {
    assert.deepEqual(read(['symbol,price\rA,1\rB,5"\r']), [
      tick(2, { symbol: 'A', price: '1' }),
      tick(3, { symbol: 'B', price: '5"' }),
    ]);
  });

  it('reports an unterminated quote at the end with the line where its record starts', () => {
    assert.deepEqual(read(['symbol,price\nA,1\nB,"2\nC,3\n']), [
      tick(2, { symbol: 'A', price: '1' }),
      error(3, 'unterminated quoted field'),
    ]);
  });

  it('reports a record longer than maxRecordLength, however it is cut, and goes on after it', () => {
    const text = 'symbol,price\nA,1\nB,"' + 'x'.repeat(30) + '"\nC,"2\n3"\nD,4\n';
    const expected = [
      tick(2, { symbol: 'A', price: '1' }),
      error(3, 'record longer than 20 characters (an unterminated quote?)'),
      tick(4, { symbol: 'C', price: '2\n3' }),
      tick(6, { symbol: 'D', price: '4' }),
    ];
    const data = bytes(text);
    for (let at = 0; at <= data.length; at++) {
      assert.deepEqual(read(cut(data, [at]), { maxRecordLength: 20 }), expected, `split at ${at}`);
    }
  });

  it('bounds the memory of an unterminated quote by maxRecordLength', () => {
    const reader = new CsvReader({ maxRecordLength: 1000 });
    const out: TickRecord[] = [];
    reader.push('symbol,price\nA,"', out);
    for (let i = 0; i < 1000; i++) reader.push('y'.repeat(1000) + '\n', out);
    reader.end(out);
    assert.deepEqual(out, [error(2, 'record longer than 1000 characters (an unterminated quote?)')]);
  });

  it('exposes the header once read', () => {
    const reader = new CsvReader();
    assert.equal(reader.columns, undefined);
    reader.push(' Symbol ,price\n', []);
    assert.deepEqual(reader.columns, ['Symbol', 'price']);
  });
});
