import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import type { InjectOptions } from 'fastify';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';

import { ErrorCode } from '../../src/errors.js';
import { errorOf, login, testServer, userWith, type Session } from '../support/test-server.js';

/**
 * Attacks on the HTTP API (OWASP ASVS level 2 where it applies): forged tokens, role escalation
 * on every route of the route table, path traversal on the dashboard's files, security headers
 * on every answer. docs/reliability.md lists what each proves.
 */

const SECRET = 'test-secret-'.padEnd(48, 'x');
const ROLES = ['reader', 'writer', 'admin'] as const;
type Role = (typeof ROLES)[number];
const RANK: Record<Role, number> = { reader: 0, writer: 1, admin: 2 };

interface Operation {
  'x-role'?: Role;
  parameters?: Array<{ in: string; name: string }>;
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('attacks on the HTTP API', () => {
  let server: Awaited<ReturnType<typeof testServer>>;
  let admin: Session;
  before(async () => {
    server = await testServer();
    admin = await login(server);
  });
  after(() => server.close());

  const me = (authorization: string) =>
    server.app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization } });

  it('refuses forged tokens: HS/RS confusion, another algorithm’s key, not yet valid, wrong issuer or audience', async () => {
    const claims = decodeJwt(admin.accessToken);
    const now = Math.floor(Date.now() / 1000);
    const key = new TextEncoder().encode(SECRET);
    const sign = (header: Record<string, unknown>, payload: Record<string, unknown>): string => {
      const input = `${b64(header)}.${b64(payload)}`;
      return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
    };
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const forged: Record<string, string> = {
      // The secret used as an HMAC key under a header that names an asymmetric algorithm.
      'RS256 header, HMAC signature': sign({ alg: 'RS256', typ: 'JWT' }, claims),
      'HS512 header, HS256 signature': sign({ alg: 'HS512', typ: 'JWT' }, claims),
      'RS256 signed with an attacker key': await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', jwk: await exportJWK(publicKey) })
        .sign(privateKey),
      'not yet valid (nbf in an hour)': await new SignJWT({ ...claims, nbf: now + 3600 })
        .setProtectedHeader({ alg: 'HS256' })
        .sign(key),
      'issued in the future': await new SignJWT({ ...claims, iat: now + 3600, nbf: now + 3600 })
        .setProtectedHeader({ alg: 'HS256' })
        .sign(key),
      'wrong issuer': await new SignJWT({ ...claims, iss: 'someone-else' })
        .setProtectedHeader({ alg: 'HS256' })
        .sign(key),
      'wrong audience': await new SignJWT({ ...claims, aud: 'other-api' })
        .setProtectedHeader({ alg: 'HS256' })
        .sign(key),
      'role raised in a tampered payload': `${admin.accessToken.split('.')[0]}.${b64({ ...claims, role: 'admin', sub: 'x' })}.${admin.accessToken.split('.')[2]}`,
      'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`,
    };
    // The genuine token passes, so each refusal below is about what was forged.
    assert.equal((await me(admin.headers.authorization)).statusCode, 200);
    for (const [what, token] of Object.entries(forged)) {
      const res = await me(`Bearer ${token}`);
      assert.equal(res.statusCode, 401, `${what}: ${res.body}`);
      assert.ok(
        [ErrorCode.TokenInvalid, ErrorCode.TokenExpired, ErrorCode.AuthRequired].includes(
          errorOf(res).code as never,
        ),
        what,
      );
    }
  });

  it('logging out revokes the access token at once, not at its expiry', async () => {
    const session = await login(server);
    assert.equal((await me(session.headers.authorization)).statusCode, 200);
    const out = await server.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: session.headers,
      payload: { refreshToken: session.refreshToken },
    });
    assert.ok(out.statusCode < 300, out.body);
    assert.equal((await me(session.headers.authorization)).statusCode, 401);
    assert.equal((await me(admin.headers.authorization)).statusCode, 200, 'other sessions go on');
  });

  it('no role reaches a route above it: a matrix over every route of the OpenAPI document, users and API keys', async () => {
    const callers: Array<{ role: Role; kind: string; headers: Record<string, string> }> = [];
    for (const role of ROLES) {
      const session = role === 'admin' ? admin : await userWith(server, role, `matrix-${role}`);
      callers.push({ role, kind: 'user', headers: session.headers });
      const key = await server.app.inject({
        method: 'POST',
        url: '/api/auth/api-keys',
        headers: admin.headers,
        payload: { name: `matrix-${role}`, role },
      });
      assert.equal(key.statusCode, 201, key.body);
      callers.push({ role, kind: 'API key', headers: { 'x-api-key': key.json<{ key: string }>().key } });
    }
    const document = server.app.swagger() as unknown as { paths: Record<string, Record<string, Operation>> };
    let checked = 0;
    let refused = 0;
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const needed = op['x-role'];
        if (needed === undefined || path === '/api/auth/logout') continue;
        // Parameters that cannot match anything: the role check comes first, so a caller who
        // may not use the route hears 403, and one who may hears something else (400, 404, …).
        const url = path.replace(/\{[^}]+\}/g, 'MATRIX-NONE');
        for (const caller of callers) {
          const options: InjectOptions = {
            method: method.toUpperCase() as InjectOptions['method'],
            url,
            headers: caller.headers,
          };
          if (method !== 'get' && method !== 'delete') options.payload = {};
          const res = await server.app.inject(options);
          const what: string = `${caller.role} ${caller.kind} → ${method.toUpperCase()} ${path} (needs ${needed}): ${res.statusCode} ${res.body.slice(0, 120)}`;
          if (RANK[caller.role] < RANK[needed]) {
            assert.equal(res.statusCode, 403, what);
            assert.equal(errorOf(res).code, ErrorCode.Forbidden, what);
            refused++;
          } else {
            assert.ok(res.statusCode !== 401 && res.statusCode !== 403, what);
          }
          checked++;
        }
      }
    }
    assert.ok(checked >= 20 * callers.length, `${checked} calls`);
    assert.ok(refused > 0);
  });
});

