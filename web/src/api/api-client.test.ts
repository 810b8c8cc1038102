import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { SessionManager } from '../auth/session-manager';
import { FakeClock } from '../test-support/fake-clock';
import { apiError, fakeFetch, json, MemoryStorage, type FakeRequest } from '../test-support/fake-fetch';
import { ApiClient, withQuery } from './api-client';
import { ApiError } from './api-error';

const user = {
  id: 1,
  username: 'ada',
  email: 'a@example.com',
  firstName: null,
  lastName: null,
  role: 'reader',
};

async function signedIn(handler: (request: FakeRequest) => Response | undefined) {
  const clock = new FakeClock();
  let issued = 0;
  const { fetch, requests } = fakeFetch((request) => {
    const answer = handler(request);
    if (answer) return answer;
    issued++;
    return json(200, {
      accessToken: `access-${issued}`,
      refreshToken: `refresh-${issued}`,
      expiresAt: new Date(clock.now() + 900_000).toISOString(),
      user,
    });
  });
  const session = new SessionManager({ fetch, storage: new MemoryStorage(), clock });
  await session.login('ada', 'pw');
  return { api: new ApiClient(session, fetch), session, requests };
}

describe('withQuery', () => {
  it('adds the parameters that have a value', () => {
    assert.equal(withQuery('/api/anomalies'), '/api/anomalies');
    assert.equal(
      withQuery('/api/prices/BTC-USD/candles', {
        interval: '1m',
        limit: 500,
        from: undefined,
        to: null,
        x: '',
      }),
      '/api/prices/BTC-USD/candles?interval=1m&limit=500',
    );
    assert.equal(withQuery('/p', { symbol: 'A&B' }), '/p?symbol=A%26B');
  });
});

describe('ApiClient', () => {
  it('sends the bearer token and returns the body', async () => {
    const { api, requests } = await signedIn((request) =>
      request.path.startsWith('/api/metrics') ? json(200, { totalProcessed: 5 }) : undefined,
    );
    assert.deepEqual(await api.get('/api/metrics'), { totalProcessed: 5 });
    assert.equal(requests.at(-1)?.headers.authorization, 'Bearer access-1');
  });

  it('refreshes after a 401 and retries once with the new token', async () => {
    const { api, requests } = await signedIn((request) => {
      if (request.path !== '/api/prices') return undefined;
      return request.headers.authorization === 'Bearer access-1'
        ? apiError(401, 'TOKEN_EXPIRED')
        : json(200, [{ symbol: 'AAPL' }]);
    });
    assert.deepEqual(await api.get('/api/prices'), [{ symbol: 'AAPL' }]);
    assert.deepEqual(
      requests.map((r) => `${r.path} ${r.headers.authorization ?? ''}`.trim()),
      ['/api/auth/login', '/api/prices Bearer access-1', '/api/auth/refresh', '/api/prices Bearer access-2'],
    );
  });

  it('gives up with the 401 when the session cannot be renewed, and the session ends', async () => {
    const { api, session } = await signedIn((request) => {
      if (request.path === '/api/auth/refresh') return apiError(401, 'REFRESH_TOKEN_INVALID');
      if (request.path === '/api/prices') return apiError(401, 'TOKEN_INVALID', 'bad token');
      return undefined;
    });
    await assert.rejects(api.get('/api/prices'), (error: unknown) => {
      return error instanceof ApiError && error.status === 401 && error.code === 'TOKEN_INVALID';
    });
    assert.equal(session.session, null);
  });

  it('turns error bodies, bare statuses and network failures into ApiErrors', async () => {
    const { api } = await signedIn((request) => {
      if (request.path === '/api/prices/NOPE') return apiError(404, 'SYMBOL_NOT_FOUND', 'no such symbol');
      if (request.path === '/api/teapot')
        return new Response('<html>', { status: 502, statusText: 'Bad Gateway' });
      if (request.path === '/api/offline') throw new TypeError('fetch failed');
      return undefined;
    });
    await assert.rejects(api.get('/api/prices/NOPE'), {
      name: 'ApiError',
      status: 404,
      code: 'SYMBOL_NOT_FOUND',
      message: 'no such symbol',
    });
    await assert.rejects(api.get('/api/teapot'), { status: 502, code: 'HTTP_502', message: 'Bad Gateway' });
    await assert.rejects(
      api.get('/api/offline'),
      (error: unknown) => error instanceof ApiError && error.isNetwork,
    );
  });

  it('refuses to call without a session', async () => {
    const { api, session } = await signedIn(() => undefined);
    await session.logout();
    await assert.rejects(api.get('/api/prices'), { status: 401 });
  });
});
