import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Worker } from 'node:worker_threads';

import { ErrorCode, TickstreamError } from '../errors.js';
import { startModuleWorker } from '../runtime/module-worker.js';
import { DirectoryLock } from './directory-lock.js';
import { MEMORY } from './pglite-driver.js';
import { DriverKind, type EmbeddedMemory, type Row, type SqlDriver, type SqlSession } from './sql-driver.js';

/** What the driver asks its thread (./pglite-thread.ts); `tx` names an open transaction. */
export type ToPgliteThread =
  | {
      readonly id: number;
      readonly op: 'query';
      readonly tx?: number;
      readonly text: string;
      readonly params: readonly unknown[];
    }
  | { readonly id: number; readonly op: 'exec'; readonly tx?: number; readonly script: string }
  | {
      readonly id: number;
      readonly op: 'copy';
      readonly tx?: number;
      readonly target: string;
      readonly data: Uint8Array;
    }
  | { readonly id: number; readonly op: 'begin' }
  | { readonly id: number; readonly op: 'end'; readonly tx: number; readonly commit: boolean }
  | { readonly id: number; readonly op: 'memory' }
  | { readonly id: number; readonly op: 'close' };

/** An error as it crosses the thread: its message and the fields callers read (`code`, `constraint`, …). */
export interface ThreadError {
  readonly name: string;
  readonly message: string;
  readonly fields: Readonly<Record<string, string | number | boolean>>;
}

export type FromPgliteThread =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: ThreadError };

/** What the thread is started with (`workerData`). */
export interface PgliteThreadInit {
  readonly path: string;
  readonly loadDataDir?: ArrayBuffer;
}

/** The id of the thread's first answer: the database opened (or why not). */
export const OPENED = 0;

/**
 * Embedded PostgreSQL (PGlite) on a worker thread of its own, behind the same port as the
 * in-process driver (./pglite-driver.ts). PGlite runs PostgreSQL as WebAssembly, synchronously:
 * in the server's thread a 10,000-row COPY held the event loop for hundreds of milliseconds, so
 * every socket, stream and timer waited on storage. Here only the statements and their rows cross
 * the thread (structured clone; COPY input is copied, not moved, as the writer reuses its buffer).
 *
 * The directory's lock file is taken on this side, so a second open in the same process is still
 * refused. The open thread keeps the process alive, as a connection would: close() ends it.
 */
export class PgliteThreadDriver implements SqlDriver {
  readonly kind = DriverKind.Pglite;
  readonly path: string;
  readonly #worker: Worker;
  readonly #lock: DirectoryLock | undefined;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  #nextId = OPENED + 1;
  #dead: Error | undefined;
  #closing: Promise<void> | undefined;

