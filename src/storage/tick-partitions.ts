import { MS_PER_DAY } from './tick-copy-encoder.js';
import type { SqlSession } from './sql-driver.js';

/**
 * Daily partitions of `ticks`: `ticks_YYYYMMDD` holds the ticks whose event time falls on that UTC
 * day. Days are numbered from the epoch (`floor(ts / 86_400_000)`).
 */

/** Partition name of a day: `ticks_20240102` (`ticks_2757600913` beyond year 9999). */
export function partitionName(day: number): string {
  return `ticks_${isoDate(day).replace(/\D/g, '')}`;
}

/** The day of a partition name, or undefined when it is not one of ours. */
export function partitionDay(name: string): number | undefined {
  const m = /^ticks_(\d{4,6})(\d{2})(\d{2})$/.exec(name);
  if (m === null) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const day = ms / MS_PER_DAY;
  return Number.isInteger(day) && partitionName(day) === name ? day : undefined;
}

/** A time as PostgreSQL reads it (ISO-8601; years beyond 9999 without the `+`). */
export function pgTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.startsWith('+') ? iso.slice(1) : iso;
}

function isoDate(day: number): string {
  return pgTime(day * MS_PER_DAY).slice(0, -14);
}

/** Creates the partitions of `days` that do not exist yet. */
export async function createPartitions(session: SqlSession, days: Iterable<number>): Promise<void> {
  for (const day of days) {
    await session.exec(
      `create table if not exists ${partitionName(day)} partition of ticks ` +
        `for values from ('${pgTime(day * MS_PER_DAY)}') to ('${pgTime((day + 1) * MS_PER_DAY)}')`,
    );
  }
}

/** The days that have a partition. */
export async function listPartitions(session: SqlSession): Promise<number[]> {
  const rows = await session.query<{ name: string }>(
    `select c.relname as name from pg_inherits i
       join pg_class c on c.oid = i.inhrelid
      where i.inhparent = 'ticks'::regclass`,
  );
  return rows
    .map((r) => partitionDay(r.name))
    .filter((d): d is number => d !== undefined)
    .sort((a, b) => a - b);
}

/** Drops every partition of a day before `day`; answers the days dropped. */
export async function dropPartitionsBefore(session: SqlSession, day: number): Promise<number[]> {
  const dropped: number[] = [];
  for (const d of await listPartitions(session)) {
    if (d >= day) break;
    await session.exec(`drop table if exists ${partitionName(d)}`);
    dropped.push(d);
  }
  return dropped;
}
