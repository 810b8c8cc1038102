import type { Logger } from '../observability/logger.js';
import { MS_PER_DAY } from './tick-copy-encoder.js';
import { partitionName, type TickPartitions } from './tick-partitions.js';

export interface TickRetentionOptions {
  /** Daily partitions created ahead of today. */
  readonly partitionsAheadDays: number;
  /** Days of ticks kept (by the UTC day of their event time); 0 keeps everything. */
  readonly ticksDays: number;
}

/**
 * Daily partition upkeep, at start and then hourly: creates today's partition and the next
 * `partitionsAheadDays` (so the first write of a day does not wait for DDL), and drops the
 * partitions of days that fell out of retention. A partition for a day further back is still
 * created when a tick of that day arrives (a replay of old data), and dropped by the next run if
 * it is out of retention.
 */
export async function maintainTickPartitions(
  partitions: TickPartitions,
  now: number,
  options: TickRetentionOptions,
  log: Logger,
): Promise<number[]> {
  const today = Math.floor(now / MS_PER_DAY);
  const ahead = Array.from({ length: options.partitionsAheadDays + 1 }, (_, k) => today + k);
  await partitions.ensure(ahead);
  if (options.ticksDays <= 0) return [];
  const dropped = await partitions.dropBefore(today - options.ticksDays + 1);
  if (dropped.length > 0)
    log.info(
      { partitions: dropped.map(partitionName), ticksDays: options.ticksDays },
      'retention dropped tick partitions',
    );
  return dropped;
}
