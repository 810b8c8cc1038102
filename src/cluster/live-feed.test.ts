import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { NatsConnection } from 'nats';

import { normalizeTick } from '../core/tick.js';
import { partitionOf } from '../engine/partition.js';
import { createLogger } from '../observability/logger.js';
import { ClusterEngine } from './cluster-engine.js';
import { ClusterNames } from './cluster-names.js';
import type { ClusterStore } from './cluster-store.js';
import { LiveFeed } from './live-feed.js';
import { encodeLive, type LiveMessage } from './live-message.js';
import { emptyColumns, pushTick } from './tick-message.js';

const ENGINE_OPTIONS = {
  partitions: 1,
  movingAverageWindow: 8,
  anomalyThresholdPercent: 2,
  slidingWindowMilliseconds: 1000,
  recentAnomaliesCapacity: 100,
  intervals: ['1s'],
  allowedLatenessMs: 0,
  anomalyMode: 'episode' as const,
  maxFutureSkewMs: 300_000,
  dedupeCapacity: 100,
};
const PARTITIONS = 2;
const T0 = 1_700_000_000_000;

/** A symbol of each partition. */
function symbolIn(partition: number): string {
  for (let i = 0; ; i++) if (partitionOf(`S${i}`, PARTITIONS) === partition) return `S${i}`;
}

/** A feed over a fake NATS connection (the test hands it messages) and an empty store. */
async function feed(): Promise<{
  engine: ClusterEngine;
  send: (message: LiveMessage) => void;
  live: LiveFeed;
}> {
  const engine = new ClusterEngine(ENGINE_OPTIONS);
  let deliver: ((err: Error | null, msg: { subject: string; data: Uint8Array }) => void) | undefined;
  const nc = {
    subscribe: (_subject: string, options: { callback: typeof deliver }) => {
      deliver = options.callback;
      return { unsubscribe: () => {} };
    },
  } as unknown as NatsConnection;
  const store = { read: () => Promise.resolve({ lastSeq: 0, snapshots: [] }) } as unknown as ClusterStore;
  const live = new LiveFeed(
    engine,
    nc,
    new ClusterNames('t'),
    store,
    PARTITIONS,
    createLogger({ level: 'silent' }),
  );
  await live.start();
  return {
    engine,
    live,
    send: (message) => deliver!(null, { subject: `t.live.${message.partition}`, data: encodeLive(message) }),
  };
}

function ticks(symbol: string, ts: number) {
  const columns = emptyColumns('http', ts);
  const r = normalizeTick({ symbol, price: 10, timestamp: ts }, 'http', ts, 300_000);
  assert.ok(r.ok);
  pushTick(columns, r.tick);
  return columns;
}

describe('LiveFeed', () => {
  it("moves a partition's watermarks only with its own owner's clock, at its place in the order", async () => {
    const { engine, send } = await feed();
    const [a, b] = [symbolIn(0), symbolIn(1)];
    send({ partition: 0, seq: 1, prev: 0, ticks: ticks(a, T0) });
    send({ partition: 1, seq: 2, prev: 0, ticks: ticks(b, T0) });
    assert.equal(engine.eventCount(a, 'candles', '1s'), 1);

    // Partition 0's owner moved its clock 5 s on: its symbol's 1 s candle closes, the other's not.
    send({ partition: 0, seq: 1, prev: 1, clock: T0 + 5000, ticks: emptyColumns('', T0 + 5000) });
    assert.equal(engine.eventCount(a, 'candles', '1s'), 2, 'closed by its owner clock');
    assert.equal(engine.eventCount(b, 'candles', '1s'), 1, 'left to its own owner');
    assert.equal(engine.openCandles(b, '1s').length, 1);

    // A clock from before the copy's place (an owner still replaying) moves nothing.
    send({ partition: 1, seq: 0, prev: 0, clock: T0 + 5000, ticks: emptyColumns('', T0 + 5000) });
    assert.equal(engine.openCandles(b, '1s').length, 1);
    // The node's own wall clock moves nothing either: only the owners' clocks do.
    engine.advance(T0 + 60_000);
    assert.equal(engine.openCandles(b, '1s').length, 1);
    send({ partition: 1, seq: 2, prev: 2, clock: T0 + 5000, ticks: emptyColumns('', T0 + 5000) });
    assert.equal(engine.openCandles(b, '1s').length, 0);
  });

  it('lets a read wait until the copy has applied a sequence, or until its deadline', async () => {
    const { send, live } = await feed();
    const symbol = symbolIn(0);
    let done = false;
    const waiting = live.applied(0, 3, Date.now() + 5000).then(() => (done = true));
    send({ partition: 0, seq: 1, prev: 0, ticks: ticks(symbol, T0) });
    await new Promise((r) => setImmediate(r));
    assert.equal(done, false, 'seq 1 is not 3');
    send({ partition: 0, seq: 3, prev: 1, ticks: ticks(symbol, T0 + 1) });
    await waiting;
    const started = Date.now();
    await live.applied(1, 10, Date.now() + 50);
    assert.ok(Date.now() - started >= 40, 'gave up at the deadline');
  });
});
