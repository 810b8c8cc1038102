import { Command } from 'commander';

import { configKeys, flagName, loadConfig } from '../config.js';
import { createLogger } from '../observability/logger.js';

/**
 * `tickstream serve` (also `npm start`): the server with every interface, embedded storage by
 * default, the simulator on. Every configuration key is also a flag (`--http-port 9090`).
 */
export function serveCommand(): Command {
  const command = new Command('serve')
    .description('Run the server: REST, streams, dashboard, TCP and gRPC ingest, storage, simulator.')
    .option('--config <file>', 'JSON configuration file')
    .option('--no-ingest-servers', 'do not start the TCP and gRPC ingest servers');
  // Every key of the schema as a flag, so nothing needs a file for a quick change.
  for (const { key, schema } of configKeys()) {
    const description = (schema as { description?: string }).description ?? key;
    command.option(`--${flagName(key)} <value>`, `${description} (${key})`);
  }
  return command
    .addHelpText(
      'after',
      `
Environment: DATABASE_URL (a PostgreSQL server instead of embedded storage), PORT (HTTP port),
TICKSTREAM_ADMIN_PASSWORD (password of the first admin user), NODE_ENV, and TICKSTREAM_* for any key.

Examples:
  tickstream serve
  PORT=9090 tickstream serve --simulation-enabled false
  DATABASE_URL=postgres://postgres@127.0.0.1/tickstream tickstream serve --config prod.json`,
    )
    .action(async (options: Record<string, unknown>) => {
      const flags: Record<string, unknown> = {};
      for (const { key } of configKeys()) {
        const value = options[camel(flagName(key))];
        if (value !== undefined) flags[key] = value;
      }
      const config = loadConfig({ file: options.config as string | undefined, env: process.env, flags });
      const log = createLogger({ level: config.logLevel });
      // Loaded here, not at the top: the server's modules (HTTP, gRPC, GraphQL, NATS, …) take
      // seconds to load, and the other commands (analyze, user, --help, …) need none of them.
      const { startServer } = await import('../main.js');
      const server = await startServer(config, log, {
        env: process.env,
        ingestServers: options.ingestServers !== false,
      });
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: string): void => {
          if (stopping) {
            log.warn({ signal }, 'second signal: exiting without a clean shutdown');
            process.exit(1);
          }
          stopping = true;
          log.info({ signal }, 'shutting down');
          server.close().then(resolve, (err: unknown) => {
            log.error({ err }, 'shutdown failed');
            resolve();
          });
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });
      log.info('stopped');
    });
}

/** Commander's property name for a kebab-case flag. */
function camel(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}
