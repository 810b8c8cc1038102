import { createReadStream } from 'node:fs';
import type { Writable } from 'node:stream';

import { Command, Option } from 'commander';

import { loadConfig } from '../config.js';
import { normalizeTimestamp } from '../core/tick.js';
import { ErrorCode, TickstreamError } from '../errors.js';
import { readTickBatches } from '../feeds/read-ticks.js';
import { simulatorOptions } from '../feeds/market-profiles.js';
import { Simulator } from '../feeds/simulator.js';
import type { LoadSummary, TickSource } from '../ingest/load/load-generator.js';
import { NdjsonOutput } from './ndjson-output.js';
import { tickFileReader } from './tick-file.js';

/**
 * `tickstream simulate`: simulated ticks as NDJSON on stdout, as fast as the reader takes them,
 * with event times at `--rate` per second from `--start`. `simulate | analyze -` works, and the
 * same seed and start give the same bytes.
 *
 * With `--target`, it is a load generator instead: it sends simulated ticks (event times on the
 * wall clock) or a replayed file (`--file`) to a server over TCP, gRPC or HTTP at `--rate` ticks
 * per second of wall-clock time, printing progress on stderr (src/ingest/load).
 */
export function simulateCommand(): Command {
  return new Command('simulate')
    .description('Write simulated ticks as NDJSON to stdout, or send them (or a file) to a server.')
    .option(
      '--rate <n>',
      'ticks per second, all symbols together; with --target, of wall-clock time, or "max" (default: simulation.ticksPerSecond)',
    )
    .option(
      '--duration <seconds>',
      'seconds of event time to generate; with --target, seconds to run (default: 10; with --file, the whole file)',
    )
    .option('--seed <seed>', 'seed for a reproducible run (default: random, printed on stderr)')
    .option('--symbols <list>', 'comma-separated symbols (default: simulation.symbols)')
    .addOption(
      new Option('--model <model>', 'price model (default: simulation.model)').choices(['walk', 'gbm']),
    )
    .option('--start <time>', 'event time of the first tick, epoch ms or ISO-8601 (default: now)')
    .option('--realtime', 'pace the output to the wall clock instead of writing as fast as possible')
    .option('--config <file>', 'JSON configuration file (simulation.* options)')
    .option(
      '--target <url>',
      'send the ticks to a server: tcp://HOST:PORT, grpc://HOST:PORT or http://HOST:PORT',
    )
    .option(
      '--connections <n>',
      'with --target: connections (or gRPC streams) to spread the symbols over',
      '1',
    )
    .option('--file <path>', 'with --target: replay this CSV or NDJSON file instead of simulating')
    .addOption(
      new Option('--format <format>', 'with --file: its format (default: from the extension)').choices([
        'ndjson',
        'csv',
      ]),
    )
    .option('--map <pairs>', 'with --file: take fields from other columns, e.g. symbol=id,volume=amount')
    .option('--token <jwt>', 'with an http or grpc --target: access token, sent as Authorization: Bearer')
    .option('--api-key <key>', 'with an http or grpc --target: API key, sent as x-api-key')
    .addHelpText(
      'after',
      `
Each line: {"symbol":"AAPL","price":100.0123,"volume":87,"timestamp":1700000000000}

With --target, a live progress line (sent, accepted, rate) goes to stderr and a summary follows.
TCP has no acknowledgements, so there only the server's counters tell what it accepted.

Examples:
  tickstream simulate --duration 60 --seed 7 --start 2024-01-02T14:30:00Z > ticks.ndjson
  tickstream simulate --model gbm --rate 5000 --duration 600 | tickstream analyze -
  tickstream simulate --target tcp://127.0.0.1:50050 --rate max --duration 30 --connections 4
  tickstream simulate --target grpc://127.0.0.1:50051 --token "$TOKEN" --rate 100000
  tickstream simulate --target http://127.0.0.1:8080 --api-key "$KEY" --file examples/data/btc_trades.csv --rate max`,
    )
    .action(async (options: SimulateOptions) => {
      if (options.target === undefined) {
        await simulate(options, process.stdout, process.stderr);
        return;
      }
      const stop = new AbortController();
      const onInterrupt = (): void => stop.abort();
      process.once('SIGINT', onInterrupt);
      try {
        await simulateToTarget(options, process.stderr, stop.signal);
      } finally {
        process.off('SIGINT', onInterrupt);
      }
    });
}

export interface SimulateOptions {
  readonly rate?: string;
  readonly duration?: string;
  readonly seed?: string;
  readonly symbols?: string;
  readonly model?: string;
  readonly start?: string;
  readonly realtime?: boolean;
  readonly config?: string;
  readonly target?: string;
  readonly connections?: string;
  readonly file?: string;
  readonly format?: 'ndjson' | 'csv';
  readonly map?: string;
  readonly token?: string;
  readonly apiKey?: string;
}

