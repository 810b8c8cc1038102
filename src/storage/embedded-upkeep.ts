import type { Logger } from '../observability/logger.js';
import { summarizeNewBlockRanges } from './block-range-indexes.js';
import type { SqlDriver } from './sql-driver.js';

/**
 * What a PostgreSQL server's background processes do, done for the embedded database every
 * `checkEveryMs`. PGlite runs PostgreSQL in single-user mode: no checkpointer and no autovacuum.
 *
 * - Checkpoints. Nothing takes one until shutdown, so PostgreSQL can never recycle a WAL segment:
 *   `pg_wal` grew by 7.5 MB/s in the soak at 30,000 ticks/s (2.5 GB in five minutes) and would
 *   grow until the disk is full. Past `maxWalBytes` written since the last checkpoint, a
 *   `CHECKPOINT` (about 0.1 s; the writer's buffer holds the ticks meanwhile); PostgreSQL then
 *   recycles the segments before it, as a server with `max_wal_size` does.
 * - BRIN summaries (./block-range-indexes.ts), a little at a time: summarized only when the
 *   retention needed them, every 5 minutes, the pages written since took seconds to read.
 */
export interface EmbeddedUpkeepOptions {
  /** WAL written since the last checkpoint that calls for the next; 0 turns this off. */
  readonly maxWalBytes: number;
  readonly checkEveryMs: number;
}

const WAL_SINCE_CHECKPOINT = `select (pg_current_wal_lsn() - checkpoint_lsn)::text as bytes from pg_control_checkpoint()`;

export class EmbeddedUpkeep {
  readonly #driver: SqlDriver;
  readonly #options: EmbeddedUpkeepOptions;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #taken = 0;

  constructor(driver: SqlDriver, options: EmbeddedUpkeepOptions, log: Logger) {
    this.#driver = driver;
    this.#options = options;
    this.#log = log;
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      this.#running ??= this.runOnce()
        .catch((err: unknown) =>
          this.#log.warn({ err: (err as Error).message }, 'embedded database upkeep failed; retrying'),
        )
        .finally(() => (this.#running = undefined));
    }, this.#options.checkEveryMs).unref();
  }

  /** One round: the BRIN summaries, then a checkpoint if one is due. */
  async runOnce(): Promise<void> {
    await summarizeNewBlockRanges(this.#driver);
    await this.check();
  }

  /** Checkpoints taken so far. */
  get taken(): number {
    return this.#taken;
  }

  /** Takes a checkpoint if enough WAL was written since the last; true if it did. */
  async check(): Promise<boolean> {
    if (this.#options.maxWalBytes === 0) return false;
    const [row] = await this.#driver.query<{ bytes: string }>(WAL_SINCE_CHECKPOINT);
    const bytes = Number(row?.bytes ?? 0);
    if (bytes < this.#options.maxWalBytes) return false;
    const started = performance.now();
    await this.#driver.exec('checkpoint');
    this.#taken++;
    this.#log.debug(
      { walBytes: bytes, ms: Math.round(performance.now() - started) },
      'embedded database checkpoint taken',
    );
    return true;
  }

  /** Stops; waits for a round under way. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
