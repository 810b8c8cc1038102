import type { Row, SqlDriver, SqlSession } from './sql-driver.js';

/**
 * A driver in front of a real one that can be taken down (every statement fails like a refused
 * connection) or held (statements wait until released), for the writer's failure tests.
 */
export class FaultyDriver implements SqlDriver {
  readonly kind;
  readonly #inner: SqlDriver;
  down = false;
  #held: Promise<void> | undefined;
  #release: (() => void) | undefined;
  /** Statements that failed because the driver was down. */
  failures = 0;

  constructor(inner: SqlDriver) {
    this.#inner = inner;
    this.kind = inner.kind;
  }

  /** Makes statements wait until `release()`. */
  hold(): void {
    this.#held ??= new Promise((resolve) => (this.#release = resolve));
  }

  release(): void {
    this.#release?.();
    this.#held = undefined;
  }

  async #gate(): Promise<void> {
    if (this.#held !== undefined) await this.#held;
    if (this.down) {
      this.failures++;
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    }
  }

  async query<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<T[]> {
    await this.#gate();
    return this.#inner.query<T>(text, params);
  }

  async exec(script: string): Promise<void> {
    await this.#gate();
    return this.#inner.exec(script);
  }

  async copyBinary(target: string, data: Uint8Array): Promise<void> {
    await this.#gate();
    return this.#inner.copyBinary(target, data);
  }

  async transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T> {
    await this.#gate();
    return this.#inner.transaction(fn);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