  private constructor(path: string, worker: Worker, lock: DirectoryLock | undefined) {
    this.path = path;
    this.#worker = worker;
    this.#lock = lock;
    worker.on('message', (message: FromPgliteThread) => this.#settle(message));
    worker.on('error', (err) => this.#die(err));
    worker.on('exit', (code) => this.#die(new Error(`the embedded database thread exited (code ${code})`)));
  }

  static async open(options: {
    readonly path: string;
    readonly loadDataDir?: Blob;
  }): Promise<PgliteThreadDriver> {
    const memory = options.path === MEMORY;
    const path = memory ? MEMORY : resolve(options.path);
    // The directory and its parents (a fresh clone has no data/), before the lock file beside it.
    if (!memory) mkdirSync(path, { recursive: true });
    const lock = memory ? undefined : DirectoryLock.acquire(`${path}.lock`);
    const init: PgliteThreadInit = {
      path,
      ...(options.loadDataDir === undefined ? {} : { loadDataDir: await options.loadDataDir.arrayBuffer() }),
    };
    let worker: Worker;
    try {
      worker = startModuleWorker(import.meta.url, 'pglite-thread', {
        workerData: init,
        ...(init.loadDataDir === undefined ? {} : { transferList: [init.loadDataDir] }),
      });
    } catch (err) {
      lock?.release();
      throw err;
    }
    const driver = new PgliteThreadDriver(path, worker, lock);
    try {
      await driver.#call(OPENED);
    } catch (err) {
      await driver.#stop();
      throw err;
    }
    return driver;
  }

  query<T extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.#ask({ op: 'query', text, params }) as Promise<T[]>;
  }

  exec(script: string): Promise<void> {
    return this.#ask({ op: 'exec', script }) as Promise<void>;
  }

  copyBinary(target: string, data: Uint8Array): Promise<void> {
    return this.#ask({ op: 'copy', target, data }) as Promise<void>;
  }

  async transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T> {
    const tx = (await this.#ask({ op: 'begin' })) as number;
    let result: T;
    try {
      result = await fn(this.#session(tx));
    } catch (err) {
      await this.#ask({ op: 'end', tx, commit: false }).catch(() => {});
      throw err;
    }
    await this.#ask({ op: 'end', tx, commit: true });
    return result;
  }

  memory(): Promise<EmbeddedMemory> {
    return this.#ask({ op: 'memory' }) as Promise<EmbeddedMemory>;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        if (this.#dead === undefined) await this.#ask({ op: 'close' });
      } finally {
        await this.#stop();
      }
    })();
    return this.#closing;
  }

  /** Stops the thread without closing the database, as a fatal error in it would (tests). */
  async terminateThread(): Promise<void> {
    await this.#worker.terminate();
  }

  #session(tx: number): SqlSession {
    return {
      query: <T extends Row = Row>(text: string, params: readonly unknown[] = []) =>
        this.#ask({ op: 'query', tx, text, params }) as Promise<T[]>,
      exec: (script: string) => this.#ask({ op: 'exec', tx, script }) as Promise<void>,
      copyBinary: (target: string, data: Uint8Array) =>
        this.#ask({ op: 'copy', tx, target, data }) as Promise<void>,
    };
  }

  /** Sends one request (ids are given here) and waits for its answer. */
  #ask(request: DistributiveOmit<ToPgliteThread, 'id'>): Promise<unknown> {
    if (this.#dead !== undefined) return Promise.reject(this.#unavailable(this.#dead));
    const id = this.#nextId++;
    const answer = this.#call(id);
    this.#worker.postMessage({ ...request, id });
    return answer;
  }

  #call(id: number): Promise<unknown> {
    return new Promise((resolve, reject) => this.#pending.set(id, { resolve, reject }));
  }

  #settle(message: FromPgliteThread): void {
    const waiting = this.#pending.get(message.id);
    if (waiting === undefined) return;
    this.#pending.delete(message.id);
    if (message.ok) waiting.resolve(message.value);
    else waiting.reject(revive(message.error));
  }

  #die(err: Error): void {
    if (this.#dead !== undefined) return;
    this.#dead = err;
    for (const waiting of this.#pending.values()) waiting.reject(this.#unavailable(err));
    this.#pending.clear();
    this.#lock?.release();
  }

  #unavailable(err: Error): Error {
    if (this.#closing !== undefined) return new Error('the embedded database is closed');
    return new TickstreamError(
      ErrorCode.StorageUnavailable,
      `the embedded database is unavailable: ${err.message}`,
      {
        cause: err,
      },
    );
  }

  async #stop(): Promise<void> {
    this.#closing ??= Promise.resolve();
    await this.#worker.terminate();
    this.#lock?.release();
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An error thrown in the thread, as it crosses it. */
export function flattenError(err: unknown): ThreadError {
  const e = err instanceof Error ? err : new Error(String(err));
  const fields: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(e)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      fields[key] = value;
  }
  return { name: e.name, message: e.message, fields };
}

/** The error again on this side: a TickstreamError keeps its class and code, others their fields. */
export function revive(error: ThreadError): Error {
  if (error.name === 'TickstreamError' && typeof error.fields['code'] === 'string') {
    return new TickstreamError(error.fields['code'] as ErrorCode, error.message);
  }
  const revived = new Error(error.message);
  revived.name = error.name;
  return Object.assign(revived, error.fields);
}
