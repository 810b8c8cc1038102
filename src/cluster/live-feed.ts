import type { EventKind } from '../engine/engine.js';
import { partitionOf } from '../engine/partition.js';
import type { Logger } from '../observability/logger.js';
import type { ClusterEngine } from './cluster-engine.js';
import { restorePartition, type ClusterStore } from './cluster-store.js';
import { decodeLive, eventTotals, type LiveMessage } from './live-message.js';
import { toRawTicks } from './tick-message.js';

/** Where the live messages come from (src/cluster/live-stream.ts: the cluster's live stream). */
export interface LiveSource {
  /**
   * Starts delivering each partition's last message, then every new one, all in one order that
   * is the same for every node; `streamSeq` is a message's place in that order (consecutive unless
   * messages were lost between two).
   */
  start(deliver: (data: Uint8Array, streamSeq: number) => void): Promise<void>;
  stop(): void;
}

interface PartitionView {
  /** Last stream sequence applied to the node's engine. */
  lastSeq: number;
  /** Messages held while the partition is read back from PostgreSQL. */
  held: LiveMessage[] | undefined;
  /** Reads waiting for `lastSeq` to reach a sequence (`applied`). */
  waiting: Array<{ seq: number; resolve: () => void; timer: NodeJS.Timeout }>;
}

/** How long a read-back waits before it reads again (the owner has not committed far enough yet). */
const RESYNC_RETRY_MS = 250;

/**
 * Keeps a node's engine (`ClusterEngine.mirror`) in step with every partition owner: applies
 * each live message once, in its partition's order. A message that does not follow the last one
 * applied (`prev` ≠ last: a message was missed, e.g. while NATS reconnected) makes the node read
 * the partition back from PostgreSQL (the owner's last committed snapshots), then go on: a
 * reset, counted and logged, never a silent skip. On start every partition is read that way.
 *
 * It also numbers the channels of every symbol (`allCount`): in the live stream's one order, the
 * count of a kind of event is the sum over partitions of each one's total (carried by its last
 * message) — the same on every node at the same place of the order — plus, inside a message
 * being applied, the events the copy has emitted for it so far.
 */
export class LiveFeed {
  readonly #engine: ClusterEngine;
  readonly #source: LiveSource;
  readonly #store: ClusterStore;
  readonly #log: Logger;
  readonly #views: PartitionView[];
  /** Entries of a `totals` array (`LiveMessage.totals`, made by `eventTotals`). */
  readonly #width: number;
  /**
   * Per partition, its owners' totals so far in the order: each entry the largest a message has
   * carried (an owner replaying from its last commit publishes smaller ones again).
   */
  readonly #totals: Float64Array[];
  /** The partitions' totals summed. */
  readonly #sum: Float64Array;
  /** Per partition, the totals of this node's copy of it (what applying its messages added). */
  readonly #copy: Float64Array[];
  /** The engine's totals (`eventTotals`) when the message being applied began. */
  #startTotals: readonly number[] = [];
  /** The message being applied is numbered (`allCount`): see `#applyCounted`. */
  #numbering = false;
  /**
   * Partitions whose totals are unknown: all until the first message, and all again after a hole
   * in the order, each until it is heard from. A node whose first message is the stream's first
   * knows them all (0); one that starts later (each partition's last message first) sees a hole
   * at once.
   */
  readonly #unheard: Set<number>;
  #lastStreamSeq = 0;
  #closed = false;
  #resyncs = 0;
  #applied = 0;
  readonly #retryMs: number;

  constructor(
    engine: ClusterEngine,
    source: LiveSource,
    store: ClusterStore,
    partitions: number,
    log: Logger,
    retryMs = RESYNC_RETRY_MS,
  ) {
    this.#retryMs = retryMs;
    this.#engine = engine;
    this.#source = source;
    this.#store = store;
    this.#log = log;
    this.#views = Array.from({ length: partitions }, () => ({ lastSeq: 0, held: [], waiting: [] }));
    this.#unheard = new Set(this.#views.keys());
    const n = (this.#width = eventTotals(engine).length);
    this.#totals = Array.from({ length: partitions }, () => new Float64Array(n));
    this.#copy = Array.from({ length: partitions }, () => new Float64Array(n));
    this.#sum = new Float64Array(n);
  }

  /** Starts the source, then reads every partition's committed state (messages meanwhile are held). */
  async start(): Promise<void> {
    await this.#source.start((data, streamSeq) => {
      let message: LiveMessage;
      try {
        message = decodeLive(data);
      } catch {
        this.#log.warn({ streamSeq }, 'not a live message; ignored');
        return;
      }
      this.#receive(message, streamSeq);
    });
    await Promise.all(this.#views.map((_v, partition) => this.#resync(partition, 0)));
  }

