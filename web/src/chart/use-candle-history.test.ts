import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { candlesPath, olderPageParam, type HistoryPage } from './use-candle-history';

const T = 1_700_000_000_000;

function page(patch: Partial<HistoryPage>): HistoryPage {
  return { candles: [], windowFrom: T, reachedStart: false, ...patch };
}

const some = [
  {
    start: T,
    end: T + 1,
    open: 1,
    high: 1,
    low: 1,
    close: 1,
    volume: 0,
    trades: 1,
    vwap: null,
    revision: 0,
    closed: true,
  },
];

describe('olderPageParam', () => {
  it('stops when the newest page already held everything', () => {
    assert.equal(olderPageParam(page({ candles: some, reachedStart: true }), null), null);
    assert.equal(olderPageParam(page({ windowFrom: null }), null), null);
  });

  it('continues below the window until it covers the symbol’s first tick', () => {
    assert.equal(olderPageParam(page({ windowFrom: T }), T - 1), T);
    assert.equal(
      olderPageParam(page({ windowFrom: T, candles: [] }), T - 1),
      T,
      'an empty window is a quiet stretch',
    );
    assert.equal(olderPageParam(page({ windowFrom: T }), T), null);
    assert.equal(olderPageParam(page({ windowFrom: T }), T + 5), null);
  });

  it('without firstSeen, takes an empty window as the beginning', () => {
    assert.equal(olderPageParam(page({ candles: some }), null), T);
    assert.equal(olderPageParam(page({ candles: [] }), null), null);
  });
});

describe('candlesPath', () => {
  it('escapes symbols with URL characters', () => {
    assert.equal(candlesPath('BTC/USD'), '/api/prices/BTC%2FUSD/candles');
  });
});
