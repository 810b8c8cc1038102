import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { AccessTokens } from '../src/auth/access-tokens.js';
import type { InjectOptions } from 'fastify';

import type { Server } from '../src/main.js';
import {
  ADMIN_PASSWORD,
  errorOf,
  login,
  testServer,
  userWith,
  type LogLines,
} from './support/test-server.js';

let server: Server & { logs: LogLines };
before(async () => {
  // Many logins from one address: the login limit is tested on a server of its own below.
  server = await testServer({ http: { loginRateLimitPerMinute: 10_000 } });
});
after(() => server.close());

const inject = (options: InjectOptions) => server.app.inject(options);

describe('accounts', () => {
  it('creates the first admin from TICKSTREAM_ADMIN_PASSWORD, who can log in', async () => {
    const session = await login(server);
    const me = await inject({ method: 'GET', url: '/api/auth/me', headers: session.headers });
    assert.equal(me.statusCode, 200);
    assert.deepEqual(me.json(), {
      id: me.json<{ id: string }>().id,
      username: 'admin',
      email: 'admin@localhost',
      firstName: null,
      lastName: null,
      role: 'admin',
      active: true,
    });
  });

  it('registers a reader, with a token response, and refuses taken usernames and emails with 409', async () => {
    const res = await inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { username: 'ann', email: 'Ann@Example.com', password: 'long enough', firstName: 'Ann' },
    });
    assert.equal(res.statusCode, 201);
    const body = res.json<{
      accessToken: string;
      refreshToken: string;
      expiresAt: string;
      user: Record<string, unknown>;
    }>();
    assert.equal(body.user.role, 'reader');
    assert.equal(body.user.email, 'ann@example.com');
    assert.equal(body.user.firstName, 'Ann');
    assert.ok(Date.parse(body.expiresAt) > Date.now() + 14 * 60_000);
    for (const payload of [
      { username: 'ann', email: 'other@example.com', password: 'long enough' },
      { username: 'ann2', email: 'ann@example.com', password: 'long enough' },
    ]) {
      const dup = await inject({ method: 'POST', url: '/api/auth/register', payload });
      assert.equal(dup.statusCode, 409, dup.body);
      assert.equal(errorOf(dup).code, 'CONFLICT');
    }
  });

  it('validates registration input', async () => {
    const bad = [
      { username: 'ab', email: 'x@example.com', password: 'long enough' },
      { username: 'x'.repeat(51), email: 'x@example.com', password: 'long enough' },
      { username: 'okname', email: 'not an email', password: 'long enough' },
      { username: 'okname', email: 'x@example.com', password: 'short' },
      { username: 'okname', email: 'x@example.com', password: 'x'.repeat(129) },
      { username: 'okname', email: 'x@example.com', password: 'long enough', role: 'admin' },
    ];
    for (const payload of bad) {
      const res = await inject({ method: 'POST', url: '/api/auth/register', payload });
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.equal(errorOf(res).code, 'BAD_REQUEST');
    }
  });

  it('answers every bad login the same way', async () => {
    const answers = [];
    for (const payload of [
      { username: 'admin', password: 'wrong password' },
      { username: 'nobody-here', password: 'whatever1' },
    ]) {
      const res = await inject({ method: 'POST', url: '/api/auth/login', payload });
      assert.equal(res.statusCode, 401);
      answers.push(res.json<unknown>());
    }
    assert.deepEqual(answers[0], answers[1]);
    // `message` beside the error: the .NET system's error shape on its routes (issue 11).
    assert.deepEqual(answers[0], {
      message: 'invalid username or password',
      error: { code: 'INVALID_CREDENTIALS', message: 'invalid username or password' },
    });
  });

  it('rotates refresh tokens, and a reused one revokes the whole session', async () => {
    const first = await login(server);
    const refreshed = await inject({
      method: 'POST',
      url: '/api/auth/refresh',
      payload: { refreshToken: first.refreshToken },
    });
    assert.equal(refreshed.statusCode, 200);
    const second = refreshed.json<{ accessToken: string; refreshToken: string }>();
    assert.notEqual(second.refreshToken, first.refreshToken);

    const reuse = await inject({
      method: 'POST',
      url: '/api/auth/refresh',
      payload: { refreshToken: first.refreshToken },
    });
    assert.equal(reuse.statusCode, 401);
    assert.equal(errorOf(reuse).code, 'TOKEN_INVALID');
    // The family is gone: the newest refresh token and its access token stop working too.
    const after = await inject({
      method: 'POST',
      url: '/api/auth/refresh',
      payload: { refreshToken: second.refreshToken },
    });
    assert.equal(after.statusCode, 401);
    const me = await inject({
      method: 'GET',
      url: '/api/auth/me',
      headers: { authorization: `Bearer ${second.accessToken}` },
    });
    assert.equal(me.statusCode, 401);
    assert.match(server.logs.lines.map((l) => l.msg).join('\n'), /refresh token reused; session revoked/);
  });

  it('logs out: the session ends, other sessions go on', async () => {
    const a = await login(server);
    const b = await login(server);
    const out = await inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: a.headers,
      payload: { refreshToken: a.refreshToken },
    });
    assert.equal(out.statusCode, 204);
    assert.equal((await inject({ method: 'GET', url: '/api/auth/me', headers: a.headers })).statusCode, 401);
    assert.equal(
      (await inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: a.refreshToken } }))
        .statusCode,
      401,
    );
    assert.equal((await inject({ method: 'GET', url: '/api/auth/me', headers: b.headers })).statusCode, 200);
  });

  it('changes a password: the old one stops working and other sessions end', async () => {
    const user = await userWith(server, 'reader', 'changer');
    const other = await login(server, 'changer', 'password-123');
    const wrong = await inject({
      method: 'POST',
      url: '/api/auth/change-password',
      headers: user.headers,
      payload: { currentPassword: 'nope-nope', newPassword: 'new-password-1' },
    });
    // 400 as the .NET system answered (issue 11): the caller is authenticated, the request is wrong.
    assert.equal(wrong.statusCode, 400);
    assert.equal(errorOf(wrong).code, 'BAD_REQUEST');
    const res = await inject({
      method: 'POST',
      url: '/api/auth/change-password',
      headers: user.headers,
      payload: { currentPassword: 'password-123', newPassword: 'new-password-1' },
    });
    assert.equal(res.statusCode, 200);
    const fresh = res.json<{ accessToken: string }>();
    assert.equal(
      (await inject({ method: 'GET', url: '/api/auth/me', headers: other.headers })).statusCode,
      401,
    );
    assert.equal(
      (
        await inject({
          method: 'POST',
          url: '/api/auth/refresh',
          payload: { refreshToken: other.refreshToken },
        })
      ).statusCode,
      401,
    );
    assert.equal(
      (
        await inject({
          method: 'GET',
          url: '/api/auth/me',
          headers: { authorization: `Bearer ${fresh.accessToken}` },
        })
      ).statusCode,
      200,
    );
    await assert.rejects(login(server, 'changer', 'password-123'));
    await login(server, 'changer', 'new-password-1');
  });
});

