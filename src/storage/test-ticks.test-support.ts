import type { RawTick } from '../core/tick.js';
import type { EngineOptions } from '../engine/engine.js';
import { Random } from '../feeds/random.js';

/** Analytics options for storage tests: short candles, so many close, and a spike detector that fires. */
export const TEST_ENGINE_OPTIONS: EngineOptions = Object.freeze({
  partitions: 2,
  movingAverageWindow: 8,
  anomalyThresholdPercent: 1,
  slidingWindowMilliseconds: 1000,
  recentAnomaliesCapacity: 50,
  intervals: ['1s', '5s', '1m'],
  allowedLatenessMs: 500,
  anomalyMode: 'episode',
  maxFutureSkewMs: 300_000,
  dedupeCapacity: 100,
});

export const T0 = Date.UTC(2024, 2, 1, 23, 59, 0);

/**
 * A seeded stream of ticks over a few symbols, about 20 per second of event time, crossing
 * midnight: random-walk prices with jumps (anomalies), volumes, per-source sequence numbers
 * (with gaps and a few repeats: duplicates), some ids, some ticks within the lateness and a few
 * beyond it (late).
 */
export function testTicks(count: number, seed = 'storage'): RawTick[] {
  const random = new Random(seed);
  const symbols = ['AAA', 'BBB.X', 'CCC-1', 'DDD'];
  const prices = symbols.map(() => 100);
  const seqs = new Map<string, number>();
  const out: RawTick[] = [];
  let clock = T0;
  for (let i = 0; i < count; i++) {
    const k = random.int(symbols.length);
    const symbol = symbols[k]!;
    const jump = random.next() < 0.01 ? (random.next() < 0.5 ? -0.03 : 0.03) : 0;
    prices[k] = prices[k]! * (1 + (random.next() - 0.5) * 0.002 + jump);
    clock += random.int(100);
    const lateBy = random.next() < 0.05 ? random.int(800) : 0;
    const source = random.next() < 0.5 ? 'feed-a' : 'feed-b';
    const key = `${symbol}/${source}`;
    let seq = (seqs.get(key) ?? 0) + (random.next() < 0.02 ? 3 : 1);
    if (random.next() < 0.01) seq -= 1; // a repeat: duplicate
    seqs.set(key, Math.max(seqs.get(key) ?? 0, seq));
    out.push({
      symbol: random.next() < 0.1 ? symbol.toLowerCase() : symbol,
      price: Math.round(prices[k] * 1e4) / 1e4,
      volume: random.int(1000) / 10,
      timestamp: clock - lateBy,
      seq,
      source,
      ...(random.next() < 0.2 ? { id: `t${i % 500}` } : {}),
    });
  }
  return out;
}

/** Splits ticks into ingest calls of `size`, each received just after its newest event time. */
export function* ingestCalls(
  ticks: readonly RawTick[],
  size: number,
): Generator<{ ticks: RawTick[]; receivedAt: number }> {
  for (let i = 0; i < ticks.length; i += size) {
    const part = ticks.slice(i, i + size);
    const receivedAt = Math.max(...part.map((t) => t.timestamp as number)) + 1;
    yield { ticks: part, receivedAt };
  }
}
