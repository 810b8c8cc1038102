import type { NatsConnection, Subscription } from 'nats';

import { partitionOf } from '../engine/partition.js';
import type { Logger } from '../observability/logger.js';
import type { ClusterEngine } from './cluster-engine.js';
import type { ClusterNames } from './cluster-names.js';
import type { ClusterStore } from './cluster-store.js';
import { decodeLive, type LiveMessage } from './live-message.js';
import { toRawTicks } from './tick-message.js';

interface PartitionView {
  /** Last stream sequence applied to the node's engine. */
  lastSeq: number;
  /** Messages held while the partition is read back from PostgreSQL. */
  held: LiveMessage[] | undefined;
  /** Reads waiting for `lastSeq` to reach a sequence (`applied`). */
  waiting: Array<{ seq: number; resolve: () => void; timer: NodeJS.Timeout }>;
}

const RESYNC_RETRY_MS = 250;

/**
 * Keeps a node's engine (`ClusterEngine.mirror`) in step with every partition owner: applies
 * each live message once, in its partition's order. A message that does not follow the last one
 * applied (`prev` ≠ last: a message was missed, e.g. while NATS reconnected) makes the node read
 * the partition back from PostgreSQL (the owner's last committed snapshots), then go on: a
 * reset, counted and logged, never a silent skip. On start every partition is read that way.
 */
export class LiveFeed {
  readonly #engine: ClusterEngine;
  readonly #nc: NatsConnection;
  readonly #names: ClusterNames;
  readonly #store: ClusterStore;
  readonly #log: Logger;
  readonly #views: PartitionView[];
  #subscription: Subscription | undefined;
  #closed = false;
  #resyncs = 0;
  #applied = 0;

  constructor(
    engine: ClusterEngine,
    nc: NatsConnection,
    names: ClusterNames,
    store: ClusterStore,
    partitions: number,
    log: Logger,
  ) {
    this.#engine = engine;
    this.#nc = nc;
    this.#names = names;
    this.#store = store;
    this.#log = log;
    this.#views = Array.from({ length: partitions }, () => ({ lastSeq: 0, held: [], waiting: [] }));
  }

  /** Subscribes, then reads every partition's committed state (messages meanwhile are held). */
  async start(): Promise<void> {
    this.#subscription = this.#nc.subscribe(this.#names.liveSubjects, {
      callback: (err, msg) => {
        if (err !== null) return;
        let message: LiveMessage;
        try {
          message = decodeLive(msg.data);
        } catch {
          this.#log.warn({ subject: msg.subject }, 'not a live message; ignored');
          return;
        }
        this.#receive(message);
      },
    });
    await Promise.all(this.#views.map((_v, partition) => this.#resync(partition, 0)));
  }

  /**
   * Resolves once the node's copy of `partition` has applied stream sequence `seq` (or passed it),
   * or at `deadline` (epoch ms), whichever comes first.
   */
  applied(partition: number, seq: number, deadline: number): Promise<void> {
    const view = this.#views[partition];
    if (view === undefined || (view.held === undefined && view.lastSeq >= seq)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(
        () => {
          const at = view.waiting.indexOf(waiter);
          if (at >= 0) view.waiting.splice(at, 1);
          resolve();
        },
        Math.max(0, deadline - Date.now()),
      );
      const waiter = { seq, resolve, timer };
      view.waiting.push(waiter);
    });
  }

  /** Answers the reads waiting for a sequence up to `upTo` (by default, what the copy has applied). */
  #release(view: PartitionView, upTo = view.lastSeq): void {
    if (view.waiting.length === 0) return;
    view.waiting = view.waiting.filter((w) => {
      if (w.seq > upTo) return true;
      clearTimeout(w.timer);
      w.resolve();
      return false;
    });
  }

  counters(): { applied: number; resyncs: number } {
    return { applied: this.#applied, resyncs: this.#resyncs };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#subscription?.unsubscribe();
    // Reads waiting for the copy answer from it as it is.
    for (const view of this.#views) this.#release(view, Infinity);
  }

  #receive(message: LiveMessage): void {
    const view = this.#views[message.partition];
    if (view === undefined) return;
    if (view.held !== undefined) {
      view.held.push(message);
      return;
    }
    if (message.clock !== undefined && message.seq === view.lastSeq) {
      const { partition } = message;
      const partitions = this.#views.length;
      this.#engine.mirrorAdvance(message.clock, (symbol) => partitionOf(symbol, partitions) === partition);
      return;
    }
    if (message.seq <= view.lastSeq) return; // applied already (published again by a new owner)
    if (message.prev > view.lastSeq) {
      this.#resyncs++;
      this.#log.warn(
        { partition: message.partition, lastSeq: view.lastSeq, prev: message.prev },
        'live feed missed messages; reading the partition back from storage',
      );
      view.held = [message];
      void this.#resync(message.partition, message.prev);
      return;
    }
    this.#apply(view, message);
  }

  #apply(view: PartitionView, message: LiveMessage): void {
    const { ticks } = message;
    if (ticks.symbol.length > 0) this.#engine.mirror(toRawTicks(ticks), ticks.source, ticks.receivedAt);
    view.lastSeq = message.seq;
    this.#applied++;
    this.#release(view);
  }

  /** Reads a partition back once its owner has committed at least up to `upTo`, then replays what was held. */
  async #resync(partition: number, upTo: number): Promise<void> {
    const view = this.#views[partition]!;
    view.held ??= [];
    for (;;) {
      if (this.#closed) return;
      try {
        const state = await this.#store.read(partition);
        if (state.lastSeq >= upTo) {
          this.#engine.restore(state.snapshots);
          // At least `upTo`, which is past what was applied here: the snapshots are newer.
          view.lastSeq = state.lastSeq;
          break;
        }
      } catch (err) {
        this.#log.warn(
          { err: (err as Error).message, partition },
          'reading a partition back failed; retrying',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, RESYNC_RETRY_MS));
    }
    const held = view.held;
    view.held = undefined;
    for (const message of held) this.#receive(message);
    if (view.held === undefined) this.#release(view);
  }
}
