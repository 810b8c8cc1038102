import { createReadStream } from 'node:fs';
import type { Writable } from 'node:stream';

import { Command, Option } from 'commander';

import { loadConfig } from '../config.js';
import { CANDLE_BAR_FIELDS, type CandleData } from '../core/candles.js';
import type { SymbolStats } from '../core/symbol-state.js';
import { pickFields } from '../core/record-fields.js';
import type { RawTick } from '../core/tick.js';
import { Engine } from '../engine/engine.js';
import { PartitionPool } from '../engine/partition-pool.js';
import { TickBatch } from '../engine/tick-batch.js';
import { ErrorCode, TickstreamError } from '../errors.js';
import { readTickBatches } from '../feeds/read-ticks.js';
import { NdjsonOutput } from './ndjson-output.js';
import { tickFileReader } from './tick-file.js';

/**
 * `tickstream analyze` (DESIGN §3.6): reads a tick file and writes what the engine makes of it as
 * NDJSON events, deterministically and in event time only: no wall clock, no future-time check,
 * and a tick without a timestamp is refused as `invalid_timestamp`.
 */
export function analyzeCommand(): Command {
  return new Command('analyze')
    .description('Run the analytics over a tick file (CSV or NDJSON) and print NDJSON events.')
    .argument('[file]', 'tick file, or - for standard input', '-')
    .addOption(
      new Option('--format <format>', 'input format (default: from the extension, else ndjson)').choices([
        'ndjson',
        'csv',
      ]),
    )
    .option('--map <pairs>', 'take fields from other columns, e.g. symbol=id,volume=amount')
    .option('--intervals <list>', 'candle intervals, e.g. 1m,5m (default: config intervals)')
    .option('--window-ms <n>', 'spike detector window in ms (slidingWindowMilliseconds)')
    .option('--threshold-percent <x>', 'spike threshold in percent (anomalyThresholdPercent)')
    .option('--ma-window <n>', 'moving average window in ticks (movingAverageWindow)')
    .option('--lateness-ms <n>', 'allowed lateness in ms (allowedLatenessMs)')
    .addOption(
      new Option('--anomaly-mode <mode>', 'one anomaly per move, or one per tick').choices([
        'episode',
        'every',
      ]),
    )
    .option('--partitions <n>', 'symbol partitions, each on a worker thread above 1 (same output)', '1')
    .option('--source <name>', 'source name of ticks that carry none', 'file')
    .option('--config <file>', 'JSON configuration file')
    .addHelpText(
      'after',
      `
Output, one JSON object per line, in the order things happen (times in epoch ms):
  {"type":"anomaly","symbol",..,"direction","price","ts","referencePrice","referenceTs","changePercent","severity","windowMs","thresholdPercent"}
  {"type":"candle","symbol","interval","start","end","open","high","low","close","volume","trades","vwap"}
  {"type":"rejected","index","reason"}     index: 0-based position of the tick in the input
  {"type":"gap","symbol","source","from","to"}
then the candles still open (by symbol, interval, start) and one "stats" line per symbol.
Records that cannot be read are reported on stderr with their line number and skipped.

Examples:
  tickstream analyze examples/data/btc_trades.csv --intervals 1m
  tickstream analyze examples/data/nasdaq_trades.csv --map symbol=id --threshold-percent 0.05
  tickstream simulate --duration 60 --model gbm | tickstream analyze -`,
    )
    .action(async (file: string, options: AnalyzeOptions) => {
      await analyze(file, options, process.stdout, process.stderr);
    });
}

export interface AnalyzeOptions {
  readonly format?: 'ndjson' | 'csv';
  readonly map?: string;
  readonly intervals?: string;
  readonly windowMs?: string;
  readonly thresholdPercent?: string;
  readonly maWindow?: string;
  readonly latenessMs?: string;
  readonly anomalyMode?: string;
  readonly source?: string;
  readonly config?: string;
  /** Symbol partitions; above 1 each runs on a worker thread. The output is the same for every count. */
  readonly partitions?: string;
}

export interface AnalyzeSummary {
  readonly ticks: number;
  readonly badRecords: number;
}

