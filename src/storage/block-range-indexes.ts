import { DriverKind, type SqlDriver } from './sql-driver.js';

/**
 * Summarizes the block ranges added to the BRIN indexes (`ticks_ingest_seq`, `ticks_received_at`
 * on every tick partition) since their last summary; answers how many ranges it summarized.
 *
 * PostgreSQL summarizes new ranges only in VACUUM (or with `autosummarize`), and a range never
 * summarized matches every search. Embedded PGlite runs no autovacuum, so these indexes covered
 * nothing written after the partition was made: the retention of simulated ticks read the whole
 * ticks table every 5 minutes (in the soak at 24,000 ticks/s a growing stall of its thread, about
 * 20 s by minute 10), and recovery's "ticks after sequence N" would read it all at a restart.
 * Cost: one read of the pages written since the last call.
 */
export async function summarizeNewBlockRanges(driver: SqlDriver): Promise<number> {
  // A PostgreSQL server's autovacuum summarizes them (its VACUUM of insert-heavy tables), and the
  // server's role may not own the indexes: only the embedded database needs this.
  if (driver.kind !== DriverKind.Pglite) return 0;
  const rows = await driver.query<{ n: number }>(
    `select coalesce(sum(brin_summarize_new_values(i.indexrelid::regclass)), 0)::int8 as n
       from pg_index i
       join pg_class c on c.oid = i.indexrelid
       join pg_am a on a.oid = c.relam
      where a.amname = 'brin' and c.relkind = 'i'`,
  );
  return Number(rows[0]?.n ?? 0);
}
