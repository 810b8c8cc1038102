import type { CandleData } from '../core/candles.js';
import type { SymbolSnapshot } from '../core/symbol-state.js';
import type { Engine } from '../engine/engine.js';
import type { Database } from '../storage/database.js';
import {
  insertAnomalies,
  upsertCandles,
  upsertSymbolRows,
  type AnomalyRecord,
  type SnapshotRecord,
} from '../storage/market-data-store.js';
import { decodeSnapshot, encodeSnapshot } from '../storage/snapshot-codec.js';
import { pgTime, type SqlSession } from '../storage/sql-driver.js';
import { MS_PER_DAY } from '../storage/tick-copy-encoder.js';

/**
 * What partition owners keep in PostgreSQL beside the market data tables: per partition its
 * fencing epoch, owner, the last stream sequence applied and its last wall-clock move, and per
 * symbol its engine snapshot and the sequence it was committed at.
 * The tables are created here (idempotently, under an advisory lock so nodes starting together do
 * not race), not by a schema migration: a single-process server never needs them.
 */
/**
 * Stamped on `cluster_partitions` (its comment) by the last statement of `SCHEMA`: a node that finds
 * it skips the DDL. Change it whenever `SCHEMA` changes.
 */
const SCHEMA_VERSION = 'tickstream cluster schema 3';

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
alter table cluster_partitions add column if not exists clock_ms float8;
alter table cluster_partitions add column if not exists clock_seq bigint;
alter table cluster_snapshots add column if not exists seq bigint not null default 0;
comment on table cluster_partitions is '${SCHEMA_VERSION}';
`;

const SCHEMA_LOCK = 730_541_191;

/** Whether the cluster tables carry this version's stamp (a catalog read: no table lock). */
async function schemaCurrent(session: SqlSession): Promise<boolean> {
  const [row] = await session.query<{ version: string | null }>(
    "select obj_description(to_regclass('cluster_partitions'), 'pg_class') as version",
  );
  return row?.version === SCHEMA_VERSION;
}

// A type, not an interface: a query's row type needs an index signature, which only a type has implicitly.
type PartitionRow = {
  readonly last_seq: number;
  readonly clock_ms: number | null;
  readonly clock_seq: number | null;
};

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
  /**
   * The wall clock (epoch ms) the owner moved its symbols' watermarks to, at `lastSeq` (a clock
   * commit). Every clock is committed, closes or not: a watermark it moved can decide a later
   * tick's fate, and the symbols it moved are not otherwise written.
   */
  readonly clock?: number;
}

/**
 * An owner's last clock: `now`, and the symbols whose committed snapshot is from before it (or
 * from it), whose watermarks it moved without writing them. `Engine.advance(now, those)` after the
 * snapshots are restored gives the owner's state (a clock's move depends only on the symbol's
 * state and `now`, and grows with `now`, so the last clock stands for every one before it).
 */
export interface PartitionClock {
  readonly now: number;
  readonly symbols: ReadonlySet<string>;
}

/** A partition's committed state. */
export interface PartitionState {
  readonly lastSeq: number;
  readonly snapshots: SymbolSnapshot[];
  readonly clock: PartitionClock | undefined;
}

/**
 * A partition's state from its rows: the snapshots, each with the sequence of the commit that wrote
 * it, and its last clock (`now`, committed at `seq`).
 */
export function partitionState(
  lastSeq: number,
  rows: ReadonlyArray<{ readonly snapshot: SymbolSnapshot; readonly seq: number }>,
  clock: { readonly now: number; readonly seq: number } | undefined,
): PartitionState {
  const snapshots = rows.map((r) => r.snapshot);
  if (clock === undefined) return { lastSeq, snapshots, clock: undefined };
  const symbols = new Set<string>();
  for (const r of rows) if (r.seq <= clock.seq) symbols.add(r.snapshot.symbol);
  return { lastSeq, snapshots, clock: { now: clock.now, symbols } };
}

/**
 * Puts a partition's committed state into an engine: the snapshots, then the owner's last clock on
 * the symbols it moved (`advance`: the engine's own, or a node's copy's `mirrorAdvance`).
 */
export function restorePartition(
  engine: Engine,
  state: PartitionState,
  advance: (now: number, only: (symbol: string) => boolean) => void = (now, only) =>
    engine.advance(now, only),
): void {
  engine.restore(state.snapshots);
  const clock = state.clock;
  if (clock !== undefined) advance(clock.now, (symbol) => clock.symbols.has(symbol));
}

/** The owner's epoch was superseded: another node owns the partition now. */
export class FencedError extends Error {
  constructor(partition: number, epoch: number) {
    super(`partition ${partition}: epoch ${epoch} was superseded`);
  }
}

export interface PartitionStart extends PartitionState {
  readonly epoch: number;
}

export class ClusterStore {
  readonly #database: Database;
  readonly #cluster: string;

  constructor(database: Database, cluster: string) {
    this.#database = database;
    this.#cluster = cluster;
  }

  /**
   * Creates or upgrades the tables, unless they are current. The check comes first and takes no
   * lock on them: `alter table … if not exists` locks a table whole even when it changes nothing,
   * and a node joining a running cluster then deadlocked with the owners' commits (which take
   * the same tables in the other order) and exited.
   */
  async ensureSchema(): Promise<void> {
    const { driver } = this.#database;
    if (await schemaCurrent(driver)) return;
    await driver.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      if (!(await schemaCurrent(tx))) await tx.exec(SCHEMA);
    });
  }

  /**
   * Takes a partition over: a new epoch (one above any before, so every write of an earlier owner
   * fails from now on), the last sequence applied and the symbols' snapshots at that point.
   */
  async claim(partition: number, owner: string): Promise<PartitionStart> {
    return this.#database.driver.transaction(async (tx) => {
      const [row] = await tx.query<PartitionRow & { epoch: number }>(
        `insert into cluster_partitions as p (cluster, partition, epoch, owner) values ($1, $2, 1, $3)
         on conflict (cluster, partition) do update set epoch = p.epoch + 1, owner = excluded.owner, updated_at = now()
         returning epoch, last_seq, clock_ms, clock_seq`,
        [this.#cluster, partition, owner],
      );
      return { epoch: row!.epoch, ...(await this.#state(tx, partition, row)) };
    });
  }

  /** A partition's committed state (a reader catching up: no claim). */
  async read(partition: number): Promise<PartitionState> {
    return this.#database.driver.transaction(async (tx) => {
      const [row] = await tx.query<PartitionRow>(
        'select last_seq, clock_ms, clock_seq from cluster_partitions where cluster = $1 and partition = $2',
        [this.#cluster, partition],
      );
      return this.#state(tx, partition, row);
    });
  }

  async #state(tx: SqlSession, partition: number, row: PartitionRow | undefined): Promise<PartitionState> {
    const rows = await tx.query<{ snapshot: string; seq: number }>(
      'select snapshot, seq from cluster_snapshots where cluster = $1 and partition = $2 order by symbol',
      [this.#cluster, partition],
    );
    return partitionState(
      row?.last_seq ?? 0,
      rows.map((r) => ({ snapshot: decodeSnapshot(r.snapshot) as SymbolSnapshot, seq: r.seq })),
      row?.clock_ms != null && row.clock_seq != null ? { now: row.clock_ms, seq: row.clock_seq } : undefined,
    );
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
          `insert into cluster_snapshots (cluster, partition, symbol, snapshot, seq)
           select $1, $2, symbol, snapshot, $4 from json_to_recordset($3::text::json) as x(symbol text, snapshot text)
           on conflict (cluster, symbol) do update
             set snapshot = excluded.snapshot, partition = excluded.partition, seq = excluded.seq`,
          [
            this.#cluster,
            batch.partition,
            JSON.stringify(batch.snapshots.map((s) => ({ symbol: s.symbol, snapshot: encodeSnapshot(s) }))),
            batch.lastSeq,
          ],
        );
      }
      // snapshot_seq: the partition's stream sequence (cluster_snapshots, not symbol_stats, is what
      // an owner restores from).
      if (batch.symbols !== undefined && batch.symbols.length > 0)
        await upsertSymbolRows(tx, batch.symbols, batch.lastSeq);
      if (batch.clock === undefined)
        await tx.query(
          'update cluster_partitions set last_seq = $3, updated_at = now() where cluster = $1 and partition = $2',
          [this.#cluster, batch.partition, batch.lastSeq],
        );
      else
        await tx.query(
          `update cluster_partitions set last_seq = $3, clock_ms = $4, clock_seq = $3, updated_at = now()
           where cluster = $1 and partition = $2`,
          [this.#cluster, batch.partition, batch.lastSeq, batch.clock],
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
