import { CANDLE_FIELDS, type CandleData } from '../core/candles.js';
import type { AnomalyQuery, CandleQuery } from '../core/history-query.js';
import { ANOMALY_FIELDS, type Anomaly } from '../core/spike-detector.js';
import type { SymbolStats } from '../core/symbol-state.js';
import { ErrorCode, TickstreamError } from '../errors.js';
import { RecordColumns } from './record-columns.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot-codec.js';
import { SymbolNames } from './symbol-names.js';
import { epochMs as ms, pgTime, SqlState, sqlState, type SqlDriver, type SqlSession } from './sql-driver.js';
import { TICK_COPY_TARGET } from './tick-copy-encoder.js';
import type { TickPartitions } from './tick-partitions.js';

/**
 * Market data in PostgreSQL: the batch writer's writes (ticks, candles, anomalies, stats
 * snapshots), the history the API reads, and what recovery reads at start. One dialect over either
 * driver (embedded PGlite or a PostgreSQL server; see ./sql-driver.ts). Times are epoch
 * milliseconds throughout. Part of the {@link Database} (./database.ts).
 */

// ---------------------------------------------------------------------------------------------
// Market data
// ---------------------------------------------------------------------------------------------

export interface StoredTick {
  readonly symbol: string;
  readonly ts: number;
  readonly price: number;
  readonly volume: number;
  readonly seq: number | null;
  readonly id: string | null;
  readonly source: string;
  /** Arrival time; null when the producer gave none (offline replays). */
  readonly receivedAt: number | null;
  /** Position in arrival order over all symbols: unique, increasing. */
  readonly ingestSeq: number;
}

export interface TickQuery {
  readonly symbol: string;
  /** Inclusive. */
  readonly from?: number;
  /** Exclusive. */
  readonly to?: number;
  /** Default 1000, at most 10,000. */
  readonly limit?: number;
  /** `nextCursor` of the previous page (same symbol, range and order). */
  readonly cursor?: string;
  /** By event time, ties in arrival order. Default `asc`. */
  readonly order?: 'asc' | 'desc';
}

export interface TickPage {
  readonly ticks: StoredTick[];
  /** Where the next page starts; null when this page is the last. */
  readonly nextCursor: string | null;
}

export interface StoredAnomaly extends Anomaly {
  readonly id: number;
  /** The ingest sequence number of the tick that fired it. */
  readonly ingestSeq: number;
}

export interface SymbolInfo {
  readonly symbol: string;
  /** Event time of its earliest stored tick. */
  readonly firstSeen: number;
  /** Event time of its latest tick, as of the last stats snapshot. */
  readonly lastSeen: number;
  readonly lastPrice: number;
  readonly lastPriceTs: number;
  /** When storage first recorded the symbol (wall clock). */
  readonly createdAt: number;
}

export interface LatestPrice {
  readonly symbol: string;
  readonly price: number;
  readonly ts: number;
}

export interface StoredStats extends SymbolStats {
  /** Ingest sequence number these figures are valid at. */
  readonly snapshotSeq: number;
  readonly updatedAt: number;
}

/** What recovery needs to rebuild the engine. */
export interface RecoveryPoint {
  /** Every accepted tick up to here is committed. */
  readonly committedSeq: number;
  /** The stored snapshots describe the state after exactly the ticks up to here. */
  readonly snapshotSeq: number;
  /** Number of the last committed write. */
  readonly writeNo: number;
  /** One engine snapshot per symbol (opaque data, for Engine.restore). */
  readonly snapshots: unknown[];
}

// ---------------------------------------------------------------------------------------------
// Writes (from the batch writer)
// ---------------------------------------------------------------------------------------------

export interface AnomalyRecord {
  readonly anomaly: Anomaly;
  readonly ingestSeq: number;
}

export interface SnapshotRecord {
  readonly stats: SymbolStats;
  readonly snapshot: unknown;
}

/** A recovery snapshot: the changed symbols' state after exactly the ticks up to `seq`. */
export interface SnapshotRound {
  readonly seq: number;
  readonly symbols: readonly SnapshotRecord[];
}

