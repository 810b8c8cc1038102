import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { TokenResponse } from '../api-types';
import { MemoryStorage } from '../test-support/fake-fetch';
import {
  ACCESS_TOKEN_LIFETIME_MS,
  expiryFrom,
  jwtExpiryMs,
  loadSession,
  needsRefresh,
  refreshDelayMs,
  saveSession,
  sessionFromTokenResponse,
  type Session,
} from './session';

const NOW = Date.UTC(2024, 0, 2, 12, 0, 0);
const user = {
  id: 1,
  username: 'ada',
  email: 'ada@example.com',
  firstName: null,
  lastName: null,
  role: 'reader' as const,
};

function jwt(claims: object): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'HS256' })}.${encode(claims)}.signature`;
}

function tokens(expiresAt: TokenResponse['expiresAt'], accessToken = 'opaque'): TokenResponse {
  return { accessToken, refreshToken: 'r1', expiresAt, user };
}

describe('token expiry', () => {
  it('reads expiresAt as ISO-8601, epoch ms or epoch seconds', () => {
    assert.equal(expiryFrom(tokens('2024-01-02T12:15:00.000Z'), NOW), NOW + 15 * 60_000);
    assert.equal(expiryFrom(tokens(NOW + 900_000), NOW), NOW + 900_000);
    assert.equal(expiryFrom(tokens((NOW + 900_000) / 1000), NOW), NOW + 900_000);
  });

  it('falls back to the JWT exp claim, then to 15 minutes', () => {
    const exp = (NOW + 600_000) / 1000;
    assert.equal(jwtExpiryMs(jwt({ exp })), NOW + 600_000);
    assert.equal(expiryFrom(tokens('not a time', jwt({ exp })), NOW), NOW + 600_000);
    assert.equal(expiryFrom(tokens('not a time'), NOW), NOW + ACCESS_TOKEN_LIFETIME_MS);
    assert.equal(jwtExpiryMs('a.b'), null);
    assert.equal(jwtExpiryMs(jwt({ sub: 'x' })), null);
  });
});

describe('refresh timing', () => {
  const session: Session = sessionFromTokenResponse(tokens(NOW + 15 * 60_000), NOW);

  it('refreshes a minute before a 15-minute token expires', () => {
    assert.equal(refreshDelayMs(session, NOW), 14 * 60_000);
    assert.equal(needsRefresh(session, NOW + 14 * 60_000 - 1), false);
    assert.equal(needsRefresh(session, NOW + 14 * 60_000), true);
  });

  it('refreshes a quarter of the lifetime early for short tokens, never in less than a second', () => {
    const short = sessionFromTokenResponse(tokens(NOW + 20_000), NOW);
    assert.equal(refreshDelayMs(short, NOW), 15_000);
    assert.equal(refreshDelayMs(short, NOW + 30_000), 1000);
  });
});

describe('session storage', () => {
  it('round-trips a session and forgets it', () => {
    const storage = new MemoryStorage();
    const session = sessionFromTokenResponse(tokens(NOW + 1000), NOW);
    saveSession(storage, session);
    assert.deepEqual(loadSession(storage), session);
    saveSession(storage, null);
    assert.equal(loadSession(storage), null);
  });

  it('ignores what it cannot read', () => {
    const storage = new MemoryStorage();
    storage.setItem('tickstream.session', '{not json');
    assert.equal(loadSession(storage), null);
    storage.setItem('tickstream.session', JSON.stringify({ accessToken: 'a' }));
    assert.equal(loadSession(storage), null);
    assert.equal(loadSession(null), null);
  });
});
