import type { Logger } from '../observability/logger.js';
import type { SqlDriver } from './sql-driver.js';

/**
 * Checkpoints for the embedded database. PGlite runs PostgreSQL in single-user mode, where no
 * checkpointer process runs and nothing takes a checkpoint until shutdown, so PostgreSQL can never
 * recycle a WAL segment: `pg_wal` grew by 7.5 MB/s in the soak at 30,000 ticks/s (2.5 GB in five
 * minutes) and would grow until the disk is full. This asks every `checkEveryMs` how much WAL was
 * written since the last checkpoint and, past `maxWalBytes`, takes one (a `CHECKPOINT` statement,
 * about 0.1 s; the writer's buffer holds the ticks meanwhile). PostgreSQL then recycles the
 * segments before it, as a server with `max_wal_size` does.
 */
export interface WalCheckpointOptions {
  /** WAL written since the last checkpoint that calls for the next; 0 turns this off. */
  readonly maxWalBytes: number;
  readonly checkEveryMs: number;
}

const WAL_SINCE_CHECKPOINT = `select (pg_current_wal_lsn() - checkpoint_lsn)::text as bytes from pg_control_checkpoint()`;

export class WalCheckpoints {
  readonly #driver: SqlDriver;
  readonly #options: WalCheckpointOptions;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #taken = 0;

  constructor(driver: SqlDriver, options: WalCheckpointOptions, log: Logger) {
    this.#driver = driver;
    this.#options = options;
    this.#log = log;
  }

  start(): void {
    if (this.#options.maxWalBytes === 0 || this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      this.#running ??= this.check()
        .then(() => undefined)
        .catch((err: unknown) =>
          this.#log.warn({ err: (err as Error).message }, 'WAL checkpoint check failed'),
        )
        .finally(() => (this.#running = undefined));
    }, this.#options.checkEveryMs).unref();
  }

  /** Checkpoints taken so far. */
  get taken(): number {
    return this.#taken;
  }

  /** Takes a checkpoint if enough WAL was written since the last; true if it did. */
  async check(): Promise<boolean> {
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

  /** Stops checking; waits for a check under way. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
