import { join } from 'node:path';

import { MEMORY_DATA_DIR } from '../config.js';
import { ErrorCode, TickstreamError } from '../errors.js';
import { MarketDataStore } from './market-data-store.js';
import { migrate, type MigrationStatus } from './migrate.js';
import { MEMORY, PgliteDriver } from './pglite-driver.js';
import { PgliteThreadDriver } from './pglite-thread-driver.js';
import { PostgresDriver } from './postgres-driver.js';
import type { SqlDriver } from './sql-driver.js';
import { TickPartitions } from './tick-partitions.js';

/**
 * The SQL database handle: one connection (pool) over either driver, its schema, and the stores
 * by concern that share it: market data and the tick partitions here; the accounts store
 * (src/auth/account-store.ts) takes its {@link driver}. Opened by {@link openDatabase}; the
 * running storage service (./storage-service.ts) adds the batch writer and upkeep around it.
 */
export class Database {
  readonly driver: SqlDriver;
  readonly tickPartitions: TickPartitions;
  readonly marketData: MarketDataStore;

  constructor(driver: SqlDriver) {
    this.driver = driver;
    this.tickPartitions = new TickPartitions(driver);
    this.marketData = new MarketDataStore(driver, this.tickPartitions);
  }

  get kind(): SqlDriver['kind'] {
    return this.driver.kind;
  }

  /** Applies pending migrations (see ./migrate.ts). */
  migrate(): Promise<MigrationStatus[]> {
    return migrate(this.driver);
  }

  close(): Promise<void> {
    return this.driver.close();
  }

  /** Cheap round trip, for readiness checks. */
  async ping(): Promise<void> {
    await this.driver.query('select 1');
  }
}

export interface DatabaseLocation {
  /** `postgres://…`: a PostgreSQL server. Absent: the embedded database under `dataDir`. */
  readonly databaseUrl?: string | undefined;
  /** Embedded database directory parent (`<dataDir>/pglite`), or `memory://` for one in memory. */
  readonly dataDir: string;
  readonly poolSize?: number;
  readonly connectTimeoutMs?: number;
  /** PostgreSQL only: transactions that may run at once (each on a connection of its own). */
  readonly transactionConnections?: number;
  /** PostgreSQL only: longest wait between reconnection attempts. */
  readonly reconnectMaxDelayMs?: number;
  /** PGlite only: a data directory tarball to start from instead of running initdb (tests). */
  readonly loadDataDir?: Blob;
  /** PGlite only: run it on a worker thread of its own (./pglite-thread-driver.ts), as the server does. */
  readonly thread?: boolean;
}

/**
 * Opens the database (DESIGN §4): a PostgreSQL server when `databaseUrl` is set, else embedded
 * PostgreSQL (PGlite) in `<dataDir>/pglite`. Checks the connection; does not migrate.
 * Fails with STORAGE_UNAVAILABLE when the database cannot be reached, STORAGE_LOCKED when another
 * process has the embedded one open.
 */
export async function openDatabase(location: DatabaseLocation): Promise<Database> {
  let driver: SqlDriver;
  const url = location.databaseUrl;
  if (url !== undefined && url !== '') {
    if (!/^postgres(ql)?:\/\//.test(url)) {
      throw new TickstreamError(
        ErrorCode.ConfigInvalid,
        'DATABASE_URL must start with postgres:// or postgresql://',
      );
    }
    driver = new PostgresDriver({
      url,
      poolSize: location.poolSize ?? 10,
      connectTimeoutMs: location.connectTimeoutMs ?? 5000,
      ...(location.transactionConnections === undefined
        ? {}
        : { transactionConnections: location.transactionConnections }),
      ...(location.reconnectMaxDelayMs === undefined
        ? {}
        : { reconnectMaxDelayMs: location.reconnectMaxDelayMs }),
    });
  } else {
    const path = location.dataDir === MEMORY_DATA_DIR ? MEMORY : join(location.dataDir, 'pglite');
    try {
      const options = {
        path,
        ...(location.loadDataDir === undefined ? {} : { loadDataDir: location.loadDataDir }),
      };
      driver =
        location.thread === true ? await PgliteThreadDriver.open(options) : await PgliteDriver.open(options);
    } catch (err) {
      if (err instanceof TickstreamError) throw err;
      throw new TickstreamError(
        ErrorCode.StorageUnavailable,
        `cannot open the embedded database in ${path}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }
  const database = new Database(driver);
  try {
    await database.ping();
  } catch (err) {
    await driver.close().catch(() => {});
    throw new TickstreamError(
      ErrorCode.StorageUnavailable,
      `cannot reach the database at ${url === undefined ? location.dataDir : redactUrl(url)}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return database;
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://…';
  }
}
