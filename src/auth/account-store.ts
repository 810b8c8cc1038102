import { ErrorCode, TickstreamError } from '../errors.js';
import {
  constraintName,
  epochMs as ms,
  pgTime,
  SqlState,
  sqlState,
  type SqlDriver,
} from '../storage/sql-driver.js';
import type { Role } from './roles.js';

/**
 * Accounts in PostgreSQL: users, their refresh tokens and the API keys of machines, over the
 * storage's SQL driver port (either driver; see ../storage/sql-driver.ts). Times are epoch
 * milliseconds. Used by the {@link AuthService} (./auth-service.ts).
 */

export interface UserRecord {
  readonly id: string;
  readonly username: string;
  readonly email: string;
  readonly passwordHash: string;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly role: Role;
  readonly active: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface NewUser {
  readonly id: string;
  readonly username: string;
  readonly email: string;
  readonly passwordHash: string;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly role: Role;
  readonly active?: boolean;
}

export interface RefreshTokenRecord {
  readonly tokenHash: string;
  readonly userId: string;
  readonly familyId: string;
  readonly expiresAt: number;
  readonly createdAt: number;
  readonly usedAt: number | null;
  readonly replacedBy: string | null;
  readonly revokedAt: number | null;
}

export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly keyHash: string;
  readonly role: Role;
  readonly createdBy: string | null;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  readonly revokedAt: number | null;
}

export interface NewApiKey {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly keyHash: string;
  readonly role: Role;
  readonly createdBy: string | null;
}

const USER_COLUMNS = `id, username, email, password_hash, first_name, last_name, role, active, ${ms('created_at')} as created_at, ${ms('updated_at')} as updated_at`;
const TOKEN_COLUMNS = `token_hash, user_id, family_id, ${ms('expires_at')} as expires_at, ${ms('created_at')} as created_at, ${ms('used_at')} as used_at, replaced_by, ${ms('revoked_at')} as revoked_at`;
const KEY_COLUMNS = `id, name, prefix, key_hash, role, created_by, ${ms('created_at')} as created_at, ${ms('last_used_at')} as last_used_at, ${ms('revoked_at')} as revoked_at`;

export class AccountStore {
  readonly #driver: SqlDriver;

  constructor(driver: SqlDriver) {
    this.#driver = driver;
  }

  // -- users ------------------------------------------------------------------------------------

  async countUsers(): Promise<number> {
    const [row] = await this.#driver.query<{ n: number }>('select count(*)::int8 as n from users');
    return row?.n ?? 0;
  }

