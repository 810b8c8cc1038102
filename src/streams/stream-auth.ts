import type { FastifyRequest } from 'fastify';

import type { AuthService } from '../auth/auth-service.js';
import type { Credentials } from '../auth/credentials.js';
import { ANONYMOUS_READER, Role, roleAllows, type Principal } from '../auth/roles.js';
import { hasCredentials } from '../auth/credentials.js';
import { ErrorCode, isTickstreamError, TickstreamError } from '../errors.js';
import { requestCredentials } from '../http/request-credentials.js';

/** WebSocket close codes of the live streams (docs/streams.md). */
export const CloseCode = {
  Normal: 1000,
  /** A message or URL the server cannot use (a bad symbol in `/ws/marketdata`). */
  BadRequest: 4400,
  /** Missing, invalid or expired credentials. */
  Unauthorized: 4401,
  /** Valid credentials whose role may not read streams. */
  Forbidden: 4403,
  /** The connection fell too far behind. */
  SlowConsumer: 4008,
  /** The client's address presented too many invalid API keys (retry later). */
  RateLimited: 4429,
  /** A STOMP peer stopped sending the heart-beats it promised. */
  Timeout: 4408,
} as const;

/** The least role a live stream needs. */
export const STREAM_ROLE = Role.Reader;

/** setTimeout cannot wait longer than this (about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

/** Credentials of a stream request: headers, or (browsers) `?access_token=` / `?api_key=`. */
export function credentialsOf(request: FastifyRequest): Credentials {
  return requestCredentials(request, { query: true });
}

/** The caller, if its credentials are valid and its role may read streams; throws a TickstreamError otherwise. */
export async function authenticateStream(auth: AuthService, credentials: Credentials): Promise<Principal> {
  const principal = await auth.authenticate(credentials);
  if (!roleAllows(principal.role, STREAM_ROLE)) {
    throw new TickstreamError(ErrorCode.Forbidden, `live streams need the ${STREAM_ROLE} role`);
  }
  return principal;
}

/**
 * As {@link authenticateStream}, but a caller without any credentials is the anonymous reader
 * when `anonymous` (an earlier system's public read, docs/compat.md). Credentials given are
 * checked as always.
 */
export async function authenticateStreamOrAnonymous(
  auth: AuthService,
  credentials: Credentials,
  anonymous: boolean,
): Promise<Principal> {
  if (anonymous && !hasCredentials(credentials)) return ANONYMOUS_READER;
  return authenticateStream(auth, credentials);
}

/** The error code and message to tell a client whose credentials were refused (never the credential). */
export function authFailure(err: unknown): { code: ErrorCode; message: string } {
  if (isTickstreamError(err)) return { code: err.code, message: err.message };
  return { code: ErrorCode.Internal, message: 'authentication failed' };
}

/** The close code for a refused credential. */
export function closeCodeOf(code: ErrorCode): number {
  if (code === ErrorCode.RateLimited) return CloseCode.RateLimited;
  return code === ErrorCode.Forbidden ? CloseCode.Forbidden : CloseCode.Unauthorized;
}

/**
 * Runs `onExpired` when the principal's access token expires (API keys do not expire). Call again
 * with a refreshed principal to move the deadline; `cancel` when the connection ends.
 */
export class ExpiryTimer {
  readonly #onExpired: () => void;
  #timer: NodeJS.Timeout | undefined;

  constructor(onExpired: () => void) {
    this.#onExpired = onExpired;
  }

  set(principal: Principal, now = Date.now()): void {
    this.cancel();
    const expiresAt = principal.expiresAt;
    if (expiresAt === undefined) return;
    this.#timer = setTimeout(this.#onExpired, Math.min(Math.max(expiresAt - now, 0), MAX_TIMER_MS));
    this.#timer.unref();
  }

  cancel(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
