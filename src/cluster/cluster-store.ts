import type { CandleData } from '../core/candles.js';
import type { SymbolSnapshot } from '../core/symbol-state.js';
import type { Database } from '../storage/database.js';
import {
  insertAnomalies,
  upsertCandles,
  upsertSymbolRows,
  type AnomalyRecord,
  type SnapshotRecord,
} from '../storage/market-data-store.js';
import { decodeSnapshot, encodeSnapshot } from '../storage/snapshot-codec.js';
import { pgTime } from '../storage/sql-driver.js';
import { MS_PER_DAY } from '../storage/tick-copy-encoder.js';

/**
 * What partition owners keep in PostgreSQL beside the market data tables: per partition its
 * fencing epoch, owner and the last stream sequence applied, and per symbol its engine snapshot.
 * The tables are created here (idempotently, under an advisory lock so nodes starting together do
 * not race), not by a schema migration: a single-process server never needs them.
 */
const SCHEMA = `
create table if not exists cluster_partitions (
  cluster text not null,
  partition integer not null,
  epoch bigint not null,
  owner text not null,
  last_seq bigint not null default 0,
  updated_at timestamptz not null default now(),
  primary key (cluster, partition)
);
create table if not exists cluster_snapshots (
  cluster text not null,
  partition integer not null,
  symbol text not null,
  snapshot text not null,
  primary key (cluster, symbol)
);
create index if not exists cluster_snapshots_partition on cluster_snapshots (cluster, partition);
`;

const SCHEMA_LOCK = 730_541_191;

/** A stored tick of a batch, as the owner's engine accepted it. */
export interface TickRow {
  readonly symbol: string;
  readonly ts: number;
  readonly price: number;
  readonly volume: number;
  readonly seq: number | undefined;
  readonly id: string | undefined;
  readonly source: string;
  readonly receivedAt: number;
  readonly ingestSeq: number;
}

/** One owner commit: everything a batch of stream messages produced, and where it ends. */
export interface PartitionCommit {
  readonly partition: number;
  readonly epoch: number;
  /** Stream sequence of the last message applied (unchanged by a commit of wall-clock closes). */
  readonly lastSeq: number;
  readonly ticks: readonly TickRow[];
  readonly candles: readonly CandleData[];
  readonly anomalies: readonly AnomalyRecord[];
  /** Snapshots of the symbols the batch changed. */
  readonly snapshots: readonly SymbolSnapshot[];
  /**
   * The same symbols' statistics with their snapshot: their `symbol_stats` and `symbols` rows,
   * written in the same transaction so REST reads on any node see what the owner computed.
   */
  readonly symbols?: readonly SnapshotRecord[];
}

/** The owner's epoch was superseded: another node owns the partition now. */
export class FencedError extends Error {
  constructor(partition: number, epoch: number) {
    super(`partition ${partition}: epoch ${epoch} was superseded`);
  }
}

export interface PartitionStart {
  readonly epoch: number;
  readonly lastSeq: number;
  readonly snapshots: SymbolSnapshot[];
}

export class ClusterStore {
  readonly #database: Database;
  readonly #cluster: string;

  constructor(database: Database, cluster: string) {
    this.#database = database;
    this.#cluster = cluster;
  }

