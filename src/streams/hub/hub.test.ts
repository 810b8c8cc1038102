import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { validateConfig } from '../../config.js';
import { DayAggregates } from '../../engine/day-aggregates.js';
import { Engine } from '../../engine/engine.js';
import type { SymbolStats } from '../../core/symbol-state.js';
import type { HubSubscriber } from './channel.js';
import type { ChannelSpec } from './channel-name.js';
import type { HubMessage } from './hub-message.js';
import { Hub } from './hub.js';
import { wireStreams } from '../streams.test-support.js';

const ENGINE_OPTIONS = {
  partitions: 1,
  movingAverageWindow: 64,
  anomalyThresholdPercent: 2,
  slidingWindowMilliseconds: 1000,
  recentAnomaliesCapacity: 1000,
  intervals: ['1s', '1m'],
  allowedLatenessMs: 1000,
  anomalyMode: 'episode' as const,
  maxFutureSkewMs: 300_000,
  dedupeCapacity: 1000,
};

class Collector implements HubSubscriber {
  readonly messages: HubMessage[] = [];
  deliver(message: HubMessage): void {
    this.messages.push(message);
  }
  get json(): Array<{ channel: string; seq: number; type: string; data: unknown }> {
    return this.messages.map(
      (m) => JSON.parse(m.json) as { channel: string; seq: number; type: string; data: unknown },
    );
  }
}

function setup(streams: Record<string, unknown> = {}, seqBase: number | 'clock' = 1000) {
  const engine = new Engine(ENGINE_OPTIONS);
  const dayAggregates = new DayAggregates();
  const hub = new Hub({
    engine,
    options: validateConfig({ streams }).streams,
    seqBase: seqBase === 'clock' ? undefined : seqBase,
    dayAggregates,
  });
  wireStreams(engine, { hub, dayAggregates });
  hub.start();
  const spec = (name: string): ChannelSpec => {
    const s = hub.parse(name);
    if (typeof s === 'string') throw new Error(s);
    return s;
  };
  let price = 100;
  const tick = (symbol = 'A', n = 1): void => {
    engine.ingest(
      Array.from({ length: n }, () => ({ symbol, price: (price += 1) })),
      'test',
      Date.now(),
    );
  };
  return { engine, hub, spec, tick };
}

