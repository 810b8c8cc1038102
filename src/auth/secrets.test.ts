import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { digest, jwtSecret, newApiKey, randomToken, sameDigest } from './secrets.js';
import { passwordProblem, verifyPassword, hashPassword } from './passwords.js';

describe('secrets', () => {
  it('makes distinct 256-bit tokens and keys, stored only as digests', () => {
    const a = randomToken();
    assert.equal(Buffer.from(a, 'base64url').length, 32);
    assert.notEqual(a, randomToken());
    const key = newApiKey();
    assert.match(key.key, /^tsk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/);
    assert.ok(key.key.startsWith(`tsk_${key.prefix}_`));
    assert.equal(key.hash, digest(key.key));
    assert.ok(sameDigest(key.hash, digest(key.key)));
    assert.ok(!sameDigest(key.hash, digest(a)));
  });

  it('generates the JWT secret once into the data directory, mode 0600, and refuses to in production', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickstream-secret-'));
    const first = jwtSecret({ configured: undefined, dataDir: dir, production: false });
    const second = jwtSecret({ configured: undefined, dataDir: dir, production: false });
    assert.deepEqual(second, first);
    assert.equal(statSync(join(dir, 'jwt-secret')).mode & 0o777, 0o600);
    assert.deepEqual(
      jwtSecret({ configured: 'c'.repeat(32), dataDir: dir, production: true }),
      new TextEncoder().encode('c'.repeat(32)),
    );
    assert.throws(
      () => jwtSecret({ configured: undefined, dataDir: dir, production: true }),
      /auth\.jwtSecret: required/,
    );
    // In-memory storage: a secret for this process only, nothing written (not even a "memory:" directory).
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const ephemeral = jwtSecret({ configured: undefined, dataDir: 'memory://', production: false });
      assert.equal(ephemeral.length, 64);
      assert.throws(() => statSync(join(dir, 'memory:')), /ENOENT/);
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('passwords', () => {
  it('hashes with argon2id and verifies; unknown users cost a verification too', async () => {
    const hash = await hashPassword('correct horse');
    assert.match(hash, /^\$argon2id\$/);
    assert.equal(await verifyPassword(hash, 'correct horse'), true);
    assert.equal(await verifyPassword(hash, 'wrong horse'), false);
    const started = performance.now();
    assert.equal(await verifyPassword(undefined, 'anything'), false);
    assert.ok(performance.now() - started > 1, 'an unknown user still pays for a hash');
    assert.equal(await verifyPassword('not a hash', 'x'), false);
  });

  it('takes 8 to 128 characters', () => {
    assert.match(passwordProblem('short') ?? '', /at least 8/);
    assert.equal(passwordProblem('x'.repeat(8)), undefined);
    assert.equal(passwordProblem('x'.repeat(128)), undefined);
    assert.match(passwordProblem('x'.repeat(129)) ?? '', /at most 128/);
  });
});