/** One write: applied atomically, and at most once however often it is retried. */
export interface WriteBatch {
  /** Increases by one per write, across restarts. */
  readonly writeNo: number;
  /** Binary COPY stream of the ticks (see TickCopyEncoder), if any. */
  readonly ticks?: Uint8Array;
  /** UTC days (floor(ts / day)) the ticks fall on. */
  readonly days?: ReadonlySet<number>;
  /** Every tick up to here is committed once this write is. */
  readonly committedSeq: number;
  readonly candles: readonly CandleData[];
  readonly anomalies: readonly AnomalyRecord[];
  readonly snapshot?: SnapshotRound;
}

const MAX_LIMIT = 10_000;

/** Thrown inside a write's transaction to roll back a write found already committed meanwhile. */
const ALREADY_APPLIED = new Error('write already applied');

/** Advisory lock class of writes (the two-key form: class, write number modulo 2^31 − 1). */
const WRITE_LOCK = 730_541_190;
const lockKey = (writeNo: number): number => writeNo % 2_147_483_647;

/** The candle table's columns, one per candle field (core/candles.ts). */
const CANDLE = new RecordColumns<CandleData>(CANDLE_FIELDS, {
  symbol: 'text',
  interval: 'text',
  start: 'timestamptz',
  end: 'timestamptz',
  open: 'float8',
  high: 'float8',
  low: 'float8',
  close: 'float8',
  volume: 'float8',
  trades: 'int8',
  vwap: 'float8',
  revision: 'int4',
  closed: 'boolean',
});

/** The anomaly table's columns, one per anomaly field (core/spike-detector.ts), besides `id` and `ingest_seq`. */
const ANOMALY = new RecordColumns<Anomaly>(ANOMALY_FIELDS, {
  symbol: 'text',
  direction: 'text',
  price: 'float8',
  ts: 'timestamptz',
  referencePrice: 'float8',
  referenceTs: 'timestamptz',
  changePercent: 'float8',
  severity: 'text',
  windowMs: 'int4',
  thresholdPercent: 'float8',
});

/** The tick table's columns (written by COPY, see ./tick-copy-encoder.ts; read with these). */
const TICK = RecordColumns.of<StoredTick>({
  symbol: 'text',
  ts: 'timestamptz',
  price: 'float8',
  volume: 'float8',
  seq: 'int8',
  id: 'text',
  source: 'text',
  receivedAt: 'timestamptz',
  ingestSeq: 'int8',
});

const TICK_COLUMNS = TICK.select();
const ANOMALY_COLUMNS = `id, ${ANOMALY.select()}, ingest_seq`;

export class MarketDataStore {
  readonly #driver: SqlDriver;
  readonly #partitions: TickPartitions;
  /** Display names of symbols (migration 3). */
  readonly names: SymbolNames;

  constructor(driver: SqlDriver, partitions: TickPartitions) {
    this.#driver = driver;
    this.#partitions = partitions;
    this.names = new SymbolNames(driver);
  }

  get kind(): SqlDriver['kind'] {
    return this.#driver.kind;
  }

  // -- writing ----------------------------------------------------------------------------------

