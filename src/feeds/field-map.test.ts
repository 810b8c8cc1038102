import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldSources, parseFieldMap } from './field-map.js';

const fold = (name: string): string => name.trim().toLowerCase();

describe('parseFieldMap', () => {
  it('parses field=column pairs', () => {
    assert.deepEqual(parseFieldMap('symbol=id,volume=amount'), { symbol: 'id', volume: 'amount' });
    assert.deepEqual(parseFieldMap(' symbol = Ticker Name ,, '), { symbol: 'Ticker Name' });
    assert.deepEqual(parseFieldMap(''), {});
  });

  it('refuses unknown fields, missing columns and repeats', () => {
    assert.throws(() => parseFieldMap('ticker=id'), /unknown field "ticker" \(fields: symbol, price, volume/);
    assert.throws(() => parseFieldMap('symbol'), /symbol needs a column/);
    assert.throws(() => parseFieldMap('symbol='), /symbol needs a column/);
    assert.throws(() => parseFieldMap('symbol=a,symbol=b'), /symbol is mapped twice/);
  });
});

describe('fieldSources', () => {
  it('lists each field’s default names, best first', () => {
    assert.deepEqual(fieldSources(undefined, fold), [
      ['symbol'],
      ['price'],
      ['volume', 'amount', 'size'],
      ['timestamp', 'ts', 'time'],
      ['seq'],
      ['id'],
      ['source'],
    ]);
  });

  it('gives a mapped field only its column, and takes mapped columns away from other fields', () => {
    const sources = fieldSources({ symbol: ' ID ', timestamp: 'Amount' }, fold);
    assert.deepEqual(sources, [['id'], ['price'], ['volume', 'size'], ['amount'], ['seq'], [], ['source']]);
    // NDJSON keys are not folded.
    assert.deepEqual(fieldSources({ symbol: 'ID' }, (n) => n)[5], ['id']);
  });

  it('refuses an unknown field or an empty column', () => {
    assert.throws(() => fieldSources({ bogus: 'x' } as never, fold), /unknown field "bogus"/);
    assert.throws(() => fieldSources({ price: '  ' }, fold), /price needs a column name/);
  });
});
