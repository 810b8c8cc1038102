import type { KV } from 'nats';

import { symbolHash } from '../engine/partition.js';
import type { Logger } from '../observability/logger.js';
import type { PartitionOwner } from './partition-owner.js';

/** What a node says about itself in the lease bucket (renewed with its leases). */
export interface NodeEntry {
  readonly nodeId: string;
  readonly roles: readonly string[];
  /** Partitions it owns, with the messages each still has to apply. */
  readonly partitions: Readonly<Record<string, { readonly lag: number; readonly committedSeq: number }>>;
  readonly at: number;
}

export interface PartitionLeasesOptions {
  readonly kv: KV;
  readonly nodeId: string;
  readonly roles: readonly string[];
  readonly partitions: number;
  readonly ttlMs: number;
  /** Whether this node owns partitions (the `engine` role). */
  readonly owns: boolean;
  readonly startOwner: (partition: number, onLost: (partition: number) => void) => Promise<PartitionOwner>;
  readonly log: Logger;
}

interface Held {
  owner: PartitionOwner;
  revision: number;
}

const nodeKey = (nodeId: string): string => `node.${nodeId}`;
const partitionKey = (partition: number): string => `partition.${partition}`;

/**
 * Partition ownership through leases in a JetStream key-value bucket whose entries expire after
 * `ttlMs`. Every node renews its membership entry and its leases each third of the TTL. Which
 * engine node should own a partition is rendezvous hashing over the live members, so when a node
 * joins, each partition that moves to it is given up by its owner (after its batch in progress is
 * committed) and taken by the newcomer; when a node dies, its entries expire and the nodes its
 * partitions now hash to take them. The lease only keeps two nodes from taking a partition at the
 * same time: writes are fenced by the epoch in PostgreSQL (src/cluster/cluster-store.ts), so a
 * node that lost its lease without noticing cannot commit.
 */
export class PartitionLeases {
  readonly #options: PartitionLeasesOptions;
  readonly #held = new Map<number, Held>();
  #timer: NodeJS.Timeout | undefined;
  #renewTimer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #renewing: Promise<void> | undefined;
  #closed = false;
  #members: NodeEntry[] = [];
  #owners = new Map<number, string>();
  #takeovers = 0;

