import { Random } from '../feeds/random.js';

/**
 * Seeded random NDJSON tick streams for the analyze fixtures (analyze-layout.test.ts): many
 * symbols in random order, random walks with jumps (anomalies both ways), ticks late within and
 * beyond the lateness, quiet stretches (buckets of every default interval close), duplicates by
 * seq and by id, gaps, other sources, and every kind of invalid field, in the shapes JSON gives
 * (numbers, decimal strings, ISO times).
 */
export function layoutStream(seed: number, count: number): string {
  const random = new Random(seed);
  const symbols = Array.from({ length: 40 }, (_, i) => (i % 7 === 0 ? ` s${i}.x ` : `SYM${i}`));
  const prices = symbols.map(() => 50 + random.int(100));
  const seqs = symbols.map(() => 0);
  let clock = 1_700_000_000_000 + random.int(86_400_000);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const k = random.int(symbols.length);
    // Mostly a few ms apart; now and then a quiet stretch of up to two hours.
    clock += random.next() < 0.002 ? random.int(7_200_000) : random.int(60);
    const jump = random.next() < 0.01 ? (random.next() < 0.5 ? -1 : 1) * (0.02 + 0.05 * random.next()) : 0;
    prices[k] = prices[k]! * (1 + (random.next() - 0.5) * 0.004 + jump);
    const late = random.next() < 0.05 ? random.int(1500) : 0;
    const ts = clock - late;
    const tick: Record<string, unknown> = { symbol: symbols[k], price: prices[k] };
    const shape = random.next();
    if (shape < 0.05) tick.price = String(prices[k]);
    if (shape < 0.03) tick.timestamp = new Date(ts).toISOString();
    else if (shape < 0.06) tick.timestamp = String(ts);
    else tick.timestamp = ts + (random.next() < 0.1 ? random.next() : 0);
    const volume = random.int(1000) / 8;
    const alias = random.next();
    if (alias < 0.05) tick.amount = volume;
    else if (alias < 0.08) tick.size = String(volume);
    else if (alias < 0.9) tick.volume = volume;
    const roll = random.next();
    if (roll < 0.2) tick.seq = seqs[k]! += random.next() < 0.05 ? 3 : random.next() < 0.05 ? 0 : 1;
    else if (roll < 0.3) tick.id = `id-${random.int(200)}`;
    else if (roll < 0.32) tick.id = random.int(200);
    if (random.next() < 0.03) tick.source = random.next() < 0.5 ? 'other' : '';
    const bad = random.next();
    if (bad < 0.005) tick.symbol = 'not a symbol!';
    else if (bad < 0.01) tick.price = random.next() < 0.5 ? -1 : 'abc';
    else if (bad < 0.015) tick.volume = -2;
    else if (bad < 0.02) tick.timestamp = 'yesterday';
    else if (bad < 0.025) tick.seq = 1.5;
    else if (bad < 0.03) tick.id = '';
    else if (bad < 0.032) tick.volume = -0;
    lines.push(JSON.stringify(tick));
  }
  return lines.join('\n') + '\n';
}

/** The option sets the fixtures cover (flags of `tickstream analyze`). */
export const LAYOUT_CASES = [
  { seed: 1, count: 6000, options: {} },
  { seed: 2, count: 6000, options: { anomalyMode: 'every' } },
  { seed: 3, count: 6000, options: { intervals: '250ms,7s,1m', maWindow: '5', latenessMs: '300' } },
  { seed: 4, count: 6000, options: { windowMs: '3000', thresholdPercent: '1.5', latenessMs: '0' } },
] as const;
