import type { Logger } from '../observability/logger.js';
import { summarizeNewBlockRanges } from './block-range-indexes.js';
import type { Database } from './database.js';
import { MS_PER_DAY } from './tick-copy-encoder.js';
import { partitionName } from './tick-partitions.js';

/**
 * The short retention of simulated and replayed raw ticks (`retention.simulatedTicksMs`): the
 * simulator of a default server writes gigabytes an hour that nobody needs for long, while the
 * candles, anomalies and statistics made from them stay. Deletes the raw ticks of source `sim`
 * and `replay:*` that arrived before `now − retentionMs`; live sources are never touched.
 * Returns how many rows went.
 */
export async function deleteSimulatedTicks(
  database: Database,
  now: number,
  retentionMs: number,
): Promise<number> {
  if (retentionMs <= 0) return 0;
  const before = new Date(now - retentionMs);
  // The arrival-time index (BRIN) finds the old rows only once its new ranges are summarized, and
  // the planner, without statistics (PGlite runs no autovacuum, so no ANALYZE), would read the
  // whole table instead: it is told not to.
  await summarizeNewBlockRanges(database.driver);
  const rows = await database.driver.transaction(async (tx) => {
    await tx.exec('set local enable_seqscan = off');
    return tx.query<{ n: number }>(
      `with gone as (
         delete from ticks
         where received_at < $1 and (source = 'sim' or source like 'replay:%')
         returning 1
       )
       select count(*)::int8 as n from gone`,
      [before],
    );
  });
  return Number(rows[0]?.n ?? 0);
}

/**
 * Runs {@link deleteSimulatedTicks} every `everyMs`, then vacuums the partitions of the last two
 * days (where the deleted rows were), so their space is used again instead of growing the files.
 */
export function startSimulatedTickRetention(
  database: Database,
  options: { readonly retentionMs: number; readonly everyMs?: number; readonly now?: () => number },
  log: Logger,
): () => void {
  if (options.retentionMs <= 0) return () => {};
  const now = options.now ?? Date.now;
  let running = false;
  const run = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      const deleted = await deleteSimulatedTicks(database, now(), options.retentionMs);
      if (deleted > 0) {
        const today = Math.floor(now() / MS_PER_DAY);
        const existing = new Set(await database.tickPartitions.list());
        for (const day of [today - 1, today]) {
          if (existing.has(day)) await database.driver.exec(`vacuum ${partitionName(day)}`);
        }
        log.info({ deleted, retentionMs: options.retentionMs }, 'retention deleted simulated ticks');
      }
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'retention of simulated ticks failed; retrying later');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void run(), options.everyMs ?? Math.min(300_000, options.retentionMs));
  timer.unref();
  return () => clearInterval(timer);
}
