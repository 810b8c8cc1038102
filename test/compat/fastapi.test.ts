import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { InjectOptions, LightMyRequestResponse } from 'fastify';

import { nameSymbols, WELL_KNOWN_NAMES } from '../../src/compat/fastapi/default-names.js';
import { validateConfig } from '../../src/config.js';
import { startServer, type Server } from '../../src/main.js';
import { createLogger } from '../../src/observability/logger.js';
import { Metrics } from '../../src/observability/metrics.js';
import { pgliteTemplate } from '../../src/storage/pglite-template.test-support.js';
import {
  ADMIN_PASSWORD,
  LogLines,
  login,
  testServer,
  userWith,
  type Session,
} from '../support/test-server.js';

/**
 * The FastAPI price service's clients against tickstream (github.com/CXLD10/market-data-platform
 * at 0041d1e, "Phase 1"): the calls of its test_api.sh and README, only the base URL changed, with
 * no credentials (it had none), answers checked field by field against app/schemas.py.
 */

const FIVE = ['AAPL', 'GOOGL', 'MSFT', 'TSLA', 'AMZN'];
const isIsoTime = (value: unknown) => typeof value === 'string' && !Number.isNaN(Date.parse(value));

let server: Server & { logs: LogLines };
let admin: Session;
before(async () => {
  server = await testServer({ http: { loginRateLimitPerMinute: 10_000 } });
  admin = await login(server);
  // As the server does at start for the simulator's symbols (src/main.ts).
  await nameSymbols(server.storage.database.marketData.names, FIVE);
  const now = Date.now();
  const res = await inject({
    method: 'POST',
    url: '/api/prices/batch?ack=persisted',
    headers: admin.headers,
    payload: FIVE.map((symbol, i) => ({
      symbol,
      price: 100 + i * 50,
      volume: 1000 + i,
      timestamp: now - 1000,
    })),
  });
  assert.equal(res.statusCode, 200, res.body);
});
after(() => server.close());

const inject = (options: InjectOptions) => server.app.inject(options);
/** curl -s "${BASE_URL}…": no headers beyond curl's own. */
const curl = (url: string) =>
  inject({ method: 'GET', url, headers: { accept: '*/*', 'user-agent': 'curl/8.5.0' } });

/** PriceResponse {symbol: str, price: float, volume: float, timestamp: datetime}. */
function assertPriceResponse(res: LightMyRequestResponse, symbol: string): void {
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json<Record<string, unknown>>();
  assert.deepEqual(Object.keys(body).sort(), ['price', 'symbol', 'timestamp', 'volume']);
  assert.equal(body.symbol, symbol);
  assert.equal(typeof body.price, 'number');
  assert.equal(typeof body.volume, 'number');
  assert.ok(isIsoTime(body.timestamp));
}

describe('FastAPI price service: test_api.sh', () => {
  it('1. GET /health: HealthResponse {status: "healthy", service, database, timestamp}', async () => {
    const res = await curl('/health');
    assert.equal(res.statusCode, 200);
    const body = res.json<Record<string, unknown>>();
    assert.equal(body.status, 'healthy');
    assert.equal(typeof body.service, 'string');
    assert.equal(body.database, 'healthy');
    assert.ok(isIsoTime(body.timestamp));
  });

  it('2. GET /symbols: SymbolsListResponse, its five symbols with their names', async () => {
    const res = await curl('/symbols');
    assert.equal(res.statusCode, 200);
    const body = res.json<{ symbols: Array<Record<string, unknown>>; count: number }>();
    assert.equal(body.count, body.symbols.length);
    for (const symbol of FIVE) {
      const entry = body.symbols.find((s) => s.symbol === symbol);
      assert.ok(entry !== undefined, symbol);
      assert.deepEqual(Object.keys(entry).sort(), ['created_at', 'name', 'symbol']);
      assert.equal(entry.name, WELL_KNOWN_NAMES[symbol]);
      assert.ok(isIsoTime(entry.created_at));
    }
    assert.deepEqual(
      body.symbols.map((s) => s.symbol),
      [...body.symbols.map((s) => s.symbol as string)].sort(),
      'ordered by symbol',
    );
  });

  for (const symbol of ['AAPL', 'GOOGL', 'MSFT']) {
    it(`GET /price/latest?symbol=${symbol}: PriceResponse`, async () => {
      const res = await curl(`/price/latest?symbol=${symbol}`);
      assertPriceResponse(res, symbol);
      assert.equal(res.json<{ volume: number }>().volume, 1000 + FIVE.indexOf(symbol));
    });
  }
});

