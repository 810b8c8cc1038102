import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';

import { openDatabase } from '../storage/database.js';
import { pgliteTemplate } from '../storage/pglite-template.test-support.js';
import {
  createTestDatabase,
  postgresSkip,
  type TestDatabase,
} from '../storage/postgres-test-database.test-support.js';
import { migrate } from './migrate.js';

function output(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  return { stream, text: () => text };
}

const dirs: string[] = [];
let database: TestDatabase | undefined;
after(async () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  await database?.drop();
});

describe('tickstream migrate', () => {
  it('reports an up-to-date embedded database, and refuses one in use', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickstream-migrate-'));
    dirs.push(dir);
    // A migrated database (from the template, to skip initdb).
    await (await openDatabase({ dataDir: dir, loadDataDir: await pgliteTemplate() })).close();
    const out = output();
    await migrate({ dataDir: dir }, {}, out.stream);
    assert.match(out.text(), new RegExp(`^embedded database in ${dir}\n`));
    assert.match(out.text(), /0001 {2}market data: .*\(applied \d{4}-\d\d-\d\dT/);
    assert.match(out.text(), /schema at version 3: up to date\n$/);

    const open = await openDatabase({ dataDir: dir });
    try {
      await assert.rejects(migrate({ dataDir: dir }, {}, output().stream), {
        code: 'STORAGE_LOCKED',
        message: new RegExp(`in use by process ${process.pid}`),
      });
    } finally {
      await open.close();
    }
  });

  it('migrates a PostgreSQL server (DATABASE_URL) once', { skip: postgresSkip() }, async () => {
    database = await createTestDatabase();
    const first = output();
    await migrate({}, { DATABASE_URL: database.url }, first.stream);
    assert.match(first.text(), /^PostgreSQL postgres:\/\//);
    assert.match(first.text(), /0001 {2}market data: .*\(applied now\)/);
    assert.match(first.text(), /0002 {2}auth: .*\(applied now\)/);
    assert.match(first.text(), /0003 {2}symbols: display name {2}\(applied now\)/);
    assert.match(first.text(), /schema at version 3: 3 migration\(s\) applied\n$/);
    const second = output();
    await migrate({}, { DATABASE_URL: database.url }, second.stream);
    assert.match(second.text(), /schema at version 3: up to date\n$/);
  });

  it('fails with STORAGE_UNAVAILABLE when the server cannot be reached', async () => {
    await assert.rejects(
      migrate({}, { DATABASE_URL: 'postgres://nobody:secret@127.0.0.1:1/none' }, output().stream),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'STORAGE_UNAVAILABLE');
        assert.doesNotMatch(err.message, /secret/);
        return true;
      },
    );
  });
});