  /**
   * Applies one write in one transaction: the ticks by binary COPY, anomalies, candles (upserted;
   * a closed candle is never reopened, an older revision never replaces a newer one), a snapshot
   * round, and the writer's progress.
   *
   * Writes apply in the order of their numbers, each exactly once: write n commits only on top of
   * write n − 1. Answers false, changing nothing, when write n was already committed (a retry after
   * a commit whose answer was lost); fails, changing nothing, when write n − 1 is not committed.
   *
   * Overlapping writes (the writer's pipeline on a PostgreSQL server): each write holds a
   * transaction-level advisory lock on its own number from its first statement (then calls
   * `locked`), runs its COPY, then waits for the lock of write n − 1, that is, for that write's
   * commit or rollback, before the rest. All waiting happens in statements, never in between them,
   * so a connection lost meanwhile fails its transaction cleanly. `waitFor` (the predecessor's
   * `locked`) is awaited before this transaction begins, so the predecessor always locks first.
   */
  async write(
    batch: WriteBatch,
    options: { waitFor?: Promise<void>; locked?: () => void } = {},
  ): Promise<boolean> {
    if (options.waitFor !== undefined) await options.waitFor;
    if (batch.days !== undefined && batch.days.size > 0) await this.#partitions.ensure(batch.days);
    try {
      return await this.#driver.transaction(async (tx) => {
        await tx.query('select pg_advisory_xact_lock($1::int4, $2::int4)', [
          WRITE_LOCK,
          lockKey(batch.writeNo),
        ]);
        options.locked?.();
        const [state] = await tx.query<{ write_no: number }>('select write_no from storage_state');
        if (state !== undefined && state.write_no >= batch.writeNo) return false;
        if (batch.ticks !== undefined) await tx.copyBinary(TICK_COPY_TARGET, batch.ticks);
        await tx.query('select pg_advisory_xact_lock($1::int4, $2::int4)', [
          WRITE_LOCK,
          lockKey(batch.writeNo - 1),
        ]);
        const progressed = await tx.query(
          `update storage_state set write_no = $1, committed_seq = greatest(committed_seq, $2), updated_at = now()
            where write_no = $1 - 1 returning write_no`,
          [batch.writeNo, batch.committedSeq],
        );
        if (progressed.length === 0) {
          const [now] = await tx.query<{ write_no: number }>('select write_no from storage_state');
          if (now !== undefined && now.write_no >= batch.writeNo) throw ALREADY_APPLIED;
          throw new TickstreamError(
            ErrorCode.StorageUnavailable,
            `write ${batch.writeNo} cannot follow write ${now?.write_no ?? '?'}: its predecessor is not committed (or another process writes to this database)`,
          );
        }
        if (batch.anomalies.length > 0) await insertAnomalies(tx, batch.anomalies);
        if (batch.candles.length > 0) await upsertCandles(tx, batch.candles);
        if (batch.snapshot !== undefined) await writeSnapshot(tx, batch.snapshot);
        return true;
      });
    } catch (err) {
      if (err === ALREADY_APPLIED) return false;
      // A partition may have been dropped by retention since it was cached (a late tick of an old
      // day): look again before the retry.
      if (sqlState(err) === SqlState.CheckViolation || sqlState(err) === SqlState.UndefinedTable)
        this.#partitions.forget();
      throw err;
    }
  }

  // -- recovery ---------------------------------------------------------------------------------

  async recoveryPoint(): Promise<RecoveryPoint> {
    const [state] = await this.#driver.query<{
      committed_seq: number;
      snapshot_seq: number;
      write_no: number;
    }>('select committed_seq, snapshot_seq, write_no from storage_state');
    const rows = await this.#driver.query<{ snapshot: unknown }>(
      'select snapshot from symbol_stats order by symbol',
    );
    return {
      committedSeq: state?.committed_seq ?? 0,
      snapshotSeq: state?.snapshot_seq ?? 0,
      writeNo: state?.write_no ?? 0,
      snapshots: rows.map((r) => decodeSnapshot(r.snapshot)),
    };
  }

  /** Ticks with an ingest sequence number in (`after`, `upTo`], in arrival order, at most `limit`. */
  async ticksAfter(after: number, upTo: number, limit: number): Promise<StoredTick[]> {
    const rows = await this.#driver.query(
      `select ${TICK_COLUMNS} from ticks where ingest_seq > $1 and ingest_seq <= $2 order by ingest_seq limit $3`,
      [after, upTo, limit],
    );
    return rows.map(toTick);
  }

  /** The newest `limit` anomalies fired by ticks up to `upTo`, oldest first (for the engine's recent list). */
  async anomaliesUpTo(upTo: number, limit: number): Promise<StoredAnomaly[]> {
    const rows = await this.#driver.query(
      `select ${ANOMALY_COLUMNS} from anomalies where ingest_seq <= $1 order by ingest_seq desc, id desc limit $2`,
      [upTo, limit],
    );
    return rows.map(toAnomaly).reverse();
  }

  /** Symbols the store has recorded, for the writer to know which are new. */
  async knownSymbols(): Promise<Set<string>> {
    const rows = await this.#driver.query<{ symbol: string }>('select symbol from symbols');
    return new Set(rows.map((r) => r.symbol));
  }

  // -- reading ----------------------------------------------------------------------------------

  /**
   * Ticks of one symbol in a time range, by event time (ties in arrival order), a page at a time.
   * Pages are stable: following `nextCursor` yields every tick of the range exactly once.
   */
  async ticks(query: TickQuery): Promise<TickPage> {
    const limit = clampLimit(query.limit, 1000);
    const desc = query.order === 'desc';
    const params: unknown[] = [query.symbol];
    const where = ['symbol = $1'];
    if (query.from !== undefined) where.push(`ts >= $${params.push(pgTime(query.from))}::timestamptz`);
    if (query.to !== undefined) where.push(`ts < $${params.push(pgTime(query.to))}::timestamptz`);
    if (query.cursor !== undefined) {
      const cursor = decodeCursor(query.cursor, query.symbol, desc);
      const t = `$${params.push(pgTime(cursor.ts))}::timestamptz`;
      const s = `$${params.push(cursor.ingestSeq)}::int8`;
      where.push(desc ? `(ts, ingest_seq) < (${t}, ${s})` : `(ts, ingest_seq) > (${t}, ${s})`);
    }
    const direction = desc ? 'desc' : 'asc';
    const rows = await this.#driver.query(
      `select ${TICK_COLUMNS} from ticks where ${where.join(' and ')}
        order by ts ${direction}, ingest_seq ${direction} limit $${params.push(limit + 1)}`,
      params,
    );
    const more = rows.length > limit;
    const ticks = (more ? rows.slice(0, limit) : rows).map(toTick);
    const last = ticks[ticks.length - 1];
    return {
      ticks,
      nextCursor: more && last !== undefined ? encodeCursor(query.symbol, desc, last) : null,
    };
  }

  /** Stored candles of a symbol and interval (see CandleQuery), oldest first. */
  async candles(query: CandleQuery): Promise<CandleData[]> {
    const params: unknown[] = [query.symbol, query.interval];
    const where = ['symbol = $1', 'interval = $2'];
    if (query.from !== undefined) where.push(`start >= $${params.push(pgTime(query.from))}::timestamptz`);
    if (query.to !== undefined) where.push(`start < $${params.push(pgTime(query.to))}::timestamptz`);
    const rows = await this.#driver.query(
      `select ${CANDLE.select()} from candles where ${where.join(' and ')}
        order by start desc limit $${params.push(clampLimit(query.limit, 500))}`,
      params,
    );
    return rows.map((r) => CANDLE.fromRow(r, {})).reverse();
  }

  /** Anomalies, newest first (by event time). */
  async anomalies(query: AnomalyQuery = {}): Promise<StoredAnomaly[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (query.symbol !== undefined) where.push(`symbol = $${params.push(query.symbol)}`);
    if (query.from !== undefined) where.push(`ts >= $${params.push(pgTime(query.from))}::timestamptz`);
    if (query.to !== undefined) where.push(`ts < $${params.push(pgTime(query.to))}::timestamptz`);
    if (query.severity !== undefined) {
      const severities: readonly string[] =
        typeof query.severity === 'string' ? [query.severity] : query.severity;
      if (severities.length === 0) return [];
      where.push(`severity in (${severities.map((s) => `$${params.push(s)}`).join(', ')})`);
    }
    const rows = await this.#driver.query(
      `select ${ANOMALY_COLUMNS} from anomalies ${where.length > 0 ? `where ${where.join(' and ')}` : ''}
        order by ts desc, id desc limit $${params.push(clampLimit(query.limit, 100))}`,
      params,
    );
    return rows.map(toAnomaly);
  }

  /** Every recorded symbol, by name. */
  async symbols(): Promise<SymbolInfo[]> {
    const rows = await this.#driver.query<SymbolRow>(
      `select symbol, ${ms('first_seen')} as first_seen, ${ms('last_seen')} as last_seen, last_price,
              ${ms('last_price_ts')} as last_price_ts, ${ms('created_at')} as created_at
         from symbols where last_price is not null order by symbol`,
    );
    return rows.map((r) => ({
      symbol: r.symbol,
      firstSeen: r.first_seen,
      lastSeen: r.last_seen,
      lastPrice: r.last_price,
      lastPriceTs: r.last_price_ts,
      createdAt: r.created_at,
    }));
  }

  /** The last price of each symbol (of the given ones, or all), as of the last stats snapshot. */
  async latestPrices(symbols?: readonly string[]): Promise<LatestPrice[]> {
    if (symbols !== undefined && symbols.length === 0) return [];
    const params: unknown[] = [];
    const where =
      symbols === undefined
        ? 'where last_price is not null'
        : `where last_price is not null and symbol in (${symbols.map((s) => `$${params.push(s)}`).join(', ')})`;
    const rows = await this.#driver.query<{ symbol: string; last_price: number; last_price_ts: number }>(
      `select symbol, last_price, ${ms('last_price_ts')} as last_price_ts from symbols ${where} order by symbol`,
      params,
    );
    return rows.map((r) => ({ symbol: r.symbol, price: r.last_price, ts: r.last_price_ts }));
  }

  /** Stored statistics of each symbol (of the given one, or all), as of the last stats snapshot. */
  async symbolStats(symbol?: string): Promise<StoredStats[]> {
    const params: unknown[] = [];
    const where = symbol === undefined ? '' : `where symbol = $${params.push(symbol)}`;
    const rows = await this.#driver.query<StatsRow>(
      `select symbol, current_price, moving_average, update_count, min_price, max_price, volume,
              ${ms('last_update_time')} as last_update_time, change_from_average, snapshot_seq, ${ms('updated_at')} as updated_at
         from symbol_stats ${where} order by symbol`,
      params,
    );
    return rows.map((r) => ({
      symbol: r.symbol,
      currentPrice: r.current_price,
      movingAverage: r.moving_average,
      updateCount: r.update_count,
      minPrice: r.min_price,
      maxPrice: r.max_price,
      volume: r.volume,
      lastUpdateTime: r.last_update_time,
      changeFromAverage: r.change_from_average,
      snapshotSeq: r.snapshot_seq,
      updatedAt: r.updated_at,
    }));
  }
}

