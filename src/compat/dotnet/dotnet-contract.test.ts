import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import Fastify from 'fastify';

import { dotnetContract } from './dotnet-contract.js';
import { DOTNET_ROUTES } from './policy.js';

/** An app with every route of the policy, `role` of one of them changed by `drift`. */
function app(drift?: { url: string; role: string | undefined }) {
  const instance = Fastify();
  dotnetContract(instance);
  for (const route of DOTNET_ROUTES) {
    const role = drift?.url === route.url ? drift.role : route.role;
    instance.route({
      method: route.method,
      url: route.url,
      config: role === undefined ? {} : { role: role as 'reader' },
      handler: async (_request, reply) =>
        reply
          .status(route.url === '/health' ? 200 : 404)
          .send({ error: { code: 'NOT_FOUND', message: 'gone' } }),
    });
  }
  return instance;
}

describe('the .NET contract', () => {
  it('adds {message} to the errors of its routes, and only to errors', async () => {
    const instance = app();
    const error = await instance.inject({ method: 'GET', url: '/api/prices/X/statistics' });
    assert.deepEqual(error.json(), { message: 'gone', error: { code: 'NOT_FOUND', message: 'gone' } });
    const ok = await instance.inject({ method: 'GET', url: '/health' });
    assert.deepEqual(ok.json(), { error: { code: 'NOT_FOUND', message: 'gone' } });
    await instance.close();
  });

  it('refuses a route whose access drifts from its policy', () => {
    assert.throws(
      () => app({ url: '/api/prices', role: 'reader' }),
      /POST \/api\/prices must need writer, not reader/,
    );
    assert.throws(() => app({ url: '/api/auth/login', role: 'reader' }), /must need no role/);
  });

  it('refuses to start without one of its routes', async () => {
    const instance = Fastify();
    dotnetContract(instance);
    instance.get('/health', async () => ({}));
    await assert.rejects(async () => instance.ready(), /\.NET contract: no route POST \/api\/auth\/register/);
    await instance.close().catch(() => undefined);
  });
});