export async function analyze(
  file: string,
  options: AnalyzeOptions,
  stdout: Writable,
  stderr: NodeJS.WritableStream,
  input?: AsyncIterable<string | Uint8Array>,
): Promise<AnalyzeSummary> {
  const config = loadConfig({
    file: options.config,
    env: process.env,
    flags: {
      intervals: options.intervals,
      slidingWindowMilliseconds: options.windowMs,
      anomalyThresholdPercent: options.thresholdPercent,
      movingAverageWindow: options.maWindow,
      allowedLatenessMs: options.latenessMs,
      anomalyMode: options.anomalyMode,
    },
  });
  const reader = tickFileReader(file, options.format, options.map);
  const partitions = Number(options.partitions ?? '1');
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 1024) {
    throw new TickstreamError(
      ErrorCode.UsageInvalid,
      `--partitions must be an integer from 1 to 1024, got ${options.partitions}`,
    );
  }
  const out = new NdjsonOutput(stdout);
  const source = input ?? (file === '-' ? process.stdin : createReadStream(file));
  const run = partitions === 1 ? analyzeOnThisThread : analyzeOnPartitions;
  let summary: AnalyzeSummary;
  try {
    summary = await run(
      { ...config, partitions },
      readTickBatches(source, reader),
      options.source ?? 'file',
      out,
      (line, error) =>
        stderr.write(
          `tickstream analyze: ${file === '-' ? 'stdin' : file} line ${line}: ${error} (skipped)\n`,
        ),
    );
  } catch (err) {
    if (err instanceof TickstreamError) throw err;
    throw new TickstreamError(
      ErrorCode.InputUnreadable,
      `cannot read ${file === '-' ? 'stdin' : file}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  await out.flush();
  if (summary.badRecords > 0)
    stderr.write(`tickstream analyze: ${summary.badRecords} record(s) could not be read and were skipped\n`);
  return summary;
}

type Records = ReturnType<typeof readTickBatches>;
type BadRecord = (line: number, error: string) => void;

/** One engine on this thread, a tick at a time. */
async function analyzeOnThisThread(
  options: Engine['options'],
  batches: Records,
  tickSource: string,
  out: NdjsonOutput,
  bad: BadRecord,
): Promise<AnalyzeSummary> {
  const engine = new Engine({ ...options, partitions: 1 });
  engine.on('anomaly', (a) => out.write({ type: 'anomaly', ...a }));
  engine.on('candle', (c) => out.write(candleLine(c)));
  engine.on('gap', (g) => out.write({ type: 'gap', ...g }));
  const one: RawTick[] = [];
  let index = 0;
  let badRecords = 0;
  for await (const records of batches) {
    for (const record of records) {
      if (record.type === 'error') {
        badRecords++;
        bad(record.line, record.error);
        continue;
      }
      one[0] = record.tick;
      // NaN receive time: event time only, no future-time check, a missing timestamp is invalid.
      const result = engine.ingest(one, tickSource, NaN);
      const rejection = result.rejected[0];
      if (rejection !== undefined) out.write({ type: 'rejected', index, reason: rejection.reason });
      index++;
    }
    await out.flushIfFull();
  }
  engine.closeAll();
  for (const s of engine.allStats()) out.write(statsLine(s));
  return { ticks: index, badRecords };
}

/**
 * The symbols over `options.partitions` worker threads; their events are merged back into input
 * order, so the output is byte for byte that of one thread.
 */
async function analyzeOnPartitions(
  options: Engine['options'],
  batches: Records,
  tickSource: string,
  out: NdjsonOutput,
  bad: BadRecord,
): Promise<AnalyzeSummary> {
  const pool = PartitionPool.start(options, options.partitions);
  const batch = new TickBatch(4096);
  const ticks: RawTick[] = [];
  let index = 0;
  let badRecords = 0;
  try {
    for await (const records of batches) {
      ticks.length = 0;
      for (const record of records) {
        if (record.type === 'error') {
          badRecords++;
          bad(record.line, record.error);
        } else ticks.push(record.tick);
      }
      for (let from = 0; from < ticks.length; from += batch.capacity) {
        batch.fillFromRaw(ticks, from);
        const { items } = await pool.ingest(batch, tickSource, NaN);
        batch.clear();
        for (const item of items) {
          if (item.type === 'rejected') {
            out.write({ type: 'rejected', index: index + item.index, reason: item.reason });
          } else if (item.type === 'candle') out.write(candleLine(item.event));
          else out.write({ type: item.type, ...item.event });
        }
        index += Math.min(batch.capacity, ticks.length - from);
      }
      await out.flushIfFull();
    }
    const { candles, stats } = await pool.finish();
    for (const c of candles) out.write(candleLine(c));
    for (const s of stats) out.write(statsLine(s));
  } finally {
    await pool.close();
  }
  return { ticks: index, badRecords };
}

function statsLine(s: SymbolStats): Record<string, unknown> {
  return {
    type: 'stats',
    symbol: s.symbol,
    currentPrice: s.currentPrice,
    movingAverage: s.movingAverage,
    updateCount: s.updateCount,
    minPrice: s.minPrice,
    maxPrice: s.maxPrice,
    lastUpdateTime: s.lastUpdateTime,
    volume: s.volume,
  };
}

/** The candle's bar (core's field list), as DESIGN §3.6 spells the line. */
function candleLine(c: CandleData): Record<string, unknown> {
  return Object.assign({ type: 'candle' }, pickFields(c, CANDLE_BAR_FIELDS));
}
