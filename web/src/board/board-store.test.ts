import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { FakeClock } from '../test-support/fake-clock';
import type { SymbolStats } from './board-model';
import { BoardStore } from './board-store';

function stats(symbol: string, currentPrice: number, updateCount = 1): SymbolStats {
  return {
    symbol,
    currentPrice,
    movingAverage: 100,
    updateCount,
    lastUpdateTime: 0,
    minPrice: 90,
    maxPrice: 110,
    changeFromAverage: 0,
    volume: 1,
  };
}

function setup() {
  const clock = new FakeClock();
  const store = new BoardStore({ clock, notifyMs: 200 });
  let notified = 0;
  store.subscribe(() => notified++);
  return { clock, store, notified: () => notified };
}

describe('BoardStore', () => {
  it('takes a snapshot, then updates, and tells listeners at most every notifyMs', () => {
    const t = setup();
    t.store.handle({
      type: 'snapshot',
      channel: 'stats.*',
      seq: 1,
      data: [stats('A', 100), stats('B', 50)],
      reset: false,
    });
    assert.equal(t.store.loaded, true);
    assert.equal(t.store.getSnapshot().length, 0, 'not yet published');
    for (let i = 0; i < 50; i++) {
      t.store.handle({ type: 'update', channel: 'stats.*', seq: 2 + i, data: stats('A', 100 + i, 2 + i) });
    }
    assert.equal(t.notified(), 0);
    t.clock.advance(200);
    assert.equal(t.notified(), 1);
    const rows = t.store.getSnapshot();
    assert.deepEqual(
      rows.map((r) => [r.stats.symbol, r.stats.currentPrice]),
      [
        ['A', 149],
        ['B', 50],
      ],
    );
    assert.equal(t.store.getSnapshot(), rows, 'the same array until something changes');
  });

  it('remembers the last price move and counts moves for the flash', () => {
    const t = setup();
    t.store.handle({ type: 'snapshot', channel: 'stats.*', seq: 1, data: [stats('A', 100)], reset: false });
    t.store.handle({ type: 'update', channel: 'stats.*', seq: 2, data: stats('A', 101) });
    t.store.handle({ type: 'update', channel: 'stats.*', seq: 3, data: stats('A', 101) });
    t.clock.advance(200);
    assert.deepEqual(
      t.store.getSnapshot().map((r) => [r.move, r.moveSeq]),
      [['up', 1]],
    );
    t.store.handle({ type: 'update', channel: 'stats.*', seq: 4, data: stats('A', 99) });
    t.clock.advance(200);
    assert.deepEqual(
      t.store.getSnapshot().map((r) => [r.move, r.moveSeq]),
      [['down', 2]],
    );
  });

  it('replaces everything on a new snapshot (a reset drops symbols that are gone)', () => {
    const t = setup();
    t.store.handle({
      type: 'snapshot',
      channel: 'stats.*',
      seq: 1,
      data: [stats('A', 1), stats('B', 1)],
      reset: false,
    });
    t.store.handle({ type: 'snapshot', channel: 'stats.*', seq: 9, data: [stats('B', 2)], reset: true });
    t.clock.advance(200);
    assert.deepEqual(
      t.store.getSnapshot().map((r) => r.stats.symbol),
      ['B'],
    );
  });

  it('lets REST fill in, never overwriting what the stream brought since', () => {
    const t = setup();
    t.store.handle({
      type: 'snapshot',
      channel: 'stats.*',
      seq: 1,
      data: [stats('A', 105, 50)],
      reset: false,
    });
    t.store.seed([stats('A', 100, 40), stats('C', 7, 3)]);
    t.clock.advance(200);
    assert.deepEqual(
      t.store.getSnapshot().map((r) => [r.stats.symbol, r.stats.currentPrice]),
      [
        ['A', 105],
        ['C', 7],
      ],
    );
  });

  it('counts every accepted tick across symbols', () => {
    const t = setup();
    t.store.seed([stats('A', 1, 10), stats('B', 1, 32)]);
    assert.equal(t.store.totalUpdates(), 42);
  });
});