  async ensureSchema(): Promise<void> {
    await this.#database.driver.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      await tx.exec(SCHEMA);
    });
  }

  /**
   * Takes a partition over: a new epoch (one above any before, so every write of an earlier owner
   * fails from now on), the last sequence applied and the symbols' snapshots at that point.
   */
  async claim(partition: number, owner: string): Promise<PartitionStart> {
    return this.#database.driver.transaction(async (tx) => {
      const [row] = await tx.query<{ epoch: number; last_seq: number }>(
        `insert into cluster_partitions as p (cluster, partition, epoch, owner) values ($1, $2, 1, $3)
         on conflict (cluster, partition) do update set epoch = p.epoch + 1, owner = excluded.owner, updated_at = now()
         returning epoch, last_seq`,
        [this.#cluster, partition, owner],
      );
      const rows = await tx.query<{ snapshot: string }>(
        'select snapshot from cluster_snapshots where cluster = $1 and partition = $2 order by symbol',
        [this.#cluster, partition],
      );
      return {
        epoch: row!.epoch,
        lastSeq: row!.last_seq,
        snapshots: rows.map((r) => decodeSnapshot(r.snapshot) as SymbolSnapshot),
      };
    });
  }

  /** A partition's committed state (a reader catching up: no claim). */
  async read(partition: number): Promise<{ lastSeq: number; snapshots: SymbolSnapshot[] }> {
    return this.#database.driver.transaction(async (tx) => {
      const [row] = await tx.query<{ last_seq: number }>(
        'select last_seq from cluster_partitions where cluster = $1 and partition = $2',
        [this.#cluster, partition],
      );
      const rows = await tx.query<{ snapshot: string }>(
        'select snapshot from cluster_snapshots where cluster = $1 and partition = $2 order by symbol',
        [this.#cluster, partition],
      );
      return {
        lastSeq: row?.last_seq ?? 0,
        snapshots: rows.map((r) => decodeSnapshot(r.snapshot) as SymbolSnapshot),
      };
    });
  }

  /** Every partition's owner and last sequence applied (metrics, health). */
  async partitions(): Promise<Array<{ partition: number; owner: string; epoch: number; lastSeq: number }>> {
    const rows = await this.#database.driver.query<{
      partition: number;
      owner: string;
      epoch: number;
      last_seq: number;
    }>(
      'select partition, owner, epoch, last_seq from cluster_partitions where cluster = $1 order by partition',
      [this.#cluster],
    );
    return rows.map((r) => ({ partition: r.partition, owner: r.owner, epoch: r.epoch, lastSeq: r.last_seq }));
  }

  /**
   * One batch in one transaction: the epoch is checked first (row-locked, so a takeover waits for
   * this commit or makes it fail), then ticks, anomalies, candles, snapshots, the `symbol_stats` and
   * `symbols` rows and the sequence.
   */
  async commit(batch: PartitionCommit): Promise<void> {
    if (batch.ticks.length > 0) await this.#ensureDays(batch.ticks);
    await this.#database.driver.transaction(async (tx) => {
      const [row] = await tx.query<{ epoch: number }>(
        'select epoch from cluster_partitions where cluster = $1 and partition = $2 for update',
        [this.#cluster, batch.partition],
      );
      if (row?.epoch !== batch.epoch) throw new FencedError(batch.partition, batch.epoch);
      if (batch.ticks.length > 0) {
        await tx.query(
          `insert into ticks (symbol, ts, price, volume, seq, id, source, received_at, ingest_seq)
           select symbol, ts, price, volume, seq, id, source, received_at, ingest_seq
             from json_to_recordset($1::text::json) as x(symbol text, ts timestamptz, price float8, volume float8,
                  seq int8, id text, source text, received_at timestamptz, ingest_seq int8)`,
          [
            JSON.stringify(
              batch.ticks.map((t) => ({
                symbol: t.symbol,
                ts: pgTime(t.ts),
                price: t.price,
                volume: t.volume,
                seq: t.seq ?? null,
                id: t.id ?? null,
                source: t.source,
                received_at: Number.isFinite(t.receivedAt) ? pgTime(t.receivedAt) : null,
                ingest_seq: t.ingestSeq,
              })),
            ),
          ],
        );
      }
      if (batch.anomalies.length > 0) await insertAnomalies(tx, batch.anomalies);
      if (batch.candles.length > 0) await upsertCandles(tx, batch.candles);
      if (batch.snapshots.length > 0) {
        await tx.query(
          `insert into cluster_snapshots (cluster, partition, symbol, snapshot)
           select $1, $2, symbol, snapshot from json_to_recordset($3::text::json) as x(symbol text, snapshot text)
           on conflict (cluster, symbol) do update set snapshot = excluded.snapshot, partition = excluded.partition`,
          [
            this.#cluster,
            batch.partition,
            JSON.stringify(batch.snapshots.map((s) => ({ symbol: s.symbol, snapshot: encodeSnapshot(s) }))),
          ],
        );
      }
      // snapshot_seq: the partition's stream sequence (cluster_snapshots, not symbol_stats, is what
      // an owner restores from).
      if (batch.symbols !== undefined && batch.symbols.length > 0)
        await upsertSymbolRows(tx, batch.symbols, batch.lastSeq);
      await tx.query(
        'update cluster_partitions set last_seq = $3, updated_at = now() where cluster = $1 and partition = $2',
        [this.#cluster, batch.partition, batch.lastSeq],
      );
    });
  }

  async #ensureDays(ticks: readonly TickRow[]): Promise<void> {
    const days = new Set<number>();
    for (const t of ticks) days.add(Math.floor(t.ts / MS_PER_DAY));
    try {
      await this.#database.tickPartitions.ensure(days);
    } catch {
      // Another node created the same day's partition at the same moment: look again.
      this.#database.tickPartitions.forget();
      await this.#database.tickPartitions.ensure(days);
    }
  }
}
