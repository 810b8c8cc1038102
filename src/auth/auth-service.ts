import { randomUUID } from 'node:crypto';

import { ErrorCode, TickstreamError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { AccessTokens } from './access-tokens.js';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.js';
import { Role, type Principal } from './roles.js';
import { digest, newApiKey, randomToken } from './secrets.js';
import type { BruteForceGuard } from './brute-force-guard.js';
import type { AccountStore, ApiKeyRecord, UserRecord } from './account-store.js';

/** How long a refresh token (a session) lives without being used. */
export const REFRESH_TOKEN_TTL_MS = 7 * 24 * 3_600_000;
/** How long a verified API key is trusted before the store is asked again (revocation is immediate here). */
const API_KEY_CACHE_MS = 60_000;
/** Verified access tokens kept to skip re-verifying the signature on every request. */
const TOKEN_CACHE_CAPACITY = 10_000;

/** A user as the API shows it. */
export interface PublicUser {
  readonly id: string;
  readonly username: string;
  readonly email: string;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly role: Role;
  readonly active: boolean;
}

export interface TokenResponse {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** ISO-8601 time the access token expires. */
  readonly expiresAt: string;
  readonly user: PublicUser;
}

export interface AuthOptions {
  readonly registration: boolean;
  readonly registrationRole: Role;
}

/**
 * Accounts, sessions and API keys: registration, login, refresh-token rotation with reuse
 * detection, logout, password change, admin user management, and authentication of requests.
 *
 * A session is a family of refresh tokens: every refresh rotates the token; presenting a token
 * that was already rotated means it leaked, so the whole family is revoked. Access tokens carry
 * their family id (`sid`), so revoking a session also refuses its access tokens at once.
 */
export class AuthService {
  readonly #store: AccountStore;
  readonly #tokens: AccessTokens;
  readonly #options: AuthOptions;
  readonly #log: Logger;
  /** Revoked session ids → when their last access token expires (then they can be forgotten). */
  readonly #revokedSessions = new Map<string, number>();
  /** User id → epoch ms before which their access tokens are refused (password change, deactivation). */
  readonly #notBefore = new Map<string, number>();
  readonly #tokenCache = new Map<string, SessionPrincipal>();
  readonly #keyCache = new Map<string, { principal: Principal; until: number }>();
  /** Lookups under way, by key digest and address: requests with the same key wait for one. */
  readonly #keyLookups = new Map<string, Promise<Principal>>();
  readonly #guard: BruteForceGuard | undefined;

  constructor(
    store: AccountStore,
    tokens: AccessTokens,
    options: AuthOptions,
    log: Logger,
    limits: { guard?: BruteForceGuard | undefined } = {},
  ) {
    this.#store = store;
    this.#tokens = tokens;
    this.#options = options;
    this.#log = log;
    this.#guard = limits.guard;
  }

  get registrationEnabled(): boolean {
    return this.#options.registration;
  }

  /** On first start with no users: an `admin` with the given password, or a generated one logged once. */
  async ensureAdmin(password: string | undefined): Promise<void> {
    // Users made from the shell (`tickstream user`) before the first start are not enough: without
    // an admin nobody could manage accounts through the API.
    const users = await this.#store.listUsers();
    if (users.some((u) => u.role === Role.Admin || u.username === 'admin')) return;
    const generated = password === undefined || password === '';
    const secret = generated ? randomToken(12) : password;
    const problem = passwordProblem(secret);
    if (problem !== undefined)
      throw new TickstreamError(ErrorCode.ConfigInvalid, `TICKSTREAM_ADMIN_PASSWORD: ${problem}`);
    await this.#store.createUser({
      id: randomUUID(),
      username: 'admin',
      email: 'admin@localhost',
      passwordHash: await hashPassword(secret),
      firstName: null,
      lastName: null,
      role: Role.Admin,
    });
    if (generated) {
      // Printed once, on purpose: the only way to learn a generated password.
      this.#log.warn(
        { username: 'admin', generatedPassword: secret },
        'created the first admin user; change this password',
      );
    } else
      this.#log.info({ username: 'admin' }, 'created the first admin user from TICKSTREAM_ADMIN_PASSWORD');
  }

  async register(input: {
    username: string;
    email: string;
    password: string;
    firstName?: string | null | undefined;
    lastName?: string | null | undefined;
  }): Promise<TokenResponse> {
    if (!this.#options.registration)
      throw new TickstreamError(ErrorCode.RegistrationDisabled, 'self-registration is turned off');
    const problem = passwordProblem(input.password);
    if (problem !== undefined) throw new TickstreamError(ErrorCode.BadRequest, problem);
    const user = await this.#store.createUser({
      id: randomUUID(),
      username: input.username,
      email: input.email.toLowerCase(),
      passwordHash: await hashPassword(input.password),
      firstName: input.firstName ?? null,
      lastName: input.lastName ?? null,
      role: this.#options.registrationRole,
    });
    return this.#startSession(user);
  }

  /**
   * One generic answer for every failure, and the same cost for unknown users. Failed logins are
   * limited per client `address` and per username (RATE_LIMITED once over a limit).
   */
  async login(username: string, password: string, address?: string): Promise<TokenResponse> {
    const attempt = await this.#guard?.login(address, username);
    const user = await this.#store.findUserByUsername(username);
    const ok = await verifyPassword(user?.passwordHash, password);
    if (user === undefined || !ok || !user.active) {
      attempt?.failed();
      throw new TickstreamError(ErrorCode.InvalidCredentials, 'invalid username or password');
    }
    await attempt?.succeeded();
    return this.#startSession(user);
  }

  async refresh(refreshToken: string, now = Date.now()): Promise<TokenResponse> {
    const hash = digest(refreshToken);
    const record = await this.#store.findRefreshToken(hash);
    const invalid = () => new TickstreamError(ErrorCode.TokenInvalid, 'invalid refresh token');
    if (record === undefined) throw invalid();
    if (record.usedAt !== null || record.revokedAt !== null) {
      // A rotated or revoked token presented again: someone else has it. End the whole session.
      await this.#revokeSession(record.familyId);
      this.#log.warn(
        { userId: record.userId, sessionId: record.familyId },
        'refresh token reused; session revoked',
      );
      throw invalid();
    }
    if (record.expiresAt <= now) throw invalid();
    const user = await this.#store.findUserById(record.userId);
    if (user === undefined || !user.active) throw invalid();
    const next = randomToken();
    const nextHash = digest(next);
    if (!(await this.#store.markRefreshTokenUsed(hash, nextHash))) {
      // Lost a race with a concurrent refresh of the same token: that is reuse too.
      await this.#revokeSession(record.familyId);
      throw invalid();
    }
    await this.#store.insertRefreshToken({
      tokenHash: nextHash,
      userId: user.id,
      familyId: record.familyId,
      expiresAt: now + REFRESH_TOKEN_TTL_MS,
    });
    return this.#tokenResponse(user, next, record.familyId);
  }

  /** Ends the session of `refreshToken`, or of the calling access token. */
  async logout(principal: Principal & { sid?: string }, refreshToken: string | undefined): Promise<void> {
    if (refreshToken !== undefined) {
      const record = await this.#store.findRefreshToken(digest(refreshToken));
      if (record !== undefined && record.userId === principal.id) await this.#revokeSession(record.familyId);
    }
    if (principal.sid !== undefined) await this.#revokeSession(principal.sid);
  }

  async changePassword(principal: Principal, current: string, next: string): Promise<TokenResponse> {
    const user = await this.#userOf(principal);
    if (!(await verifyPassword(user.passwordHash, current))) {
      // 400, not 401: the caller is authenticated; what it sent is wrong (as the .NET system answered).
      throw new TickstreamError(ErrorCode.BadRequest, 'the current password is wrong');
    }
    const problem = passwordProblem(next);
    if (problem !== undefined) throw new TickstreamError(ErrorCode.BadRequest, problem);
    await this.#store.updatePasswordHash(user.id, await hashPassword(next));
    await this.#endAllSessions(user.id);
    return this.#startSession(user);
  }

  async me(principal: Principal): Promise<PublicUser> {
    return publicUser(await this.#userOf(principal));
  }

  async listUsers(): Promise<PublicUser[]> {
    return (await this.#store.listUsers()).map(publicUser);
  }

  async updateUser(
    id: string,
    change: { role?: Role | undefined; active?: boolean | undefined },
  ): Promise<PublicUser> {
    let user = await this.#store.findUserById(id);
    if (user === undefined) throw new TickstreamError(ErrorCode.NotFound, 'no such user');
    if (change.role !== undefined && change.role !== user.role) {
      await this.#store.updateUserRole(id, change.role);
      await this.#endAllSessions(id); // tokens carry the role: the old ones must not outlive the change
    }
    if (change.active !== undefined && change.active !== user.active) {
      await this.#store.setUserActive(id, change.active);
      if (!change.active) await this.#endAllSessions(id);
    }
    user = (await this.#store.findUserById(id))!;
    return publicUser(user);
  }

  async createApiKey(
    input: { name: string; role: Role },
    createdBy: Principal,
  ): Promise<{ id: string; name: string; role: Role; prefix: string; key: string; createdAt: string }> {
    const { key, prefix, hash } = newApiKey();
    const record = await this.#store.insertApiKey({
      id: randomUUID(),
      name: input.name,
      prefix,
      keyHash: hash,
      role: input.role,
      createdBy: createdBy.id,
    });
    return {
      id: record.id,
      name: record.name,
      role: record.role,
      prefix,
      key,
      createdAt: iso(record.createdAt),
    };
  }

  async listApiKeys(): Promise<Array<Omit<ApiKeyView, 'key'>>> {
    return (await this.#store.listApiKeys()).map(apiKeyView);
  }

  async revokeApiKey(id: string): Promise<void> {
    if (!(await this.#store.revokeApiKey(id)))
      throw new TickstreamError(ErrorCode.NotFound, 'no such API key');
    this.#keyCache.clear();
  }

  /**
   * Who is calling: a bearer access token or an API key. Throws AUTH_REQUIRED without credentials,
   * TOKEN_EXPIRED / TOKEN_INVALID for a bad token, AUTH_REQUIRED for an unknown or revoked key,
   * RATE_LIMITED when the caller's address presented too many of those.
   */
  async authenticate(credentials: {
    bearer?: string | undefined;
    apiKey?: string | undefined;
    address?: string | undefined;
  }): Promise<Principal & { sid?: string }> {
    if (credentials.bearer !== undefined && credentials.bearer !== '')
      return this.#verifyToken(credentials.bearer);
    if (credentials.apiKey !== undefined && credentials.apiKey !== '')
      return this.#verifyKey(credentials.apiKey, credentials.address);
    throw new TickstreamError(ErrorCode.AuthRequired, 'authentication required');
  }

  /** Verifying an HMAC signature per request is the costliest part of a small request: verified
   *  tokens are remembered until they expire (revocation is checked on every use). */
  /**
   * The principal of credentials verified before, without waiting: undefined when they must go
   * through `authenticate` (first use, API key, expired or revoked — which then says why).
   */
  cached(bearer: string | undefined, now = Date.now()): (Principal & { sid?: string }) | undefined {
    if (bearer === undefined) return undefined;
    const principal = this.#tokenCache.get(bearer);
    if (principal === undefined || principal.expiresAt <= now || this.#revoked(principal)) return undefined;
    return principal;
  }

  #revoked(principal: SessionPrincipal): boolean {
    return (
      this.#revokedSessions.has(principal.sid) ||
      principal.issuedAt < (this.#notBefore.get(principal.id) ?? 0)
    );
  }

  async #verifyToken(token: string, now = Date.now()): Promise<SessionPrincipal> {
    let principal = this.#tokenCache.get(token);
    if (principal === undefined) {
      const claims = await this.#tokens.verify(token);
      principal = {
        kind: 'user',
        id: claims.userId,
        name: claims.username,
        role: claims.role,
        expiresAt: claims.expiresAt,
        sid: claims.sessionId,
        issuedAt: claims.issuedAt,
      };
      if (this.#tokenCache.size >= TOKEN_CACHE_CAPACITY) this.#tokenCache.clear();
      this.#tokenCache.set(token, principal);
    }
    if (principal.expiresAt <= now) {
      this.#tokenCache.delete(token);
      throw new TickstreamError(ErrorCode.TokenExpired, 'access token expired');
    }
    if (this.#revoked(principal)) {
      throw new TickstreamError(ErrorCode.TokenInvalid, 'access token revoked');
    }
    return principal;
  }

  async #verifyKey(key: string, address: string | undefined, now = Date.now()): Promise<Principal> {
    // Keys are looked up by their SHA-256 digest, never compared as text: how long a lookup takes
    // says nothing about how much of a guess was right.
    const hash = digest(key);
    const cached = this.#keyCache.get(hash);
    if (cached !== undefined && cached.until > now) return cached.principal;
    // One lookup (and one attempt counted by the guard) for all the requests that carry the same
    // key from one address at once. Counted each, a busy client's requests in flight when its key
    // left the cache went over the guard's limit together and locked its own valid key out for
    // the rest of the guard's window (the soak: every HTTP batch refused for 8 minutes).
    const lookupKey = `${hash} ${address ?? ''}`;
    let lookup = this.#keyLookups.get(lookupKey);
    if (lookup === undefined) {
      lookup = this.#lookUpKey(hash, address, now).finally(() => this.#keyLookups.delete(lookupKey));
      this.#keyLookups.set(lookupKey, lookup);
    }
    return lookup;
  }

  async #lookUpKey(hash: string, address: string | undefined, now: number): Promise<Principal> {
    const attempt = await this.#guard?.apiKey(address);
    const record = await this.#store.findApiKeyByHash(hash);
    if (record === undefined || record.revokedAt !== null) {
      attempt?.failed();
      throw new TickstreamError(ErrorCode.AuthRequired, 'invalid API key');
    }
    await attempt?.succeeded();
    const principal: Principal = { kind: 'apiKey', id: record.id, name: record.name, role: record.role };
    this.#keyCache.set(hash, { principal, until: now + API_KEY_CACHE_MS });
    // Recording use is best effort and at most once per cache period.
    this.#store
      .touchApiKey(record.id, now)
      .catch((err: unknown) => this.#log.warn({ err }, 'could not record API key use'));
    return principal;
  }

  async #userOf(principal: Principal): Promise<UserRecord> {
    const user = principal.kind === 'user' ? await this.#store.findUserById(principal.id) : undefined;
    if (user === undefined) throw new TickstreamError(ErrorCode.NotFound, 'no such user');
    return user;
  }

  async #startSession(user: UserRecord): Promise<TokenResponse> {
    const familyId = randomUUID();
    const refreshToken = randomToken();
    await this.#store.insertRefreshToken({
      tokenHash: digest(refreshToken),
      userId: user.id,
      familyId,
      expiresAt: Date.now() + REFRESH_TOKEN_TTL_MS,
    });
    return this.#tokenResponse(user, refreshToken, familyId);
  }

  async #tokenResponse(user: UserRecord, refreshToken: string, sessionId: string): Promise<TokenResponse> {
    const access = await this.#tokens.issue({
      id: user.id,
      username: user.username,
      email: user.email,
      role: user.role,
      sessionId,
    });
    return {
      accessToken: access.token,
      refreshToken,
      expiresAt: iso(access.expiresAt),
      user: publicUser(user),
    };
  }

  async #revokeSession(familyId: string): Promise<void> {
    await this.#store.revokeRefreshFamily(familyId);
    this.#revokedSessions.set(familyId, Date.now() + this.#tokens.ttlMs);
    this.#forgetExpiredRevocations();
  }

  async #endAllSessions(userId: string): Promise<void> {
    await this.#store.revokeUserRefreshTokens(userId);
    // Tokens issued before now are refused; the session started right after this one is not.
    this.#notBefore.set(userId, Date.now());
    this.#tokenCache.clear();
  }

  #forgetExpiredRevocations(now = Date.now()): void {
    for (const [sid, until] of this.#revokedSessions) if (until < now) this.#revokedSessions.delete(sid);
  }
}

/** A user authenticated by an access token of session `sid`. */
interface SessionPrincipal extends Principal {
  readonly expiresAt: number;
  readonly sid: string;
  readonly issuedAt: number;
}

interface ApiKeyView {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  key: string;
}

function apiKeyView(record: ApiKeyRecord): Omit<ApiKeyView, 'key'> {
  return {
    id: record.id,
    name: record.name,
    role: record.role,
    prefix: record.prefix,
    createdAt: iso(record.createdAt),
    lastUsedAt: record.lastUsedAt === null ? null : iso(record.lastUsedAt),
    revokedAt: record.revokedAt === null ? null : iso(record.revokedAt),
  };
}

function publicUser(user: UserRecord): PublicUser {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    firstName: user.firstName,
    lastName: user.lastName,
    role: user.role,
    active: user.active,
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
