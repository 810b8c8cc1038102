import type { JetStreamClient } from 'nats';

import { normalizeTick, RejectReason, type RawTick } from '../core/tick.js';
import type { IngestResult, Rejection } from '../engine/engine.js';
import { partitionOf } from '../engine/partition.js';
import { ErrorCode, TickstreamError } from '../errors.js';
import type { ClusterNames } from './cluster-names.js';
import { emptyColumns, encodeColumns, pushTick, tickCount, type TickColumns } from './tick-message.js';

export interface TickPublisherOptions {
  readonly js: JetStreamClient;
  readonly names: ClusterNames;
  readonly partitions: number;
  readonly maxFutureSkewMs: number;
  /** Ticks published and not yet acknowledged by JetStream, at most: beyond, `overloaded`. */
  readonly maxPendingTicks: number;
  readonly publishTimeoutMs: number;
}

/** Ticks per published message: a JSON message of about 100 KB. */
const TICKS_PER_MESSAGE = 1000;

/**
 * The ingest side of a cluster node: runs the checks that need no state (DESIGN §3.1 up to
 * `future_timestamp`; `duplicate` and `late` are the partition owner's), resolves absent event
 * times to the receive time, and publishes the ticks of each partition as one columnar message on
 * its subject. Answers at once, like the engine; `persisted()` then waits for JetStream's
 * acknowledgements of everything published before the call.
 */
export class TickPublisher {
  readonly #options: TickPublisherOptions;
  /** Outstanding publishes, each settling to undefined or its error. */
  readonly #inflight = new Set<Promise<Error | undefined>>();
  #pendingTicks = 0;
  #published = 0;
  #failed = 0;

  constructor(options: TickPublisherOptions) {
    this.#options = options;
  }

  publish(ticks: readonly RawTick[], source: string, receivedAt: number): IngestResult {
    const { partitions, maxFutureSkewMs, maxPendingTicks } = this.#options;
    const rejected: Rejection[] = [];
    const groups = new Map<number, TickColumns>();
    let accepted = 0;
    const room = maxPendingTicks - this.#pendingTicks;
    for (let i = 0; i < ticks.length; i++) {
      const raw = ticks[i];
      if (typeof raw !== 'object' || raw === null) {
        rejected.push({ index: i, reason: RejectReason.InvalidSymbol });
        continue;
      }
      const result = normalizeTick(raw, source, receivedAt, maxFutureSkewMs);
      if (!result.ok) {
        rejected.push({ index: i, reason: result.reason });
        continue;
      }
      if (accepted >= room) {
        rejected.push({ index: i, reason: RejectReason.Overloaded });
        continue;
      }
      const partition = partitionOf(result.tick.symbol, partitions);
      let group = groups.get(partition);
      if (group === undefined) groups.set(partition, (group = emptyColumns(source, receivedAt)));
      pushTick(group, result.tick);
      accepted++;
      if (tickCount(group) === TICKS_PER_MESSAGE) {
        this.#send(partition, group);
        groups.delete(partition);
      }
    }
    for (const [partition, group] of groups) this.#send(partition, group);
    return { accepted, rejected };
  }

  /** Resolves once JetStream has acknowledged every tick published before the call; rejects when one failed. */
  async persisted(): Promise<void> {
    const results = await Promise.all([...this.#inflight]);
    const failed = results.find((r) => r !== undefined);
    if (failed !== undefined) throw failed;
  }

  counters(): { published: number; failed: number; pending: number } {
    return { published: this.#published, failed: this.#failed, pending: this.#pendingTicks };
  }

  #send(partition: number, group: TickColumns): void {
    const { js, names, publishTimeoutMs } = this.#options;
    const n = tickCount(group);
    this.#pendingTicks += n;
    const settled = js
      .publish(names.tickSubject(partition), encodeColumns(group), {
        expect: { streamName: names.stream },
        timeout: publishTimeoutMs,
      })
      .then(
        () => {
          this.#pendingTicks -= n;
          this.#published += n;
          return undefined;
        },
        (err: unknown) => {
          this.#pendingTicks -= n;
          this.#failed += n;
          return new TickstreamError(
            ErrorCode.ClusterUnavailable,
            `NATS JetStream did not acknowledge ${n} ticks: ${(err as Error).message}`,
            { cause: err },
          );
        },
      );
    this.#inflight.add(settled);
    void settled.then(() => this.#inflight.delete(settled));
  }
}
