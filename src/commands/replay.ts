import { createReadStream } from 'node:fs';

import { Command, Option } from 'commander';

import { loadConfig } from '../config.js';
import { normalizeTimestamp } from '../core/tick.js';
import { ErrorCode, TickstreamError } from '../errors.js';
import { loadReplayTicks, parseSpeed, Replay, type ReplayStatus, type ReplayTick } from '../feeds/replay.js';
import { createLogger } from '../observability/logger.js';
import { tickFileReader } from './tick-file.js';

/**
 * `tickstream replay`: plays recorded ticks (CSV or NDJSON, the `analyze` readers) at N× their
 * recorded pace, through a running server (`--target http://…`, as `POST /api/prices/batch`) or
 * through an embedded one started for the replay (dashboard included). Progress on stderr.
 */
export function replayCommand(): Command {
  return new Command('replay')
    .description('Replay recorded ticks (CSV or NDJSON) through a server at N× their recorded pace.')
    .argument('<files...>', 'tick files (several are merged by event time)')
    .option('--speed <n>', 'recorded time per wall-clock time: 1 = real time, 10, 1000, or max', '1')
    .option('--from <time>', 'start at this recorded time (epoch ms or ISO-8601)')
    .option('--to <time>', 'stop before this recorded time')
    .option('--loop', 'start again at the end, until interrupted')
    .option('--rebase', 'each tick takes the time it is played as its event time (the default)')
    .option('--no-rebase', 'keep the recorded event times')
    .addOption(
      new Option('--format <format>', 'input format (default: from the extension)').choices([
        'ndjson',
        'csv',
      ]),
    )
    .option('--map <pairs>', 'take fields from other columns, e.g. symbol=id,volume=amount')
    .option('--target <url>', 'a running server, http://HOST:PORT (default: start one for the replay)')
    .option('--token <jwt>', 'with --target: access token of a writer')
    .option('--api-key <key>', 'with --target: API key of a writer')
    .option('--port <n>', 'without --target: HTTP port of the embedded server (default: http.port, 8080)')
    .option(
      '--data-dir <dir>',
      'without --target: storage of the embedded server (memory://: in memory, gone at exit)',
      'memory://',
    )
    .option('--config <file>', 'JSON configuration file')
    .addHelpText(
      'after',
      `
Without --target, an embedded server (simulator off, dashboard at http://localhost:8080) takes the
ticks and exits when the replay ends; sign in as admin (TICKSTREAM_ADMIN_PASSWORD, or the password
printed in its log). With --rebase (the default) each tick's event time becomes the moment it is
played, so the server's lateness rules and wall-clock candles behave as with live data; at N× the
market then looks N times faster. --no-rebase keeps the recorded times (as analyze does).

Examples:
  tickstream replay examples/data/btc_trades.csv --speed 60
  tickstream replay examples/data/nasdaq_trades.csv --map symbol=id --speed max --no-rebase
  tickstream replay examples/data/btc_trades.csv --target http://127.0.0.1:8080 --api-key "$KEY" --speed 100`,
    )
    .action(async (files: string[], options: ReplayCommandOptions) => {
      const stop = new AbortController();
      const onInterrupt = (): void => stop.abort();
      process.once('SIGINT', onInterrupt);
      try {
        await replay(files, options, process.stderr, stop.signal);
      } finally {
        process.off('SIGINT', onInterrupt);
      }
    });
}

export interface ReplayCommandOptions {
  readonly speed?: string;
  readonly from?: string;
  readonly to?: string;
  readonly loop?: boolean;
  readonly rebase?: boolean;
  readonly format?: 'ndjson' | 'csv';
  readonly map?: string;
  readonly target?: string;
  readonly token?: string;
  readonly apiKey?: string;
  readonly port?: string;
  readonly dataDir?: string;
  readonly config?: string;
}

