import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { migrate } from './migrate.js';
import { MIGRATIONS } from './migrations.js';
import { MEMORY, PgliteDriver } from './pglite-driver.js';
import { PgliteThreadDriver } from './pglite-thread-driver.js';
import { Database } from './database.js';

/**
 * A migrated PGlite data directory as a tarball, made once per machine and schema (initdb in
 * WebAssembly takes seconds; loading the tarball well under one), so every test can have a fresh
 * database cheaply. Cached in the temp directory under a name that changes with the PGlite
 * version and the migrations.
 */
let cached: Promise<Blob> | undefined;

export function pgliteTemplate(): Promise<Blob> {
  return (cached ??= build());
}

async function build(): Promise<Blob> {
  // The package exports no package.json: find it beside its entry point (dist/index.js).
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const version = (
    JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string }
  ).version;
  const hash = createHash('sha256')
    .update(version)
    .update(JSON.stringify(MIGRATIONS))
    .digest('hex')
    .slice(0, 16);
  const path = join(tmpdir(), `tickstream-pglite-template-${hash}.tar`);
  if (existsSync(path)) return new Blob([readFileSync(path)]);
  const driver = await PgliteDriver.open({ path: MEMORY });
  try {
    await migrate(driver);
    const dump = await driver.dump();
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, Buffer.from(await dump.arrayBuffer()));
    renameSync(temp, path); // atomic: concurrent test processes never read half a file
    return dump;
  } finally {
    await driver.close();
  }
}

/** A fresh, migrated in-memory database. */
export async function memoryDatabase(): Promise<Database> {
  const driver = await PgliteDriver.open({ path: MEMORY, loadDataDir: await pgliteTemplate() });
  return new Database(driver);
}

/** The same on a worker thread of its own (./pglite-thread-driver.ts), as the server runs it. */
export async function memoryDatabaseOnThread(): Promise<Database> {
  const driver = await PgliteThreadDriver.open({ path: MEMORY, loadDataDir: await pgliteTemplate() });
  return new Database(driver);
}
