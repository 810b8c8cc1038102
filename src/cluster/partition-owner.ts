import { DeliverPolicy, type ConsumerMessages, type JetStreamClient, type JsMsg } from 'nats';

import type { CandleData } from '../core/candles.js';
import type { SymbolSnapshot } from '../core/symbol-state.js';
import { Engine, type EngineOptions } from '../engine/engine.js';
import type { Logger } from '../observability/logger.js';
import type { AnomalyRecord, SnapshotRecord } from '../storage/market-data-store.js';
import type { ClusterNames } from './cluster-names.js';
import { FencedError, restorePartition, type ClusterStore, type TickRow } from './cluster-store.js';
import { encodeLive, eventTotals } from './live-message.js';
import {
  decodeColumns,
  emptyColumns,
  MAX_TICKS_PER_MESSAGE,
  pushTick,
  toRawTicks,
  type TickColumns,
} from './tick-message.js';

export interface PartitionOwnerDeps {
  readonly js: JetStreamClient;
  readonly store: ClusterStore;
  readonly names: ClusterNames;
  readonly engine: EngineOptions;
  readonly nodeId: string;
  readonly log: Logger;
  /** Told when the partition was lost (fenced by a newer owner): the owner has stopped itself. */
  readonly onLost: (partition: number) => void;
}

/** Stream messages applied per PostgreSQL transaction, at most. */
const MAX_BATCH_MESSAGES = 256;
/** Messages read ahead of the engine, at most. */
const READ_AHEAD = 1024;
/** How often a caught-up owner moves quiet symbols' watermarks with the wall clock. */
const CLOCK_MS = 1000;
const RETRY_MAX_MS = 2000;

/**
 * The single writer of one partition while this node holds its lease: reads the partition's
 * subject in stream order from the sequence its last commit recorded, runs the ticks through an
 * engine of its own, publishes the accepted ticks live, and commits ticks, candles, anomalies,
 * the changed symbols' snapshots and the last sequence in one transaction per batch. A commit
 * that finds a newer epoch fails whole: the owner stops and the ticks are left to the new owner,
 * which resumes from the last commit, so each tick is stored exactly once.
 */
export class PartitionOwner {
  readonly partition: number;
  readonly epoch: number;
  readonly #deps: PartitionOwnerDeps;
  readonly #engine: Engine;
  readonly #queue: JsMsg[] = [];
  #messages: ConsumerMessages | undefined;
  #wake: (() => void) | undefined;
  #room: (() => void) | undefined;
  #stopped = false;
  #loop: Promise<void> = Promise.resolve();
  /** Last stream sequence committed. */
  #committed: number;
  /** Messages still in the stream behind the last one read (JetStream's count). */
  #pending = 0;
  /** When this owner last moved its clock (local wall clock, epoch ms). */
  #lastClock = 0;
  /**
   * The clock its symbols' watermarks were last moved to: never back, across owners too (a new
   * owner's wall clock may be behind its predecessor's), so the last clock committed stands for
   * every one before it (cluster-store.ts, `PartitionClock`).
   */
  #clock = -Infinity;
  #collect: Collector | undefined;

