import { ErrorCode, TickstreamError } from '../errors.js';
import { RecordColumns } from '../storage/record-columns.js';
import {
  constraintName,
  pgTime,
  SqlState,
  sqlState,
  type Row,
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

/** A user to create: the database sets the times; `active` defaults to true. */
export type NewUser = Omit<UserRecord, 'active' | 'createdAt' | 'updatedAt'> & { readonly active?: boolean };

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

/** An API key to create: the database sets its creation time; it is neither used nor revoked yet. */
export type NewApiKey = Omit<ApiKeyRecord, 'createdAt' | 'lastUsedAt' | 'revokedAt'>;

const USER = RecordColumns.of<UserRecord>({
  id: 'text',
  username: 'text',
  email: 'text',
  passwordHash: 'text',
  firstName: 'text',
  lastName: 'text',
  role: 'text',
  active: 'boolean',
  createdAt: 'timestamptz',
  updatedAt: 'timestamptz',
});

const TOKEN = RecordColumns.of<RefreshTokenRecord>({
  tokenHash: 'text',
  userId: 'text',
  familyId: 'text',
  expiresAt: 'timestamptz',
  createdAt: 'timestamptz',
  usedAt: 'timestamptz',
  replacedBy: 'text',
  revokedAt: 'timestamptz',
});

const KEY = RecordColumns.of<ApiKeyRecord>({
  id: 'text',
  name: 'text',
  prefix: 'text',
  keyHash: 'text',
  role: 'text',
  createdBy: 'text',
  createdAt: 'timestamptz',
  lastUsedAt: 'timestamptz',
  revokedAt: 'timestamptz',
});

const USER_COLUMNS = USER.select();
const TOKEN_COLUMNS = TOKEN.select();
const KEY_COLUMNS = KEY.select();

const toUser = (row: Row): UserRecord => USER.fromRow(row, {});
const toToken = (row: Row): RefreshTokenRecord => TOKEN.fromRow(row, {});
const toKey = (row: Row): ApiKeyRecord => KEY.fromRow(row, {});

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
      const [row] = await this.#driver.query(
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
    const [row] = await this.#driver.query(
      `select ${USER_COLUMNS} from users where lower(username) = lower($1)`,
      [username],
    );
    return row === undefined ? undefined : toUser(row);
  }

  async findUserById(id: string): Promise<UserRecord | undefined> {
    const [row] = await this.#driver.query(`select ${USER_COLUMNS} from users where id = $1`, [id]);
    return row === undefined ? undefined : toUser(row);
  }

  /** Every user, oldest first. */
  async listUsers(): Promise<UserRecord[]> {
    const rows = await this.#driver.query(`select ${USER_COLUMNS} from users order by created_at, id`);
    return rows.map(toUser);
  }

  /**
   * Deletes a user by username (any letter case), with their sessions (refresh tokens cascade);
   * API keys they created stay, without a creator. Returns whether there was one.
   */
  async deleteUserByUsername(username: string): Promise<boolean> {
    const rows = await this.#driver.query(
      'delete from users where lower(username) = lower($1) returning id',
      [username],
    );
    return rows.length > 0;
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
    const [row] = await this.#driver.query(
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
      const [row] = await this.#driver.query(
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
    const [row] = await this.#driver.query(`select ${KEY_COLUMNS} from api_keys where key_hash = $1`, [
      keyHash,
    ]);
    return row === undefined ? undefined : toKey(row);
  }

  /** Every key, revoked ones included, oldest first. */
  async listApiKeys(): Promise<ApiKeyRecord[]> {
    const rows = await this.#driver.query(`select ${KEY_COLUMNS} from api_keys order by created_at, id`);
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
