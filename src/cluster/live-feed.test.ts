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
import { partitionState, restorePartition, type ClusterStore, type PartitionState } from './cluster-store.js';
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
async function feed(partitions = PARTITIONS): Promise<{
  engine: ClusterEngine;
  send: (message: LiveMessage) => void;
  /** A message at a place of the stream the test chooses. */
  deliver: (message: LiveMessage, streamSeq: number) => void;
  live: LiveFeed;
}> {
  const engine = new ClusterEngine(ENGINE_OPTIONS);
  const { source, deliver } = fakeSource();
  const store = {
    read: (): Promise<PartitionState> => Promise.resolve({ lastSeq: 0, snapshots: [], clock: undefined }),
  } as unknown as ClusterStore;
  const live = new LiveFeed(engine, source, store, partitions, createLogger({ level: 'silent' }));
  await live.start();
  let streamSeq = 0;
  return {
    engine,
    live,
    send: (message) => deliver(encodeLive(message), ++streamSeq),
    deliver: (message, at) => deliver(encodeLive(message), at),
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

  it('counts the partitions it has not heard from: all until the stream says, then each until it speaks', async () => {
    const PARTS = 3;
    const setup = async () => {
      const { live, deliver } = await feed(PARTS);
      const clock = (partition: number, streamSeq: number): void =>
        deliver(
          {
            partition,
            seq: 0,
            prev: 0,
            clock: T0,
            ticks: emptyColumns('', T0),
            totals: [0, 0, 0],
            before: [0, 0, 0],
          },
          streamSeq,
        );
      return { live, clock };
    };

    // From the stream's first message: every partition's totals are 0 before it.
    const first = await setup();
    assert.equal(first.live.counters().unheard, PARTS, 'nothing heard yet');
    first.clock(2, 1);
    assert.equal(first.live.counters().unheard, 0);

    // Joining later (each partition's last message first, a hole before it): each until it speaks.
    const late = await setup();
    late.clock(1, 40);
    assert.equal(late.live.counters().unheard, PARTS - 1);
    late.clock(0, 41);
    late.clock(1, 42);
    assert.equal(late.live.counters().unheard, 1, 'partition 2 not yet');
    late.clock(2, 43);
    assert.equal(late.live.counters().unheard, 0);
    // A hole: all unknown again.
    late.clock(0, 45);
    assert.equal(late.live.counters().unheard, PARTS - 1);
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

  /** What an owner committed of a partition, as cluster-store.ts keeps it. */
  interface Committed {
    lastSeq: number;
    readonly rows: Map<string, { snapshot: SymbolSnapshot; seq: number }>;
    clock: { now: number; seq: number } | undefined;
  }
  const stateOf = (c: Committed | undefined): PartitionState =>
    c === undefined
      ? { lastSeq: 0, snapshots: [], clock: undefined }
      : partitionState(c.lastSeq, [...c.rows.values()], c.clock);

  function simNode(committed: Map<number, Committed>) {
    const engine = new ClusterEngine(OPTIONS);
    const { source, deliver } = fakeSource();
    const store = {
      read: async (p: number) => {
        await new Promise((r) => setImmediate(r));
        return stateOf(committed.get(p));
      },
    } as unknown as ClusterStore;
    const live = new LiveFeed(engine, source, store, PARTS, createLogger({ level: 'silent' }), 1);
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
    return { engine, live, recorders, send: deliver };
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
        /**
         * An owner, as partition-owner.ts: from a partition's committed state, the tick messages
         * it applied since its last commit, and the symbols they (or a clock's closes) changed.
         */
        const newOwner = (state: PartitionState = stateOf(undefined)) => {
          const engine = new Engine(OPTIONS);
          restorePartition(engine, state);
          const owner = {
            engine,
            last: state.lastSeq,
            pending: [] as Input[],
            changed: new Set<string>(),
            clock: state.clock?.now ?? -Infinity,
          };
          engine.on('tick', (e) => owner.changed.add(e.symbol));
          engine.on('candle', (c) => owner.changed.add(c.symbol));
          return owner;
        };
        const owners = Array.from({ length: PARTS }, () => newOwner());
        const committed = new Map<number, Committed>();
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

        /**
         * An owner commits a message's state with its next one (so a read-back replays some held):
         * the snapshots of the symbols it changed, and its clock (`clock`) with a clock's closes.
         */
        const commit = (partition: number, clock?: number): void => {
          const owner = owners[partition]!;
          let c = committed.get(partition);
          if (c === undefined)
            committed.set(partition, (c = { lastSeq: 0, rows: new Map(), clock: undefined }));
          for (const symbol of owner.changed)
            c.rows.set(symbol, { snapshot: owner.engine.state(symbol)!.snapshot(), seq: owner.last });
          c.lastSeq = owner.last;
          if (clock !== undefined) c.clock = { now: clock, seq: owner.last };
          owner.changed.clear();
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

        /** Owners move their clocks about together (once a second); node 2 may lose the first one. */
        const clockRound = (from: number, wallClock: number, lostBy2: boolean): void => {
          for (let k = 0; k < PARTS; k++) {
            const partition = (from + k) % PARTS;
            const owner = owners[partition]!;
            // As partition-owner.ts: a caught-up owner (its ticks committed) moves its clock (never
            // back), and commits it (its closes, its time) before it publishes it.
            const at = (owner.clock = Math.max(owner.clock, wallClock));
            commit(partition);
            const before = eventTotals(owner.engine);
            owner.engine.advance(at);
            commit(partition, at);
            const message = {
              partition,
              seq: owner.last,
              prev: owner.last,
              clock: at,
              ticks: emptyColumns('', at),
              totals: eventTotals(owner.engine),
              before,
            };
            publish(partition, message, lostBy2 && k === 0);
          }
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
            // publishes them under the same sequences.
            const old = owners[step.partition]!;
            owners[step.partition] = newOwner(stateOf(committed.get(step.partition)));
            for (const input of old.pending) applyTicks(step.partition, input, step.lostBy2, false);
          } else if (step.kind === 'clock') {
            clockRound(step.partition, now + step.ahead, step.lostBy2);
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
        // A last clock round: a node that lost the last messages sees the hole, and every copy
        // catches up (read-backs waiting for a commit end).
        clockRound(0, now, false);
        await settle();
        for (const node of nodes())
          for (let p = 0; p < PARTS; p++) await node.live.applied(p, owners[p]!.last, Date.now() + 5000);
        await Promise.all(nodes().map((n) => n.live.close()));

        // Every node's copy of every symbol is its owner's state.
        nodes().forEach((node, n) => {
          for (const symbol of SYMS) {
            const owner = owners[partitionOf(symbol, PARTS)]!.engine.state(symbol)?.snapshot();
            assert.deepEqual(node.engine.state(symbol)?.snapshot(), owner, `node ${n}, ${symbol}`);
          }
        });

        // Node 0 saw the stream from its start: every tick numbered, no reset, failovers or not (a
        // new owner starts from its predecessor's committed clock too).
        const ticksAll = first.recorders.get('ticks.*')!;
        assert.equal(ticksAll.updates.size, accepted, 'node 0: every accepted tick on ticks.*');
        for (const [name, r] of first.recorders)
          r.order.forEach(([seq, type], i) => {
            assert.equal(type, 'update', `node 0 ${name}: no reset`);
            if (i > 0) assert.equal(seq, r.order[i - 1]![0] + 1, `node 0 ${name}: consecutive`);
          });
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
      {
        numRuns: 400,
        includeErrorInReport: true,
        examples: [
          [
            // Node 2 loses a clock that closes nothing but moves A's watermark past the bucket
            // before A's first, and reads A's partition back; then a late tick of A lands in that
            // bucket: a closed bucket at the owner (a revision), an open one on a copy without the
            // clock's watermark.
            [
              { kind: 'ticks', symbol: 0, n: 1, dt: 1050, move: 0, lostBy2: false },
              { kind: 'clock', partition: partitionOf('A', PARTS), ahead: 600, lostBy2: true },
              { kind: 'settle' },
              { kind: 'ticks', symbol: 0, n: 1, dt: -250, move: 0, lostBy2: false },
            ],
          ],
        ],
      },
    );
    assert.ok(compared > 1000, `the late and the lossy node numbered ${compared} updates`);
  });
});
