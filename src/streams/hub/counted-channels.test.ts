import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { validateConfig } from '../../config.js';
import { DayAggregates } from '../../engine/day-aggregates.js';
import { Engine } from '../../engine/engine.js';
import type { RawTick } from '../../core/tick.js';
import type { Channel, HubSubscriber } from './channel.js';
import type { HubMessage } from './hub-message.js';
import { Hub } from './hub.js';
import { wireStreams } from '../streams.test-support.js';

/**
 * Counted channels (a cluster node's hub): a symbol's channels are numbered by the engine's
 * per-symbol counts, so hubs over engines fed the same ticks (the nodes of a cluster) give the same
 * message the same sequence number, whenever each was subscribed, and across snapshot and restore.
 */

const ENGINE_OPTIONS = {
  partitions: 1,
  movingAverageWindow: 8,
  anomalyThresholdPercent: 2,
  slidingWindowMilliseconds: 1000,
  recentAnomaliesCapacity: 1000,
  intervals: ['1s', '5s'],
  allowedLatenessMs: 500,
  anomalyMode: 'episode' as const,
  maxFutureSkewMs: 300_000,
  dedupeCapacity: 1000,
};
const BASE = 5_000_000;
const SYMBOLS = ['A', 'B'];
const CHANNELS = SYMBOLS.flatMap((s) => [
  `ticks.${s}`,
  `stats.${s}`,
  `anomalies.${s}`,
  `candles.1s.${s}`,
  `candles.5s.${s}`,
]);

class Collector implements HubSubscriber {
  readonly messages: HubMessage[] = [];
  deliver(message: HubMessage): void {
    this.messages.push(message);
  }
}

function node() {
  const engine = new Engine(ENGINE_OPTIONS);
  const hub = new Hub({
    engine,
    options: validateConfig({ streams: { resumeWindowMs: 1 } }).streams,
    dayAggregates: new DayAggregates(),
    counted: {
      base: BASE,
      counts: {
        eventCount: (symbol, kind, interval) => engine.eventCount(symbol, kind, interval),
        // The channels of every symbol are not followed here (src/cluster/live-feed.test.ts is).
        allCount: (kind, interval) => engine.eventTotal(kind, interval),
        lastAllCount: (kind, interval) => engine.eventTotal(kind, interval),
      },
    },
  });
  wireStreams(engine, { hub, dayAggregates: new DayAggregates() });
  const subscribers = new Map<string, Collector>();
  const channels = new Map<string, Channel>();
  return {
    engine,
    hub,
    subscribers,
    /** All messages seen, by channel: seq → envelope type and data. */
    seen: new Map<string, Map<number, { type: string; data: string }>>(),
    subscribe(name: string): void {
      const spec = hub.parse(name);
      if (typeof spec === 'string') throw new Error(spec);
      const sub = new Collector();
      const { channel, initial } = hub.subscribe(sub, spec);
      sub.messages.push(...initial);
      subscribers.set(name, sub);
      channels.set(name, channel);
    },
    unsubscribe(name: string): void {
      const sub = subscribers.get(name);
      if (sub === undefined) return;
      this.record(name, sub);
      hub.unsubscribe(sub, channels.get(name)!, 0);
      subscribers.delete(name);
      hub.sweep(10); // asleep at once (resumeWindowMs 1): the next subscription wakes it
    },
    record(name: string, sub: Collector): void {
      let byChannel = this.seen.get(name);
      if (byChannel === undefined)
        this.seen.set(name, (byChannel = new Map<number, { type: string; data: string }>()));
      let last = NaN;
      for (const m of sub.messages) {
        if (m.type === 'update') {
          assert.ok(last !== last || m.seq === last + 1, `${name}: update ${m.seq} follows ${last}`);
          byChannel.set(m.seq, { type: m.type, data: m.data });
        }
        last = m.seq;
      }
      sub.messages.length = 0;
    },
    finish(): void {
      for (const [name, sub] of subscribers) this.record(name, sub);
    },
  };
}

