import type { RetentionConfig, StorageConfig } from '../config.js';
import type { EnginePort } from '../engine/engine-port.js';
import type { Logger } from '../observability/logger.js';
import { BatchWriter } from './batch-writer.js';
import { summarizeNewBlockRanges } from './block-range-indexes.js';
import { openDatabase, redactUrl, type Database } from './database.js';
import type { MigrationStatus } from './migrate.js';
import { recover, type RecoveryReport } from './recovery.js';
import { DriverKind } from './sql-driver.js';
import { maintainTickPartitions } from './tick-retention.js';
import { EmbeddedUpkeep } from './embedded-upkeep.js';

export interface StorageSettings {
  readonly dataDir: string;
  /** The disk guard's settings are not needed here (src/storage/disk-guard.ts). */
  readonly storage: Omit<StorageConfig, 'minFreeDiskBytes' | 'diskCheckIntervalMs'>;
  /** The short retention of simulated ticks runs apart (src/storage/simulated-tick-retention.ts). */
  readonly retention: Pick<RetentionConfig, 'ticksDays'>;
}

export interface StorageServiceOptions {
  /** `DATABASE_URL`: a PostgreSQL server instead of the embedded database. */
  readonly databaseUrl?: string | undefined;
  /** The wall clock (tests). */
  readonly now?: () => number;
  /** PGlite only: start from this data directory tarball instead of running initdb (tests). */
  readonly loadDataDir?: Blob;
  /**
   * Start the batch writer (default true). A cluster node's engine is a view of partitions other
   * processes own and store (src/cluster): its writer stays idle.
   */
  readonly startWriter?: boolean;
}

/** The running storage service of one process: its database and batch writer (wired to the engine by src/main.ts). */
export interface StorageService {
  readonly database: Database;
  readonly writer: BatchWriter;
  readonly migrations: readonly MigrationStatus[];
  readonly recovery: RecoveryReport;
  /** Writes everything buffered (up to `storage.closeTimeoutMs`), then closes the database. */
  close(): Promise<void>;
}

const MAINTENANCE_MS = 3_600_000;
/** How often the embedded database gets its upkeep (checkpoints, BRIN summaries). */
const UPKEEP_MS = 10_000;

/**
 * Everything storage needs at start, in order: open the database (DATABASE_URL or the embedded
 * one), apply migrations, create the tick partitions ahead and apply retention, rebuild the
 * engine's state from storage, and start the batch writer. Call it with a new engine, before
 * anything listens to it (recovery replays ticks through it); then wire `writer` to the engine
 * (its listeners and its admission: src/main.ts).
 */
export async function startStorageService(
  engine: EnginePort,
  settings: StorageSettings,
  log: Logger,
  options: StorageServiceOptions = {},
): Promise<StorageService> {
  const now = options.now ?? Date.now;
  const { storage, retention } = settings;
  const database = await openDatabase({
    databaseUrl: options.databaseUrl,
    dataDir: settings.dataDir,
    poolSize: storage.poolSize,
    connectTimeoutMs: storage.connectTimeoutMs,
    reconnectMaxDelayMs: storage.retryMaxDelayMs,
    // The writer's transactions, and one more (migrations, retention).
    transactionConnections: storage.writeConcurrency + 1,
    thread: storage.embeddedThread,
    ...(options.loadDataDir === undefined ? {} : { loadDataDir: options.loadDataDir }),
  });
  const storeLog = log.child({ component: 'storage' });
  try {
    const migrations = await database.migrate();
    const applied = migrations.filter((m) => m.applied).map((m) => m.version);
    storeLog.info(
      {
        driver: database.kind,
        at: options.databaseUrl === undefined ? settings.dataDir : redactUrl(options.databaseUrl),
        schemaVersion: migrations.at(-1)?.version ?? 0,
        applied,
      },
      'storage opened',
    );
    const partitionOptions = {
      partitionsAheadDays: storage.partitionsAheadDays,
      ticksDays: retention.ticksDays,
    };
    await maintainTickPartitions(database.tickPartitions, now(), partitionOptions, storeLog);
    // Recovery reads the ticks after its snapshot by sequence number, through a BRIN index.
    await summarizeNewBlockRanges(database.driver);
    const recovery = await recover(engine, database.marketData, storeLog);
    const writer = new BatchWriter(engine, database.marketData, storage, storeLog, {
      seq: recovery.committedSeq,
      writeNo: recovery.writeNo,
    });
    if (options.startWriter !== false) writer.start();
    const maintenance = setInterval(() => {
      maintainTickPartitions(database.tickPartitions, now(), partitionOptions, storeLog).catch(
        (err: unknown) =>
          storeLog.warn({ err: (err as Error).message }, 'tick partition upkeep failed; retrying in an hour'),
      );
    }, MAINTENANCE_MS).unref();
    const upkeep =
      database.kind === DriverKind.Pglite
        ? new EmbeddedUpkeep(
            database.driver,
            { maxWalBytes: storage.embeddedCheckpointWalBytes, checkEveryMs: UPKEEP_MS },
            storeLog,
          )
        : undefined;
    upkeep?.start();
    let closing: Promise<void> | undefined;
    return {
      database,
      writer,
      migrations,
      recovery,
      close: () =>
        (closing ??= (async () => {
          clearInterval(maintenance);
          await upkeep?.stop();
          try {
            await writer.close(storage.closeTimeoutMs);
          } finally {
            await database.close();
          }
        })()),
    };
  } catch (err) {
    await database.close().catch(() => {});
    throw err;
  }
}
