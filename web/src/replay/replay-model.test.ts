import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { applyReplayMessage, currentReplay, progressShare, utcInputToMs, type Replay } from './replay-model';

const replay = (id: string, over: Partial<Replay> = {}): Replay => ({
  id,
  source: `replay:${id}`,
  file: 'examples/data/btc_trades.csv',
  symbols: null,
  store: true,
  state: 'running',
  speed: 10,
  rebase: true,
  loop: false,
  startTs: 1000,
  endTs: 2000,
  positionTs: 1250,
  played: 3,
  total: 10,
  sent: 3,
  accepted: 3,
  rejected: 0,
  rounds: 0,
  error: null,
  createdAt: 1,
  ...over,
});

describe('replay model', () => {
  it('applies snapshots and updates, newest first', () => {
    let list = applyReplayMessage([], 'snapshot', [replay('a'), replay('b', { createdAt: 2 }), { junk: 1 }]);
    assert.deepEqual(
      list.map((r) => r.id),
      ['b', 'a'],
    );
    list = applyReplayMessage(list, 'update', replay('a', { state: 'paused' }));
    assert.equal(list.find((r) => r.id === 'a')?.state, 'paused');
    assert.equal(list.length, 2);
  });

  it('shows the newest active replay, its progress, and reads UTC times', () => {
    const list = [replay('b', { state: 'finished', createdAt: 2 }), replay('a')];
    assert.equal(currentReplay(list)?.id, 'a');
    assert.equal(progressShare(replay('a')), 0.25);
    assert.equal(utcInputToMs('2023-09-05T16:30'), Date.UTC(2023, 8, 5, 16, 30));
    assert.equal(utcInputToMs(''), undefined);
  });
});
