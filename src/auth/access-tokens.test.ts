import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';

import { AccessTokens } from './access-tokens.js';

const secret = new TextEncoder().encode('x'.repeat(48));
const user = { id: 'u1', username: 'ann', role: 'writer' as const, sessionId: 's1' };

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('AccessTokens', () => {
  it('issues a token whose claims verify', async () => {
    const tokens = new AccessTokens(secret);
    const now = Date.now();
    const { token, expiresAt } = await tokens.issue(user, now);
    const claims = await tokens.verify(token);
    assert.deepEqual(claims, {
      userId: 'u1',
      username: 'ann',
      role: 'writer',
      sessionId: 's1',
      issuedAt: now,
      expiresAt,
    });
    assert.ok(Math.abs(expiresAt - (now + 15 * 60_000)) < 1000);
  });

  it('refuses expired, tampered, wrongly signed and alg:none tokens', async () => {
    const tokens = new AccessTokens(secret);
    const expired = await new AccessTokens(secret, 1).issue(user, Date.now() - 10_000);
    await assert.rejects(tokens.verify(expired.token), { code: 'TOKEN_EXPIRED' });

    const { token } = await tokens.issue(user);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${header}.${b64({ ...claims, role: 'admin' })}.${signature}`;
    await assert.rejects(tokens.verify(tampered), { code: 'TOKEN_INVALID' });

    const other = await new AccessTokens(new TextEncoder().encode('y'.repeat(48))).issue(user);
    await assert.rejects(tokens.verify(other.token), { code: 'TOKEN_INVALID' });

    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`;
    await assert.rejects(tokens.verify(none), { code: 'TOKEN_INVALID' });

    const hs512 = `${b64({ alg: 'HS512', typ: 'JWT' })}.${payload}`;
    const sig512 = createHmac('sha512', secret).update(hs512).digest('base64url');
    await assert.rejects(tokens.verify(`${hs512}.${sig512}`), { code: 'TOKEN_INVALID' });

    await assert.rejects(tokens.verify('garbage'), { code: 'TOKEN_INVALID' });
  });

  it('checks issuer and audience', async () => {
    const tokens = new AccessTokens(secret);
    const { token } = await tokens.issue(user);
    const [, payload] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    for (const change of [{ iss: 'someone-else' }, { aud: 'another-api' }]) {
      const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ ...claims, ...change })}`;
      const signed = `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
      await assert.rejects(tokens.verify(signed), { code: 'TOKEN_INVALID' });
    }
  });
});
