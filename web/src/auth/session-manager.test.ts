import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ApiError } from '../api/api-error';
import { FakeClock, settle } from '../test-support/fake-clock';
import { apiError, fakeFetch, json, MemoryStorage, type FakeRequest } from '../test-support/fake-fetch';
import { loadSession } from './session';
import { SESSION_ENDED_NOTICE, SessionManager } from './session-manager';

const user = {
  id: 7,
  username: 'ada',
  email: 'ada@example.com',
  firstName: 'Ada',
  lastName: null,
  role: 'reader',
};

/** `handler` answers what it wants to; everything else gets a fresh token response. */
type Handler = (request: FakeRequest) => Response | Promise<Response> | undefined;

function setup(handler: Handler = () => undefined) {
  const clock = new FakeClock();
  const storage = new MemoryStorage();
  let issued = 0;
  const tokens = () => {
    issued++;
    return json(200, {
      accessToken: `access-${issued}`,
      refreshToken: `refresh-${issued}`,
      expiresAt: new Date(clock.now() + 15 * 60_000).toISOString(),
      user,
    });
  };
  const { fetch, requests } = fakeFetch((request) => handler(request) ?? tokens());
  const manager = new SessionManager({ fetch, storage, clock });
  return { manager, clock, storage, requests, tokens };
}

describe('SessionManager', () => {
  it('signs in, keeps the session in storage and tells listeners', async () => {
    const t = setup((request) => {
      assert.equal(request.path, '/api/auth/login');
      assert.deepEqual(request.body, { username: 'ada', password: 'pw-12345' });
      return json(200, {
        accessToken: 'access-1',
        refreshToken: 'refresh-1',
        expiresAt: new Date(Date.UTC(2030, 0, 1)).toISOString(),
        user,
      });
    });
    let changes = 0;
    t.manager.subscribe(() => changes++);
    await t.manager.login('ada', 'pw-12345');
    assert.equal(t.manager.session?.accessToken, 'access-1');
    assert.equal(t.manager.session?.user.username, 'ada');
    assert.equal(loadSession(t.storage)?.refreshToken, 'refresh-1');
    assert.equal(changes, 1);
  });

  it('refreshes quietly a minute before the access token expires', async () => {
    let refreshes = 0;
    const t = setup((request) => {
      if (request.path === '/api/auth/refresh') {
        refreshes++;
        assert.deepEqual(request.body, { refreshToken: `refresh-${refreshes}` });
      }
      return undefined;
    });
    await t.manager.login('ada', 'pw');
    t.clock.advance(14 * 60_000 - 1);
    await settle();
    assert.equal(refreshes, 0);
    t.clock.advance(1);
    await settle();
    assert.equal(refreshes, 1);
    assert.equal(t.manager.session?.accessToken, 'access-2');
    t.clock.advance(14 * 60_000);
    await settle();
    assert.equal(refreshes, 2);
    assert.equal(t.manager.session?.refreshToken, 'refresh-3');
  });

  it('sends one refresh for many callers (the refresh token rotates)', async () => {
    let release: () => void = () => undefined;
    const t = setup((request) => {
      if (request.path === '/api/auth/refresh') {
        return new Promise<Response>((resolve) => (release = () => resolve(t.tokens())));
      }
      return undefined;
    });
    await t.manager.login('ada', 'pw');
    const results = [t.manager.refresh(), t.manager.refresh(), t.manager.renewAfterRejection('access-1')];
    await settle();
    release();
    const sessions = await Promise.all(results);
    assert.equal(t.requests.filter((r) => r.path === '/api/auth/refresh').length, 1);
    assert.deepEqual(
      sessions.map((s) => s?.accessToken),
      ['access-2', 'access-2', 'access-2'],
    );
  });

  it('does not refresh again for a token that was already replaced', async () => {
    const t = setup();
    await t.manager.login('ada', 'pw');
    await t.manager.refresh();
    const session = await t.manager.renewAfterRejection('access-1');
    assert.equal(session?.accessToken, 'access-2');
    assert.equal(t.requests.filter((r) => r.path === '/api/auth/refresh').length, 1);
  });

  it('ends the session when the refresh is refused', async () => {
    const t = setup((request) =>
      request.path === '/api/auth/refresh' ? apiError(401, 'REFRESH_TOKEN_INVALID') : undefined,
    );
    await t.manager.login('ada', 'pw');
    let changes = 0;
    t.manager.subscribe(() => changes++);
    assert.equal(await t.manager.refresh(), null);
    assert.equal(t.manager.session, null);
    assert.equal(t.manager.notice, SESSION_ENDED_NOTICE);
    assert.equal(loadSession(t.storage), null);
    assert.equal(changes, 1);
    assert.deepEqual(t.clock.pending(), []);
  });

  it('keeps the session while the server cannot be reached, and tries again', async () => {
    let down = true;
    const t = setup((request) => {
      if (request.path === '/api/auth/refresh' && down) throw new TypeError('fetch failed');
      return undefined;
    });
    await t.manager.login('ada', 'pw');
    await assert.rejects(
      t.manager.refresh(),
      (error: unknown) => error instanceof ApiError && error.isNetwork,
    );
    assert.equal(t.manager.session?.accessToken, 'access-1');
    assert.deepEqual(t.clock.pending(), [5000]);
    down = false;
    t.clock.advance(5000);
    await settle();
    assert.equal(t.manager.session?.accessToken, 'access-2');
  });

  it('refreshes before handing out a token that is about to expire', async () => {
    const t = setup();
    await t.manager.login('ada', 'pw');
    assert.equal(await t.manager.accessToken(), 'access-1');
    t.clock.jump(14 * 60_000 + 30_000); // asleep: the refresh timer has not run
    assert.equal(await t.manager.accessToken(), 'access-2');
    assert.equal(t.requests.filter((r) => r.path === '/api/auth/refresh').length, 1);
  });

  it('signs out: tells the server which refresh token to revoke and forgets the session', async () => {
    const t = setup();
    await t.manager.login('ada', 'pw');
    await t.manager.logout();
    const logout = t.requests.find((r) => r.path === '/api/auth/logout');
    assert.deepEqual(logout?.body, { refreshToken: 'refresh-1' });
    assert.equal(logout?.headers.authorization, 'Bearer access-1');
    assert.equal(t.manager.session, null);
    assert.equal(t.manager.notice, null);
    assert.equal(await t.manager.accessToken(), null);
  });

  it('reports a sign-up the server does not allow', async () => {
    const t = setup(() => apiError(403, 'REGISTRATION_DISABLED', 'self-registration is turned off'));
    await assert.rejects(
      t.manager.register({ username: 'bob', email: 'bob@example.com', password: 'long-enough' }),
      (error: unknown) =>
        error instanceof ApiError && error.status === 403 && error.code === 'REGISTRATION_DISABLED',
    );
    assert.equal(t.manager.session, null);
  });

  it('picks up a stored session on start', async () => {
    const first = setup();
    await first.manager.login('ada', 'pw');
    const again = new SessionManager({
      storage: first.storage,
      clock: first.clock,
      fetch: () => Promise.reject(new Error('unused')),
    });
    assert.equal(again.session?.accessToken, 'access-1');
    again.dispose();
  });
});
