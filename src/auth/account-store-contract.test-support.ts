import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { Database } from '../storage/database.js';
import { ErrorCode } from '../errors.js';
import { AccountStore } from './account-store.js';

/**
 * The storage contract suite of accounts: users, refresh tokens and API keys (STYLE: one suite,
 * every adapter; market data's part is ../storage/market-data-contract.test-support.ts). `open`
 * gives a fresh, migrated database; the suite shares it between its tests, which keep apart by
 * name.
 */
export function accountStoreContract(
  name: string,
  open: () => Promise<Database>,
  skip: string | false = false,
): void {
  describe(`Account store contract: ${name}`, { skip }, () => {
    let database: Database;
    let accounts: AccountStore;
    before(async () => {
      database = await open();
      accounts = new AccountStore(database.driver);
    });
    after(async () => {
      await database?.close();
    });

    const user = (n: string) => ({
      id: `user-${n}`,
      username: `User${n}`,
      email: `user${n}@example.com`,
      passwordHash: `hash-${n}`,
      firstName: 'Ada',
      lastName: null,
      role: 'reader' as const,
    });

    it('creates, finds (any letter case), lists and updates users', async () => {
      const before = await accounts.countUsers();
      const created = await accounts.createUser(user('1'));
      assert.equal(created.username, 'User1');
      assert.equal(created.active, true);
      assert.ok(Math.abs(created.createdAt - Date.now()) < 60_000);
      assert.equal(await accounts.countUsers(), before + 1);
      assert.deepEqual(await accounts.findUserByUsername('user1'), created);
      assert.deepEqual(await accounts.findUserById('user-1'), created);
      assert.equal(await accounts.findUserByUsername('nobody'), undefined);
      assert.equal(await accounts.findUserById('nobody'), undefined);
      await accounts.updateUserRole('user-1', 'admin');
      await accounts.setUserActive('user-1', false);
      await accounts.updatePasswordHash('user-1', 'hash-new');
      const updated = await accounts.findUserById('user-1');
      assert.equal(updated?.role, 'admin');
      assert.equal(updated?.active, false);
      assert.equal(updated?.passwordHash, 'hash-new');
      await accounts.createUser({ ...user('2'), active: false });
      const ids = (await accounts.listUsers()).map((u) => u.id);
      assert.ok(ids.indexOf('user-1') < ids.indexOf('user-2'));
    });

    it('refuses a taken username or email, in any letter case, with CONFLICT', async () => {
      await accounts.createUser(user('3'));
      await assert.rejects(accounts.createUser({ ...user('4'), username: 'USER3' }), {
        code: ErrorCode.Conflict,
        message: /username/,
      });
      await assert.rejects(accounts.createUser({ ...user('4'), email: 'User3@Example.com' }), {
        code: ErrorCode.Conflict,
        message: /email/,
      });
      await assert.rejects(accounts.createUser({ ...user('4'), id: 'user-3' }), { code: ErrorCode.Conflict });
    });

    it('deletes a user by username in any letter case, with their refresh tokens', async () => {
      await accounts.createUser(user('9'));
      await accounts.insertRefreshToken({
        tokenHash: 't9',
        userId: 'user-9',
        familyId: 'f9',
        expiresAt: Date.now() + 60_000,
      });
      assert.equal(await accounts.deleteUserByUsername('USER9'), true);
      assert.equal(await accounts.findUserById('user-9'), undefined);
      assert.equal(await accounts.findRefreshToken('t9'), undefined);
      assert.equal(await accounts.deleteUserByUsername('user9'), false);
    });

    it('rotates, revokes and expires refresh tokens', async () => {
      await accounts.createUser(user('5'));
      const expiresAt = Date.now() + 86_400_000;
      await accounts.insertRefreshToken({ tokenHash: 't1', userId: 'user-5', familyId: 'f1', expiresAt });
      await accounts.insertRefreshToken({ tokenHash: 't2', userId: 'user-5', familyId: 'f1', expiresAt });
      await accounts.insertRefreshToken({ tokenHash: 't3', userId: 'user-5', familyId: 'f2', expiresAt });
      const t1 = await accounts.findRefreshToken('t1');
      assert.equal(t1?.expiresAt, expiresAt);
      assert.equal(t1?.usedAt, null);
      assert.equal(await accounts.markRefreshTokenUsed('t1', 't2'), true);
      assert.equal(await accounts.markRefreshTokenUsed('t1', 't9'), false, 'a token rotates once');
      const used = await accounts.findRefreshToken('t1');
      assert.equal(used?.replacedBy, 't2');
      assert.ok(used?.usedAt !== null);
      await accounts.revokeRefreshFamily('f1');
      assert.ok((await accounts.findRefreshToken('t2'))?.revokedAt !== null);
      assert.equal((await accounts.findRefreshToken('t3'))?.revokedAt, null);
      assert.equal(await accounts.markRefreshTokenUsed('t2', 't9'), false, 'a revoked token does not rotate');
      await accounts.revokeUserRefreshTokens('user-5');
      assert.ok((await accounts.findRefreshToken('t3'))?.revokedAt !== null);
      assert.equal(await accounts.findRefreshToken('nope'), undefined);
      await accounts.insertRefreshToken({
        tokenHash: 't4',
        userId: 'user-5',
        familyId: 'f3',
        expiresAt: 1000,
      });
      assert.ok((await accounts.deleteExpiredRefreshTokens(Date.now())) >= 1);
      assert.equal(await accounts.findRefreshToken('t4'), undefined);
    });

    it('keeps API keys: find by hash, list, touch, revoke', async () => {
      await accounts.createUser(user('6'));
      const key = await accounts.insertApiKey({
        id: 'k1',
        name: 'feed',
        prefix: 'ts_abc',
        keyHash: 'h1',
        role: 'writer',
        createdBy: 'user-6',
      });
      assert.equal(key.lastUsedAt, null);
      assert.equal(key.revokedAt, null);
      assert.deepEqual(await accounts.findApiKeyByHash('h1'), key);
      assert.equal(await accounts.findApiKeyByHash('h2'), undefined);
      await assert.rejects(
        accounts.insertApiKey({
          id: 'k2',
          name: 'x',
          prefix: 'p',
          keyHash: 'h1',
          role: 'reader',
          createdBy: null,
        }),
        { code: ErrorCode.Conflict },
      );
      await accounts.touchApiKey('k1', 1_700_000_000_123);
      assert.equal((await accounts.findApiKeyByHash('h1'))?.lastUsedAt, 1_700_000_000_123);
      assert.equal(await accounts.revokeApiKey('k1'), true);
      const revokedAt = (await accounts.findApiKeyByHash('h1'))?.revokedAt;
      assert.ok(typeof revokedAt === 'number');
      assert.equal(await accounts.revokeApiKey('k1'), true);
      assert.equal((await accounts.findApiKeyByHash('h1'))?.revokedAt, revokedAt, 'first revocation kept');
      assert.equal(await accounts.revokeApiKey('nope'), false);
      assert.ok((await accounts.listApiKeys()).some((k) => k.id === 'k1'));
    });
  });
}
