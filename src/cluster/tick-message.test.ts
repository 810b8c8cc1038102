import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { normalizeTick } from '../core/tick.js';
import { decodeLive, encodeLive } from './live-message.js';
import { decodeColumns, emptyColumns, encodeColumns, pushTick, toRawTicks } from './tick-message.js';

describe('tick messages', () => {
  const columns = emptyColumns('http', 1_700_000_000_000);
  for (const raw of [
    { symbol: 'btc-usd', price: '101.5', volume: 2, timestamp: '2023-11-14T22:13:20.123Z', id: 'a' },
    { symbol: 'ETH', price: 5, seq: 7, source: 'feed-1' },
  ]) {
    const r = normalizeTick(raw, 'http', 1_700_000_000_000, 300_000);
    assert.ok(r.ok);
    pushTick(columns, r.tick);
  }

  it('round-trips the columns, and the raw ticks normalize to the same ticks', () => {
    const decoded = decodeColumns(encodeColumns(columns));
    assert.deepEqual(decoded, columns);
    const again = toRawTicks(decoded).map((raw) => normalizeTick(raw, 'http', decoded.receivedAt, 300_000));
    assert.deepEqual(
      again.map((r) => (r.ok ? r.tick : r.reason)),
      [
        {
          symbol: 'BTC-USD',
          price: 101.5,
          volume: 2,
          ts: Date.parse('2023-11-14T22:13:20.123Z'),
          seq: undefined,
          id: 'a',
          source: 'http',
          receivedAt: 1_700_000_000_000,
        },
        {
          symbol: 'ETH',
          price: 5,
          volume: 0,
          ts: 1_700_000_000_000,
          seq: 7,
          id: undefined,
          source: 'feed-1',
          receivedAt: 1_700_000_000_000,
        },
      ],
    );
  });

  it('refuses what is not a batch', () => {
    for (const text of ['null', '{}', '{"receivedAt":1,"source":"x","symbol":["A"],"price":[]}', '[]'])
      assert.throws(() => decodeColumns(new TextEncoder().encode(text)), /not a tick batch/);
    assert.throws(() => decodeColumns(new TextEncoder().encode('{')));
  });

  it('live messages carry the partition, sequence and previous sequence', () => {
    const live = { partition: 3, seq: 42, prev: 17, ticks: columns };
    assert.deepEqual(decodeLive(encodeLive(live)), live);
    assert.throws(() => decodeLive(new TextEncoder().encode('{"partition":1}')), /not a live message/);
  });
});
