import { pgTime, type SqlSession } from './sql-driver.js';
import { MS_PER_DAY } from './tick-copy-encoder.js';

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

/**
 * The tick partitions of one database, with the days known to have one (created here or found)
 * cached so that each is created once. Writes ensure their days here before they COPY.
 */
export class TickPartitions {
  readonly #session: SqlSession;
  readonly #days = new Set<number>();
  #daysLoaded = false;

  constructor(session: SqlSession) {
    this.#session = session;
  }

  /** Creates the daily tick partitions of `days` that do not exist yet. */
  async ensure(days: Iterable<number>): Promise<void> {
    if (!this.#daysLoaded) {
      for (const day of await listPartitions(this.#session)) this.#days.add(day);
      this.#daysLoaded = true;
    }
    const missing = [...days].filter((d) => !this.#days.has(d));
    if (missing.length === 0) return;
    await createPartitions(this.#session, missing);
    for (const day of missing) this.#days.add(day);
  }

  /** Days that have a tick partition. */
  list(): Promise<number[]> {
    return listPartitions(this.#session);
  }

  /** Drops the tick partitions of days before `day` (retention); answers the days dropped. */
  async dropBefore(day: number): Promise<number[]> {
    const dropped = await dropPartitionsBefore(this.#session, day);
    for (const d of dropped) this.#days.delete(d);
    return dropped;
  }

  /** Forgets which partitions exist (after a write failed: one may have been dropped meanwhile). */
  forget(): void {
    this.#days.clear();
    this.#daysLoaded = false;
  }
}
