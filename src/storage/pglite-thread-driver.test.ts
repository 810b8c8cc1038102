import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { ErrorCode, TickstreamError } from '../errors.js';
import { MEMORY, PgliteDriver } from './pglite-driver.js';
import { pgliteTemplate } from './pglite-template.test-support.js';
import { PgliteThreadDriver } from './pglite-thread-driver.js';
import { constraintName, sqlState, SqlState } from './sql-driver.js';

async function open(): Promise<PgliteThreadDriver> {
  return PgliteThreadDriver.open({ path: MEMORY, loadDataDir: await pgliteTemplate() });
}

describe('PGlite on its own thread', () => {
  it('answers queries with the same values as in this thread (int8 as numbers, Dates, json)', async () => {
    const [thread, local] = [
      await open(),
      await PgliteDriver.open({ path: MEMORY, loadDataDir: await pgliteTemplate() }),
    ];
    try {
      const sql = `select 9007199254740991::int8 as big, $1::timestamptz as at, '{"a":[1,2]}'::json as doc, $2::text as s`;
      const params = [new Date(Date.UTC(2026, 11, 3, 6, 0, 0, 123)), 'é\u0000'.slice(0, 1)];
      assert.deepEqual(await thread.query(sql, params), await local.query(sql, params));
    } finally {
      await thread.close();
      await local.close();
    }
  });

  it('reports its memory: the WebAssembly memory, as in this thread, and its own heap', async () => {
    const [thread, local] = [
      await open(),
      await PgliteDriver.open({ path: MEMORY, loadDataDir: await pgliteTemplate() }),
    ];
    try {
      const [there, here] = [await thread.memory(), await local.memory()];
      // PGlite starts with tens of MB of WebAssembly memory; a page is 64 KiB.
      assert.ok(there.wasmBytes > 16 * 1048576 && there.wasmBytes % 65536 === 0, String(there.wasmBytes));
      assert.ok(here.wasmBytes > 16 * 1048576 && here.wasmBytes % 65536 === 0, String(here.wasmBytes));
      assert.ok(there.threadHeapBytes > 0);
      assert.equal(here.threadHeapBytes, 0);
    } finally {
      await thread.close();
      await local.close();
    }
  });

  it('commits a transaction that resolves and rolls back one that throws, keeping the error', async () => {
    const db = await open();
    try {
      await db.exec('create table t (k int primary key, v text)');
      await db.transaction(async (tx) => {
        await tx.query('insert into t values (1, $1)', ['one']);
        await tx.exec("insert into t values (2, 'two')");
      });
      const thrown = new Error('the caller failed');
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query("insert into t values (3, 'three')");
          throw thrown;
        }),
        (err) => err === thrown,
      );
      assert.deepEqual(await db.query('select k from t order by k'), [{ k: 1 }, { k: 2 }]);
    } finally {
      await db.close();
    }
  });

  it('carries PostgreSQL error fields across the thread (SQLSTATE, constraint)', async () => {
    const db = await open();
    try {
      await db.exec('create table u (k int constraint u_pk primary key)');
      await db.query('insert into u values (1)');
      const err = await db.query('insert into u values (1)').then(
        () => assert.fail('a duplicate key must be refused'),
        (e: unknown) => e,
      );
      assert.equal(sqlState(err), SqlState.UniqueViolation);
      assert.equal(constraintName(err), 'u_pk');
      // A failed statement inside a transaction fails the transaction, which is rolled back.
      await assert.rejects(
        db.transaction((tx) => tx.query('insert into u values (1)')),
        /duplicate key/,
      );
      assert.deepEqual(await db.query('select count(*)::int as n from u'), [{ n: 1 }]);
    } finally {
      await db.close();
    }
  });

  it('runs a COPY and serializes statements from outside an open transaction behind it', async () => {
    const db = await open();
    try {
      await db.exec('create table c (v int4)');
      // COPY binary: header, one row of one int4 (7), trailer.
      const row = [0, 1, 0, 0, 0, 4, 0, 0, 0, 7];
      const header = [...Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), 0, 0, 0, 0, 0, 0, 0, 0];
      const data = Uint8Array.from([...header, ...row, 0xff, 0xff]);
      let outsideDone = false;
      await db.transaction(async (tx) => {
        await tx.copyBinary('c (v)', data);
        const outside = db.query('select count(*)::int as n from c').then((rows) => {
          outsideDone = true;
          return rows;
        });
        await new Promise((resolve) => setTimeout(resolve, 50));
        assert.equal(outsideDone, false, 'a statement outside the transaction waits for it');
        await tx.copyBinary('c (v)', data);
        void outside;
      });
      assert.deepEqual(await db.query('select sum(v)::int as s from c'), [{ s: 14 }]);
    } finally {
      await db.close();
    }
  });

  it('takes the directory lock in this thread: a second open of the same directory is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickstream-pglite-thread-'));
    const path = join(dir, 'pglite');
    try {
      const first = await PgliteThreadDriver.open({ path, loadDataDir: await pgliteTemplate() });
      try {
        await assert.rejects(
          PgliteThreadDriver.open({ path }),
          (err) => err instanceof TickstreamError && err.code === ErrorCode.StorageLocked,
        );
        await assert.rejects(
          PgliteDriver.open({ path }),
          (err) => err instanceof TickstreamError && err.code === ErrorCode.StorageLocked,
        );
      } finally {
        await first.close();
      }
      // Closed: the lock is free again, and the data is on disk.
      const again = await PgliteThreadDriver.open({ path });
      assert.deepEqual(await again.query('select 1 as one'), [{ one: 1 }]);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opens a directory whose parents do not exist yet (the default data/pglite of a fresh clone)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickstream-pglite-thread-'));
    const path = join(dir, 'data', 'pglite');
    try {
      const db = await PgliteThreadDriver.open({ path, loadDataDir: await pgliteTemplate() });
      try {
        assert.deepEqual(await db.query('select 1 as one'), [{ one: 1 }]);
      } finally {
        await db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers STORAGE_UNAVAILABLE once its thread is gone, and still closes', async () => {
    const db = await open();
    const pending = db.query('select pg_sleep(0.2)');
    await db.terminateThread();
    await assert.rejects(
      pending,
      (err) => err instanceof TickstreamError && err.code === ErrorCode.StorageUnavailable,
    );
    await assert.rejects(
      db.query('select 1'),
      (err) => err instanceof TickstreamError && err.code === ErrorCode.StorageUnavailable,
    );
    await db.close();
  });

  it('lets the process end once closed', () => {
    const script = `
      import { PgliteThreadDriver } from './src/storage/pglite-thread-driver.ts';
      const db = await PgliteThreadDriver.open({ path: 'memory://' });
      console.log(JSON.stringify(await db.query('select 2 as two')));
      await db.close();
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: new URL('../..', import.meta.url).pathname,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(child.status, 0, child.stderr);
    assert.match(child.stdout, /\[\{"two":2\}\]/);
  });
});
