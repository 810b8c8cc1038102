import { ErrorCode, TickstreamError } from '../errors.js';
import { MIGRATIONS, type Migration } from './migrations.js';
import type { SqlDriver } from './sql-driver.js';

export interface MigrationStatus {
  readonly version: number;
  readonly name: string;
  /** Epoch ms when it was applied. */
  readonly appliedAt: number;
  /** True when this call applied it, false when it was there before. */
  readonly applied: boolean;
}

/** Serializes migrators across processes (a server starting while `tickstream migrate` runs). */
const LOCK_KEY = 7_305_411_902;

/**
 * Applies the migrations the database lacks, in version order, each in its own transaction and
 * recorded in `schema_migrations`; answers every known migration with when it was applied.
 * Fails with STORAGE_SCHEMA_NEWER when the database holds migrations this build does not know
 * (it was migrated by a newer tickstream).
 */
export async function migrate(
  driver: SqlDriver,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrationStatus[]> {
  await driver.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await tx.exec(`create table if not exists schema_migrations (
      version integer primary key,
      name text not null,
      applied_at timestamptz not null default now()
    )`);
  });
  const known = new Set(migrations.map((m) => m.version));
  const before = await appliedVersions(driver);
  const unknown = [...before.keys()].filter((v) => !known.has(v));
  if (unknown.length > 0) {
    throw new TickstreamError(
      ErrorCode.StorageSchemaNewer,
      `the database has migration ${unknown.join(', ')}, which this version of tickstream does not know; upgrade tickstream`,
    );
  }
  const appliedNow = new Set<number>();
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (before.has(migration.version)) continue;
    try {
      const applied = await driver.transaction(async (tx) => {
        await tx.query('select pg_advisory_xact_lock($1)', [LOCK_KEY]);
        // Another process may have applied it while this one waited for the lock.
        const done = await tx.query('select 1 from schema_migrations where version = $1', [
          migration.version,
        ]);
        if (done.length > 0) return false;
        await tx.exec(migration.sql);
        await tx.query('insert into schema_migrations (version, name) values ($1, $2)', [
          migration.version,
          migration.name,
        ]);
        return true;
      });
      if (applied) appliedNow.add(migration.version);
    } catch (err) {
      throw new TickstreamError(
        ErrorCode.MigrationFailed,
        `migration ${migration.version} (${migration.name}) failed: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }
  const after = await appliedVersions(driver);
  return migrations
    .filter((m) => after.has(m.version))
    .map((m) => ({
      version: m.version,
      name: m.name,
      appliedAt: after.get(m.version)!,
      applied: appliedNow.has(m.version),
    }));
}

async function appliedVersions(driver: SqlDriver): Promise<Map<number, number>> {
  const rows = await driver.query<{ version: number; applied_at: Date }>(
    'select version, applied_at from schema_migrations order by version',
  );
  return new Map(rows.map((r) => [r.version, r.applied_at.getTime()]));
}
