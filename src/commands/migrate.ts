import type { Writable } from 'node:stream';

import { Command } from 'commander';

import { loadConfig } from '../config.js';
import { openDatabase, redactUrl } from '../storage/database.js';

export interface MigrateOptions {
  readonly config?: string;
  readonly dataDir?: string;
}

/**
 * `tickstream migrate`: applies the schema migrations the database lacks and reports every
 * migration, so an operator can migrate before starting (or upgrading) servers. The server also
 * migrates at start. The database is DATABASE_URL's, else the embedded one under `dataDir`.
 */
export function migrateCommand(): Command {
  return new Command('migrate')
    .description('Apply the database schema migrations and list them.')
    .option('--config <file>', 'JSON configuration file')
    .option('--data-dir <dir>', 'embedded database directory (dataDir), when DATABASE_URL is not set')
    .addHelpText(
      'after',
      `
The database: DATABASE_URL (a PostgreSQL server) when set, else the embedded database in
<dataDir>/pglite. Each migration runs once, in its own transaction, recorded in schema_migrations.
Running it again changes nothing. An embedded database cannot be migrated while a server has it open.

Examples:
  tickstream migrate
  tickstream migrate --data-dir /var/lib/tickstream
  DATABASE_URL=postgres://tickstream@db.internal/tickstream tickstream migrate`,
    )
    .action(async (options: MigrateOptions) => {
      await migrate(options, process.env, process.stdout);
    });
}

export async function migrate(options: MigrateOptions, env: NodeJS.ProcessEnv, out: Writable): Promise<void> {
  const config = loadConfig({ file: options.config, env, flags: { dataDir: options.dataDir } });
  const databaseUrl = env.DATABASE_URL === '' ? undefined : env.DATABASE_URL;
  const database = await openDatabase({
    databaseUrl,
    dataDir: config.dataDir,
    poolSize: 1,
    connectTimeoutMs: config.storage.connectTimeoutMs,
  });
  try {
    const where =
      databaseUrl === undefined
        ? `embedded database in ${config.dataDir}`
        : `PostgreSQL ${redactUrl(databaseUrl)}`;
    const statuses = await database.migrate();
    out.write(`${where}\n`);
    for (const m of statuses) {
      const state = m.applied ? 'applied now' : `applied ${new Date(m.appliedAt).toISOString()}`;
      out.write(`  ${String(m.version).padStart(4, '0')}  ${m.name}  (${state})\n`);
    }
    const fresh = statuses.filter((m) => m.applied).length;
    out.write(
      `schema at version ${statuses.at(-1)?.version ?? 0}: ${fresh === 0 ? 'up to date' : `${fresh} migration(s) applied`}\n`,
    );
  } finally {
    await database.close();
  }
}
