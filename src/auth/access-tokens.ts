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

/** Who a token is for, as `issue` receives it. */
export interface TokenSubject {
  readonly id: string;
  readonly username: string;
  readonly email?: string;
  readonly role: Role;
  readonly sessionId: string;
}

export interface AccessTokenOptions {
  readonly ttlMs?: number;
  readonly issuer?: string;
  readonly audience?: string;
  /** Claims added for other readers of the token (an earlier system's clients); never read back. */
  readonly claims?: (subject: TokenSubject) => Readonly<Record<string, unknown>>;
}

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
  readonly #issuer: string;
  readonly #audience: string;
  readonly #claims: AccessTokenOptions['claims'];

  constructor(secret: Uint8Array, ttlMs = ACCESS_TOKEN_TTL_MS, options: AccessTokenOptions = {}) {
    this.#secret = secret;
    this.#ttlMs = options.ttlMs ?? ttlMs;
    this.#issuer = options.issuer ?? ISSUER;
    this.#audience = options.audience ?? AUDIENCE;
    this.#claims = options.claims;
  }

  get ttlMs(): number {
    return this.#ttlMs;
  }

  async issue(user: TokenSubject, now = Date.now()): Promise<{ token: string; expiresAt: number }> {
    const expiresAt = now + this.#ttlMs;
    // `iat` has second precision; `iatMs` lets a revocation at time t refuse exactly the tokens before t.
    const token = await new SignJWT({
      ...this.#claims?.(user),
      role: user.role,
      username: user.username,
      sid: user.sessionId,
      iatMs: now,
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.id)
      .setIssuer(this.#issuer)
      .setAudience(this.#audience)
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
        issuer: this.#issuer,
        audience: this.#audience,
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