describe('FastAPI price service: errors as FastAPI answered them', () => {
  it('an unknown symbol: 404 {"detail": "Symbol … not found"}', async () => {
    const res = await curl('/price/latest?symbol=nope');
    assert.equal(res.statusCode, 404);
    assert.deepEqual(res.json(), { detail: 'Symbol nope not found' });
  });

  it('no symbol: 422 {"detail": [{type, loc, msg, input}]}', async () => {
    const res = await curl('/price/latest');
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [{ type: 'missing', loc: ['query', 'symbol'], msg: 'Field required', input: null }],
    });
  });

  it('a lower-case symbol is found, as its upper-casing query did', async () => {
    assertPriceResponse(await curl('/price/latest?symbol=tsla'), 'TSLA');
  });
});

describe('FastAPI price service: names and access', () => {
  it('a writer sets a display name with PUT /api/symbols/{symbol}; /symbols shows it', async () => {
    const writer = await userWith(server, 'writer', 'namer');
    const res = await inject({
      method: 'PUT',
      url: '/api/symbols/amzn',
      headers: writer.headers,
      payload: { name: 'Amazon.com, Inc.' },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json<{ symbol: string; name: string }>().name, 'Amazon.com, Inc.');
    const listed = (await curl('/symbols')).json<{ symbols: Array<{ symbol: string; name: string }> }>();
    assert.equal(listed.symbols.find((s) => s.symbol === 'AMZN')?.name, 'Amazon.com, Inc.');
    // Defaults never overwrite an operator's name.
    assert.equal(await nameSymbols(server.storage.database.marketData.names, ['AMZN', 'AAPL']), 0);
    // A symbol without ticks can be named; it is listed with its name, its price still 404.
    await inject({
      method: 'PUT',
      url: '/api/symbols/NVDA',
      headers: writer.headers,
      payload: { name: 'NVIDIA' },
    });
    const again = (await curl('/symbols')).json<{ symbols: Array<{ symbol: string; name: string }> }>();
    assert.equal(again.symbols.find((s) => s.symbol === 'NVDA')?.name, 'NVIDIA');
    assert.equal((await curl('/price/latest?symbol=NVDA')).statusCode, 404);
    // tickstream's own symbol list stays as it was: symbols with prices only.
    const own = await inject({ method: 'GET', url: '/api/symbols', headers: writer.headers });
    assert.equal(own.statusCode, 200);
    assert.ok(!own.json<Array<{ symbol: string }>>().some((s) => s.symbol === 'NVDA'));
  });

  it('anonymous reads stop at its two routes: tickstream’s own reads and every write need credentials', async () => {
    assert.equal((await curl('/api/prices')).statusCode, 401);
    assert.equal((await curl('/api/symbols')).statusCode, 401);
    assert.equal(
      (await inject({ method: 'POST', url: '/api/prices', payload: { symbol: 'AAPL', price: 1 } }))
        .statusCode,
      401,
    );
    assert.equal(
      (await inject({ method: 'PUT', url: '/api/symbols/AAPL', payload: { name: 'x' } })).statusCode,
      401,
    );
    const reader = await userWith(server, 'reader', 'fastapi-reader');
    assert.equal(
      (
        await inject({
          method: 'PUT',
          url: '/api/symbols/AAPL',
          headers: reader.headers,
          payload: { name: 'x' },
        })
      ).statusCode,
      403,
    );
  });
});

describe('FastAPI price service: configuration', () => {
  it('compat.fastapi.anonymousReads false: its reads need a reader; compat.fastapi.enabled false: they are gone', async () => {
    const closed = await testServer({ compat: { fastapi: { anonymousReads: false } } });
    try {
      assert.equal((await closed.app.inject({ method: 'GET', url: '/symbols' })).statusCode, 401);
      const session = await login(closed);
      const res = await closed.app.inject({ method: 'GET', url: '/symbols', headers: session.headers });
      assert.equal(res.statusCode, 200);
    } finally {
      await closed.close();
    }
    const off = await testServer({ compat: { fastapi: { enabled: false }, dotnet: { enabled: false } } });
    try {
      assert.equal((await off.app.inject({ method: 'GET', url: '/symbols' })).statusCode, 404);
      assert.equal(
        (await off.app.inject({ method: 'GET', url: '/price/latest?symbol=AAPL' })).statusCode,
        404,
      );
      // Without the .NET contract: tickstream's own issuer and no {message} beside the error.
      const session = await login(off);
      const claims = JSON.parse(Buffer.from(session.accessToken.split('.')[1]!, 'base64url').toString()) as {
        iss: string;
        unique_name?: string;
      };
      assert.equal(claims.iss, 'tickstream');
      assert.equal(claims.unique_name, undefined);
      const denied = await off.app.inject({ method: 'GET', url: '/api/prices' });
      assert.equal(denied.json<{ message?: string }>().message, undefined);
    } finally {
      await off.close();
    }
  });
});

describe('FastAPI price service: test_api.sh against a listening server with the simulator on', () => {
  it('answers its five calls over HTTP: health, the five named symbols, their latest prices', async () => {
    const config = validateConfig({
      dataDir: 'memory://',
      logLevel: 'warn',
      auth: { jwtSecret: 'test-secret-'.padEnd(48, 'x') },
      http: { host: '127.0.0.1', port: 0 },
      simulation: { enabled: true, symbols: FIVE, ticksPerSecond: 200 },
    });
    const running = await startServer(config, createLogger({ level: 'warn', destination: new LogLines() }), {
      env: { TICKSTREAM_ADMIN_PASSWORD: ADMIN_PASSWORD },
      ingestServers: false,
      storage: { loadDataDir: await pgliteTemplate() },
      metrics: new Metrics({ defaultMetrics: false }),
    });
    try {
      const BASE_URL = running.url;
      const curlJson = async (path: string) => {
        const res = await fetch(`${BASE_URL}${path}`);
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      // The simulator needs a moment for its first tick of every symbol.
      const deadline = Date.now() + 10_000;
      while (FIVE.some((symbol) => running.engine.stats(symbol) === undefined) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));

      const health = await curlJson('/health');
      assert.equal(health.status, 200);
      assert.deepEqual([health.body.status, health.body.database], ['healthy', 'healthy']);

      const symbols = await curlJson('/symbols');
      assert.equal(symbols.status, 200);
      assert.deepEqual(
        (symbols.body.symbols as Array<{ symbol: string; name: string }>).map((s) => [s.symbol, s.name]),
        [...FIVE].sort().map((symbol) => [symbol, WELL_KNOWN_NAMES[symbol]]),
      );
      assert.equal(symbols.body.count, 5);

      for (const symbol of ['AAPL', 'GOOGL', 'MSFT']) {
        const latest = await curlJson(`/price/latest?symbol=${symbol}`);
        assert.equal(latest.status, 200, JSON.stringify(latest.body));
        assert.equal(latest.body.symbol, symbol);
        assert.ok((latest.body.price as number) > 0);
        assert.equal(typeof latest.body.volume, 'number');
        assert.ok(isIsoTime(latest.body.timestamp));
      }
    } finally {
      await running.close();
    }
  });
});