type Step =
  | { kind: 'tick'; symbol: string; dt: number; move: number; late: boolean; missedBy: number }
  | { kind: 'clock'; ahead: number }
  | { kind: 'sub'; node: number; channel: string }
  | { kind: 'unsub'; node: number; channel: string }
  | { kind: 'restore' };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('tick' as const),
      symbol: fc.constantFrom(...SYMBOLS),
      dt: fc.integer({ min: 0, max: 700 }),
      move: fc.integer({ min: -40, max: 40 }),
      late: fc.boolean(),
      // A node that misses ticks (a live message lost) until it reads the symbols back.
      missedBy: fc.constantFrom(-1, -1, -1, -1, 0, 1),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('clock' as const), ahead: fc.integer({ min: 0, max: 3000 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('sub' as const),
      node: fc.integer({ min: 0, max: 1 }),
      channel: fc.constantFrom(...CHANNELS),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('unsub' as const),
      node: fc.integer({ min: 0, max: 1 }),
      channel: fc.constantFrom(...CHANNELS),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restore' as const) }) },
);

describe('counted channels', () => {
  it('give a message the same seq on every hub fed the same ticks, however each subscribed or restarted', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 250 }), (steps) => {
        const nodes = [node(), node()];
        let ts = 1_700_000_000_000;
        let price = 100;
        let behind: number | undefined;
        const upToDate = () => nodes.filter((_n, i) => i !== behind);
        for (const s of steps) {
          switch (s.kind) {
            case 'tick': {
              ts += s.dt;
              price = Math.max(1, price * (1 + s.move / 1000));
              const tick: RawTick = { symbol: s.symbol, price, volume: 1, timestamp: s.late ? ts - 400 : ts };
              if (behind === undefined && s.missedBy >= 0) behind = s.missedBy;
              for (const n of upToDate()) n.engine.ingest([tick], 'test', ts);
              break;
            }
            case 'clock':
              for (const n of upToDate()) n.engine.advance(ts + s.ahead);
              break;
            case 'sub':
              if (!nodes[s.node]!.subscribers.has(s.channel)) nodes[s.node]!.subscribe(s.channel);
              break;
            case 'unsub':
              nodes[s.node]!.unsubscribe(s.channel);
              break;
            case 'restore':
              // The node behind reads its symbols back from the other's snapshots (a resync).
              if (behind !== undefined) nodes[behind]!.engine.restore(nodes[1 - behind]!.engine.snapshot());
              behind = undefined;
              break;
          }
        }
        for (const n of nodes) n.finish();
        for (const name of CHANNELS) {
          const a = nodes[0]!.seen.get(name);
          const b = nodes[1]!.seen.get(name);
          if (a === undefined || b === undefined) continue;
          for (const [seq, message] of a) {
            const other = b.get(seq);
            if (other !== undefined) assert.deepEqual(other, message, `${name} seq ${seq}`);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('number a channel by the count: base + accepted ticks, and a jump is a reset at the new count', () => {
    const a = node();
    a.engine.ingest(
      [
        { symbol: 'A', price: 10 },
        { symbol: 'A', price: 10.1 },
      ],
      'test',
      Date.now(),
    );
    a.subscribe('ticks.A');
    const sub = a.subscribers.get('ticks.A')!;
    assert.equal(sub.messages[0]!.type, 'snapshot');
    assert.equal(sub.messages[0]!.seq, BASE + 2);
    a.engine.ingest([{ symbol: 'A', price: 10.2 }], 'test', Date.now());
    assert.equal(sub.messages[1]!.seq, BASE + 3);

    // A copy that missed two ticks reads the symbol back: its subscribers get a reset at the count.
    const other = new Engine(ENGINE_OPTIONS);
    other.ingest(
      [10, 10.1, 10.2, 10.3, 10.4].map((price) => ({ symbol: 'A', price })),
      'test',
      Date.now(),
    );
    a.engine.restore(other.snapshot());
    a.engine.ingest([{ symbol: 'A', price: 10.5 }], 'test', Date.now());
    const reset = sub.messages[2]!;
    assert.equal(reset.type, 'reset');
    assert.equal(reset.seq, BASE + 6);
    assert.equal((JSON.parse(reset.data) as { price: number }).price, 10.5);
    a.engine.ingest([{ symbol: 'A', price: 10.6 }], 'test', Date.now());
    assert.deepEqual(
      sub.messages.slice(3).map((m) => [m.type, m.seq]),
      [['update', BASE + 7]],
    );
    // Resuming from before the reset gets a reset; from it, the updates after it.
    const spec = a.hub.parse('ticks.A');
    if (typeof spec === 'string') throw new Error(spec);
    assert.equal(a.hub.subscribe(new Collector(), spec, { fromSeq: BASE + 3 }).initial[0]!.type, 'reset');
    assert.deepEqual(
      a.hub.subscribe(new Collector(), spec, { fromSeq: BASE + 6 }).initial.map((m) => m.seq),
      [BASE + 7],
    );
  });

  it('count candle events as emitted (one per tick and interval, one per close) across snapshots', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1500 }), fc.boolean(), fc.boolean()), { maxLength: 200 }),
        (steps) => {
          let engine = new Engine(ENGINE_OPTIONS);
          const emitted = new Map<string, number>();
          const wire = (e: Engine): void => {
            // The engine catches a listener's throw: a failed assertion is rethrown here.
            e.onListenerError((err) => {
              throw err;
            });
            e.demandCandleUpdates(() => true);
            const count = (c: { symbol: string; interval: string }): void => {
              const key = `${c.symbol} ${c.interval}`;
              const n = (emitted.get(key) ?? 0) + 1;
              emitted.set(key, n);
              assert.equal(e.eventCount(c.symbol, 'candles', c.interval), n, key);
            };
            e.on('candle', count);
            e.on('candleUpdate', count);
            e.on('anomaly', (x) => {
              const key = `${x.symbol} anomalies`;
              const n = (emitted.get(key) ?? 0) + 1;
              emitted.set(key, n);
              assert.equal(e.eventCount(x.symbol, 'anomalies'), n, key);
            });
          };
          wire(engine);
          let ts = 1_700_000_000_000;
          let price = 100;
          for (const [dt, jump, restart] of steps) {
            ts += dt;
            price *= jump ? 1.05 : 0.999;
            engine.ingest([{ symbol: 'A', price, volume: 1, timestamp: ts }], 'test', ts);
            if (dt > 1200) engine.advance(ts + dt);
            if (restart) {
              const next = new Engine(ENGINE_OPTIONS);
              next.restore(engine.snapshot());
              engine = next;
              wire(engine);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keep the totals of every symbol (eventTotal) equal to the sum of their counts, inside every listener', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            symbol: fc.constantFrom('A', 'B', 'C'),
            dt: fc.integer({ min: -900, max: 1500 }),
            jump: fc.boolean(),
            advance: fc.boolean(),
            restore: fc.constantFrom('none', 'fresh', 'over'),
          }),
          { maxLength: 150 },
        ),
        (steps) => {
          const check = (e: Engine): void => {
            const sum = (kind: 'ticks' | 'anomalies' | 'candles', interval?: string): number =>
              e.symbols().reduce((n, s) => n + e.eventCount(s, kind, interval), 0);
            assert.equal(e.eventTotal('ticks'), sum('ticks'), 'ticks');
            assert.equal(e.eventTotal('anomalies'), sum('anomalies'), 'anomalies');
            for (const interval of ['1s', '5s'])
              assert.equal(e.eventTotal('candles', interval), sum('candles', interval), interval);
          };
          const wire = (e: Engine): Engine => {
            e.onListenerError((err) => {
              throw err;
            });
            e.demandCandleUpdates(() => true);
            e.on('tick', () => check(e));
            e.on('candle', () => check(e));
            e.on('candleUpdate', () => check(e));
            e.on('anomaly', () => check(e));
            return e;
          };
          let engine = wire(new Engine(ENGINE_OPTIONS));
          let ts = 1_700_000_000_000;
          const price = new Map<string, number>();
          for (const step of steps) {
            ts += step.dt;
            const p = (price.get(step.symbol) ?? 100) * (step.jump ? 1.05 : 0.999);
            price.set(step.symbol, p);
            engine.ingest([{ symbol: step.symbol, price: p, volume: 1, timestamp: ts }], 'test', ts);
            if (step.advance) engine.advance(ts + 2000);
            if (step.restore === 'fresh') {
              const next = wire(new Engine(ENGINE_OPTIONS));
              next.restore(engine.snapshot());
              engine = next;
            } else if (step.restore === 'over') engine.restore(engine.snapshot()); // replaces every state
            check(engine);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
