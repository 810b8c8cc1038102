import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { decodeJwt } from 'jose';

import { DOTNET_ROLE_CLAIM } from '../../src/compat/dotnet/shapes.js';
import { DOTNET_ROUTES } from '../../src/compat/dotnet/policy.js';
import { validateConfig } from '../../src/config.js';
import { startServer, type Server } from '../../src/main.js';
import { createLogger } from '../../src/observability/logger.js';
import { Metrics } from '../../src/observability/metrics.js';
import { pgliteTemplate } from '../../src/storage/pglite-template.test-support.js';
import { ADMIN_PASSWORD, LogLines, login, testServer, userWith } from '../support/test-server.js';

/**
 * The .NET MarketDataSystem's clients against tickstream (github.com/yasserebrahimi/MarketDataSystem
 * at 03d8402): the calls of its integration tests (tests/MarketData.Tests.Integration/Api/*) and of
 * its docs/API.md, only the base URL changed, answers checked field by field against its DTOs
 * (src/MarketData.Application/DTOs). Operators migrating set auth.registrationRole to writer, as
 * its registration gave the `User` role, which may write (docs/compat.md).
 */

let server: Server & { logs: LogLines };
before(async () => {
  server = await testServer({
    http: { loginRateLimitPerMinute: 10_000 },
    auth: { jwtSecret: 'test-secret-'.padEnd(48, 'x'), registrationRole: 'writer' },
  });
});
after(() => server.close());

const inject = (options: InjectOptions) => server.app.inject(options);
/** As HttpClient.PostAsJsonAsync sends it: JSON, camelCase, nulls included. */
const postAsJson = (url: string, body: unknown, token?: string) =>
  inject({
    method: 'POST',
    url,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    payload: JSON.stringify(body),
  });
