import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

import { PGlite, type Transaction } from '@electric-sql/pglite';

import { DirectoryLock } from './directory-lock.js';
import { DriverKind, type EmbeddedMemory, type Row, type SqlDriver, type SqlSession } from './sql-driver.js';

export const MEMORY = 'memory://';

export interface PgliteDriverOptions {
  /** Directory of the database files, or `memory://` for a database that lives in this process only. */
  readonly path: string;
  /** A data directory tarball (from PGlite's `dumpDataDir`) to start from: skips initdb (tests). */
  readonly loadDataDir?: Blob;
  /** Take the directory's lock file here (default). False when the opener holds it already (./pglite-thread-driver.ts). */
  readonly lock?: boolean;
}

/**
 * Embedded PostgreSQL (PGlite: PostgreSQL compiled to WebAssembly) in this process. One connection;
 * PGlite runs statements one at a time. A directory is locked while open (see DirectoryLock):
 * two processes on one PGlite directory would corrupt it.
 */
export class PgliteDriver implements SqlDriver {
  readonly kind = DriverKind.Pglite;
  readonly path: string;
  readonly #db: PGlite;
  readonly #lock: DirectoryLock | undefined;
  readonly #session: SqlSession;

  private constructor(path: string, db: PGlite, lock: DirectoryLock | undefined) {
    this.path = path;
    this.#db = db;
    this.#lock = lock;
    this.#session = sessionOf(db);
  }

  memory(): Promise<EmbeddedMemory> {
    return Promise.resolve({ wasmBytes: this.wasmBytes(), threadHeapBytes: 0 });
  }

  /** The size of PGlite's WebAssembly memory. */
  wasmBytes(): number {
    // PGlite's Emscripten module: its typings name a type they do not export.
    return (this.#db as unknown as { Module: { HEAPU8: Uint8Array } }).Module.HEAPU8.byteLength;
  }

  static async open(options: PgliteDriverOptions): Promise<PgliteDriver> {
    const memory = options.path === MEMORY;
    const path = memory ? MEMORY : resolve(options.path);
    let lock: DirectoryLock | undefined;
    if (!memory) {
      mkdirSync(path, { recursive: true });
      if (options.lock !== false) lock = DirectoryLock.acquire(`${path}.lock`);
    }
    try {
      const db = await PGlite.create(path, {
        // Every int8 we store is below 2^53: read it as a number (PGlite would otherwise pick per value).
        parsers: { 20: (value: string) => Number(value) },
        ...(options.loadDataDir === undefined ? {} : { loadDataDir: options.loadDataDir }),
      });
      return new PgliteDriver(path, db, lock);
    } catch (err) {
      lock?.release();
      throw err;
    }
  }

  query<T extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.#session.query<T>(text, params);
  }

  exec(script: string): Promise<void> {
    return this.#session.exec(script);
  }

  copyBinary(target: string, data: Uint8Array): Promise<void> {
    return this.#session.copyBinary(target, data);
  }

  transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T> {
    return this.#db.transaction((tx) => fn(sessionOf(tx)));
  }

  /** A tarball of the data directory, to start other instances from (tests). */
  dump(): Promise<Blob> {
    return this.#db.dumpDataDir('none');
  }

  async close(): Promise<void> {
    try {
      if (!this.#db.closed) await this.#db.close();
    } finally {
      this.#lock?.release();
    }
  }
}

function sessionOf(db: PGlite | Transaction): SqlSession {
  return {
    async query<T extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
      return (await db.query<T>(text, params as unknown[])).rows;
    },
    async exec(script: string): Promise<void> {
      await db.exec(script);
    },
    async copyBinary(target: string, data: Uint8Array): Promise<void> {
      // PGlite reads COPY input from a virtual file that holds the Blob passed with the query.
      await db.query(`copy ${target} from '/dev/blob' with (format binary)`, [], {
        blob: new Blob([data as Uint8Array<ArrayBuffer>]),
      });
    },
  };
}