describe('tokens', () => {
  it('refuses missing, expired, tampered, foreign and alg:none tokens with 401', async () => {
    const session = await login(server);
    const [header, payload, signature] = session.accessToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    // Signed as the server signs (its issuer and audience are the .NET system's: compat.dotnet).
    const expired = await new AccessTokens(new TextEncoder().encode('test-secret-'.padEnd(48, 'x')), 1, {
      issuer: String(claims.iss),
      audience: String(claims.aud),
    }).issue(
      { id: String(claims.sub), username: 'admin', role: 'admin', sessionId: String(claims.sid) },
      Date.now() - 60_000,
    );
    const forged = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ ...claims, role: 'admin' })}`;
    const cases: Array<[string, Record<string, string>, string]> = [
      ['no credentials', {}, 'AUTH_REQUIRED'],
      [
        'a non-bearer scheme',
        { authorization: `Basic ${Buffer.from('admin:x').toString('base64')}` },
        'AUTH_REQUIRED',
      ],
      ['an expired token', { authorization: `Bearer ${expired.token}` }, 'TOKEN_EXPIRED'],
      [
        'a tampered payload',
        { authorization: `Bearer ${header}.${b64({ ...claims, username: 'root' })}.${signature}` },
        'TOKEN_INVALID',
      ],
      [
        'another key',
        {
          authorization: `Bearer ${forged}.${createHmac('sha256', 'guess').update(forged).digest('base64url')}`,
        },
        'TOKEN_INVALID',
      ],
      [
        'alg:none',
        { authorization: `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${payload}.` },
        'TOKEN_INVALID',
      ],
      ['garbage', { authorization: 'Bearer not.a.token' }, 'TOKEN_INVALID'],
    ];
    for (const [what, headers, code] of cases) {
      const res = await inject({ method: 'GET', url: '/api/prices', headers });
      assert.equal(res.statusCode, 401, what);
      assert.equal(errorOf(res).code, code, what);
    }
  });

  it('refuses a role that is too low with 403', async () => {
    const reader = await userWith(server, 'reader', 'just-reads');
    const res = await inject({
      method: 'POST',
      url: '/api/prices',
      headers: reader.headers,
      payload: { symbol: 'A', price: 1 },
    });
    assert.equal(res.statusCode, 403);
    assert.equal(errorOf(res).code, 'FORBIDDEN');
    assert.equal(
      (await inject({ method: 'GET', url: '/api/auth/users', headers: reader.headers })).statusCode,
      403,
    );
  });

  it('never logs the authorization header or a token in the query string', async () => {
    const session = await login(server);
    await inject({
      method: 'GET',
      url: `/api/prices?access_token=${session.accessToken}`,
      headers: session.headers,
    });
    const text = JSON.stringify(server.logs.lines);
    assert.ok(!text.includes(session.accessToken));
    assert.ok(!text.includes(ADMIN_PASSWORD));
    const line = server.logs.lines.findLast((l) => l.msg === 'request');
    assert.equal(line?.url, '/api/prices?access_token=[redacted]');
  });
});

describe('administration', () => {
  it('lists users, changes roles, deactivates (which ends their sessions)', async () => {
    const admin = await login(server);
    const victim = await userWith(server, 'writer', 'to-deactivate');
    const list = await inject({ method: 'GET', url: '/api/auth/users', headers: admin.headers });
    const id = list
      .json<Array<{ id: string; username: string; role: string }>>()
      .find((u) => u.username === 'to-deactivate')!.id;
    assert.equal(
      list.json<Array<{ username: string; role: string }>>().find((u) => u.username === 'to-deactivate')!
        .role,
      'writer',
    );
    const off = await inject({
      method: 'PATCH',
      url: `/api/auth/users/${id}`,
      headers: admin.headers,
      payload: { active: false },
    });
    assert.equal(off.json<{ active: boolean }>().active, false);
    assert.equal(
      (await inject({ method: 'GET', url: '/api/auth/me', headers: victim.headers })).statusCode,
      401,
    );
    await assert.rejects(login(server, 'to-deactivate', 'password-123'));
    const missing = await inject({
      method: 'PATCH',
      url: '/api/auth/users/nope',
      headers: admin.headers,
      payload: { role: 'reader' },
    });
    assert.equal(missing.statusCode, 404);
    const empty = await inject({
      method: 'PATCH',
      url: `/api/auth/users/${id}`,
      headers: admin.headers,
      payload: {},
    });
    assert.equal(empty.statusCode, 400);
  });

  it('creates API keys shown once and stored hashed, authenticates with them, and revokes them', async () => {
    const admin = await login(server);
    const created = await inject({
      method: 'POST',
      url: '/api/auth/api-keys',
      headers: admin.headers,
      payload: { name: 'feeder', role: 'writer' },
    });
    assert.equal(created.statusCode, 201);
    const key = created.json<{ id: string; key: string; prefix: string }>();
    assert.match(key.key, /^tsk_/);
    const listed = await inject({ method: 'GET', url: '/api/auth/api-keys', headers: admin.headers });
    const entry = listed.json<Array<Record<string, unknown>>>().find((k) => k.id === key.id)!;
    assert.equal(entry.key, undefined, 'the secret is never listed');
    assert.equal(entry.prefix, key.prefix);
    const stored = await server.accounts.findApiKeyByHash(
      (await import('../src/auth/secrets.js')).digest(key.key),
    );
    assert.ok(stored !== undefined && !JSON.stringify(stored).includes(key.key), 'only a digest is stored');

    const ok = await inject({
      method: 'POST',
      url: '/api/prices',
      headers: { 'x-api-key': key.key },
      payload: { symbol: 'KEY', price: 1 },
    });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(
      (await inject({ method: 'GET', url: '/api/auth/users', headers: { 'x-api-key': key.key } })).statusCode,
      403,
    );

    assert.equal(
      (await inject({ method: 'DELETE', url: `/api/auth/api-keys/${key.id}`, headers: admin.headers }))
        .statusCode,
      204,
    );
    const revoked = await inject({
      method: 'POST',
      url: '/api/prices',
      headers: { 'x-api-key': key.key },
      payload: { symbol: 'KEY', price: 1 },
    });
    assert.equal(revoked.statusCode, 401);
    assert.equal(
      (await inject({ method: 'DELETE', url: `/api/auth/api-keys/${key.id}x`, headers: admin.headers }))
        .statusCode,
      404,
    );
  });
});

describe('registration settings', () => {
  it('can be turned off, and can give another role', async () => {
    const closed = await testServer({
      auth: { jwtSecret: 'test-secret-'.padEnd(48, 'x'), registration: false },
    });
    try {
      const res = await closed.app.inject({
        method: 'POST',
        url: '/api/auth/register',
        payload: { username: 'someone', email: 's@example.com', password: 'long enough' },
      });
      assert.equal(res.statusCode, 403);
      assert.equal(errorOf(res).code, 'REGISTRATION_DISABLED');
    } finally {
      await closed.close();
    }
    const writers = await testServer({
      auth: { jwtSecret: 'test-secret-'.padEnd(48, 'x'), registrationRole: 'writer' },
    });
    try {
      const res = await writers.app.inject({
        method: 'POST',
        url: '/api/auth/register',
        payload: { username: 'someone', email: 's@example.com', password: 'long enough' },
      });
      assert.equal(res.json<{ user: { role: string } }>().user.role, 'writer');
    } finally {
      await writers.close();
    }
  });
});

describe('rate limits', () => {
  it('limits login attempts per address and username with 429 and Retry-After', async () => {
    const limited = await testServer({
      auth: { jwtSecret: 'test-secret-'.padEnd(48, 'x') },
      http: { loginRateLimitPerMinute: 3 },
    });
    try {
      const statuses = [];
      let last: Awaited<ReturnType<typeof limited.app.inject>> | undefined;
      for (let i = 0; i < 5; i++) {
        last = await limited.app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { username: 'admin', password: 'wrong-one' },
        });
        statuses.push(last.statusCode);
      }
      assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
      assert.ok(Number(last!.headers['retry-after']) > 0);
      assert.equal(errorOf(last!).code, 'RATE_LIMITED');
      // Another username from the same address is counted apart.
      const other = await limited.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username: 'ann', password: 'wrong-one' },
      });
      assert.equal(other.statusCode, 401);
    } finally {
      await limited.close();
    }
  });
});
