import { validateConfig } from '../src/config.js';
import { Engine } from '../src/engine/engine.js';
import type { TickBatch } from '../src/engine/tick-batch.js';
import { secondsSince } from './report.js';

/**
 * The engine with the default configuration (every analytic, the six default intervals), one
 * partition; `intervals` replaces the six (the breakdown's one-interval row).
 */
export function engine(intervals?: string[]): Engine {
  return new Engine({ ...validateConfig(intervals === undefined ? {} : { intervals }), partitions: 1 });
}

/**
 * A fresh engine (a `candle` and an `anomaly` listener) over `batches`: ticks accepted, seconds.
 * The first `warm` batches go through untimed (the steady state is timed, not the compiler's start).
 */
export function timeEngine(
  batches: readonly TickBatch[],
  receivedAt: number,
  intervals?: string[],
  warm = 0,
): { ticks: number; seconds: number } {
  const e = engine(intervals);
  e.on('candle', () => {});
  e.on('anomaly', () => {});
  for (let b = 0; b < warm; b++) e.ingestBatch(batches[b]!, 'bench', receivedAt);
  const from = process.hrtime.bigint();
  let ticks = 0;
  for (let b = warm; b < batches.length; b++)
    ticks += e.ingestBatch(batches[b]!, 'bench', receivedAt).accepted;
  return { ticks, seconds: secondsSince(from) };
}