  constructor(options: PartitionLeasesOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    const everyMs = Math.max(200, Math.floor(this.#options.ttlMs / 3));
    // Renewal runs on its own timer, so taking many partitions at once never delays it.
    await this.#renewRound();
    this.#renewTimer = setInterval(() => void this.#renewRound(), everyMs);
    await this.#round();
    this.#timer = setInterval(() => void this.#round(), everyMs);
  }

  /** Partitions this node owns now. */
  owned(): PartitionOwner[] {
    return [...this.#held.values()].map((h) => h.owner).sort((a, b) => a.partition - b.partition);
  }

  /** The members and partition owners as of the last round. */
  view(): { nodes: NodeEntry[]; owners: ReadonlyMap<number, string>; takeovers: number } {
    return { nodes: this.#members, owners: this.#owners, takeovers: this.#takeovers };
  }

  /** Gives every partition up (committing what is in progress) and leaves the cluster. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    clearInterval(this.#renewTimer);
    await this.#running;
    await this.#renewing;
    const { kv, nodeId } = this.#options;
    await Promise.all([...this.#held.keys()].map((p) => this.#release(p)));
    await kv.delete(nodeKey(nodeId)).catch(() => {});
  }

  #round(): Promise<void> {
    if (this.#running !== undefined || this.#closed) return this.#running ?? Promise.resolve();
    this.#running = this.#renewAndBalance()
      .catch((err: unknown) => this.#options.log.warn({ err: (err as Error).message }, 'lease round failed'))
      .finally(() => (this.#running = undefined));
    return this.#running;
  }

  #renewRound(): Promise<void> {
    if (this.#renewing !== undefined || this.#closed) return this.#renewing ?? Promise.resolve();
    this.#renewing = this.#renew()
      .catch((err: unknown) =>
        this.#options.log.warn({ err: (err as Error).message }, 'lease renewal failed'),
      )
      .finally(() => (this.#renewing = undefined));
    return this.#renewing;
  }

  async #renew(): Promise<void> {
    const { kv, nodeId, roles, log } = this.#options;
    const entry: NodeEntry = {
      nodeId,
      roles,
      partitions: Object.fromEntries(
        [...this.#held].map(([p, h]) => [
          String(p),
          { lag: h.owner.lag(), committedSeq: h.owner.committedSeq },
        ]),
      ),
      at: Date.now(),
    };
    await kv.put(nodeKey(nodeId), JSON.stringify(entry));
    await Promise.all(
      [...this.#held].map(async ([partition, held]) => {
        try {
          held.revision = await kv.update(partitionKey(partition), nodeId, held.revision);
          return;
        } catch {
          // Expired before this renewal (a stalled process)? Taken again if nobody took it
          // meanwhile; if somebody did and gave it up, the epoch in PostgreSQL fences this owner.
        }
        try {
          held.revision = await kv.create(partitionKey(partition), nodeId);
          log.warn({ partition }, 'partition lease had expired; renewed');
        } catch (err) {
          if (this.#held.get(partition) !== held) return;
          log.warn({ partition, err: (err as Error).message }, 'partition lease lost');
          this.#held.delete(partition);
          await held.owner.stop();
        }
      }),
    );
  }

  async #renewAndBalance(): Promise<void> {
    const { nodeId, partitions, owns } = this.#options;

    const members = await this.#readMembers();
    this.#members = members;
    this.#owners = await this.#readOwners();
    const engines = members.filter((m) => m.roles.includes('engine')).map((m) => m.nodeId);
    if (owns && !engines.includes(nodeId)) engines.push(nodeId);
    const moves: Array<Promise<void>> = [];
    for (let partition = 0; partition < partitions; partition++) {
      if (this.#closed) break;
      const desired = chooseOwner(partition, engines);
      const held = this.#held.get(partition);
      if (held !== undefined && desired !== nodeId) moves.push(this.#release(partition));
      else if (held === undefined && owns && desired === nodeId) moves.push(this.#acquire(partition));
    }
    await Promise.all(moves);
  }

  async #acquire(partition: number): Promise<void> {
    const { kv, nodeId, startOwner, log } = this.#options;
    let revision: number;
    try {
      revision = await kv.create(partitionKey(partition), nodeId);
    } catch {
      return; // still held by its previous owner: it gives it up, or its lease expires
    }
    try {
      const owner = await startOwner(partition, (p) => this.#lost(p));
      this.#held.set(partition, { owner, revision });
      this.#owners.set(partition, nodeId);
      this.#takeovers++;
    } catch (err) {
      log.error({ err, partition }, 'could not start owning a partition; giving the lease back');
      await kv.delete(partitionKey(partition), { previousSeq: revision }).catch(() => {});
    }
  }

  async #release(partition: number): Promise<void> {
    const held = this.#held.get(partition);
    if (held === undefined) return;
    this.#held.delete(partition);
    await held.owner.stop();
    await this.#options.kv.delete(partitionKey(partition), { previousSeq: held.revision }).catch(() => {});
    this.#options.log.info({ partition }, 'partition given up');
  }

  /** An owner stopped on its own (fenced, or failed): give the lease back; the next round may take it again. */
  #lost(partition: number): void {
    const held = this.#held.get(partition);
    if (held === undefined) return;
    this.#held.delete(partition);
    void this.#options.kv.delete(partitionKey(partition), { previousSeq: held.revision }).catch(() => {});
  }

  async #readMembers(): Promise<NodeEntry[]> {
    const { kv } = this.#options;
    const keys = await this.#keys('node.>');
    const members: NodeEntry[] = [];
    for (const key of keys) {
      const e = await kv.get(key);
      if (e === null || e.operation !== 'PUT') continue;
      try {
        members.push(e.json<NodeEntry>());
      } catch {
        // not ours
      }
    }
    return members.sort((a, b) => (a.nodeId < b.nodeId ? -1 : 1));
  }

  /**
   * The keys under a prefix. Listing is a consumer that reads until nothing is pending; an entry
   * expiring (TTL) meanwhile can leave it waiting for good (seen with NATS 2.9), so it is bounded
   * by the lease TTL and the round tried again.
   */
  async #keys(filter: string): Promise<string[]> {
    const iterator = await this.#options.kv.keys(filter);
    const keys: string[] = [];
    const listed = (async () => {
      for await (const key of iterator) keys.push(key);
    })();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`listing ${filter} timed out`)), this.#options.ttlMs);
    });
    try {
      await Promise.race([listed, timedOut]);
      return keys;
    } finally {
      clearTimeout(timer);
      iterator.stop();
      listed.catch(() => {});
    }
  }

  async #readOwners(): Promise<Map<number, string>> {
    // The partition keys are known: read each (in parallel), no listing.
    const { kv, partitions } = this.#options;
    const owners = new Map<number, string>();
    await Promise.all(
      Array.from({ length: partitions }, async (_v, partition) => {
        const e = await kv.get(partitionKey(partition));
        if (e !== null && e.operation === 'PUT') owners.set(partition, e.string());
      }),
    );
    return owners;
  }
}

/** Rendezvous hashing: the node with the highest score for the partition (undefined: none). */
export function chooseOwner(partition: number, nodes: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const node of nodes) {
    const score = mix(symbolHash(node) ^ Math.imul(partition + 1, 0x9e3779b1));
    if (score > bestScore || (score === bestScore && best !== undefined && node < best)) {
      best = node;
      bestScore = score;
    }
  }
  return best;
}

/** murmur3's 32-bit finalizer: FNV-1a alone barely changes its high bits with the last characters. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
