import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { WebSocket } from 'ws';

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

describe('the C++/Java server live clients, without credentials', () => {
  let url: string;
  const t0 = Math.max(Math.floor(Date.now() / 86_400_000) * 86_400_000, Date.now() - 60_000);
  before(async () => {
    url = (await server.app.listen({ host: '127.0.0.1', port: 0 })).replace('http', 'ws');
    void server.engine.ingest([{ symbol: 'AAPL', price: 100, volume: 3, timestamp: t0 }], 'tcp', Date.now());
  });

  const frames = (socket: WebSocket): string[] => {
    const got: string[] = [];
    socket.on('message', (data: Buffer) => got.push(data.toString('utf8')));
    return got;
  };
  const until = async (check: () => boolean) => {
    const deadline = Date.now() + 5000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  it('ws_test.py: /ws/marketdata?symbol=AAPL sends {symbol, …, volume, timestamp} with ns', async () => {
    const socket = new WebSocket(`${url}/ws/marketdata?symbol=AAPL`);
    const got = frames(socket);
    await until(() => got.length >= 1);
    assert.match(got[0]!, new RegExp(`"timestamp":${t0}000000}$`));
    const data = JSON.parse(got[0]!) as { symbol: string; volume: number };
    assert.equal(data.symbol, 'AAPL');
    assert.ok(data.volume > 0, 'its script stops at the first message with volume > 0');
    socket.close();
  });

  it('measure_latency.py: STOMP 1.1 on /ws/websocket, CONNECT without credentials, /topic/market-data/AAPL', async () => {
    const socket = new WebSocket(`${url}/ws/websocket`);
    const got = frames(socket);
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send('CONNECT\naccept-version:1.1,1.0\nheart-beat:0,0\n\n\0');
    await until(() => got.length >= 1);
    assert.match(got[0]!, /^CONNECTED\n/);
    socket.send('SUBSCRIBE\nid:sub-0\ndestination:/topic/market-data/AAPL\n\n\0');
    await until(() => got.length >= 2);
    const [head, body] = got[1]!.split('\n\n', 2) as [string, string];
    assert.match(head, /^MESSAGE\n/);
    const data = JSON.parse(body.replace(/\0$/, '')) as { timestamp: string };
    assert.equal(data.timestamp, `${t0}000000`, 'its DTO had String timestamp; its script int()s it');
    // Anonymous STOMP reads only the earlier system's topics.
    socket.send('SUBSCRIBE\nid:sub-1\ndestination:/topic/ticks/AAPL\n\n\0');
    await until(() => got.some((f) => f.startsWith('ERROR')));
    socket.close();
  });

  it('SockJS clients: /ws/info', async () => {
    const res = await fetch(`${url.replace('ws', 'http')}/ws/info`, { headers: { origin: 'http://x.test' } });
    assert.equal(res.status, 200);
    const info = (await res.json()) as Record<string, unknown>;
    assert.equal(info.websocket, true);
    assert.equal(info.cookie_needed, false);
    assert.deepEqual(info.origins, ['*:*']);
    assert.equal(typeof info.entropy, 'number');
  });

  it('GraphQL marketData(symbol) answers anonymously, timestamp a ns string; other queries need credentials', async () => {
    const post = (query: string) =>
      server.app.inject({ method: 'POST', url: '/graphql', payload: { query } });
    const res = await post('{ marketData(symbol: "AAPL") { symbol open volume timestamp } }');
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), {
      data: { marketData: { symbol: 'AAPL', open: 100, volume: '3', timestamp: `${t0}000000` } },
    });
    const other = await post('{ symbols }');
    const errors = other.json<{ errors?: Array<{ extensions?: { code?: string } }> }>().errors;
    assert.equal(errors?.[0]?.extensions?.code, 'AUTH_REQUIRED');
  });
});
