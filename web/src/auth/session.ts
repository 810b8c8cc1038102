import { toEpochMs, type TokenResponse, type User } from '../api-types';

/** A signed-in session as the dashboard keeps it. */
export interface Session {
  accessToken: string;
  refreshToken: string;
  /** When the access token expires (epoch ms). */
  expiresAtMs: number;
  /** When the token response arrived (epoch ms); with `expiresAtMs` it gives the token's lifetime. */
  receivedAtMs: number;
  user: User;
}

/** Access tokens last 15 minutes (docs/api.md); the fallback when neither the body nor the JWT says. */
export const ACCESS_TOKEN_LIFETIME_MS = 15 * 60_000;
const REFRESH_LEAD_MS = 60_000;
const MIN_REFRESH_DELAY_MS = 1000;

/** The `exp` claim of a JWT in epoch ms, or null when it has none or is not a JWT. */
export function jwtExpiryMs(token: string): number | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '='))) as {
      exp?: unknown;
    };
    return typeof claims.exp === 'number' ? claims.exp * 1000 : null;
  } catch {
    return null;
  }
}

/**
 * Reads `expiresAt`, which the contract does not pin to a form: an ISO string, epoch ms or epoch
 * seconds. Falls back to the JWT's `exp`, then to the documented 15 minutes.
 */
export function expiryFrom(body: TokenResponse, now: number): number {
  let expiresAt = toEpochMs(body.expiresAt);
  if (Number.isFinite(expiresAt) && expiresAt < 1e11) expiresAt *= 1000;
  if (Number.isFinite(expiresAt)) return expiresAt;
  return jwtExpiryMs(body.accessToken) ?? now + ACCESS_TOKEN_LIFETIME_MS;
}

export function sessionFromTokenResponse(body: TokenResponse, now: number): Session {
  return {
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
    expiresAtMs: expiryFrom(body, now),
    receivedAtMs: now,
    user: body.user,
  };
}

/**
 * How long to wait before refreshing quietly: a minute before expiry, or a quarter of the
 * token's lifetime before it for short-lived tokens, never sooner than a second from now.
 */
export function refreshDelayMs(session: Session, now: number): number {
  const lifetime = Math.max(0, session.expiresAtMs - session.receivedAtMs);
  const lead = Math.min(REFRESH_LEAD_MS, lifetime / 4);
  return Math.max(MIN_REFRESH_DELAY_MS, session.expiresAtMs - lead - now);
}

/** True when the access token is expired or about to be (within the refresh lead). */
export function needsRefresh(session: Session, now: number): boolean {
  const lifetime = Math.max(0, session.expiresAtMs - session.receivedAtMs);
  return now >= session.expiresAtMs - Math.min(REFRESH_LEAD_MS, lifetime / 4);
}

const STORAGE_KEY = 'tickstream.session';

/** A stored session, or null when there is none or it is unreadable. */
export function loadSession(storage: Storage | null): Session | null {
  if (!storage) return null;
  try {
    const raw = storage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const value = JSON.parse(raw) as Partial<Session>;
    if (
      typeof value.accessToken !== 'string' ||
      typeof value.refreshToken !== 'string' ||
      typeof value.expiresAtMs !== 'number' ||
      typeof value.receivedAtMs !== 'number' ||
      typeof value.user !== 'object' ||
      value.user === null
    ) {
      return null;
    }
    return value as Session;
  } catch {
    return null;
  }
}

export function saveSession(storage: Storage | null, session: Session | null): void {
  if (!storage) return;
  try {
    if (session) storage.setItem(STORAGE_KEY, JSON.stringify(session));
    else storage.removeItem(STORAGE_KEY);
  } catch {
    // Storage full or disabled (private mode): the session still lives in memory.
  }
}