// ---------------------------------------------------------------------------------------------
// Statements of a write
// ---------------------------------------------------------------------------------------------

/** Used by the cluster's partition owners too (src/cluster/cluster-store.ts), inside their own transactions. */
export async function insertAnomalies(tx: SqlSession, records: readonly AnomalyRecord[]): Promise<void> {
  const json = JSON.stringify(
    records.map(({ anomaly, ingestSeq }) => ANOMALY.toRow(anomaly, { ingest_seq: ingestSeq })),
  );
  await tx.query(
    `insert into anomalies (${ANOMALY.names()}, ingest_seq)
     select ${ANOMALY.names()}, ingest_seq
       from json_to_recordset($1::text::json) as x(${ANOMALY.definitions()}, ingest_seq int8)`,
    [json],
  );
}

export async function upsertCandles(tx: SqlSession, candles: readonly CandleData[]): Promise<void> {
  const json = JSON.stringify(candles.map((c) => CANDLE.toRow(c)));
  await tx.query(
    `insert into candles as c (${CANDLE.names()})
     select ${CANDLE.names()}
       from json_to_recordset($1::text::json) as x(${CANDLE.definitions()})
     on conflict (symbol, interval, start) do update set
       ${CANDLE.updateFromExcluded(['symbol', 'interval', 'start', 'end'])}, updated_at = now()
     where excluded.revision > c.revision or (excluded.revision = c.revision and (excluded.closed or not c.closed))`,
    [json],
  );
}