  private constructor(partition: number, epoch: number, lastSeq: number, deps: PartitionOwnerDeps) {
    this.partition = partition;
    this.epoch = epoch;
    this.#committed = lastSeq;
    this.#deps = deps;
    this.#engine = new Engine({ ...deps.engine, partitions: 1 });
    this.#engine.onListenerError((err, type) =>
      deps.log.error({ err, event: type, partition }, 'owner listener failed'),
    );
    this.#engine.on('tick', (e) => {
      const c = this.#collect;
      if (c === undefined) return;
      const tick: TickRow = {
        symbol: e.symbol,
        ts: e.ts,
        price: e.price,
        volume: e.volume,
        seq: e.seq,
        id: e.id,
        source: e.source,
        receivedAt: e.receivedAt,
        ingestSeq: c.base + c.accepted,
      };
      c.ticks.push(tick);
      c.accepted++;
      c.changed.add(e.symbol);
      if (c.live !== undefined) pushTick(c.live, tick);
    });
    this.#engine.on('anomaly', (anomaly) => {
      const c = this.#collect;
      if (c !== undefined) c.anomalies.push({ anomaly, ingestSeq: c.base + c.accepted });
    });
    this.#engine.on('candle', (candle) => {
      const c = this.#collect;
      if (c === undefined) return;
      c.candles.set(`${candle.symbol}\u0000${candle.interval}\u0000${candle.start}`, candle.toJSON());
      c.changed.add(candle.symbol);
    });
  }

  /** Claims the partition in PostgreSQL (a new epoch), loads its snapshots and starts consuming. */
  static async start(partition: number, deps: PartitionOwnerDeps): Promise<PartitionOwner> {
    const claimed = await deps.store.claim(partition, deps.nodeId);
    const owner = new PartitionOwner(partition, claimed.epoch, claimed.lastSeq, deps);
    restorePartition(owner.#engine, claimed);
    if (claimed.clock !== undefined) owner.#clock = claimed.clock.now;
    const consumer = await deps.js.consumers.get(deps.names.stream, {
      // One subject as a string: `filter_subject`, which NATS servers before 2.10 understand too.
      filterSubjects: deps.names.tickSubject(partition),
      // (DeliverPolicy.All would carry the client's start sequence too, which the server refuses.)
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: claimed.lastSeq + 1,
    });
    owner.#messages = await consumer.consume({ max_messages: MAX_BATCH_MESSAGES });
    owner.#read(owner.#messages).catch((err: unknown) => {
      if (!owner.#stopped)
        deps.log.warn({ err: (err as Error).message, partition }, 'partition reader ended');
    });
    owner.#loop = owner.#run();
    deps.log.info({ partition, epoch: claimed.epoch, fromSeq: claimed.lastSeq + 1 }, 'partition owned');
    return owner;
  }

  /** Messages known to wait for this owner: read ahead but not applied, plus still in the stream. */
  lag(): number {
    return this.#queue.length + this.#pending;
  }

  get committedSeq(): number {
    return this.#committed;
  }

  symbols(): string[] {
    return this.#engine.symbols();
  }

  /** Stops reading; resolves once the batch in progress is committed (or failed). */
  async stop(): Promise<void> {
    if (this.#stopped) return this.#loop;
    this.#stopped = true;
    this.#wake?.();
    this.#room?.();
    // The reader is not awaited: an ordered consumer's iterator need not end on stop().
    this.#messages?.stop();
    await this.#loop;
  }

  async #read(messages: ConsumerMessages): Promise<void> {
    for await (const m of messages) {
      if (this.#stopped) break;
      this.#queue.push(m);
      this.#pending = m.info.pending;
      this.#wake?.();
      if (this.#queue.length >= READ_AHEAD) await new Promise<void>((resolve) => (this.#room = resolve));
    }
  }

  async #run(): Promise<void> {
    const { log } = this.#deps;
    while (!this.#stopped) {
      if (this.#queue.length === 0) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          setTimeout(resolve, CLOCK_MS).unref();
        });
        this.#wake = undefined;
        if (this.#stopped) break;
      }
      try {
        if (this.#queue.length > 0) await this.#apply(this.#queue.splice(0, MAX_BATCH_MESSAGES));
        else if (Date.now() - this.#lastClock >= CLOCK_MS) await this.#advance(Date.now());
        if (this.#queue.length < READ_AHEAD) this.#room?.();
      } catch (err) {
        if (this.#stopped) return; // given up meanwhile (stop): the commit in progress was abandoned
        if (err instanceof FencedError) {
          log.warn({ partition: this.partition, epoch: this.epoch }, 'partition lost to a newer owner');
        } else {
          log.error({ err, partition: this.partition }, 'partition owner failed; giving the partition up');
        }
        this.#stopped = true;
        this.#messages?.stop();
        this.#deps.onLost(this.partition);
        return;
      }
    }
  }

  /** Applies stream messages in order, publishes their accepted ticks live, commits them. */
  async #apply(batch: JsMsg[]): Promise<void> {
    const collect = newCollector();
    this.#collect = collect;
    let last = this.#committed;
    const live: Uint8Array[] = [];
    try {
      for (const m of batch) {
        const seq = m.seq;
        if (seq <= last) continue; // redelivered after a consumer reset
        collect.base = seq * MAX_TICKS_PER_MESSAGE;
        collect.accepted = 0;
        let columns: TickColumns;
        try {
          columns = decodeColumns(m.data);
        } catch {
          this.#deps.log.warn({ partition: this.partition, seq }, 'not a tick batch; skipped');
          last = seq;
          continue;
        }
        collect.live = emptyColumns(columns.source, columns.receivedAt);
        const before = eventTotals(this.#engine);
        this.#engine.ingest(toRawTicks(columns), columns.source, columns.receivedAt);
        live.push(
          encodeLive({
            partition: this.partition,
            seq,
            prev: last,
            ticks: collect.live,
            totals: eventTotals(this.#engine),
            before,
          }),
        );
        collect.live = undefined;
        last = seq;
      }
    } finally {
      this.#collect = undefined;
    }
    // Live before the commit: a message published but never committed is applied again, identically,
    // by the next owner under the same sequence number, which readers skip (src/cluster/live-feed.ts).
    const published = live.map((data) => this.#publishLive(data));
    await this.#commit(collect, last);
    await Promise.all(published);
  }

  /**
   * Publishes on the partition's live subject (the live stream orders every partition's messages
   * alike for every node). A message JetStream did not take is logged: the nodes see the hole in
   * the partition's sequence and read the partition back from PostgreSQL.
   */
  #publishLive(data: Uint8Array): Promise<void> {
    return this.#deps.js.publish(this.#deps.names.liveSubject(this.partition), data).then(
      () => {},
      (err: unknown) =>
        this.#deps.log.warn(
          { err: (err as Error).message, partition: this.partition },
          'live message not published; the nodes will read the partition back from storage',
        ),
    );
  }

  async #advance(wallClock: number): Promise<void> {
    this.#lastClock = wallClock;
    const now = (this.#clock = Math.max(this.#clock, wallClock));
    const collect = newCollector();
    this.#collect = collect;
    const before = eventTotals(this.#engine);
    try {
      this.#engine.advance(now);
    } finally {
      this.#collect = undefined;
    }
    // Committed before it is published, closes or not: a node that lost the clock message (it sees
    // only a hole in the live stream) reads the partition back with its closes and watermarks in,
    // and so does a new owner.
    await this.#commit(collect, this.#committed, now);
    // Every node's copy moves its watermarks at the same point (src/cluster/live-feed.ts).
    const at = this.#committed;
    await this.#publishLive(
      encodeLive({
        partition: this.partition,
        seq: at,
        prev: at,
        clock: now,
        ticks: emptyColumns('', now),
        totals: eventTotals(this.#engine),
        before,
      }),
    );
  }

  /** Commits, retrying while PostgreSQL is away; fenced or stopped ends it. */
  async #commit(collect: Collector, lastSeq: number, clock?: number): Promise<void> {
    const snapshots: SymbolSnapshot[] = [];
    const symbols: SnapshotRecord[] = [];
    for (const symbol of collect.changed) {
      const state = this.#engine.state(symbol);
      if (state === undefined) continue;
      const snapshot = state.snapshot();
      snapshots.push(snapshot);
      symbols.push({ stats: state.stats(), snapshot });
      // Its open candles too (closed: false), so a history read from storage on any node has them;
      // a closed one of the same start from this batch wins.
      for (const candle of this.#engine.openCandles(symbol)) {
        const key = `${candle.symbol}\u0000${candle.interval}\u0000${candle.start}`;
        if (!collect.candles.has(key)) collect.candles.set(key, candle);
      }
    }
    const commit = {
      partition: this.partition,
      epoch: this.epoch,
      lastSeq,
      ticks: collect.ticks,
      candles: [...collect.candles.values()],
      anomalies: collect.anomalies,
      snapshots,
      symbols,
      clock,
    };
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#deps.store.commit(commit);
        this.#committed = lastSeq;
        return;
      } catch (err) {
        if (err instanceof FencedError || this.#stopped) throw err;
        const delayMs = Math.min(RETRY_MAX_MS, 100 * 2 ** attempt);
        this.#deps.log.warn(
          { err: (err as Error).message, partition: this.partition, delayMs },
          'partition commit failed; retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }
}

interface Collector {
  base: number;
  accepted: number;
  readonly ticks: TickRow[];
  readonly anomalies: AnomalyRecord[];
  readonly candles: Map<string, CandleData>;
  readonly changed: Set<string>;
  live: TickColumns | undefined;
}

function newCollector(): Collector {
  return {
    base: 0,
    accepted: 0,
    ticks: [],
    anomalies: [],
    candles: new Map(),
    changed: new Set(),
    live: undefined,
  };
}
