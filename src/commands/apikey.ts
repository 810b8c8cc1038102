import { randomUUID } from 'node:crypto';
import type { Writable } from 'node:stream';

import { Command } from 'commander';

import { AccountStore } from '../auth/account-store.js';
import { isRole, type Role } from '../auth/roles.js';
import { digest, newApiKey } from '../auth/secrets.js';
import { loadConfig } from '../config.js';
import { ErrorCode, TickstreamError } from '../errors.js';
import { openDatabase } from '../storage/database.js';

/**
 * `tickstream apikey add|list|remove`: API keys from the shell. `add --key` registers a key value
 * an earlier system handed out (the Express demo's static `x-api-key`), so its unchanged clients
 * keep writing (docs/compat.md); without `--key` a new key is generated and printed once. Only a
 * digest of the key is stored. Works on DATABASE_URL's database, else the embedded one under
 * dataDir (with no server running on it).
 */
export interface ApikeyCommandIo {
  readonly env: NodeJS.ProcessEnv;
  readonly out: Writable;
}

interface CommonOptions {
  readonly config?: string;
  readonly dataDir?: string;
}

/** Shortest key value `--key` takes: an earlier system's key is a shared secret too. */
const MIN_KEY_LENGTH = 8;

export function apikeyCommand(
  io: () => ApikeyCommandIo = () => ({ env: process.env, out: process.stdout }),
): Command {
  const command = new Command('apikey').description(
    'Manage API keys: add, list, remove (no server needs to run).',
  );
  const common = (c: Command) =>
    c
      .option('--config <file>', 'JSON configuration file')
      .option('--data-dir <dir>', 'embedded database directory (dataDir), when DATABASE_URL is not set');
  common(
    command
      .command('add')
      .description('Create an API key; printed once unless given with --key.')
      .requiredOption('--name <name>', 'what the key is for (shown in lists)')
      .option('--role <role>', 'reader, writer or admin', 'writer')
      .option(
        '--key <value>',
        `register this key value (an earlier system's key), at least ${MIN_KEY_LENGTH} characters`,
      ),
  ).action(async (options: CommonOptions & { name: string; role: string; key?: string }) => {
    await addKey(options, io());
  });
  common(
    command.command('list').description('List API keys: id, name, role, prefix, created, revoked.'),
  ).action(async (options: CommonOptions) => {
    await listKeys(options, io());
  });
  common(command.command('remove <id>').description('Revoke an API key (by the id `list` shows).')).action(
    async (id: string, options: CommonOptions) => {
      await removeKey(id, options, io());
    },
  );
  command.addHelpText(
    'after',
    `
Examples:
  tickstream apikey add --name feeder --role writer --key "$OLD_KEY"
  tickstream apikey add --name dashboard --role reader
  tickstream apikey list
  tickstream apikey remove 6f1c…`,
  );
  return command;
}

async function withStore<T>(
  options: CommonOptions,
  io: ApikeyCommandIo,
  use: (store: AccountStore) => Promise<T>,
): Promise<T> {
  const config = loadConfig({ file: options.config, env: io.env, flags: { dataDir: options.dataDir } });
  const database = await openDatabase({
    databaseUrl: io.env.DATABASE_URL === '' ? undefined : io.env.DATABASE_URL,
    dataDir: config.dataDir,
    poolSize: 1,
    connectTimeoutMs: config.storage.connectTimeoutMs,
  });
  try {
    await database.migrate();
    return await use(new AccountStore(database.driver));
  } finally {
    await database.close();
  }
}

export async function addKey(
  options: CommonOptions & { name: string; role: string; key?: string | undefined },
  io: ApikeyCommandIo,
): Promise<void> {
  const role: Role | undefined = isRole(options.role) ? options.role : undefined;
  if (role === undefined)
    throw new TickstreamError(
      ErrorCode.UsageInvalid,
      `unknown role ${options.role}: reader, writer or admin`,
    );
  const name = options.name.trim();
  if (name === '' || name.length > 100)
    throw new TickstreamError(ErrorCode.UsageInvalid, '--name: 1 to 100 characters');
  let key: string;
  let prefix: string;
  let hash: string;
  if (options.key === undefined) {
    ({ key, prefix, hash } = newApiKey());
  } else {
    key = options.key;
    if (key.length < MIN_KEY_LENGTH || key.length > 256 || /\s/.test(key))
      throw new TickstreamError(
        ErrorCode.UsageInvalid,
        `--key: ${MIN_KEY_LENGTH} to 256 characters without spaces`,
      );
    // Lists show the first characters only; the rest of a registered key is never printed.
    prefix = key.slice(0, 4);
    hash = digest(key);
  }
  const record = await withStore(options, io, (store) =>
    store.insertApiKey({ id: randomUUID(), name, prefix, keyHash: hash, role, createdBy: null }),
  );
  io.out.write(`created API key ${record.id} (${record.name}, ${record.role}, prefix ${record.prefix})\n`);
  if (options.key === undefined) io.out.write(`key: ${key}\n(shown once: keep it now)\n`);
}

export async function listKeys(options: CommonOptions, io: ApikeyCommandIo): Promise<void> {
  const keys = await withStore(options, io, (store) => store.listApiKeys());
  for (const k of keys) {
    const revoked = k.revokedAt === null ? '' : `  revoked ${new Date(k.revokedAt).toISOString()}`;
    io.out.write(
      `${k.id}  ${k.name}  ${k.role}  ${k.prefix}  created ${new Date(k.createdAt).toISOString()}${revoked}\n`,
    );
  }
}

export async function removeKey(id: string, options: CommonOptions, io: ApikeyCommandIo): Promise<void> {
  const removed = await withStore(options, io, (store) => store.revokeApiKey(id));
  if (!removed) throw new TickstreamError(ErrorCode.NotFound, `no API key ${id}`);
  io.out.write(`revoked API key ${id}\n`);
}
