import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';

import { Command } from 'commander';

import { hashPassword, passwordProblem } from '../auth/passwords.js';
import type { Role } from '../auth/roles.js';
import { randomToken } from '../auth/secrets.js';
import { roleFromName, type RoleNames } from '../compat/dotnet/shapes.js';
import { loadConfig } from '../config.js';
import { ErrorCode, TickstreamError } from '../errors.js';
import { AccountStore, type UserRecord } from '../auth/account-store.js';
import { openDatabase, type DatabaseLocation } from '../storage/database.js';

/**
 * `tickstream user add|passwd|list|remove|import`: accounts managed from the shell, for a first
 * admin, for scripts, and for moving the users of an earlier system (docs/compat.md). Roles are
 * tickstream's (reader, writer, admin) or their .NET names (`User`, `Admin`: compat.dotnet.roleNames).
 * Works on DATABASE_URL's database, else the embedded one under dataDir (with no server running).
 */

export interface UserCommandIo {
  readonly env: NodeJS.ProcessEnv;
  readonly out: Writable;
  /** Where --password-stdin reads from. */
  readonly stdin?: Readable;
  /** Test support: where an embedded database starts from. */
  readonly loadDataDir?: Blob;
}

interface CommonOptions {
  readonly config?: string;
  readonly dataDir?: string;
}

interface PasswordOptions extends CommonOptions {
  readonly passwordStdin?: boolean;
}

/** One user in an import file. */
interface ImportedUser {
  readonly username: string;
  readonly email: string;
  readonly role: string;
  readonly password?: string;
  readonly firstName?: string | null;
  readonly lastName?: string | null;
  readonly active?: boolean;
}

export function userCommand(io: () => UserCommandIo = defaultIo): Command {
  const command = new Command('user').description(
    'Manage user accounts: add, passwd, list, remove, import (no server needs to run).',
  );
  const common = (c: Command) =>
    c
      .option('--config <file>', 'JSON configuration file')
      .option('--data-dir <dir>', 'embedded database directory (dataDir), when DATABASE_URL is not set');
  common(
    command
      .command('add <username>')
      .description('Create a user; the password is read from stdin, or generated and printed once.')
      .requiredOption('--email <email>', 'email address')
      .option('--role <role>', 'reader, writer, admin (or the .NET names User, Admin)', 'reader')
      .option('--password-stdin', 'read the password from the first line of stdin'),
  ).action(async (username: string, options: PasswordOptions & { email: string; role: string }) => {
    await addUser(username, options, io());
  });
  common(
    command
      .command('passwd <username>')
      .description('Set a user’s password (stdin, or generated and printed once); their sessions end.')
      .option('--password-stdin', 'read the password from the first line of stdin'),
  ).action(async (username: string, options: PasswordOptions) => {
    await setPassword(username, options, io());
  });
  common(command.command('list').description('List users: username, email, role, active.')).action(
    async (options: CommonOptions) => {
      await listUsers(options, io());
    },
  );
  common(command.command('remove <username>').description('Delete a user and their sessions.')).action(
    async (username: string, options: CommonOptions) => {
      await deleteUser(username, options, io());
    },
  );
  common(
    command
      .command('import <file>')
      .description(
        'Create users from a JSON array of {username, email, role, password?, firstName?, lastName?, active?}; an existing username gets the role.',
      ),
  ).action(async (file: string, options: CommonOptions) => {
    await importUsers(file, options, io());
  });
  command.addHelpText(
    'after',
    `
Examples:
  tickstream user add alice --email alice@example.com --role writer
  printf '%s\\n' "$PASSWORD" | tickstream user add feeder --email ops@example.com --role User --password-stdin
  tickstream user passwd alice
  tickstream user list
  tickstream user remove alice
  tickstream user import users.json`,
  );
  return command;
}

function defaultIo(): UserCommandIo {
  return { env: process.env, out: process.stdout, stdin: process.stdin };
}

async function withStore<T>(
  options: CommonOptions,
  io: UserCommandIo,
  use: (store: AccountStore, roleNames: RoleNames) => Promise<T>,
): Promise<T> {
  const config = loadConfig({ file: options.config, env: io.env, flags: { dataDir: options.dataDir } });
  const location: DatabaseLocation = {
    databaseUrl: io.env.DATABASE_URL === '' ? undefined : io.env.DATABASE_URL,
    dataDir: config.dataDir,
    poolSize: 1,
    connectTimeoutMs: config.storage.connectTimeoutMs,
    ...(io.loadDataDir === undefined ? {} : { loadDataDir: io.loadDataDir }),
  };
  const database = await openDatabase(location);
  try {
    await database.migrate();
    return await use(new AccountStore(database.driver), config.compat.dotnet.roleNames);
  } finally {
    await database.close();
  }
}

function roleOf(name: string, roleNames: RoleNames): Role {
  const role = roleFromName(name, roleNames);
  if (role === undefined) {
    const known = Object.entries(roleNames).map(([r, alias]) => `${r} (${alias})`);
    throw new TickstreamError(ErrorCode.UsageInvalid, `unknown role ${name}: one of ${known.join(', ')}`);
  }
  return role;
}

/** The password from stdin when asked, else a generated one (printed once by the caller). */
async function passwordFrom(
  options: PasswordOptions,
  io: UserCommandIo,
): Promise<{ password: string; generated: boolean }> {
  if (options.passwordStdin !== true) return { password: randomToken(12), generated: true };
  if (io.stdin === undefined)
    throw new TickstreamError(ErrorCode.UsageInvalid, 'no stdin to read the password from');
  let text = '';
  for await (const chunk of io.stdin) text += String(chunk);
  const password = text.split(/\r?\n/)[0] ?? '';
  const problem = passwordProblem(password);
  if (problem !== undefined) throw new TickstreamError(ErrorCode.UsageInvalid, problem);
  return { password, generated: false };
}

