import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';

import { AccountStore } from '../auth/account-store.js';
import { digest } from '../auth/secrets.js';
import { openDatabase } from '../storage/database.js';
import { addKey, listKeys, removeKey } from './apikey.js';

class Lines extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'tickstream-apikey-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

describe('tickstream apikey', () => {
  it('registers an earlier key value (only its digest), lists it and revokes it', async () => {
    const out = new Lines();
    const io = { env: {}, out };
    await addKey({ dataDir, name: 'feeder', role: 'writer', key: 'dev-key-123' }, io);
    assert.match(out.text, /created API key \S+ \(feeder, writer, prefix dev-\)/);
    assert.doesNotMatch(out.text, /dev-key-123/, 'a registered key is never printed');
    await assert.rejects(
      addKey({ dataDir, name: 'x', role: 'boss', key: 'dev-key-456' }, io),
      /unknown role/,
    );
    await assert.rejects(addKey({ dataDir, name: 'x', role: 'reader', key: 'short' }, io), /--key/);

    const database = await openDatabase({ dataDir });
    let id: string;
    try {
      const record = await new AccountStore(database.driver).findApiKeyByHash(digest('dev-key-123'));
      assert.equal(record?.role, 'writer');
      id = record.id;
    } finally {
      await database.close();
    }
    const listed = new Lines();
    await listKeys({ dataDir }, { env: {}, out: listed });
    assert.match(listed.text, new RegExp(`^${id}  feeder  writer  dev-`));
    await removeKey(id, { dataDir }, io);
    const after = new Lines();
    await listKeys({ dataDir }, { env: {}, out: after });
    assert.match(after.text, /revoked/);
  });
});
