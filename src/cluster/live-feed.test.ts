import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { validateConfig } from '../config.js';
import type { SymbolSnapshot } from '../core/symbol-state.js';
import { normalizeTick, type RawTick } from '../core/tick.js';
import { DayAggregates } from '../engine/day-aggregates.js';
import { Engine } from '../engine/engine.js';
import { partitionOf } from '../engine/partition.js';
import { createLogger } from '../observability/logger.js';
import { ClusterEngine } from './cluster-engine.js';
import type { ClusterStore } from './cluster-store.js';
import { LiveFeed, type LiveSource } from './live-feed.js';
import { encodeLive, eventTotals, type LiveMessage } from './live-message.js';
import type { HubSubscriber } from '../streams/hub/channel.js';
import type { HubMessage } from '../streams/hub/hub-message.js';
import { Hub } from '../streams/hub/hub.js';
import { wireStreams } from '../streams/streams.test-support.js';
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

/** A live source the test hands messages to, each with its place in the stream. */
function fakeSource(): { source: LiveSource; deliver: (data: Uint8Array, streamSeq: number) => void } {
  let started: ((data: Uint8Array, streamSeq: number) => void) | undefined;
  const source: LiveSource = {
    start: (d) => {
      started = d;
      return Promise.resolve();
    },
    stop: () => {},
  };
  return { source, deliver: (data, streamSeq) => started!(data, streamSeq) };
}

