import type { JetStreamManager } from 'nats';

import type { ClusterNames } from './cluster-names.js';
import type { LiveFeed } from './live-feed.js';

/** How long reads stop waiting after JetStream failed to answer a round within its bound. */
const SKIP_MS = 5000;

/**
 * Makes a cluster node's reads reflect every tick acknowledged before them, as one process's
 * reads do (`ack=persisted` on one node, then a read on another): a round asks JetStream for each
 * partition's last message and waits until the node's copy has applied it, at most `waitMs` (an
 * owner being replaced: the read then answers from the copy as it is). When JetStream did not even
 * answer within that bound (NATS away), reads answer from the copy without asking for a while.
 * Reads that arrive while a round is in flight share the next round, which starts when it ends: at
 * most one JetStream request per partition per round, however many reads.
 */
export class ReadBarrier {
  readonly #jsm: JetStreamManager;
  readonly #names: ClusterNames;
  readonly #live: LiveFeed;
  readonly #partitions: number;
  readonly #waitMs: number;
  #current: Promise<void> | undefined;
  #next: Promise<void> | undefined;
  /** Until when (epoch ms) reads do not wait: JetStream did not answer the last round in time. */
  #skipUntil = 0;

  constructor(
    jsm: JetStreamManager,
    names: ClusterNames,
    live: LiveFeed,
    partitions: number,
    waitMs: number,
  ) {
    this.#jsm = jsm;
    this.#names = names;
    this.#live = live;
    this.#partitions = partitions;
    this.#waitMs = waitMs;
  }

  /** Resolves once the copy has applied what every partition's stream held when the call was made. */
  wait(): Promise<void> {
    if (this.#current === undefined) {
      this.#current = this.#round().finally(() => (this.#current = undefined));
      return this.#current;
    }
    // The round in flight may have asked before this read's ticks were acknowledged.
    return (this.#next ??= this.#current.then(() => {
      this.#next = undefined;
      return this.wait();
    }));
  }

  async #round(): Promise<void> {
    const started = Date.now();
    // NATS away: reads answer from the copy at once instead of each waiting the whole bound.
    if (started < this.#skipUntil) return;
    const deadline = started + this.#waitMs;
    let answered = 0;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.#waitMs)));
    const caughtUp = Promise.all(
      Array.from({ length: this.#partitions }, async (_v, partition) => {
        let last: number;
        try {
          const message = await this.#jsm.streams.getMessage(this.#names.stream, {
            last_by_subj: this.#names.tickSubject(partition),
          });
          last = message.seq;
        } catch {
          return; // no message in the partition (or JetStream refused): nothing to wait for
        } finally {
          answered++;
        }
        await this.#live.applied(partition, last, deadline);
      }),
    );
    try {
      await Promise.race([caughtUp, timeout]);
    } finally {
      clearTimeout(timer);
    }
    if (answered < this.#partitions) this.#skipUntil = Date.now() + SKIP_MS;
  }
}
