import { errors, jwtVerify, SignJWT } from 'jose';

import { ErrorCode, TickstreamError } from '../errors.js';
import { isRole, type Role } from './roles.js';

/**
 * Access tokens: JWT, HS256 only (the algorithm is pinned, so `alg: none` and key-confusion
 * tokens fail), with issuer and audience checked, lasting 15 minutes.
 */
export const ACCESS_TOKEN_TTL_MS = 15 * 60_000;
const ISSUER = 'tickstream';
const AUDIENCE = 'tickstream-api';

export interface AccessClaims {
  readonly userId: string;
  readonly username: string;
  readonly role: Role;
  /** The session (refresh token family) the token belongs to. */
  readonly sessionId: string;
  /** Epoch ms. */
  readonly issuedAt: number;
  /** Epoch ms (second precision). */
  readonly expiresAt: number;
}

export class AccessTokens {
  readonly #secret: Uint8Array;
  readonly #ttlMs: number;

  constructor(secret: Uint8Array, ttlMs = ACCESS_TOKEN_TTL_MS) {
    this.#secret = secret;
    this.#ttlMs = ttlMs;
  }

  get ttlMs(): number {
    return this.#ttlMs;
  }

  async issue(
    user: { id: string; username: string; role: Role; sessionId: string },
    now = Date.now(),
  ): Promise<{ token: string; expiresAt: number }> {
    const expiresAt = now + this.#ttlMs;
    // `iat` has second precision; `iatMs` lets a revocation at time t refuse exactly the tokens before t.
    const token = await new SignJWT({
      role: user.role,
      username: user.username,
      sid: user.sessionId,
      iatMs: now,
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.id)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(expiresAt / 1000))
      .sign(this.#secret);
    return { token, expiresAt: Math.floor(expiresAt / 1000) * 1000 };
  }

  /** The token's claims; throws TOKEN_EXPIRED or TOKEN_INVALID. */
  async verify(token: string): Promise<AccessClaims> {
    try {
      const { payload } = await jwtVerify(token, this.#secret, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
      });
      const { sub, role, username, sid, iatMs, exp } = payload;
      if (
        typeof sub !== 'string' ||
        !isRole(role) ||
        typeof username !== 'string' ||
        typeof sid !== 'string' ||
        typeof iatMs !== 'number' ||
        exp === undefined
      ) {
        throw new TickstreamError(ErrorCode.TokenInvalid, 'invalid access token');
      }
      return { userId: sub, username, role, sessionId: sid, issuedAt: iatMs, expiresAt: exp * 1000 };
    } catch (err) {
      if (err instanceof TickstreamError) throw err;
      if (err instanceof errors.JWTExpired)
        throw new TickstreamError(ErrorCode.TokenExpired, 'access token expired', { cause: err });
      throw new TickstreamError(ErrorCode.TokenInvalid, 'invalid access token', { cause: err });
    }
  }
}