  /**
   * How many events of `kind` (for candles, of `interval`) every symbol of the cluster has had at
   * this place of the live order, counting the event being emitted when read inside a listener;
   * undefined while this node cannot tell it as every node does (a partition not heard from since
   * it started or since messages were lost, or a message applied out of the order after a
   * read-back). At other times, the last count it knew.
   */
  allCount(kind: EventKind, interval?: string): number | undefined {
    const i = this.#engine.totalIndex(kind, interval);
    if (i < 0 || !this.#numbering) return undefined;
    return this.#sum[i]! + this.#engine.eventTotal(kind, interval) - this.#startTotals[i]!;
  }

  /** The last count known (`allCount`), also while it is not exact: where a new channel starts. */
  lastAllCount(kind: EventKind, interval?: string): number {
    const i = this.#engine.totalIndex(kind, interval);
    return i < 0 ? 0 : this.#sum[i]!;
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

  /**
   * Messages applied, partitions read back, and partitions not heard from since the node started
   * or lost messages: while any, the channels of every symbol leave their events out (`allCount`).
   */
  counters(): { applied: number; resyncs: number; unheard: number } {
    return { applied: this.#applied, resyncs: this.#resyncs, unheard: this.#unheard.size };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#source.stop();
    // Reads waiting for the copy answer from it as it is.
    for (const view of this.#views) this.#release(view, Infinity);
  }

  /** A message at its place in the order (`streamSeq`): applied, held or skipped; then its totals counted. */
  #receive(message: LiveMessage, streamSeq: number): void {
    if (streamSeq !== this.#lastStreamSeq + 1) {
      // Messages between were lost to this node (or it starts late): every partition's total is
      // unknown until it is heard from again (an owner publishes at least once a second: its clock).
      for (let p = 0; p < this.#views.length; p++) this.#unheard.add(p);
      // A lost message may have been a clock (a tick message's loss shows in `prev`, a clock's
      // does not): after a hole every partition is read back (not on start: it reads them anyway).
      if (this.#lastStreamSeq > 0) this.#readBackAll();
    } else if (streamSeq === 1) {
      this.#unheard.clear(); // the stream's first message: every partition's totals are 0 before it
    }
    this.#lastStreamSeq = streamSeq;
    this.#route(message, true);
    const totals = message.totals;
    const partition = message.partition;
    if (totals === undefined || totals.length !== this.#width || partition >= this.#views.length) return;
    const known = this.#totals[partition]!;
    for (let i = 0; i < totals.length; i++) {
      if (totals[i]! <= known[i]!) continue;
      this.#sum[i]! += totals[i]! - known[i]!;
      known[i] = totals[i]!;
    }
    this.#unheard.delete(partition);
  }

  /** Applies a message, holds it while its partition is read back, or skips it (applied already). */
  #route(message: LiveMessage, inOrder: boolean): void {
    const view = this.#views[message.partition];
    if (view === undefined) return;
    if (view.held !== undefined) {
      view.held.push(message);
      return;
    }
    if (message.clock !== undefined && message.seq === view.lastSeq) {
      const { partition } = message;
      const partitions = this.#views.length;
      this.#applyCounted(partition, message.before, inOrder, () =>
        this.#engine.mirrorAdvance(message.clock!, (symbol) => partitionOf(symbol, partitions) === partition),
      );
      return;
    }
    if (message.seq <= view.lastSeq) return; // applied already (published again by a new owner)
    if (message.prev > view.lastSeq) {
      this.#readBack(message.partition, message.prev, 'live feed missed messages');
      view.held!.push(message);
      return;
    }
    const { ticks } = message;
    if (ticks.symbol.length > 0)
      this.#applyCounted(message.partition, message.before, inOrder, () =>
        this.#engine.mirror(toRawTicks(ticks), ticks.source, ticks.receivedAt),
      );
    view.lastSeq = message.seq;
    this.#applied++;
    this.#release(view);
  }

  /**
   * Runs `apply` (a change to `partition`'s symbols in the node's copy), adding what it emits to
   * the copy's totals. Its events are numbered (`allCount`) only where every node numbers them
   * alike: the message is at its place in the order (`inOrder`; a held message applied after a
   * read-back is not), every partition's totals are known, and the copy of the partition, the
   * totals counted for it so far and its owner's totals `before` the message are all the same (a
   * copy that missed a clock message, or a new owner that replays from an older commit, would
   * emit other events or count them again).
   */
  #applyCounted(
    partition: number,
    before: readonly number[] | undefined,
    inOrder: boolean,
    apply: () => void,
  ): void {
    const start = (this.#startTotals = eventTotals(this.#engine));
    const copy = this.#copy[partition]!;
    const owners = this.#totals[partition]!;
    let numbering = inOrder && this.#unheard.size === 0 && before?.length === this.#width;
    for (let i = 0; i < this.#width; i++)
      if (copy[i] !== owners[i] || owners[i] !== before?.[i]) numbering = false;
    this.#numbering = numbering;
    try {
      apply();
    } finally {
      this.#numbering = false;
      const end = eventTotals(this.#engine);
      for (let i = 0; i < this.#width; i++) copy[i]! += end[i]! - start[i]!;
    }
  }

  /** Holds a partition's messages and reads it back from storage (unless it is already). */
  #readBack(partition: number, upTo: number, why: string): void {
    const view = this.#views[partition]!;
    if (view.held !== undefined) return;
    this.#resyncs++;
    this.#log.warn(
      { partition, lastSeq: view.lastSeq, upTo },
      `${why}; reading the partition back from storage`,
    );
    view.held = [];
    void this.#resync(partition, upTo);
  }

  #readBackAll(): void {
    for (let p = 0; p < this.#views.length; p++)
      this.#readBack(p, this.#views[p]!.lastSeq, 'live feed lost messages of some partition');
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
          this.#applyCounted(partition, undefined, false, () =>
            restorePartition(this.#engine, state, (now, only) => this.#engine.mirrorAdvance(now, only)),
          );
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
      await new Promise((resolve) => setTimeout(resolve, this.#retryMs));
    }
    const held = view.held;
    view.held = undefined;
    // Counted when they arrived; applied now, after the other partitions' later messages.
    for (const message of held) this.#route(message, false);
    if (view.held === undefined) this.#release(view);
  }
}