export async function replay(
  files: readonly string[],
  options: ReplayCommandOptions,
  stderr: NodeJS.WritableStream & { isTTY?: boolean },
  signal?: AbortSignal,
): Promise<ReplayStatus> {
  const speed = parseSpeed(options.speed ?? '1');
  if (speed === undefined)
    throw new TickstreamError(
      ErrorCode.UsageInvalid,
      `--speed must be a number > 0 or max, got "${options.speed}"`,
    );
  const fromTs = time('--from', options.from);
  const toTs = time('--to', options.to);
  const ticks = await loadFiles(files, options, fromTs, toTs, stderr);
  if (ticks.length === 0) throw new TickstreamError(ErrorCode.UsageInvalid, 'no ticks to replay');
  const rebase = options.rebase !== false;
  const live = stderr.isTTY === true;
  let lastLine = 0;
  const progress = (status: ReplayStatus, force = false): void => {
    const now = Date.now();
    if (!force && now - lastLine < 1000) return;
    lastLine = now;
    const line = progressBar(status);
    stderr.write(live ? `\r\x1b[K${line}` : `${line}\n`);
  };

  if (options.target !== undefined) {
    for (const [flag, value] of [
      ['--port', options.port],
      ['--data-dir', options.dataDir === 'memory://' ? undefined : options.dataDir],
    ] as const) {
      if (value !== undefined)
        throw new TickstreamError(ErrorCode.UsageInvalid, `${flag} does not apply with --target`);
    }
    const { parseTarget } = await import('../ingest/load/load-target.js');
    const { HttpTarget } = await import('../ingest/load/http-target.js');
    const address = parseTarget(options.target);
    if (address.protocol !== 'http')
      throw new TickstreamError(ErrorCode.UsageInvalid, '--target must be http://HOST:PORT for a replay');
    const target = new HttpTarget(address, { token: options.token, apiKey: options.apiKey });
    const status = await play(
      new Replay({
        ticks,
        speed,
        rebase,
        loop: options.loop === true,
        // The server answers per batch: sent one after the other, so a symbol's ticks stay in order.
        batchSize: 1000,
        ingest: async (batch) => {
          const accepted = target.accepted;
          const rejected = { ...target.rejected };
          await target.send(batch);
          const refused: Array<{ reason: string }> = [];
          for (const [reason, n] of Object.entries(target.rejected))
            for (let k = n - (rejected[reason] ?? 0); k > 0; k--) refused.push({ reason });
          return { accepted: target.accepted - accepted, rejected: refused };
        },
        onProgress: (s) => progress(s),
      }),
      signal,
    );
    await target.close();
    finish(status, live, stderr, progress, `to ${options.target}`);
    return status;
  }

  for (const [flag, value] of [
    ['--token', options.token],
    ['--api-key', options.apiKey],
  ] as const) {
    if (value !== undefined) throw new TickstreamError(ErrorCode.UsageInvalid, `${flag} needs --target`);
  }
  const config = loadConfig({
    file: options.config,
    env: process.env,
    flags: {
      'simulation.enabled': false,
      dataDir: options.dataDir,
      ...(options.port === undefined ? {} : { 'http.port': options.port }),
    },
  });
  const { startServer } = await import('../main.js');
  const log = createLogger({ level: config.logLevel === 'info' ? 'warn' : config.logLevel });
  const server = await startServer(config, log, { env: process.env, ingestServers: false });
  try {
    stderr.write(
      `tickstream replay: ${ticks.length} ticks; the dashboard is at ${server.url.replace('0.0.0.0', 'localhost')}\n`,
    );
    const status = await play(
      new Replay({
        ticks,
        speed,
        rebase,
        loop: options.loop === true,
        admission: server.storage.writer.admission,
        ingest: (batch, receivedAt) => server.engine.ingest(batch, 'replay:cli', receivedAt),
        onProgress: (s) => progress(s),
      }),
      signal,
    );
    const counters = server.engine.counters();
    finish(status, live, stderr, progress, `through ${server.url}; anomalies ${counters.anomalies}`);
    return status;
  } finally {
    await server.close();
  }
}

async function play(replay: Replay, signal: AbortSignal | undefined): Promise<ReplayStatus> {
  const onAbort = (): void => replay.stop();
  signal?.addEventListener('abort', onAbort, { once: true });
  replay.start();
  try {
    return await replay.done;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

function finish(
  status: ReplayStatus,
  live: boolean,
  stderr: NodeJS.WritableStream,
  progress: (s: ReplayStatus, force: boolean) => void,
  where: string,
): void {
  progress(status, true);
  if (live) stderr.write('\n');
  const reasons = Object.entries(status.rejectedByReason)
    .map(([reason, n]) => `${reason}: ${n}`)
    .join(', ');
  stderr.write(
    `tickstream replay: ${status.state}: sent ${status.sent} ticks ${where}; accepted ${status.accepted}, rejected ${status.rejected}${reasons === '' ? '' : ` (${reasons})`}\n`,
  );
  if (status.state === 'failed')
    throw new TickstreamError(ErrorCode.TargetRefused, `replay failed: ${status.error ?? 'unknown error'}`);
}

/** `[#####-----]  43%  2023-09-05T16:25:50Z  10×  sent 2,531  accepted 2,531` */
export function progressBar(s: ReplayStatus): string {
  const span = (s.endTs ?? 0) - (s.startTs ?? 0);
  const share =
    span > 0 && s.positionTs !== null
      ? Math.min(1, Math.max(0, (s.positionTs - s.startTs!) / span))
      : s.total > 0
        ? s.played / s.total
        : 1;
  const width = 20;
  const filled = Math.round(share * width);
  const at =
    s.positionTs === null
      ? '-'
      : new Date(Math.min(s.positionTs, s.endTs ?? s.positionTs)).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const speed = s.speed === 'max' ? 'max' : `${s.speed}×`;
  const n = (v: number): string => v.toLocaleString('en-US');
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(share * 100)).padStart(3)}%  ${at}  ${speed}  sent ${n(s.sent)}  accepted ${n(s.accepted)}${s.rounds > 0 ? `  round ${s.rounds + 1}` : ''}`;
}

function time(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = normalizeTimestamp(text, NaN);
  if (Number.isNaN(ms))
    throw new TickstreamError(ErrorCode.UsageInvalid, `${flag} must be epoch ms or ISO-8601, got "${text}"`);
  return ms;
}

async function loadFiles(
  files: readonly string[],
  options: ReplayCommandOptions,
  fromTs: number | undefined,
  toTs: number | undefined,
  stderr: NodeJS.WritableStream,
): Promise<ReplayTick[]> {
  const all: ReplayTick[] = [];
  for (const file of files) {
    const reader = tickFileReader(file, options.format, options.map);
    const input = createReadStream(file);
    await new Promise<void>((resolve, reject) => {
      input.once('open', () => resolve());
      input.once('error', reject);
    }).catch((err: unknown) => {
      throw new TickstreamError(ErrorCode.InputUnreadable, `cannot read ${file}: ${(err as Error).message}`, {
        cause: err,
      });
    });
    const loaded = await loadReplayTicks(input, reader, {
      fromTs,
      toTs,
      onBadRecord: (record) =>
        stderr.write(`tickstream replay: ${file} line ${record.line}: ${record.error} (skipped)\n`),
    });
    for (const tick of loaded.ticks) all.push(tick);
  }
  if (files.length > 1) {
    // One timeline; sort is stable, so ticks of one time keep their file order.
    const key = (t: ReplayTick): number => (t.ts === t.ts ? t.ts : -Infinity);
    all.sort((a, b) => key(a) - key(b));
  }
  return all;
}