/** A feed over a fake live stream (the test hands it messages, in order) and an empty store. */
async function feed(): Promise<{
  engine: ClusterEngine;
  send: (message: LiveMessage) => void;
  live: LiveFeed;
}> {
  const engine = new ClusterEngine(ENGINE_OPTIONS);
  const { source, deliver } = fakeSource();
  const store = { read: () => Promise.resolve({ lastSeq: 0, snapshots: [] }) } as unknown as ClusterStore;
  const live = new LiveFeed(engine, source, store, PARTITIONS, createLogger({ level: 'silent' }));
  await live.start();
  let streamSeq = 0;
  return { engine, live, send: (message) => deliver(encodeLive(message), ++streamSeq) };
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

/**
 * The channels of every symbol (`ticks.*`, `stats.*`, `candles.<interval>.*`, `anomalies`,
 * `anomalies.*`) on three nodes fed one live stream: one from its start, one that joins later
 * (each partition's last message first, as the live stream's consumer starts), one that loses
 * messages (and reads partitions back). Owners are engines of their own, as in partition-owner.ts.
 */
describe('LiveFeed: the channels of every symbol, numbered alike on every node', () => {
  const OPTIONS = { ...ENGINE_OPTIONS, intervals: ['1s', '5s'], allowedLatenessMs: 500 };
  const PARTS = 3;
  const SYMS = ['A', 'B', 'C', 'D', 'E', 'F'];
  const ALL = ['ticks.*', 'stats.*', 'candles.1s.*', 'candles.5s.*', 'anomalies', 'anomalies.*'];
  const BASE = 7_000_000;

  type SimStep =
    | { kind: 'ticks'; symbol: number; n: number; dt: number; move: number; lostBy2: boolean }
    | { kind: 'clock'; partition: number; ahead: number; lostBy2: boolean }
    | { kind: 'failover'; partition: number; lostBy2: boolean }
    | { kind: 'join' }
    | { kind: 'settle' };

  const simStep: fc.Arbitrary<SimStep> = fc.oneof(
    {
      weight: 10,
      arbitrary: fc.record({
        kind: fc.constant('ticks' as const),
        symbol: fc.integer({ min: 0, max: SYMS.length - 1 }),
        n: fc.integer({ min: 1, max: 3 }),
        dt: fc.integer({ min: -300, max: 900 }),
        move: fc.integer({ min: -40, max: 40 }),
        lostBy2: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('clock' as const),
        partition: fc.integer({ min: 0, max: PARTS - 1 }),
        ahead: fc.integer({ min: 0, max: 6000 }),
        lostBy2: fc.boolean(),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('failover' as const),
        partition: fc.integer({ min: 0, max: PARTS - 1 }),
        lostBy2: fc.boolean(),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('join' as const) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('settle' as const) }) },
  );

  class Recorder implements HubSubscriber {
    readonly updates = new Map<number, string>();
    /** Messages in order: [seq, type]. */
    readonly order: Array<[number, string]> = [];
    deliver(message: HubMessage): void {
      this.order.push([message.seq, message.type]);
      if (message.type === 'update') this.updates.set(message.seq, message.data);
    }
  }

  function simNode(committed: Map<number, { lastSeq: number; snapshots: SymbolSnapshot[] }>) {
    const engine = new ClusterEngine(OPTIONS);
    const { source, deliver } = fakeSource();
    const store = {
      read: async (p: number) => {
        await new Promise((r) => setImmediate(r));
        return committed.get(p) ?? { lastSeq: 0, snapshots: [] };
      },
    } as unknown as ClusterStore;
    const live = new LiveFeed(engine, source, store, PARTS, createLogger({ level: 'silent' }));
    const hub = new Hub({
      engine,
      options: validateConfig({}).streams,
      dayAggregates: new DayAggregates(),
      counted: {
        base: BASE,
        counts: {
          eventCount: (s, k, i) => engine.eventCount(s, k, i),
          allCount: (k, i) => live.allCount(k, i),
          lastAllCount: (k, i) => live.lastAllCount(k, i),
        },
      },
    });
    wireStreams(engine, { hub, dayAggregates: new DayAggregates() });
    engine.onListenerError((err) => {
      throw err;
    });
    const recorders = new Map<string, Recorder>();
    for (const name of ALL) {
      const spec = hub.parse(name);
      if (typeof spec === 'string') throw new Error(spec);
      const r = new Recorder();
      hub.subscribe(r, spec, { initial: false });
      recorders.set(name, r);
    }
    return { live, recorders, send: deliver };
  }

  it('gives every message the same sequence number on every node that numbers it', async () => {
    /** Updates another node numbered, compared with node 0's, over all runs. */
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(simStep, { minLength: 1, maxLength: 120 }), async (steps) => {
        interface Input {
          seq: number;
          raws: RawTick[];
          receivedAt: number;
        }
        /** An owner, and the tick messages it applied since its last commit. */
        const newOwner = (last = 0) => ({ engine: new Engine(OPTIONS), last, pending: [] as Input[] });
        const owners = Array.from({ length: PARTS }, () => newOwner());
        const committed = new Map<number, { lastSeq: number; snapshots: SymbolSnapshot[] }>();
        const stream: Array<{ partition: number; data: Uint8Array }> = [];
        let tickSeq = 0;
        let now = T0;
        let accepted = 0;
        const prices = new Map<string, number>();
        const settle = async (): Promise<void> => {
          for (let i = 0; i < 4; i++) await new Promise((r) => setImmediate(r));
        };

        const first = simNode(committed);
        await first.live.start();
        const lossy = simNode(committed);
        await lossy.live.start();
        let late: ReturnType<typeof simNode> | undefined;
        const nodes = () => [first, lossy, ...(late === undefined ? [] : [late])];

        /** An owner commits a message's state with its next one (so a read-back replays some held). */
        const commit = (partition: number): void => {
          const owner = owners[partition]!;
          committed.set(partition, { lastSeq: owner.last, snapshots: owner.engine.snapshot() });
          owner.pending = [];
        };
        const publish = (partition: number, message: LiveMessage, lostBy2: boolean): void => {
          const data = encodeLive(message);
          stream.push({ partition, data });
          const streamSeq = stream.length;
          first.send(data, streamSeq);
          if (!lostBy2) lossy.send(data, streamSeq);
          late?.send(data, streamSeq);
        };

        const applyTicks = (partition: number, input: Input, lostBy2: boolean, count: boolean): void => {
          const owner = owners[partition]!;
          const columns = emptyColumns('sim', input.receivedAt);
          const before = eventTotals(owner.engine);
          const off = owner.engine.on('tick', (e) => {
            if (count) accepted++;
            pushTick(columns, e);
          });
          owner.engine.ingest(input.raws, 'sim', input.receivedAt);
          off();
          const prev = owner.last;
          owner.last = input.seq;
          owner.pending.push(input);
          const totals = eventTotals(owner.engine);
          publish(partition, { partition, seq: input.seq, prev, ticks: columns, totals, before }, lostBy2);
        };

        for (const step of steps) {
          if (step.kind === 'ticks') {
            const symbol = SYMS[step.symbol]!;
            const partition = partitionOf(symbol, PARTS);
            commit(partition);
            now += Math.max(0, step.dt);
            const raws = Array.from({ length: step.n }, (_v, i) => {
              const price = (prices.get(symbol) ?? 100) * (1 + step.move / 1000);
              prices.set(symbol, price);
              return { symbol, price, volume: 1, timestamp: now + Math.min(0, step.dt) + i };
            });
            applyTicks(partition, { seq: ++tickSeq, raws, receivedAt: now }, step.lostBy2, true);
          } else if (step.kind === 'failover') {
            // A new owner from the last commit: it applies the tick messages after it again and
            // publishes them under the same sequences (a clock of the old owner's is not replayed).
            const old = owners[step.partition]!;
            const c = committed.get(step.partition);
            const owner = (owners[step.partition] = newOwner(c?.lastSeq ?? 0));
            owner.engine.restore(c?.snapshots ?? []);
            for (const input of old.pending) applyTicks(step.partition, input, step.lostBy2, false);
          } else if (step.kind === 'clock') {
            // Owners move their clocks about together (once a second); node 2 may lose the first one.
            for (let k = 0; k < PARTS; k++) {
              const partition = (step.partition + k) % PARTS;
              const owner = owners[partition]!;
              const at = now + step.ahead;
              const before = eventTotals(owner.engine);
              owner.engine.advance(at);
              // As partition-owner.ts: a clock's closes are committed before it is published.
              commit(partition);
              const message = {
                partition,
                seq: owner.last,
                prev: owner.last,
                clock: at,
                ticks: emptyColumns('', at),
                totals: eventTotals(owner.engine),
                before,
              };
              publish(partition, message, step.lostBy2 && k === 0);
            }
          } else if (step.kind === 'join' && late === undefined) {
            // The live stream's consumer: each partition's last message, in stream order, then on.
            late = simNode(committed);
            const node = late;
            const starting = node.live.start();
            const lastOf = new Map<number, number>();
            stream.forEach((m, i) => lastOf.set(m.partition, i));
            for (const i of [...lastOf.values()].sort((a, b) => a - b)) node.send(stream[i]!.data, i + 1);
            await starting;
          } else {
            await settle();
          }
        }
        await settle();
        // Read-backs still waiting for a commit end here.
        await Promise.all(nodes().map((n) => n.live.close()));

        // Node 0 saw the stream from its start: without a failover, every tick numbered, no reset.
        // (A new owner that lost its predecessor's last clock has other candles than the copies
        // until its own clock: the copies number nothing of that partition meanwhile.)
        if (!steps.some((s) => s.kind === 'failover')) {
          const ticksAll = first.recorders.get('ticks.*')!;
          assert.equal(ticksAll.updates.size, accepted, 'node 0: every accepted tick on ticks.*');
          for (const [name, r] of first.recorders)
            r.order.forEach(([seq, type], i) => {
              assert.equal(type, 'update', `node 0 ${name}: no reset`);
              if (i > 0) assert.equal(seq, r.order[i - 1]![0] + 1, `node 0 ${name}: consecutive`);
            });
        }
        // A sequence number two nodes both gave carries the same message on both.
        const all = nodes();
        for (const name of ALL) {
          for (let a = 0; a < all.length; a++) {
            const mine = all[a]!.recorders.get(name)!;
            for (let b = a + 1; b < all.length; b++)
              for (const [seq, data] of all[b]!.recorders.get(name)!.updates) {
                if (!mine.updates.has(seq)) continue;
                assert.equal(data, mine.updates.get(seq), `${name} seq ${seq}, nodes ${a} and ${b}`);
                if (a === 0) compared++;
              }
            // In order: updates follow each other, or a reset starts them over further on.
            const order = mine.order;
            for (let i = 1; i < order.length; i++)
              assert.ok(
                order[i]![0] > order[i - 1]![0] &&
                  (order[i]![1] === 'reset' || order[i]![0] === order[i - 1]![0] + 1),
                `node ${a} ${name}: ${order[i - 1]!.join(' ')} then ${order[i]!.join(' ')}`,
              );
          }
        }
      }),
      { numRuns: 400, includeErrorInReport: true },
    );
    assert.ok(compared > 1000, `the late and the lossy node numbered ${compared} updates`);
  });
});