export async function simulate(
  options: SimulateOptions,
  stdout: Writable,
  stderr: NodeJS.WritableStream,
): Promise<number> {
  for (const [flag, value] of [
    ['--file', options.file],
    ['--connections', options.connections === '1' ? undefined : options.connections],
    ['--token', options.token],
    ['--api-key', options.apiKey],
  ] as const) {
    if (value !== undefined) throw new TickstreamError(ErrorCode.UsageInvalid, `${flag} needs --target`);
  }
  const config = loadConfig({
    file: options.config,
    env: process.env,
    flags: {
      'simulation.ticksPerSecond': options.rate,
      'simulation.seed': options.seed,
      'simulation.symbols': options.symbols,
      'simulation.model': options.model,
    },
  });
  const duration = Number(options.duration ?? '10');
  if (!(duration > 0) || !Number.isFinite(duration)) {
    throw new TickstreamError(
      ErrorCode.UsageInvalid,
      `--duration must be a number of seconds > 0, got "${options.duration}"`,
    );
  }
  const now = Date.now();
  const start = options.start === undefined ? now : normalizeTimestamp(options.start, now);
  if (Number.isNaN(start)) {
    throw new TickstreamError(
      ErrorCode.UsageInvalid,
      `--start must be epoch ms or an ISO-8601 time, got "${options.start}"`,
    );
  }
  const sim = config.simulation;
  const simulator = new Simulator(simulatorOptions(sim));
  if (sim.seed === undefined) stderr.write(`tickstream simulate: seed ${simulator.seed}\n`);
  const total = Math.round(duration * sim.ticksPerSecond);
  const out = new NdjsonOutput(stdout);
  const startedAt = Date.now();
  let written = 0;
  for (const tick of simulator.ticks(start)) {
    if (written === total) break;
    out.write(tick);
    written++;
    if (options.realtime === true && written % 100 === 0) {
      await out.flush();
      const due = startedAt + ((tick.timestamp as number) - start);
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    } else await out.flushIfFull();
  }
  await out.flush();
  return written;
}

/** Below a positive number (or "max" for the rate) is a usage error naming the flag. */
function positive(flag: string, text: string | undefined, fallback: number | undefined): number | undefined {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n)) {
    throw new TickstreamError(ErrorCode.UsageInvalid, `${flag} must be a number > 0, got "${text}"`);
  }
  return n;
}

/**
 * `simulate --target`: the load generator. Resolves with the summary once everything sent is
 * closed (and, for HTTP and gRPC, answered); `signal` stops it early (Ctrl-C).
 */
export async function simulateToTarget(
  options: SimulateOptions,
  stderr: NodeJS.WritableStream & { isTTY?: boolean },
  signal?: AbortSignal,
): Promise<LoadSummary> {
  // Loaded here, not at the top: gRPC and protobuf take a while to load, and the other commands
  // (and simulate without a target) need none of it.
  const [{ ReplayedTicks, runLoad, SimulatedTicks }, { parseTarget }, { progressLine, summaryLine }] =
    await Promise.all([
      import('../ingest/load/load-generator.js'),
      import('../ingest/load/load-target.js'),
      import('../ingest/load/load-report.js'),
    ]);
  const target = parseTarget(options.target ?? '');
  const max = options.rate?.trim().toLowerCase() === 'max';
  const config = loadConfig({
    file: options.config,
    env: process.env,
    flags: {
      'simulation.ticksPerSecond': max ? undefined : options.rate,
      'simulation.seed': options.seed,
      'simulation.symbols': options.symbols,
      'simulation.model': options.model,
    },
  });
  const rate = max ? Infinity : config.simulation.ticksPerSecond;
  const connections = Number(options.connections ?? '1');
  if (!Number.isInteger(connections) || connections < 1 || connections > 1024) {
    throw new TickstreamError(
      ErrorCode.UsageInvalid,
      `--connections must be a whole number from 1 to 1024, got "${options.connections}"`,
    );
  }
  for (const flag of ['--start', '--realtime'] as const) {
    if ((flag === '--start' ? options.start : options.realtime) !== undefined) {
      throw new TickstreamError(
        ErrorCode.UsageInvalid,
        `${flag} does not apply with --target (event times are the wall clock)`,
      );
    }
  }
  if (target.protocol === 'tcp' && (options.token !== undefined || options.apiKey !== undefined)) {
    stderr.write(
      'tickstream simulate: TCP ingest takes no credentials (tcp.allow guards it); --token and --api-key are not sent\n',
    );
  }
  let source: TickSource;
  let durationMs: number | undefined;
  const name = options.file ?? '';
  if (options.file !== undefined) {
    const reader = tickFileReader(name, options.format, options.map);
    const input = createReadStream(name);
    const opened = new Promise<void>((resolve, reject) => {
      input.once('open', () => resolve());
      input.once('error', reject);
    });
    await opened.catch((err: unknown) => {
      throw new TickstreamError(ErrorCode.InputUnreadable, `cannot read ${name}: ${(err as Error).message}`, {
        cause: err,
      });
    });
    source = new ReplayedTicks(readTickBatches(input, reader), (record) =>
      stderr.write(`tickstream simulate: ${name} line ${record.line}: ${record.error} (skipped)\n`),
    );
    const seconds = positive('--duration', options.duration, undefined);
    durationMs = seconds === undefined ? undefined : seconds * 1000;
  } else {
    if (options.map !== undefined || options.format !== undefined) {
      throw new TickstreamError(ErrorCode.UsageInvalid, '--format and --map need --file');
    }
    const sim = config.simulation;
    const simulator = new Simulator(simulatorOptions(sim));
    if (sim.seed === undefined) stderr.write(`tickstream simulate: seed ${simulator.seed}\n`);
    source = new SimulatedTicks(simulator);
    durationMs = positive('--duration', options.duration, 10)! * 1000;
  }
  const live = stderr.isTTY === true;
  const summary = await runLoad({
    target,
    auth: { token: options.token, apiKey: options.apiKey },
    connections,
    ratePerSecond: rate,
    durationMs,
    source,
    signal,
    onProgress: (p) => stderr.write(live ? `\r\x1b[K${progressLine(p)}` : `${progressLine(p)}\n`),
  });
  if (live) stderr.write('\r\x1b[K');
  stderr.write(`tickstream simulate: ${summaryLine(summary, target.text, connections)}\n`);
  return summary;
}
