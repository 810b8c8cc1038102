import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';

import { verifyPassword } from '../auth/passwords.js';
import { AccountStore } from '../auth/account-store.js';
import { openDatabase } from '../storage/database.js';
import { pgliteTemplate } from '../storage/pglite-template.test-support.js';
import { addUser, deleteUser, importUsers, listUsers, setPassword, type UserCommandIo } from './user.js';

function io(stdin?: string): UserCommandIo & { text: () => string } {
  let text = '';
  const out = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  return {
    env: {},
    out,
    ...(stdin === undefined ? {} : { stdin: Readable.from([stdin]) }),
    text: () => text,
  };
}

let dir: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tickstream-user-'));
  // A migrated database (from the template, to skip initdb).
  await (await openDatabase({ dataDir: dir, loadDataDir: await pgliteTemplate() })).close();
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function stored(username: string) {
  const database = await openDatabase({ dataDir: dir });
  try {
    return await new AccountStore(database.driver).findUserByUsername(username);
  } finally {
    await database.close();
  }
}

describe('tickstream user', () => {
  it('adds a user with a role by tickstream or .NET name, password from stdin or generated once', async () => {
    const first = io('first-password-1\nignored\n');
    await addUser(
      'alice',
      { dataDir: dir, email: 'Alice@Example.com', role: 'User', passwordStdin: true },
      first,
    );
    assert.equal(first.text(), 'created alice (writer)\n');
    const alice = (await stored('alice'))!;
    assert.deepEqual([alice.email, alice.role], ['alice@example.com', 'writer']);
    assert.ok(await verifyPassword(alice.passwordHash, 'first-password-1'));

    const second = io();
    await addUser('bob', { dataDir: dir, email: 'bob@example.com', role: 'admin' }, second);
    const generated = /password: (\S+)\n$/.exec(second.text())?.[1];
    assert.ok(generated !== undefined && generated.length >= 12, second.text());
    assert.ok(await verifyPassword((await stored('bob'))!.passwordHash, generated));

    await assert.rejects(addUser('carol', { dataDir: dir, email: 'c@example.com', role: 'boss' }, io()), {
      code: 'USAGE_INVALID',
    });
    await assert.rejects(addUser('ALICE', { dataDir: dir, email: 'x@example.com', role: 'reader' }, io()), {
      code: 'CONFLICT',
    });
    await assert.rejects(
      addUser(
        'dave',
        { dataDir: dir, email: 'd@example.com', role: 'reader', passwordStdin: true },
        io('short\n'),
      ),
      { code: 'USAGE_INVALID' },
    );
  });

  it('sets a password, lists users with their .NET role names, removes one', async () => {
    await setPassword('alice', { dataDir: dir, passwordStdin: true }, io('second-password-2\n'));
    assert.ok(await verifyPassword((await stored('alice'))!.passwordHash, 'second-password-2'));
    const listed = io();
    await listUsers({ dataDir: dir }, listed);
    const lines = listed.text().trimEnd().split('\n');
    assert.match(lines[0]!, /^username\s+email\s+role\s+\.NET role\s+active$/);
    assert.ok(
      lines.some((l) => /^alice\s+alice@example\.com\s+writer\s+User\s+yes$/.test(l)),
      listed.text(),
    );
    assert.ok(
      lines.some((l) => /^bob\s+bob@example\.com\s+admin\s+Admin\s+yes$/.test(l)),
      listed.text(),
    );
    await deleteUser('BOB', { dataDir: dir }, io());
    assert.equal(await stored('bob'), undefined);
    await assert.rejects(deleteUser('bob', { dataDir: dir }, io()), { code: 'NOT_FOUND' });
  });

  it('imports users with their roles from JSON: new ones created, existing ones get the role', async () => {
    const file = join(dir, 'users.json');
    writeFileSync(
      file,
      JSON.stringify([
        {
          username: 'ops',
          email: 'ops@example.com',
          role: 'Admin',
          password: 'ops-password-1',
          firstName: 'Op',
          lastName: null,
        },
        { username: 'feeder', email: 'feeder@example.com', role: 'User' },
        { username: 'alice', email: 'alice@example.com', role: 'reader' },
      ]),
    );
    const out = io();
    await importUsers(file, { dataDir: dir }, out);
    assert.match(
      out.text(),
      /^created ops \(admin\)\ncreated feeder \(writer\), password: \S+\nupdated alice \(reader\)\n2 created, 1 updated\n$/,
    );
    const ops = (await stored('ops'))!;
    assert.deepEqual([ops.role, ops.firstName, ops.lastName], ['admin', 'Op', null]);
    assert.ok(await verifyPassword(ops.passwordHash, 'ops-password-1'));
    assert.equal((await stored('alice'))!.role, 'reader');

    // A bad entry anywhere: nothing is written.
    writeFileSync(
      file,
      JSON.stringify([
        { username: 'eve', email: 'eve@example.com', role: 'writer' },
        { username: 'mallory', email: 'm@example.com', role: 'root' },
      ]),
    );
    await assert.rejects(importUsers(file, { dataDir: dir }, io()), { code: 'USAGE_INVALID' });
    assert.equal(await stored('eve'), undefined);
    writeFileSync(
      file,
      JSON.stringify([{ username: 'x', email: 'x@example.com', role: 'reader', hash: 'y' }]),
    );
    await assert.rejects(importUsers(file, { dataDir: dir }, io()), {
      code: 'USAGE_INVALID',
      message: /unknown field hash/,
    });
  });
});
