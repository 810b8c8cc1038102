import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';

import createClient from 'openapi-fetch';

import { openapiDocument, openapiTypes, TYPES_FILE } from '../scripts/openapi.js';
import { ErrorCode } from '../src/errors.js';
import type { paths } from './support/openapi-types.js';
import { ADMIN_PASSWORD, testServer } from './support/test-server.js';

interface Operation {
  operationId?: string;
  summary?: string;
  security?: unknown[];
  responses: Record<string, unknown>;
}

describe('OpenAPI document', () => {
  let document: Record<string, unknown>;
  before(async () => {
    document = await openapiDocument();
  });

  it('describes every operation whole: operationId, summary, security, an error answer', () => {
    const paths = document.paths as Record<string, Record<string, Operation>>;
    const ids = new Set<string>();
    let operations = 0;
    for (const [path, item] of Object.entries(paths)) {
      assert.doesNotMatch(path, /^\/graphiql/, 'GraphiQL is a page, not an API operation');
      for (const [method, op] of Object.entries(item)) {
        operations++;
        const name = `${method.toUpperCase()} ${path}`;
        assert.ok(op.operationId !== undefined && !ids.has(op.operationId), `${name}: unique operationId`);
        ids.add(op.operationId);
        assert.ok(op.summary !== undefined && op.summary.length > 0, `${name}: summary`);
        assert.ok(Array.isArray(op.security), `${name}: security declared`);
        assert.ok(
          Object.keys(op.responses).some((status) => status.startsWith('4')),
          `${name}: an error answer`,
        );
        assert.ok(
          Object.keys(op.responses).some((status) => status.startsWith('2')),
          `${name}: a success answer`,
        );
      }
    }
    assert.ok(operations >= 30, `${operations} operations`);
    assert.ok(Array.isArray(document.servers) && document.servers.length > 0, 'servers');
  });

  it('open routes say so, the others name their credentials', () => {
    const paths = document.paths as Record<string, Record<string, Operation>>;
    assert.deepEqual(paths['/health']!.get!.security, []);
    assert.deepEqual(paths['/api/auth/login']!.post!.security, []);
    assert.deepEqual(paths['/api/prices']!.post!.security, [{ bearer: [] }, { apiKey: [] }]);
    assert.deepEqual(paths['/graphql']!.post!.security, [{ bearer: [] }, { apiKey: [] }]);
    assert.ok(paths['/api/prices']!.post!.responses['401'] !== undefined);
    assert.equal(paths['/health']!.get!.responses['401'], undefined);
  });

  it('the typed client’s types match the document (`npm run openapi` regenerates them)', async () => {
    assert.equal(readFileSync(TYPES_FILE, 'utf8'), await openapiTypes(document));
  });
});

describe('a client generated from the OpenAPI document', () => {
  let server: Awaited<ReturnType<typeof testServer>>;
  let client: ReturnType<typeof createClient<paths>>;
  before(async () => {
    server = await testServer({ http: { host: '127.0.0.1', port: 0 } });
    const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
    client = createClient<paths>({ baseUrl: url });
  });
  after(() => server.close());

  it('logs in, ingests, reads statistics and candles; errors carry their code', async () => {
    const login = await client.POST('/api/auth/login', {
      body: { username: 'admin', password: ADMIN_PASSWORD },
    });
    assert.equal(login.response.status, 200);
    const token = login.data?.accessToken;
    assert.ok(token !== undefined && token.length > 20);
    const headers = { authorization: `Bearer ${token}` };

    const ts = Date.UTC(2026, 0, 5, 10, 0, 0);
    const posted = await client.POST('/api/prices', {
      headers,
      body: { symbol: 'oas-1', price: 101.5, volume: 2, timestamp: ts },
    });
    assert.equal(posted.response.status, 200, JSON.stringify(posted.error));

    const stats = await client.GET('/api/prices/{symbol}', {
      headers,
      params: { path: { symbol: 'OAS-1' } },
    });
    assert.equal(stats.data?.symbol, 'OAS-1');
    assert.equal(stats.data?.currentPrice, 101.5);

    const candles = await client.GET('/api/prices/{symbol}/candles', {
      headers,
      params: { path: { symbol: 'OAS-1' }, query: { interval: '1m' } },
    });
    assert.equal(candles.response.status, 200);
    assert.equal(candles.data?.candles?.[0]?.open, 101.5);

    const anonymous = await client.GET('/api/prices/{symbol}', { params: { path: { symbol: 'OAS-1' } } });
    assert.equal(anonymous.response.status, 401);
    assert.equal(anonymous.error?.error.code, ErrorCode.AuthRequired);

    const bad = await client.POST('/api/prices', { headers, body: { symbol: 'OAS-1', price: -1 } });
    assert.equal(bad.response.status, 400);
    assert.equal(bad.error?.error.code, ErrorCode.TickRejected);
  });
});