const get = (url: string, token?: string) =>
  inject({ method: 'GET', url, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isIsoTime = (value: unknown) => typeof value === 'string' && !Number.isNaN(Date.parse(value));

/** Its RegisterRequestDto as System.Text.Json serialises it: unset optional fields are null. */
function registerRequest(overrides: Record<string, unknown> = {}) {
  return {
    username: `testuser_${randomUUID()}`,
    email: `test_${randomUUID()}@example.com`,
    password: 'Test@123',
    firstName: null,
    lastName: null,
    ...overrides,
  };
}

/** AuthResponseDto {accessToken, refreshToken, expiresAt, user: UserDto}, field by field. */
function assertAuthResponse(
  res: LightMyRequestResponse,
  username: string,
): { accessToken: string; refreshToken: string } {
  const body = res.json<Record<string, unknown>>();
  assert.equal(typeof body.accessToken, 'string');
  assert.ok((body.accessToken as string).length > 0);
  assert.equal(typeof body.refreshToken, 'string');
  assert.ok((body.refreshToken as string).length > 0);
  assert.ok(isIsoTime(body.expiresAt), 'expiresAt is a date');
  assertUserDto(body.user, username);
  return body as { accessToken: string; refreshToken: string };
}

/** UserDto {id: Guid, username, email, firstName?, lastName?, role}. */
function assertUserDto(value: unknown, username: string): void {
  const user = value as Record<string, unknown>;
  assert.match(String(user.id), GUID);
  assert.equal(user.username, username);
  assert.equal(typeof user.email, 'string');
  for (const key of ['firstName', 'lastName'])
    assert.ok(user[key] === null || typeof user[key] === 'string', `${key} is a string or null`);
  assert.equal(typeof user.role, 'string');
}

/** Its error bodies: {"message": "..."}; tickstream's {"error": {code, message}} beside it. */
function assertMessage(res: LightMyRequestResponse): void {
  const body = res.json<{ message?: unknown; error?: { code?: unknown; message?: unknown } }>();
  assert.equal(typeof body.message, 'string', res.body);
  assert.ok((body.message as string).length > 0);
  assert.equal(body.message, body.error?.message);
  assert.equal(typeof body.error?.code, 'string');
}

async function registered(overrides: Record<string, unknown> = {}) {
  const request = registerRequest(overrides);
  const res = await postAsJson('/api/auth/register', request);
  assert.equal(res.statusCode, 201, res.body);
  return { request, ...assertAuthResponse(res, request.username) };
}

describe('.NET MarketDataSystem: HealthCheckIntegrationTests', () => {
  it('HealthCheck_ShouldReturnHealthy: 200 and the body contains "Healthy"', async () => {
    const res = await get('/health');
    assert.equal(res.statusCode, 200);
    assert.ok(res.body.includes('Healthy'), res.body);
    // Its UIResponseWriter report: status, totalDuration, entries with a status each.
    const body = res.json<{ totalDuration: string; entries: Record<string, { status: string }> }>();
    assert.match(body.totalDuration, /^\d\d:\d\d:\d\d\.\d{7}$/);
    assert.equal(body.entries.tickstream?.status, 'Healthy');
    assert.equal(body.entries.storage?.status, 'Healthy');
  });

  it('ReadyCheck_ShouldReturnHealthy: 200', async () => {
    assert.equal((await get('/health/ready')).statusCode, 200);
  });
});

describe('.NET MarketDataSystem: AuthControllerIntegrationTests and docs/API.md §3', () => {
  it('Register_ShouldReturn201_WhenValidRequest', async () => {
    const { request } = await registered({ firstName: 'Test', lastName: 'User' });
    const res = await postAsJson('/api/auth/login', {
      username: request.username,
      password: request.password,
    });
    const user = res.json<{ user: { firstName: string; lastName: string; email: string } }>().user;
    assert.deepEqual([user.firstName, user.lastName, user.email], ['Test', 'User', request.email]);
  });

  it('registers with null firstName and lastName, as System.Text.Json sends them', async () => {
    const { accessToken, request } = await registered();
    const me = await get('/api/auth/me', accessToken);
    assert.equal(me.statusCode, 200);
    assert.deepEqual(
      [me.json<{ firstName: unknown }>().firstName, me.json<{ lastName: unknown }>().lastName],
      [null, null],
    );
    assert.equal(me.json<{ username: string }>().username, request.username);
  });

  it('answers 409 with {message} for a taken username', async () => {
    const { request } = await registered();
    const again = await postAsJson('/api/auth/register', registerRequest({ username: request.username }));
    assert.equal(again.statusCode, 409);
    assertMessage(again);
  });

  it('answers 400 with {message} for a register body its validation refused', async () => {
    const res = await postAsJson('/api/auth/register', registerRequest({ email: 'not-an-email' }));
    assert.equal(res.statusCode, 400);
    assertMessage(res);
  });

  it('refuses a 6-character password it took (on purpose: tickstream wants 8): 400 with {message}', async () => {
    const res = await postAsJson('/api/auth/register', registerRequest({ password: 'Te@123' }));
    assert.equal(res.statusCode, 400);
    assertMessage(res);
  });

  it('Login_ShouldReturn200_WithValidCredentials', async () => {
    const { request } = await registered();
    const res = await postAsJson('/api/auth/login', {
      username: request.username,
      password: request.password,
    });
    assert.equal(res.statusCode, 200);
    assertAuthResponse(res, request.username);
  });

  it('Login_ShouldReturn401_WithInvalidCredentials, with {message}', async () => {
    const res = await postAsJson('/api/auth/login', { username: 'nonexistent', password: 'wrongpassword' });
    assert.equal(res.statusCode, 401);
    assertMessage(res);
  });

  it('does not have its seeded accounts admin/Admin@123 and demo/Demo@123 (on purpose)', async () => {
    for (const [username, password] of [
      ['admin', 'Admin@123'],
      ['demo', 'Demo@123'],
    ]) {
      const res = await postAsJson('/api/auth/login', { username, password });
      assert.equal(res.statusCode, 401, `${username} must not log in with the published password`);
    }
  });

  it('GetCurrentUser_ShouldReturn401_WithoutToken, with {message}', async () => {
    const res = await get('/api/auth/me');
    assert.equal(res.statusCode, 401);
    assertMessage(res);
  });

  it('GetCurrentUser_ShouldReturn200_WithValidToken', async () => {
    const { accessToken, request } = await registered();
    const res = await get('/api/auth/me', accessToken);
    assert.equal(res.statusCode, 200);
    assertUserDto(res.json(), request.username);
  });

  it('refreshes with {refreshToken}: 200 and a new pair; the old refresh token 401 with {message}', async () => {
    const { refreshToken, request } = await registered();
    const res = await postAsJson('/api/auth/refresh', { refreshToken });
    assert.equal(res.statusCode, 200);
    const next = assertAuthResponse(res, request.username);
    assert.notEqual(next.refreshToken, refreshToken);
    const reused = await postAsJson('/api/auth/refresh', { refreshToken });
    assert.equal(reused.statusCode, 401);
    assertMessage(reused);
  });

  it('change-password: 400 with {message} for a wrong current password; 200 (it answered 204) when right', async () => {
    const { accessToken, request } = await registered();
    const wrong = await postAsJson(
      '/api/auth/change-password',
      { currentPassword: 'Wrong@123', newPassword: 'NewSecurePass456!' },
      accessToken,
    );
    assert.equal(wrong.statusCode, 400);
    assertMessage(wrong);
    const ok = await postAsJson(
      '/api/auth/change-password',
      { currentPassword: request.password, newPassword: 'NewSecurePass456!' },
      accessToken,
    );
    // A success status, as its clients check; tickstream answers the new session's tokens (docs/compat.md).
    assert.equal(ok.statusCode, 200);
    assertAuthResponse(ok, request.username);
    const relogin = await postAsJson('/api/auth/login', {
      username: request.username,
      password: 'NewSecurePass456!',
    });
    assert.equal(relogin.statusCode, 200);
  });

  it('logout with no body and no content type, as its docs call it: 204, the refresh token dead', async () => {
    const { accessToken, refreshToken } = await registered();
    const res = await inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    assert.equal(res.statusCode, 204, res.body);
    assert.equal(res.body, '');
    assert.equal((await postAsJson('/api/auth/refresh', { refreshToken })).statusCode, 401);
    assert.equal((await get('/api/auth/me', accessToken)).statusCode, 401);
  });

  it('puts its JWT claims in the access token: unique_name, email, userId, jti, its issuer and audience, its role name', async () => {
    const { accessToken, request } = await registered();
    const claims = decodeJwt(accessToken);
    const me = (await get('/api/auth/me', accessToken)).json<{ id: string }>();
    assert.equal(claims.iss, 'MarketDataAPI');
    assert.equal(claims.aud, 'MarketDataClients');
    assert.equal(claims.sub, me.id);
    assert.equal(claims.userId, me.id);
    assert.equal(claims.unique_name, request.username);
    assert.equal(claims.username, request.username);
    assert.equal(claims.email, request.email);
    assert.match(String(claims.jti), GUID);
    assert.notEqual(
      decodeJwt(
        (
          await postAsJson('/api/auth/login', { username: request.username, password: request.password })
        ).json<{ accessToken: string }>().accessToken,
      ).jti,
      claims.jti,
    );
    assert.equal(claims[DOTNET_ROLE_CLAIM], 'User', 'a writer is its User');
    assert.equal(typeof claims.exp, 'number');
  });
});

describe('.NET MarketDataSystem: PricesControllerIntegrationTests and docs/API.md §4–7', () => {
  let token: string;
  before(async () => {
    token = (await registered()).accessToken;
  });

  it('ProcessUpdate_ShouldReturn200_WhenValidCommand: PriceUpdateResultDto', async () => {
    const timestamp = new Date().toISOString();
    const res = await postAsJson('/api/prices', { symbol: 'AAPL', price: 150.5, timestamp }, token);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json<Record<string, unknown>>();
    assert.equal(body.symbol, 'AAPL');
    assert.equal(body.price, 150.5);
    assert.equal(body.timestamp, timestamp);
    assert.ok(isIsoTime(body.processedAt));
    assert.equal(body.success, true);
    assert.equal(typeof body.message, 'string');
  });

  it('its test posted without a token and expected 200: a write needs credentials here, as in its controller (on purpose)', async () => {
    const res = await postAsJson('/api/prices', {
      symbol: 'AAPL',
      price: 150.5,
      timestamp: new Date().toISOString(),
    });
    assert.equal(res.statusCode, 401);
    assertMessage(res);
  });

  it('ProcessUpdate_ShouldReturn400_WhenInvalidPrice, with {message}', async () => {
    const res = await postAsJson(
      '/api/prices',
      { symbol: 'AAPL', price: -10, timestamp: new Date().toISOString() },
      token,
    );
    assert.equal(res.statusCode, 400);
    assertMessage(res);
  });

  it('refuses a late tick, which it processed (on purpose: candles and the spike window only move forward)', async () => {
    const now = Date.now();
    const first = await postAsJson(
      '/api/prices',
      { symbol: 'LATE', price: 10, timestamp: new Date(now).toISOString() },
      token,
    );
    assert.equal(first.statusCode, 200);
    const late = await postAsJson(
      '/api/prices',
      { symbol: 'LATE', price: 10.1, timestamp: new Date(now - 5000).toISOString() },
      token,
    );
    assert.equal(late.statusCode, 422);
    assertMessage(late);
    assert.equal(late.json<{ error: { reason: string } }>().error.reason, 'late');
  });

  it('GetStatistics_ShouldReturn404_ForNonExistentSymbol, with {message}', async () => {
    const res = await get('/api/prices/NONEXISTENT/statistics', token);
    assert.equal(res.statusCode, 404);
    assertMessage(res);
  });

  it('GET /api/prices/{symbol}/statistics and GET /api/prices: SymbolStatisticsDto', async () => {
    const one = await get('/api/prices/AAPL/statistics', token);
    assert.equal(one.statusCode, 200);
    const all = await get('/api/prices', token);
    assert.equal(all.statusCode, 200);
    const list = all.json<Array<Record<string, unknown>>>();
    assert.ok(Array.isArray(list));
    for (const dto of [one.json<Record<string, unknown>>(), list.find((s) => s.symbol === 'AAPL')!]) {
      assert.equal(dto.symbol, 'AAPL');
      for (const key of ['currentPrice', 'movingAverage', 'minPrice', 'maxPrice', 'changeFromAverage'])
        assert.equal(typeof dto[key], 'number', key);
      assert.ok(Number.isInteger(dto.updateCount));
      assert.ok(isIsoTime(dto.lastUpdateTime));
    }
  });

  it('GET /api/anomalies?symbol=&take=: PriceAnomalyDto fields, severity Medium|High|Critical', async () => {
    const t0 = Date.now() - 10_000;
    for (const [price, dt] of [
      [100, 0],
      [103, 100],
      [110, 5000],
      [119, 5100],
    ] as const) {
      const res = await postAsJson(
        '/api/prices',
        { symbol: 'SPIKE', price, timestamp: new Date(t0 + dt).toISOString() },
        token,
      );
      assert.equal(res.statusCode, 200, res.body);
    }
    const res = await get('/api/anomalies?symbol=SPIKE&take=10', token);
    assert.equal(res.statusCode, 200);
    const list = res.json<Array<Record<string, unknown>>>();
    assert.deepEqual(
      list.map((a) => [a.symbol, a.oldPrice, a.newPrice, a.severity, a.detectedAt]),
      [
        ['SPIKE', 110, 119, 'Critical', new Date(t0 + 5100).toISOString()],
        ['SPIKE', 100, 103, 'Medium', new Date(t0 + 100).toISOString()],
      ],
    );
    assert.deepEqual(
      list.map((a) => a.changePercent),
      [((119 - 110) / 110) * 100, 3],
    );
    assert.equal((await get('/api/anomalies?symbol=SPIKE&take=1', token)).json<unknown[]>().length, 1);
  });

  it('GET /api/metrics: its ProcessingStatistics fields', async () => {
    const res = await get('/api/metrics', token);
    assert.equal(res.statusCode, 200);
    const body = res.json<Record<string, unknown>>();
    for (const key of ['totalProcessed', 'anomaliesDetected', 'activeSymbols', 'queueSize'])
      assert.ok(Number.isInteger(body[key]), key);
    assert.equal(typeof body.throughputPerSecond, 'number');
  });
});

describe('.NET MarketDataSystem: roles and access', () => {
  it('keeps each route’s access as it was (src/compat/dotnet/policy.ts): anonymous calls 401 where it needed a user', async () => {
    for (const route of DOTNET_ROUTES) {
      const url = route.url.replace(':symbol', 'AAPL');
      const res = await inject({
        method: route.method as 'GET' | 'POST',
        url,
        ...(route.method === 'POST' ? { payload: {} } : {}),
      });
      if (route.role === undefined) assert.notEqual(res.statusCode, 401, `${route.method} ${url}`);
      else {
        assert.equal(res.statusCode, 401, `${route.method} ${url}`);
        assertMessage(res);
      }
    }
  });

  it('a reader (tickstream’s default registration role) may read but not write: 403 with {message}', async () => {
    // Registration here gives writers (auth.registrationRole): make this one a reader.
    const writer = await userWith(server, 'writer', 'dotnet-reader');
    const admin = await login(server);
    const me = (await get('/api/auth/me', writer.accessToken)).json<{ id: string }>();
    const patched = await inject({
      method: 'PATCH',
      url: `/api/auth/users/${me.id}`,
      headers: admin.headers,
      payload: { role: 'reader' },
    });
    assert.equal(patched.statusCode, 200, patched.body);
    const reader = await login(server, 'dotnet-reader', 'password-123');
    assert.equal(decodeJwt(reader.accessToken)[DOTNET_ROLE_CLAIM], 'Reader');
    assert.equal((await get('/api/prices', reader.accessToken)).statusCode, 200);
    const res = await postAsJson(
      '/api/prices',
      { symbol: 'AAPL', price: 151, timestamp: new Date().toISOString() },
      reader.accessToken,
    );
    assert.equal(res.statusCode, 403);
    assertMessage(res);
  });

  it('an admin is its Admin', async () => {
    const admin = await login(server);
    assert.equal(decodeJwt(admin.accessToken)[DOTNET_ROLE_CLAIM], 'Admin');
  });
});

describe('.NET MarketDataSystem: over HTTP, as HttpClient calls a listening server', () => {
  it('health, register, an anonymous write refused with {message}, a price, logout without a body', async () => {
    const config = validateConfig({
      dataDir: 'memory://',
      logLevel: 'warn',
      auth: { jwtSecret: 'test-secret-'.padEnd(48, 'x'), registrationRole: 'writer' },
      http: { host: '127.0.0.1', port: 0 },
      simulation: { enabled: false },
    });
    const running = await startServer(config, createLogger({ level: 'warn', destination: new LogLines() }), {
      env: { TICKSTREAM_ADMIN_PASSWORD: ADMIN_PASSWORD },
      ingestServers: false,
      storage: { loadDataDir: await pgliteTemplate() },
      metrics: new Metrics({ defaultMetrics: false }),
    });
    try {
      const base = running.url;
      const json = { 'content-type': 'application/json; charset=utf-8' };
      const health = await fetch(`${base}/health`);
      assert.equal(health.status, 200);
      assert.ok((await health.text()).includes('Healthy'));

      const request = registerRequest();
      const registered = await fetch(`${base}/api/auth/register`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify(request),
      });
      assert.equal(registered.status, 201);
      const { accessToken } = (await registered.json()) as { accessToken: string };

      const anonymous = await fetch(`${base}/api/prices`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ symbol: 'AAPL', price: 150.5, timestamp: new Date().toISOString() }),
      });
      assert.equal(anonymous.status, 401);
      const refused = (await anonymous.json()) as { message: string; error: { code: string } };
      assert.deepEqual([typeof refused.message, refused.error.code], ['string', 'AUTH_REQUIRED']);

      const bearer = { authorization: `Bearer ${accessToken}` };
      const price = await fetch(`${base}/api/prices`, {
        method: 'POST',
        headers: { ...json, ...bearer },
        body: JSON.stringify({ symbol: 'AAPL', price: 150.5, timestamp: new Date().toISOString() }),
      });
      assert.equal(price.status, 200);
      assert.equal(((await price.json()) as { success: boolean }).success, true);

      const logout = await fetch(`${base}/api/auth/logout`, { method: 'POST', headers: bearer });
      assert.equal(logout.status, 204);
      assert.equal((await fetch(`${base}/api/auth/me`, { headers: bearer })).status, 401);
    } finally {
      await running.close();
    }
  });
});
