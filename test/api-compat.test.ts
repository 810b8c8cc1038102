import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { InjectOptions } from 'fastify';

import type { Server } from '../src/main.js';
import { login, testServer, type LogLines, type Session } from './support/test-server.js';

let server: Server & { logs: LogLines };
let admin: Session;
let apiKey: string;
before(async () => {
  server = await testServer({ http: { loginRateLimitPerMinute: 10_000 } });
  admin = await login(server);
  const created = await server.app.inject({
    method: 'POST',
    url: '/api/auth/api-keys',
    headers: admin.headers,
    payload: { name: 'webhook sender', role: 'writer' },
  });
  apiKey = created.json<{ key: string }>().key;
});
after(() => server.close());

const inject = (options: InjectOptions) => server.app.inject(options);
const now = Date.now();

describe('the FastAPI price service', () => {
  it('lists symbols and answers the latest price, 404 {detail} for an unknown one', async () => {
    await inject({
      method: 'POST',
      url: '/api/prices?ack=persisted',
      headers: { 'x-api-key': apiKey },
      payload: { symbol: 'FAST', price: 42.5, volume: 7, timestamp: now - 1000 },
    });
    const symbols = await inject({ method: 'GET', url: '/symbols' });
    const body = symbols.json<{
      symbols: Array<{ symbol: string; name: string; created_at: string }>;
      count: number;
    }>();
    assert.equal(body.count, body.symbols.length);
    const fast = body.symbols.find((s) => s.symbol === 'FAST');
    assert.ok(fast !== undefined && fast.name === 'FAST' && !Number.isNaN(Date.parse(fast.created_at)));

    const latest = await inject({ method: 'GET', url: '/price/latest?symbol=fast' });
    assert.deepEqual(latest.json(), {
      symbol: 'FAST',
      price: 42.5,
      volume: 7,
      timestamp: new Date(now - 1000).toISOString(),
    });
    const missing = await inject({ method: 'GET', url: '/price/latest?symbol=NOPE' });
    assert.equal(missing.statusCode, 404);
    assert.deepEqual(missing.json(), { detail: 'Symbol NOPE not found' });
  });
});
