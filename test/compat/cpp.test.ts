import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { Server } from '../../src/main.js';
import { login, testServer, type LogLines, type Session } from '../support/test-server.js';

/**
 * The C++/Java server's clients as their code makes the calls: its REST gateway
 * (`GET /api/v1/marketdata/{symbol}`, no credentials), timestamps its producers' nanoseconds.
 */
let server: Server & { logs: LogLines };
let admin: Session;
before(async () => {
  server = await testServer();
  admin = await login(server);
});
after(() => server.close());

describe('the C++/Java server REST gateway', () => {
  it('serves the current UTC day anonymously, timestamp in exact nanoseconds', async () => {
    const now = Date.now();
    const midnight = Math.floor(now / 86_400_000) * 86_400_000;
    const start = Math.max(midnight, now - 30_000);
    await server.app.inject({
      method: 'POST',
      url: '/api/prices/batch',
      headers: admin.headers,
      payload: [
        { symbol: 'DAY', price: 5, volume: 2, timestamp: start },
        { symbol: 'DAY', price: 7, volume: 1, timestamp: start + 1 },
        { symbol: 'DAY', price: 4, volume: 3, timestamp: start + 2 },
      ],
    });
    const res = await server.app.inject({ method: 'GET', url: '/api/v1/marketdata/DAY' });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^application\/json/);
    // The exact integer, beyond 2^53: read from the text, not through JSON.parse.
    assert.match(res.body, new RegExp(`"timestamp":${start + 2}000000}$`));
    assert.deepEqual(res.json(), {
      symbol: 'DAY',
      open: 5,
      high: 7,
      low: 4,
      close: 4,
      volume: 6,
      timestamp: (start + 2) * 1e6,
    });
  });

  it('answers an unknown symbol 200 {"error": "..."} as its gateway did', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/api/v1/marketdata/NONE' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { error: 'NOT_FOUND: Symbol not found: NONE' });
  });
});

describe('compat.cpp.anonymousReads false', () => {
  it('needs the reader role', async () => {
    const closed = await testServer({ compat: { cpp: { anonymousReads: false } } });
    try {
      assert.equal((await closed.app.inject({ method: 'GET', url: '/api/v1/marketdata/X' })).statusCode, 401);
    } finally {
      await closed.close();
    }
  });
});