  /** Creates a user; CONFLICT when the username or email (in any letter case) is taken. */
  async createUser(user: NewUser): Promise<UserRecord> {
    try {
      const [row] = await this.#driver.query<UserRow>(
        `insert into users (id, username, email, password_hash, first_name, last_name, role, active)
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning ${USER_COLUMNS}`,
        [
          user.id,
          user.username,
          user.email,
          user.passwordHash,
          user.firstName,
          user.lastName,
          user.role,
          user.active ?? true,
        ],
      );
      return toUser(row!);
    } catch (err) {
      if (sqlState(err) === SqlState.UniqueViolation) {
        const constraint = constraintName(err) ?? '';
        const what = constraint.includes('email')
          ? 'email'
          : constraint.includes('username')
            ? 'username'
            : 'id';
        throw new TickstreamError(ErrorCode.Conflict, `a user with this ${what} already exists`, {
          cause: err,
        });
      }
      throw err;
    }
  }

  /** By username in any letter case. */
  async findUserByUsername(username: string): Promise<UserRecord | undefined> {
    const [row] = await this.#driver.query<UserRow>(
      `select ${USER_COLUMNS} from users where lower(username) = lower($1)`,
      [username],
    );
    return row === undefined ? undefined : toUser(row);
  }

  async findUserById(id: string): Promise<UserRecord | undefined> {
    const [row] = await this.#driver.query<UserRow>(`select ${USER_COLUMNS} from users where id = $1`, [id]);
    return row === undefined ? undefined : toUser(row);
  }

  /** Every user, oldest first. */
  async listUsers(): Promise<UserRecord[]> {
    const rows = await this.#driver.query<UserRow>(
      `select ${USER_COLUMNS} from users order by created_at, id`,
    );
    return rows.map(toUser);
  }

  async updateUserRole(id: string, role: Role): Promise<void> {
    await this.#driver.query('update users set role = $2, updated_at = now() where id = $1', [id, role]);
  }

  async setUserActive(id: string, active: boolean): Promise<void> {
    await this.#driver.query('update users set active = $2, updated_at = now() where id = $1', [id, active]);
  }

  async updatePasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.#driver.query('update users set password_hash = $2, updated_at = now() where id = $1', [
      id,
      passwordHash,
    ]);
  }

  // -- refresh tokens ---------------------------------------------------------------------------

  async insertRefreshToken(token: {
    tokenHash: string;
    userId: string;
    familyId: string;
    expiresAt: number;
  }): Promise<void> {
    await this.#driver.query(
      'insert into refresh_tokens (token_hash, user_id, family_id, expires_at) values ($1, $2, $3, $4::timestamptz)',
      [token.tokenHash, token.userId, token.familyId, pgTime(token.expiresAt)],
    );
  }

  async findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | undefined> {
    const [row] = await this.#driver.query<TokenRow>(
      `select ${TOKEN_COLUMNS} from refresh_tokens where token_hash = $1`,
      [tokenHash],
    );
    return row === undefined ? undefined : toToken(row);
  }

  /**
   * Marks a token rotated, atomically: true for the one caller that rotated it, false when it was
   * already used or revoked (a replay, or a concurrent refresh).
   */
  async markRefreshTokenUsed(tokenHash: string, replacedBy: string): Promise<boolean> {
    const rows = await this.#driver.query(
      `update refresh_tokens set used_at = now(), replaced_by = $2
        where token_hash = $1 and used_at is null and revoked_at is null returning token_hash`,
      [tokenHash, replacedBy],
    );
    return rows.length > 0;
  }

  async revokeRefreshFamily(familyId: string): Promise<void> {
    await this.#driver.query(
      'update refresh_tokens set revoked_at = now() where family_id = $1 and revoked_at is null',
      [familyId],
    );
  }

  async revokeUserRefreshTokens(userId: string): Promise<void> {
    await this.#driver.query(
      'update refresh_tokens set revoked_at = now() where user_id = $1 and revoked_at is null',
      [userId],
    );
  }

  /** Deletes refresh tokens that expired before `before`; answers how many. */
  async deleteExpiredRefreshTokens(before: number): Promise<number> {
    const rows = await this.#driver.query(
      'delete from refresh_tokens where expires_at < $1::timestamptz returning token_hash',
      [pgTime(before)],
    );
    return rows.length;
  }

  // -- API keys ---------------------------------------------------------------------------------

  async insertApiKey(key: NewApiKey): Promise<ApiKeyRecord> {
    try {
      const [row] = await this.#driver.query<KeyRow>(
        `insert into api_keys (id, name, prefix, key_hash, role, created_by)
         values ($1, $2, $3, $4, $5, $6) returning ${KEY_COLUMNS}`,
        [key.id, key.name, key.prefix, key.keyHash, key.role, key.createdBy],
      );
      return toKey(row!);
    } catch (err) {
      if (sqlState(err) === SqlState.UniqueViolation)
        throw new TickstreamError(ErrorCode.Conflict, 'an API key with this id or hash already exists', {
          cause: err,
        });
      throw err;
    }
  }

  /** The key with this hash, revoked or not (the caller checks `revokedAt`). */
  async findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const [row] = await this.#driver.query<KeyRow>(
      `select ${KEY_COLUMNS} from api_keys where key_hash = $1`,
      [keyHash],
    );
    return row === undefined ? undefined : toKey(row);
  }

  /** Every key, revoked ones included, oldest first. */
  async listApiKeys(): Promise<ApiKeyRecord[]> {
    const rows = await this.#driver.query<KeyRow>(
      `select ${KEY_COLUMNS} from api_keys order by created_at, id`,
    );
    return rows.map(toKey);
  }

  /** False when there is no such key. Revoking a revoked key keeps its first revocation time. */
  async revokeApiKey(id: string): Promise<boolean> {
    const rows = await this.#driver.query(
      'update api_keys set revoked_at = coalesce(revoked_at, now()) where id = $1 returning id',
      [id],
    );
    return rows.length > 0;
  }

  async touchApiKey(id: string, at: number): Promise<void> {
    await this.#driver.query('update api_keys set last_used_at = $2::timestamptz where id = $1', [
      id,
      pgTime(at),
    ]);
  }
}

// ---------------------------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------------------------

interface UserRow {
  id: string;
  username: string;
  email: string;
  password_hash: string;
  first_name: string | null;
  last_name: string | null;
  role: Role;
  active: boolean;
  created_at: number;
  updated_at: number;
  [key: string]: unknown;
}

function toUser(r: UserRow): UserRecord {
  return {
    id: r.id,
    username: r.username,
    email: r.email,
    passwordHash: r.password_hash,
    firstName: r.first_name,
    lastName: r.last_name,
    role: r.role,
    active: r.active,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

interface TokenRow {
  token_hash: string;
  user_id: string;
  family_id: string;
  expires_at: number;
  created_at: number;
  used_at: number | null;
  replaced_by: string | null;
  revoked_at: number | null;
  [key: string]: unknown;
}

function toToken(r: TokenRow): RefreshTokenRecord {
  return {
    tokenHash: r.token_hash,
    userId: r.user_id,
    familyId: r.family_id,
    expiresAt: r.expires_at,
    createdAt: r.created_at,
    usedAt: r.used_at,
    replacedBy: r.replaced_by,
    revokedAt: r.revoked_at,
  };
}

interface KeyRow {
  id: string;
  name: string;
  prefix: string;
  key_hash: string;
  role: Role;
  created_by: string | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
  [key: string]: unknown;
}

function toKey(r: KeyRow): ApiKeyRecord {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    keyHash: r.key_hash,
    role: r.role,
    createdBy: r.created_by,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  };
}
