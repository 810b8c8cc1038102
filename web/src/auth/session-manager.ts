import { ApiError, apiErrorFrom, networkError } from '../api/api-error';
import type { RegisterRequest, TokenResponse } from '../api-types';
import { systemClock, type Clock } from '../clock';
import {
  loadSession,
  needsRefresh,
  refreshDelayMs,
  saveSession,
  sessionFromTokenResponse,
  type Session,
} from './session';

export interface SessionManagerOptions {
  fetch?: typeof fetch;
  storage?: Storage | null;
  clock?: Clock;
}

/** After a refresh fails for a reason other than refusal (offline, 5xx), try again this soon. */
const REFRESH_RETRY_MS = 5000;

export const SESSION_ENDED_NOTICE = 'Your session has ended. Sign in again to continue.';

/**
 * Owns the signed-in session: login, sign-up, logout and the quiet refresh of the access token
 * (on a timer before it expires, and on demand after a 401). Refreshes are single-flight: the
 * refresh token rotates and reusing an old one revokes the whole session family, so two
 * concurrent refreshes would sign the user out.
 */
export class SessionManager {
  readonly #fetch: typeof fetch;
  readonly #storage: Storage | null;
  readonly #clock: Clock;
  readonly #listeners = new Set<() => void>();
  #session: Session | null;
  #notice: string | null = null;
  #refreshing: Promise<Session | null> | null = null;
  #timer: unknown = null;

  constructor(options: SessionManagerOptions = {}) {
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#storage = options.storage ?? null;
    this.#clock = options.clock ?? systemClock;
    this.#session = loadSession(this.#storage);
    this.#schedule();
  }

  get session(): Session | null {
    return this.#session;
  }

  /** Why the previous session ended, for the login page; null after a deliberate logout. */
  get notice(): string | null {
    return this.#notice;
  }

  /** Called on every change of session (sign-in, refresh, sign-out). */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  async login(username: string, password: string): Promise<void> {
    const body = await this.#post<TokenResponse>('/api/auth/login', { username, password });
    this.#set(sessionFromTokenResponse(body, this.#clock.now()), null);
  }

  /** Self-registration; rejects with ApiError code REGISTRATION_DISABLED (403) when it is off. */
  async register(input: RegisterRequest): Promise<void> {
    const body = await this.#post<TokenResponse>('/api/auth/register', input);
    this.#set(sessionFromTokenResponse(body, this.#clock.now()), null);
  }

  async logout(): Promise<void> {
    const session = this.#session;
    this.#set(null, null);
    if (!session) return;
    try {
      await this.#fetch('/api/auth/logout', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${session.accessToken}` },
        body: JSON.stringify({ refreshToken: session.refreshToken }),
      });
    } catch {
      // Signed out locally either way; the refresh token expires on its own.
    }
  }

  /**
   * Exchanges the refresh token for a new pair. Resolves to the new session, or to null when the
   * server refuses (the session is then ended and listeners see it). Rejects when the server
   * cannot be reached, keeping the session and retrying on a timer.
   */
  refresh(): Promise<Session | null> {
    if (!this.#session) return Promise.resolve(null);
    this.#refreshing ??= this.#refresh().finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  /**
   * After the server answered 401 to `rejectedToken`: the current session when it already holds
   * another token (a refresh happened meanwhile), else the outcome of a refresh.
   */
  async renewAfterRejection(rejectedToken: string): Promise<Session | null> {
    const current = this.#session;
    if (!current) return null;
    if (current.accessToken !== rejectedToken) return current;
    return this.refresh();
  }

  /** A usable access token, refreshed first when it is about to expire; null when signed out. */
  async accessToken(): Promise<string | null> {
    const session = this.#session;
    if (!session) return null;
    if (!needsRefresh(session, this.#clock.now())) return session.accessToken;
    try {
      return (await this.refresh())?.accessToken ?? null;
    } catch {
      // Offline: hand out the old token; the call fails on its own and is retried by its owner.
      return this.#session?.accessToken ?? null;
    }
  }

  dispose(): void {
    this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    this.#listeners.clear();
  }

  async #refresh(): Promise<Session | null> {
    const current = this.#session;
    if (!current) return null;
    try {
      const body = await this.#post<TokenResponse>('/api/auth/refresh', {
        refreshToken: current.refreshToken,
      });
      if (this.#session !== current) return this.#session;
      const next = sessionFromTokenResponse(body, this.#clock.now());
      this.#set(next, null);
      return next;
    } catch (err) {
      if (this.#session !== current) return this.#session;
      if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 429) {
        this.#set(null, SESSION_ENDED_NOTICE);
        return null;
      }
      this.#clock.clearTimeout(this.#timer);
      this.#timer = this.#clock.setTimeout(() => this.#timedRefresh(), REFRESH_RETRY_MS);
      throw err;
    }
  }

  #timedRefresh(): void {
    this.refresh().catch(() => {
      // Already rescheduled by #refresh; nothing else to do until the server is back.
    });
  }

  #set(session: Session | null, notice: string | null): void {
    this.#session = session;
    this.#notice = notice;
    saveSession(this.#storage, session);
    this.#schedule();
    for (const listener of [...this.#listeners]) listener();
  }

  #schedule(): void {
    this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    if (!this.#session) return;
    this.#timer = this.#clock.setTimeout(
      () => this.#timedRefresh(),
      refreshDelayMs(this.#session, this.#clock.now()),
    );
  }

  async #post<T>(path: string, body: unknown): Promise<T> {
    let response: Response;
    try {
      response = await this.#fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    } catch (err) {
      throw networkError(err);
    }
    if (!response.ok) throw await apiErrorFrom(response);
    return (await response.json()) as T;
  }
}
