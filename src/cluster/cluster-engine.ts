import { normalizeTick, type RawTick, type RejectReason, type Tick } from '../core/tick.js';
import { ErrorCode, TickstreamError } from '../errors.js';
import { Engine, type IngestResult } from '../engine/engine.js';
import type { TickBatch } from '../engine/tick-batch.js';
import type { TickPublisher } from './tick-publisher.js';

/**
 * The engine a cluster node hands to its protocols, routes and streams. Ticks given to it are
 * not applied here: they go to the cluster (`TickPublisher`), and the partition owners apply them.
 * What the owners accepted comes back over the live feed (`mirror`) into this engine, so every
 * read and live stream of the node (stats, open candles, the hub's channels) sees every symbol of
 * the cluster, computed by the same code from the same ticks in the same per-symbol order.
 */
export class ClusterEngine extends Engine {
  #publisher: TickPublisher | undefined;
  #barrier: (() => Promise<void>) | undefined;
  #takesTicks = true;

  /** Where ingested ticks go; until set, ingest refuses every tick as `overloaded`. */
  attach(publisher: TickPublisher | undefined): void {
    this.#publisher = publisher;
  }

  /**
   * A node without the `ingest` role (cluster.roles): ingest throws CLUSTER_ROLE (HTTP 421), so a
   * client learns at once to send its ticks to another node.
   */
  refuseTicks(): void {
    this.#takesTicks = false;
  }

  /** Throws CLUSTER_ROLE on a node that takes no ticks (a replay asks before it starts). */
  assertTakesTicks(): void {
    if (!this.#takesTicks)
      throw new TickstreamError(
        ErrorCode.ClusterRole,
        'this cluster node has no ingest role (cluster.roles): send ticks to a node that has it',
      );
  }

  override ingest(ticks: readonly RawTick[], source: string, receivedAt: number): IngestResult {
    this.assertTakesTicks();
    if (this.#publisher === undefined)
      return { accepted: 0, rejected: ticks.map((_t, index) => ({ index, reason: 'overloaded' as const })) };
    return this.#publisher.publish(ticks, source, receivedAt);
  }

  override ingestOne(raw: RawTick, source: string, receivedAt: number): Tick | RejectReason {
    const result = this.ingest([raw], source, receivedAt);
    if (result.rejected.length > 0) return result.rejected[0]!.reason;
    // Accepted by the stateless checks: the tick as they normalized it.
    const checked = normalizeTick(raw, source, receivedAt, this.options.maxFutureSkewMs);
    return checked.ok ? checked.tick : checked.reason;
  }

  override ingestBatch(batch: TickBatch, source: string, receivedAt: number): IngestResult {
    const ticks: RawTick[] = new Array<RawTick>(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const ts = batch.ts[i]!;
      const seq = batch.seq[i]!;
      ticks[i] = {
        symbol: batch.symbols[i],
        price: batch.price[i],
        volume: batch.volume[i],
        // The batch marks a present but invalid value with -1 (engine/tick-batch.ts).
        timestamp: ts !== ts ? undefined : ts === -1 ? 'invalid' : ts,
        seq: seq !== seq ? undefined : seq,
        id: batch.ids[i],
        source: batch.sources[i] === '' ? undefined : batch.sources[i],
      };
    }
    return this.ingest(ticks, source, receivedAt);
  }

  /** Applies ticks a partition owner accepted (the live feed), as the owner did. */
  mirror(ticks: readonly RawTick[], source: string, receivedAt: number): IngestResult {
    return super.ingest(ticks, source, receivedAt);
  }

  /**
   * Nothing: the wall clock closes a node's copy of a partition's candles where the partition's
   * owner said it did (`mirrorAdvance`, from the live feed), so they close alike on every node.
   */
  override advance(_now: number): void {}

  /**
   * Moves the watermarks of one partition's quiet symbols (`symbols` accepts them) as its owner did
   * at `now` (a live clock message); the other partitions' symbols follow their own owners' clocks.
   */
  mirrorAdvance(now: number, symbols: (symbol: string) => boolean): void {
    super.advance(now, symbols);
  }

  /** What a read waits for first (src/cluster/read-barrier.ts); until set, nothing. */
  waitBeforeReads(barrier: (() => Promise<void>) | undefined): void {
    this.#barrier = barrier;
  }

  /** Resolves once the copy holds every tick the cluster acknowledged before the call (EnginePort). */
  readBarrier(): Promise<void> {
    return this.#barrier?.() ?? Promise.resolve();
  }

  /** Whether ingest goes to the cluster. */
  get publishing(): boolean {
    return this.#publisher !== undefined;
  }
}
