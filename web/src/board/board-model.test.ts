import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  DEFAULT_SORT,
  filterTerms,
  nextSort,
  normalizeStats,
  normalizeStatsList,
  priceMove,
  visibleRows,
  type BoardRow,
  type SymbolStats,
} from './board-model';

function stats(symbol: string, patch: Partial<SymbolStats> = {}): SymbolStats {
  return {
    symbol,
    currentPrice: 100,
    movingAverage: 100,
    updateCount: 1,
    lastUpdateTime: 0,
    minPrice: 90,
    maxPrice: 110,
    changeFromAverage: 0,
    volume: 5,
    ...patch,
  };
}

function row(symbol: string, patch: Partial<SymbolStats> = {}): BoardRow {
  return { stats: stats(symbol, patch), move: null, moveSeq: 0 };
}

const symbols = (rows: BoardRow[]) => rows.map((r) => r.stats.symbol);

describe('normalizeStats', () => {
  it('reads REST stats (ISO time) and stream stats (epoch ms) alike', () => {
    const wire = { ...stats('AAPL'), lastUpdateTime: '2024-01-02T14:30:00.000Z' };
    assert.equal(normalizeStats(wire)?.lastUpdateTime, Date.UTC(2024, 0, 2, 14, 30));
    assert.equal(normalizeStats({ ...wire, lastUpdateTime: 5 })?.lastUpdateTime, 5);
  });

  it('derives the change from the average when it is missing', () => {
    const wire = { ...stats('X', { currentPrice: 102, movingAverage: 100 }) } as Partial<SymbolStats>;
    delete wire.changeFromAverage;
    assert.equal(normalizeStats(wire as SymbolStats)?.changeFromAverage, 2);
  });

  it('takes a wildcard snapshot (array), one stats object, or null', () => {
    assert.deepEqual(
      symbols(
        normalizeStatsList([stats('A'), stats('B'), { nope: 1 }]).map((s) => ({ stats: s }) as BoardRow),
      ),
      ['A', 'B'],
    );
    assert.equal(normalizeStatsList(stats('A')).length, 1);
    assert.deepEqual(normalizeStatsList(null), []);
  });
});

describe('priceMove', () => {
  it('is up, down, or nothing for the first price and for no change', () => {
    assert.equal(priceMove(undefined, 5), null);
    assert.equal(priceMove(5, 5), null);
    assert.equal(priceMove(5, 6), 'up');
    assert.equal(priceMove(5, 4), 'down');
    assert.equal(priceMove(Number.NaN, 4), null);
  });
});

describe('sorting', () => {
  it('flips the direction of the same column and starts new columns sensibly', () => {
    assert.deepEqual(nextSort(DEFAULT_SORT, 'symbol'), { key: 'symbol', direction: 'desc' });
    assert.deepEqual(nextSort(DEFAULT_SORT, 'volume'), { key: 'volume', direction: 'desc' });
    assert.deepEqual(nextSort({ key: 'volume', direction: 'desc' }, 'volume'), {
      key: 'volume',
      direction: 'asc',
    });
    assert.deepEqual(nextSort({ key: 'volume', direction: 'asc' }, 'symbol'), {
      key: 'symbol',
      direction: 'asc',
    });
  });

  const rows = [
    row('MSFT', { changeFromAverage: 0.5, volume: 10 }),
    row('AAPL', { changeFromAverage: -1.2, volume: 30 }),
    row('GOOG', { changeFromAverage: 0.5, volume: Number.NaN }),
    row('BTCUSD', { changeFromAverage: 2, volume: 20 }),
  ];

  it('sorts by any column, ties by symbol', () => {
    assert.deepEqual(symbols(visibleRows(rows, '', DEFAULT_SORT)), ['AAPL', 'BTCUSD', 'GOOG', 'MSFT']);
    assert.deepEqual(symbols(visibleRows(rows, '', { key: 'changeFromAverage', direction: 'desc' })), [
      'BTCUSD',
      'GOOG',
      'MSFT',
      'AAPL',
    ]);
    assert.deepEqual(symbols(visibleRows(rows, '', { key: 'changeFromAverage', direction: 'asc' })), [
      'AAPL',
      'GOOG',
      'MSFT',
      'BTCUSD',
    ]);
  });

  it('puts missing values last in either direction', () => {
    assert.deepEqual(symbols(visibleRows(rows, '', { key: 'volume', direction: 'desc' })), [
      'AAPL',
      'BTCUSD',
      'MSFT',
      'GOOG',
    ]);
    assert.deepEqual(symbols(visibleRows(rows, '', { key: 'volume', direction: 'asc' })), [
      'MSFT',
      'BTCUSD',
      'AAPL',
      'GOOG',
    ]);
  });

  it('filters by parts of the symbol, case-insensitively, any of several terms', () => {
    assert.deepEqual(filterTerms(' btc, eur  goo '), ['BTC', 'EUR', 'GOO']);
    assert.deepEqual(symbols(visibleRows(rows, 'a', DEFAULT_SORT)), ['AAPL']);
    assert.deepEqual(symbols(visibleRows(rows, 'usd, msft', DEFAULT_SORT)), ['BTCUSD', 'MSFT']);
    assert.deepEqual(symbols(visibleRows(rows, 'zzz', DEFAULT_SORT)), []);
  });

  it('does not change the rows it was given', () => {
    const before = symbols(rows);
    visibleRows(rows, '', { key: 'volume', direction: 'desc' });
    assert.deepEqual(symbols(rows), before);
  });
});