async function writeSnapshot(tx: SqlSession, round: SnapshotRound): Promise<void> {
  await upsertSymbolRows(tx, round.symbols, round.seq);
  await tx.query('update storage_state set snapshot_seq = $1', [round.seq]);
}

/**
 * The `symbol_stats` and `symbols` rows of the given symbols (their statistics and engine
 * snapshot as of `seq`), in the caller's transaction: the batch writer's snapshot round, and a
 * cluster partition owner's batch commit (src/cluster/cluster-store.ts). Reads `ticks` for the
 * first-seen time of new symbols, so write the ticks first.
 */
export async function upsertSymbolRows(
  tx: SqlSession,
  symbols: readonly SnapshotRecord[],
  seq: number,
): Promise<void> {
  if (symbols.length > 0) {
    const stats = JSON.stringify(
      symbols.map(({ stats: s, snapshot }) => ({
        symbol: s.symbol,
        current_price: s.currentPrice,
        moving_average: s.movingAverage,
        update_count: s.updateCount,
        min_price: s.minPrice,
        max_price: s.maxPrice,
        volume: s.volume,
        last_update_time: pgTime(s.lastUpdateTime),
        change_from_average: Number.isFinite(s.changeFromAverage) ? s.changeFromAverage : 0,
        snapshot: encodeSnapshot(snapshot),
      })),
    );
    await tx.query(
      `insert into symbol_stats (symbol, current_price, moving_average, update_count, min_price, max_price, volume,
                                 last_update_time, change_from_average, snapshot, snapshot_seq)
       select symbol, current_price, moving_average, update_count, min_price, max_price, volume,
              last_update_time, change_from_average, snapshot::json, $2
         from json_to_recordset($1::text::json) as x(symbol text, current_price float8, moving_average float8,
              update_count bigint, min_price float8, max_price float8, volume float8,
              last_update_time timestamptz, change_from_average float8, snapshot text)
       on conflict (symbol) do update set
         current_price = excluded.current_price, moving_average = excluded.moving_average,
         update_count = excluded.update_count, min_price = excluded.min_price, max_price = excluded.max_price,
         volume = excluded.volume, last_update_time = excluded.last_update_time,
         change_from_average = excluded.change_from_average, snapshot = excluded.snapshot,
         snapshot_seq = excluded.snapshot_seq, updated_at = now()`,
      [stats, seq],
    );
    // The symbol list: first seen is the earliest stored tick (only looked up for new symbols).
    await tx.query(
      `insert into symbols as s (symbol, first_seen, last_seen, last_price, last_price_ts)
       select x.symbol,
              coalesce((select min(t.ts) from ticks t where t.symbol = x.symbol), x.last_update_time),
              x.last_update_time, x.current_price, x.last_update_time
         from json_to_recordset($1::text::json) as x(symbol text, current_price float8, last_update_time timestamptz)
        where not exists (select 1 from symbols e where e.symbol = x.symbol)
       on conflict (symbol) do nothing`,
      [stats],
    );
    await tx.query(
      // A row made only to hold a name (migration 3) gets its first_seen here.
      `update symbols as s set last_seen = greatest(s.last_seen, x.last_update_time),
              first_seen = coalesce(s.first_seen, (select min(t.ts) from ticks t where t.symbol = x.symbol), x.last_update_time),
              last_price = x.current_price, last_price_ts = x.last_update_time, updated_at = now()
         from json_to_recordset($1::text::json) as x(symbol text, current_price float8, last_update_time timestamptz)
        where s.symbol = x.symbol`,
      [stats],
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------------------------

const toTick = (row: Record<string, unknown>): StoredTick => TICK.fromRow(row, {});

/** A stored anomaly from a row read with ANOMALY_COLUMNS. */
function toAnomaly(r: Record<string, unknown>): StoredAnomaly {
  const anomaly = ANOMALY.fromRow(r, { id: r.id as number });
  return Object.assign(anomaly, { ingestSeq: r.ingest_seq as number });
}

interface SymbolRow {
  symbol: string;
  first_seen: number;
  last_seen: number;
  last_price: number;
  last_price_ts: number;
  created_at: number;
  [key: string]: unknown;
}

interface StatsRow {
  symbol: string;
  current_price: number;
  moving_average: number;
  update_count: number;
  min_price: number;
  max_price: number;
  volume: number;
  last_update_time: number;
  change_from_average: number;
  snapshot_seq: number;
  updated_at: number;
  [key: string]: unknown;
}

// ---------------------------------------------------------------------------------------------
// Cursors and limits
// ---------------------------------------------------------------------------------------------

function clampLimit(limit: number | undefined, fallback: number): number {
  if (limit === undefined) return fallback;
  if (!Number.isInteger(limit) || limit < 1) return 1;
  return Math.min(limit, MAX_LIMIT);
}

/** A cursor names the last tick of a page, and the query it belongs to (base64url JSON). */
function encodeCursor(symbol: string, desc: boolean, last: StoredTick): string {
  return Buffer.from(JSON.stringify([symbol, desc ? 'd' : 'a', last.ts, last.ingestSeq])).toString(
    'base64url',
  );
}

function decodeCursor(cursor: string, symbol: string, desc: boolean): { ts: number; ingestSeq: number } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    Array.isArray(parsed) &&
    parsed.length === 4 &&
    parsed[0] === symbol &&
    parsed[1] === (desc ? 'd' : 'a') &&
    Number.isFinite(parsed[2]) &&
    Number.isSafeInteger(parsed[3])
  ) {
    return { ts: parsed[2] as number, ingestSeq: parsed[3] as number };
  }
  throw new TickstreamError(ErrorCode.CursorInvalid, 'the cursor is malformed or belongs to another query');
}