export async function addUser(
  username: string,
  options: PasswordOptions & { email: string; role: string },
  io: UserCommandIo,
): Promise<void> {
  const { password, generated } = await passwordFrom(options, io);
  await withStore(options, io, async (store, roleNames) => {
    const role = roleOf(options.role, roleNames);
    const user = await store.createUser({
      id: randomUUID(),
      username,
      email: options.email.toLowerCase(),
      passwordHash: await hashPassword(password),
      firstName: null,
      lastName: null,
      role,
    });
    io.out.write(`created ${user.username} (${user.role})\n`);
    if (generated) io.out.write(`password: ${password}\n`);
  });
}

export async function setPassword(
  username: string,
  options: PasswordOptions,
  io: UserCommandIo,
): Promise<void> {
  const { password, generated } = await passwordFrom(options, io);
  await withStore(options, io, async (store) => {
    const user = await findUser(store, username);
    await store.updatePasswordHash(user.id, await hashPassword(password));
    // A new password ends every session, as a change through the API does.
    await store.revokeUserRefreshTokens(user.id);
    io.out.write(`password of ${user.username} changed\n`);
    if (generated) io.out.write(`password: ${password}\n`);
  });
}

export async function listUsers(options: CommonOptions, io: UserCommandIo): Promise<void> {
  await withStore(options, io, async (store, roleNames) => {
    const users = await store.listUsers();
    const rows = [
      ['username', 'email', 'role', '.NET role', 'active'],
      ...users.map((u) => [u.username, u.email, u.role, roleNames[u.role], u.active ? 'yes' : 'no']),
    ];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const row of rows)
      io.out.write(
        `${row
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join('  ')
          .trimEnd()}\n`,
      );
  });
}

export async function deleteUser(username: string, options: CommonOptions, io: UserCommandIo): Promise<void> {
  await withStore(options, io, async (store) => {
    if (!(await store.deleteUserByUsername(username)))
      throw new TickstreamError(ErrorCode.NotFound, `no user ${username}`);
    io.out.write(`removed ${username}\n`);
  });
}

export async function importUsers(file: string, options: CommonOptions, io: UserCommandIo): Promise<void> {
  const users = parseImport(file);
  await withStore(options, io, async (store, roleNames) => {
    // Every role is checked before anything is written.
    const roles = users.map((u) => roleOf(u.role, roleNames));
    let created = 0;
    let updated = 0;
    for (const [i, user] of users.entries()) {
      const role = roles[i]!;
      const existing = await store.findUserByUsername(user.username);
      if (existing !== undefined) {
        if (existing.role !== role) await store.updateUserRole(existing.id, role);
        if (user.active !== undefined && existing.active !== user.active)
          await store.setUserActive(existing.id, user.active);
        if (user.password !== undefined)
          await store.updatePasswordHash(existing.id, await hashPassword(user.password));
        if (existing.role !== role || user.password !== undefined || user.active === false)
          await store.revokeUserRefreshTokens(existing.id);
        io.out.write(`updated ${existing.username} (${role})\n`);
        updated++;
        continue;
      }
      const password = user.password ?? randomToken(12);
      await store.createUser({
        id: randomUUID(),
        username: user.username,
        email: user.email.toLowerCase(),
        passwordHash: await hashPassword(password),
        firstName: user.firstName ?? null,
        lastName: user.lastName ?? null,
        role,
        active: user.active ?? true,
      });
      io.out.write(
        `created ${user.username} (${role})${user.password === undefined ? `, password: ${password}` : ''}\n`,
      );
      created++;
    }
    io.out.write(`${created} created, ${updated} updated\n`);
  });
}

async function findUser(store: AccountStore, username: string): Promise<UserRecord> {
  const user = await store.findUserByUsername(username);
  if (user === undefined) throw new TickstreamError(ErrorCode.NotFound, `no user ${username}`);
  return user;
}

function parseImport(file: string): ImportedUser[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new TickstreamError(ErrorCode.UsageInvalid, `cannot read ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (!Array.isArray(parsed))
    throw new TickstreamError(ErrorCode.UsageInvalid, `${file} must hold a JSON array of users`);
  const allowed = new Set(['username', 'email', 'role', 'password', 'firstName', 'lastName', 'active']);
  return parsed.map((item: unknown, i) => {
    const where = `${file}: user ${i}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      throw new TickstreamError(ErrorCode.UsageInvalid, `${where} is not an object`);
    const user = item as Record<string, unknown>;
    for (const key of Object.keys(user))
      if (!allowed.has(key))
        throw new TickstreamError(ErrorCode.UsageInvalid, `${where}: unknown field ${key}`);
    for (const key of ['username', 'email', 'role'])
      if (typeof user[key] !== 'string' || user[key] === '')
        throw new TickstreamError(ErrorCode.UsageInvalid, `${where}: ${key} must be a non-empty string`);
    if (user.password !== undefined) {
      const problem =
        typeof user.password === 'string' ? passwordProblem(user.password) : 'password must be a string';
      if (problem !== undefined) throw new TickstreamError(ErrorCode.UsageInvalid, `${where}: ${problem}`);
    }
    for (const key of ['firstName', 'lastName'])
      if (user[key] !== undefined && user[key] !== null && typeof user[key] !== 'string')
        throw new TickstreamError(ErrorCode.UsageInvalid, `${where}: ${key} must be a string or null`);
    if (user.active !== undefined && typeof user.active !== 'boolean')
      throw new TickstreamError(ErrorCode.UsageInvalid, `${where}: active must be true or false`);
    return user as unknown as ImportedUser;
  });
}