describe('static files and headers', () => {
  let server: Awaited<ReturnType<typeof testServer>>;
  before(async () => {
    server = await testServer();
  });
  after(() => server.close());

  it('no path escapes the dashboard’s directory', async () => {
    for (const url of [
      '/../package.json',
      '/..%2f..%2fpackage.json',
      '/%2e%2e/%2e%2e/package.json',
      '/assets/..%2f..%2f..%2fpackage.json',
      '/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/..\\..\\package.json',
      '/%c0%ae%c0%ae/%c0%ae%c0%ae/package.json',
      '/assets/%00../../package.json',
    ]) {
      const res = await server.app.inject({ method: 'GET', url });
      assert.ok(
        res.statusCode === 404 || res.statusCode === 400 || res.statusCode === 403,
        `${url}: ${res.statusCode}`,
      );
      assert.doesNotMatch(res.body, /"devDependencies"|root:x:0:0/, url);
    }
  });

  it('every answer carries the security headers: pages the browser protections, the API nosniff', async () => {
    const document = server.app.swagger() as unknown as { paths: Record<string, Record<string, Operation>> };
    const urls = ['/', '/docs', '/nowhere', '/api/nowhere', '/openapi.json'];
    for (const [path, item] of Object.entries(document.paths))
      if (item.get !== undefined && !path.includes('stream') && !path.startsWith('/realtime'))
        urls.push(path.replace(/\{[^}]+\}/g, 'X'));
    for (const url of urls) {
      const res = await server.app.inject({ method: 'GET', url });
      assert.equal(res.headers['x-content-type-options'], 'nosniff', url);
      if (!url.startsWith('/api/') && String(res.headers['content-type']).startsWith('text/html')) {
        assert.ok(res.headers['content-security-policy'] !== undefined, `${url}: CSP`);
        // SockJS's iframe page exists to be framed by the client's page (another origin): its CSP
        // says so with frame-ancestors, and it has no x-frame-options. Every other page refuses framing.
        if (url === '/ws/iframe.html')
          assert.match(String(res.headers['content-security-policy']), /frame-ancestors \*/, url);
        else assert.ok(res.headers['x-frame-options'] !== undefined, `${url}: x-frame-options`);
      }
    }
  });
});
