import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { validateConfig } from '../../config.js';
import { DayAggregates } from '../../engine/day-aggregates.js';
import { Engine } from '../../engine/engine.js';
import type { ChannelSpec } from './channel-name.js';
import { HubIterator } from './hub-iterator.js';
import { Hub } from './hub.js';
import { wireStreams } from '../streams.test-support.js';

function setup(streams: Record<string, unknown> = {}) {
  const engine = new Engine({
    partitions: 1,
    movingAverageWindow: 8,
    anomalyThresholdPercent: 50,
    slidingWindowMilliseconds: 1000,
    recentAnomaliesCapacity: 10,
    intervals: ['1m'],
    allowedLatenessMs: 1000,
    anomalyMode: 'episode',
    maxFutureSkewMs: 300_000,
    dedupeCapacity: 10,
  });
  const dayAggregates = new DayAggregates();
  const hub = new Hub({ engine, options: validateConfig({ streams }).streams, seqBase: 0, dayAggregates });
  wireStreams(engine, { hub, dayAggregates });
  hub.start();
  const spec = (name: string): ChannelSpec => hub.parse(name) as ChannelSpec;
  let price = 1;
  const tick = (symbol: string): void => {
    engine.ingest([{ symbol, price: (price += 1) }], 'test', Date.now());
  };
  return { hub, spec, tick };
}

describe('HubIterator', () => {
  it('yields the data of every message, in order, as the consumer pulls', async () => {
    const { hub, spec, tick } = setup();
    const iterator = new HubIterator(hub, [spec('ticks.A'), spec('ticks.B')], () => {});
    const next = iterator.next();
    tick('A');
    tick('C');
    tick('B');
    assert.equal(((await next).value as { symbol: string }).symbol, 'A');
    assert.equal(((await iterator.next()).value as { symbol: string }).symbol, 'B');
    assert.deepEqual(hub.channelCounts(), { channels: 2, subscriptions: 2 });
    await iterator.return();
    assert.deepEqual(await iterator.next(), { value: undefined, done: true });
    assert.equal(hub.channelCounts().subscriptions, 0);
    hub.stop();
  });

  it('ends a pending pull when returned', async () => {
    const { hub, spec } = setup();
    const iterator = new HubIterator(hub, [spec('anomalies')], () => {});
    const pending = iterator.next();
    await iterator.return();
    assert.deepEqual(await pending, { value: undefined, done: true });
    hub.stop();
  });

  it('conflates for a consumer that does not pull, and gives up past the hard limit', async () => {
    const { hub, spec, tick } = setup({ sendBufferBytes: 1024, maxBufferBytes: 4096 });
    let slow: string | undefined;
    const iterator = new HubIterator(hub, [spec('stats.*')], (reason) => (slow = reason));
    for (let i = 0; i < 50; i++) tick('A');
    const counters = hub.counters('graphql');
    assert.ok(counters.conflated > 0, 'stats of one symbol conflate');
    assert.equal(slow, undefined);
    for (let i = 0; i < 50; i++) tick(`S${i}`);
    assert.match(slow ?? '', /slow consumer: more than 4096 bytes waiting/);
    assert.equal(counters.slowConsumerCloses, 1);
    assert.deepEqual(await iterator.next(), { value: undefined, done: true });
    hub.stop();
  });
});
