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

/** A fresh engine (a `candle` and an `anomaly` listener) over `batches`: ticks accepted, seconds. */
export function timeEngine(
  batches: readonly TickBatch[],
  receivedAt: number,
  intervals?: string[],
): { ticks: number; seconds: number } {
  const e = engine(intervals);
  e.on('candle', () => {});
  e.on('anomaly', () => {});
  const from = process.hrtime.bigint();
  let ticks = 0;
  for (const batch of batches) ticks += e.ingestBatch(batch, 'bench', receivedAt).accepted;
  return { ticks, seconds: secondsSince(from) };
}
