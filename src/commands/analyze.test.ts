import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';

import { Random } from '../feeds/random.js';
import { analyze, type AnalyzeOptions } from './analyze.js';

/** A random NDJSON tick stream that exercises every rule: late ticks, duplicates, gaps, spikes. */
function randomStream(seed: number, count: number): string {
  const random = new Random(seed);
  const symbols = ['AAA', 'bbb', ' CCC ', 'DDD.X', 'EEE', 'F/G', 'HHH', 'III'];
  const prices = symbols.map(() => 100);
  const seqs = symbols.map(() => 0);
  let clock = 1_700_000_000_000;
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const k = random.int(symbols.length);
    clock += random.int(400);
    prices[k] = prices[k]! * (1 + (random.next() - 0.5) * 0.02 + (random.next() < 0.05 ? 0.05 : 0));
    const tick: Record<string, unknown> = {
      symbol: symbols[k],
      price: prices[k],
      volume: random.int(5),
      // Now and then late (beyond the lateness too) or early in its bucket.
      timestamp: clock - (random.next() < 0.1 ? random.int(2500) : 0),
    };
    const roll = random.next();
    if (roll < 0.3) tick.seq = seqs[k]! += random.next() < 0.1 ? 3 : random.next() < 0.1 ? 0 : 1;
    else if (roll < 0.4) tick.id = `id-${random.int(40)}`;
    if (random.next() < 0.05) tick.source = 'other';
    if (random.next() < 0.02) tick.symbol = 'not a symbol!';
    if (random.next() < 0.02) tick.price = -1;
    lines.push(JSON.stringify(tick));
  }
  return lines.join('\n') + '\n';
}

async function run(input: string, options: AnalyzeOptions): Promise<string> {
  let text = '';
  const stdout = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  const stderr = new Writable({ write: (_chunk, _encoding, done) => done() });
  async function* chunks(): AsyncGenerator<string> {
    yield input;
  }
  await analyze('-', { format: 'ndjson', ...options }, stdout, stderr, chunks());
  return text;
}

describe('analyze --partitions', () => {
  it('writes byte for byte the same output for every partition count, over random streams', async () => {
    // Each partition count starts worker threads (slow from TypeScript sources): few, long streams.
    for (const seed of [1, 2, 3]) {
      const input = randomStream(seed, 5000);
      for (const mode of seed === 2 ? ['every'] : ['episode']) {
        const options = { intervals: '1s,1m', anomalyMode: mode, latenessMs: '1000' };
        const one = await run(input, { ...options, partitions: '1' });
        // Events of every kind are in it, so the comparison can fail on each.
        for (const type of ['anomaly', 'candle', 'rejected', 'gap', 'stats']) {
          assert.ok(one.includes(`"type":"${type}"`), `seed ${seed}: no ${type} line`);
        }
        for (const partitions of seed === 1 ? ['2', '3'] : ['4']) {
          const many = await run(input, { ...options, partitions });
          assert.equal(many, one, `seed ${seed}, mode ${mode}, ${partitions} partitions`);
        }
      }
    }
  });

  it('refuses a partition count that is not a positive integer', async () => {
    await assert.rejects(run('', { partitions: '0' }), /--partitions/);
    await assert.rejects(run('', { partitions: 'two' }), /--partitions/);
  });
});