describe('Hub', () => {
  it('gives a snapshot at the channel seq, then updates one after another', () => {
    const { hub, spec, tick } = setup();
    tick('A', 2);
    const sub = new Collector();
    const { initial } = hub.subscribe(sub, spec('ticks.A'));
    assert.equal(initial.length, 1);
    assert.equal(initial[0]!.type, 'snapshot');
    assert.equal(initial[0]!.seq, 1001, 'a channel wakes one past its base');
    assert.equal((JSON.parse(initial[0]!.data) as { price: number }).price, 102);
    tick('A', 2);
    tick('B');
    assert.deepEqual(
      sub.json.map((m) => [m.channel, m.seq, m.type]),
      [
        ['ticks.A', 1002, 'update'],
        ['ticks.A', 1003, 'update'],
      ],
    );
    hub.stop();
  });

  it('serializes a message once and shares it between subscribers', () => {
    const { hub, spec, tick } = setup();
    const a = new Collector();
    const b = new Collector();
    hub.subscribe(a, spec('stats.A'));
    hub.subscribe(b, spec('stats.A'));
    tick('A');
    assert.equal(a.messages[0], b.messages[0]);
    assert.equal(a.messages[0]!.bytes, b.messages[0]!.bytes);
    hub.stop();
  });

  it('makes no message for a channel without subscribers, once its resume window has passed', () => {
    const { hub, spec, tick } = setup({ resumeWindowMs: 1000 });
    const sub = new Collector();
    const { channel } = hub.subscribe(sub, spec('candles.1m.A'));
    hub.unsubscribe(sub, channel, 5000);
    tick('A');
    assert.equal(channel.seq, 1002, 'still recorded within the resume window');
    hub.sweep(5999);
    assert.equal(channel.live, true);
    hub.sweep(6000);
    assert.equal(channel.live, false);
    assert.deepEqual(hub.channelCounts(), { channels: 0, subscriptions: 0 });
    tick('A', 3);
    assert.equal(channel.seq, 1002, 'a sleeping channel makes nothing');
    hub.stop();
  });

  it('replays the updates after fromSeq, and resets when the history cannot', () => {
    const { hub, spec, tick } = setup({ historySize: 4, resumeWindowMs: 1000 });
    const first = new Collector();
    const { channel } = hub.subscribe(first, spec('ticks.A'));
    tick('A', 2);
    const seen = first.messages.at(-1)!.seq;
    hub.unsubscribe(first, channel, 0);
    tick('A', 2);

    const resumed = hub.subscribe(new Collector(), spec('ticks.A'), { fromSeq: seen }).initial;
    assert.deepEqual(
      resumed.map((m) => [m.seq, m.type]),
      [
        [seen + 1, 'update'],
        [seen + 2, 'update'],
      ],
    );
    assert.deepEqual(hub.subscribe(new Collector(), spec('ticks.A'), { fromSeq: seen + 2 }).initial, []);
    tick('A', 5);
    const reset = hub.subscribe(new Collector(), spec('ticks.A'), { fromSeq: seen }).initial;
    assert.deepEqual(
      reset.map((m) => [m.seq, m.type]),
      [[seen + 7, 'reset']],
    );
    const future = hub.subscribe(new Collector(), spec('ticks.A'), { fromSeq: seen + 100 }).initial;
    assert.equal(future[0]!.type, 'reset');
    hub.stop();
  });

  it('does not resume across a sleep: the sequence skips one and old positions reset', () => {
    const { hub, spec, tick } = setup({ resumeWindowMs: 1000 });
    const sub = new Collector();
    const { channel } = hub.subscribe(sub, spec('ticks.A'));
    tick('A');
    const seen = sub.messages.at(-1)!.seq;
    hub.unsubscribe(sub, channel, 0);
    hub.sweep(1000);
    tick('A');
    const { initial } = hub.subscribe(new Collector(), spec('ticks.A'), { fromSeq: seen });
    assert.deepEqual(
      initial.map((m) => [m.seq, m.type]),
      [[seen + 1, 'reset']],
    );
    hub.stop();
  });

  it('forgets the channel of a symbol nobody listens to, and numbers a new one above the old', () => {
    const { hub, spec, tick } = setup({ resumeWindowMs: 1 });
    const sub = new Collector();
    const first = hub.subscribe(sub, spec('ticks.GHOST'));
    const old = first.initial[0]!.seq;
    hub.unsubscribe(sub, first.channel, 0);
    hub.sweep(10);
    tick('GHOST', 3);
    const again = hub.subscribe(new Collector(), spec('ticks.GHOST'), { fromSeq: old });
    assert.notEqual(again.channel, first.channel);
    assert.equal(again.initial[0]!.type, 'reset');
    assert.ok(again.initial[0]!.seq > old);
    assert.equal((JSON.parse(again.initial[0]!.data) as { price: number }).price, 103);
    hub.stop();
  });

  it('numbers channels of a later process above those of an earlier one', async () => {
    const earlier = setup({}, 'clock');
    const sub = new Collector();
    earlier.hub.subscribe(sub, earlier.spec('ticks.A'));
    earlier.tick('A', 1000);
    const last = sub.messages.at(-1)!.seq;
    earlier.hub.stop();
    // Sequence numbers start at the start time in µs: a process started 2 ms later starts 2000 higher.
    await new Promise((resolve) => setTimeout(resolve, 2));
    const later = setup({}, 'clock');
    const { initial } = later.hub.subscribe(new Collector(), later.spec('ticks.A'), { fromSeq: last });
    assert.equal(initial[0]!.type, 'reset');
    assert.ok(initial[0]!.seq > last, `${initial[0]!.seq} > ${last}`);
    assert.ok(Number.isSafeInteger(initial[0]!.seq));
    later.hub.stop();
  });

  it('serves wildcards, candles and anomalies', () => {
    const { hub, spec, engine } = setup();
    const all = new Collector();
    for (const name of ['ticks.*', 'stats.*', 'candles.1s.*', 'anomalies', 'anomalies.*', 'anomalies.B']) {
      for (const message of hub.subscribe(all, spec(name)).initial) all.deliver(message);
    }
    const now = Date.now();
    engine.ingest(
      [
        { symbol: 'A', price: 10, timestamp: now },
        { symbol: 'B', price: 10, timestamp: now },
        { symbol: 'B', price: 11, timestamp: now + 1 },
      ],
      'test',
      now,
    );
    const by = (channel: string) => all.json.filter((m) => m.channel === channel);
    assert.deepEqual(
      by('ticks.*').map((m) => [m.type, (m.data as { symbol?: string }).symbol]),
      [
        ['snapshot', undefined],
        ['update', 'A'],
        ['update', 'B'],
        ['update', 'B'],
      ],
    );
    assert.equal(by('stats.*').length, 4);
    assert.deepEqual(
      by('candles.1s.*')
        .slice(1)
        .map((m) => [(m.data as { symbol: string }).symbol, (m.data as { trades: number }).trades]),
      [
        ['A', 1],
        ['B', 1],
        ['B', 2],
      ],
    );
    for (const channel of ['anomalies', 'anomalies.*', 'anomalies.B']) {
      assert.deepEqual(
        by(channel).map((m) => m.type),
        ['snapshot', 'update'],
        channel,
      );
    }
    const anomaly = by('anomalies.B')[1]!.data as { direction: string; changePercent: number };
    assert.equal(anomaly.direction, 'up');
    assert.ok(Math.abs(anomaly.changePercent - 10) < 1e-9);
    const snapshot = hub.snapshot(hub.subscribe(new Collector(), spec('anomalies.B')).channel, 'snapshot');
    assert.equal((JSON.parse(snapshot.data) as unknown[]).length, 1);
    hub.stop();
  });

  it('follows open-candle updates only while a candle channel is live', () => {
    const { hub, spec, engine } = setup({ resumeWindowMs: 1 });
    let updates = 0;
    engine.on('candleUpdate', () => updates++);
    const before = updates;
    const sub = new Collector();
    const { channel } = hub.subscribe(sub, spec('candles.1m.A'));
    engine.ingest([{ symbol: 'A', price: 1 }], 'test', Date.now());
    assert.ok(updates > before);
    assert.equal(sub.messages.length, 1);
    hub.unsubscribe(sub, channel, 0);
    hub.sweep(10);
    assert.equal(channel.live, false);
    const swept = updates;
    engine.ingest([{ symbol: 'A', price: 2 }], 'test', Date.now());
    assert.equal(updates, swept, 'no updates once no candle channel is live');
    hub.stop();
  });

  it('publishes stats from views that lag only after a refresh asked after their ticks', async () => {
    // The threaded engine's shape: stats answer from views, and a refresh covers what the
    // partitions had taken when it was asked. Here each refresh answers when the test says so.
    const { engine, hub, spec, tick } = setup();
    let views = new Map<string, SymbolStats>();
    const answers: Array<() => void> = [];
    const copy = (): Map<string, SymbolStats> =>
      new Map(engine.allStats().map((s) => [s.symbol, structuredClone(s)]));
    Object.assign(engine, {
      queriesLag: true,
      stats: (symbol: string) => views.get(symbol),
      refreshViews: () => {
        const taken = copy();
        return new Promise<void>((resolve) =>
          answers.push(() => {
            views = taken;
            resolve();
          }),
        );
      },
    });
    const sub = new Collector();
    hub.subscribe(sub, spec('stats.*'));
    const settle = () => new Promise((resolve) => setImmediate(resolve));

    tick('A');
    assert.equal(answers.length, 1, 'the first tick asks for a refresh');
    tick('B'); // taken after the refresh in flight was asked: it has no view of B
    answers.shift()!();
    await settle();
    assert.deepEqual(
      sub.json.filter((m) => m.type === 'update').map((m) => (m.data as SymbolStats).symbol),
      ['A'],
    );
    assert.equal(answers.length, 1, 'B waits for a refresh of its own');
    answers.shift()!();
    await settle();
    const updates = sub.json.filter((m) => m.type === 'update').map((m) => m.data as SymbolStats);
    assert.deepEqual(
      updates.map((s) => [s.symbol, s.updateCount]),
      [
        ['A', 1],
        ['B', 1],
      ],
    );
    assert.equal(answers.length, 0, 'no refresh without ticks');
  });
});
