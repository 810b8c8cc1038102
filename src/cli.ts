import { Command, CommanderError } from 'commander';

import { analyzeCommand } from './commands/analyze.js';
import { migrateCommand } from './commands/migrate.js';
import { serveCommand } from './commands/serve.js';
import { simulateCommand } from './commands/simulate.js';
import { userCommand } from './commands/user.js';
import { ErrorCode, isTickstreamError } from './errors.js';

/**
 * The `tickstream` command line: one sub-command per file in src/commands.
 */
export function program(): Command {
  return new Command('tickstream')
    .description(
      'tickstream: real-time market data — ingest ticks, live analytics, spike detection, storage and streaming APIs.',
    )
    .version(process.env.npm_package_version ?? '0.1.0', '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addCommand(serveCommand())
    .addCommand(analyzeCommand())
    .addCommand(simulateCommand())
    .addCommand(migrateCommand())
    .addCommand(userCommand());
}

export async function main(argv: string[]): Promise<number> {
  const cli = program().exitOverride();
  for (const command of cli.commands) command.exitOverride();
  try {
    await cli.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (isTickstreamError(err)) {
      process.stderr.write(`tickstream: ${err.message}\n`);
      return err.code === ErrorCode.UsageInvalid || err.code === ErrorCode.ConfigInvalid ? 2 : 1;
    }
    if ((err as NodeJS.ErrnoException).code === 'EPIPE') return 0;
    process.stderr.write(`tickstream: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  // A closed pipe (`tickstream simulate | head`) ends the output; it is not a failure.
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

process.exitCode = await main(process.argv);
