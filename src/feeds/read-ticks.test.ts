import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { normalizeTick } from '../core/tick.js';
import { Random } from './random.js';
import { createTickReader, readTickBatches, readTicks, type TickInput } from './read-ticks.js';
import type { TickReaderOptions, TickRecord } from './tick-record.js';

// The real hour of BTC-USD trades and NASDAQ quotes, copied with their attribution (test/fixtures/README.md).
const DATA = new URL('../../test/fixtures/', import.meta.url);
const BTC = new URL('btc_trades.csv', DATA);
const NASDAQ = new URL('nasdaq_trades.csv', DATA);
async function collect(
  input: TickInput,
  format: 'csv' | 'ndjson',
  options?: TickReaderOptions,
): Promise<TickRecord[]> {
  const records: TickRecord[] = [];
  for await (const record of readTicks(input, createTickReader(format, options))) records.push(record);
  return records;
}

/** The file in chunks of random sizes (1 byte to 4 KiB), cutting CRLFs and quotes anywhere. */
function randomChunks(data: Uint8Array, seed: number): Uint8Array[] {
  const random = new Random(seed);
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < data.length;) {
    const size = 1 + random.int(random.next() < 0.2 ? 8 : 4096);
    chunks.push(data.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

function ticksOf(records: readonly TickRecord[]): Array<Record<string, unknown>> {
  return records.map((r) => {
    assert.equal(r.type, 'tick', `line ${r.line}: ${r.type === 'error' ? r.error : ''}`);
    return (r as { tick: object }).tick as Record<string, unknown>;
  });
}

describe('replaying the real data files', () => {
  it('reads btc_trades.csv: 5,882 trades with amount as volume', async () => {
    const records = await collect(createReadStream(BTC, { highWaterMark: 777 }), 'csv');
    const ticks = ticksOf(records);
    assert.equal(ticks.length, 5882);
    assert.deepEqual(records[0], {
      type: 'tick',
      line: 2,
      tick: {
        symbol: 'BTC-USD',
        price: '25741.02',
        volume: '0.02188038',
        timestamp: '2023-09-05T16:00:01.281719Z',
      },
    });
    assert.deepEqual(records[2]!.type === 'tick' && records[2]!.tick.volume, '3.844E-5');
    assert.deepEqual(records.at(-1), {
      type: 'tick',
      line: 5883,
      tick: {
        symbol: 'BTC-USD',
        price: '25735.97',
        volume: '0.00816829',
        timestamp: '2023-09-05T16:59:58.761737Z',
      },
    });
    // Every row is a valid tick for the engine; microseconds are truncated.
    const receivedAt = Date.UTC(2023, 8, 6);
    const normalized = ticks.map((t) => normalizeTick(t, 'file', receivedAt, 300_000));
    assert.ok(normalized.every((n) => n.ok));
    const first = normalized[0]!;
    assert.ok(first.ok);
    assert.deepEqual(
      [first.tick.price, first.tick.volume, first.tick.ts],
      [25741.02, 0.02188038, Date.UTC(2023, 8, 5, 16, 0, 1, 281)],
    );
    assert.equal(normalized[2]!.ok && normalized[2]!.tick.volume, 3.844e-5);
  });

  it('reads nasdaq_trades.csv with symbol=id: 14,842 updates of 9 tickers, no volume, no id', async () => {
    const records = await collect(createReadStream(NASDAQ), 'csv', { map: { symbol: 'id' } });
    const ticks = ticksOf(records);
    assert.equal(ticks.length, 14842);
    assert.deepEqual(records[0], {
      type: 'tick',
      line: 2,
      tick: { symbol: 'TSLA', price: '252.785003662109', timestamp: '2023-09-05T16:00:00.000000Z' },
    });
    assert.deepEqual(records.at(-1), {
      type: 'tick',
      line: 14843,
      tick: { symbol: 'META', price: '299.470001220703', timestamp: '2023-09-05T16:59:59.000000Z' },
    });
    assert.deepEqual([...new Set(ticks.map((t) => t.symbol))].sort(), [
      'AAPL',
      'AMD',
      'AMZN',
      'AVGO',
      'GOOGL',
      'META',
      'MSFT',
      'NVDA',
      'TSLA',
    ]);
    assert.ok(ticks.every((t) => normalizeTick(t, 'file', Date.UTC(2023, 8, 6), 0).ok));
  });

  it('names the columns when nasdaq_trades.csv is read without a map', async () => {
    await assert.rejects(
      collect(createReadStream(NASDAQ), 'csv'),
      /no "symbol" column \(columns: timestamp, id, exchange, quoteType, price, marketHours, changePercent, dayVolume, change, priceHint\)/,
    );
  });

  it('gives the same records for the real files cut at random', () => {
    for (const [file, options] of [
      [BTC, {}],
      [NASDAQ, { map: { symbol: 'id' } }],
    ] as const) {
      const data = readFileSync(file);
      const whole: TickRecord[] = [];
      const reader = createTickReader('csv', options);
      reader.push(data, whole);
      reader.end(whole);
      for (const seed of [1, 2]) {
        const split: TickRecord[] = [];
        const cutReader = createTickReader('csv', options);
        for (const chunk of randomChunks(data, seed)) cutReader.push(chunk, split);
        cutReader.end(split);
        assert.deepEqual(split, whole);
      }
    }
  });
});

describe('readTicks', () => {
  it('reads NDJSON from a stream of strings', async () => {
    const input = Readable.from(['{"symbol":"A","pri', 'ce":1}\n{"symbol":"B","price":2}\n']);
    assert.deepEqual(await collect(input, 'ndjson'), [
      { type: 'tick', line: 1, tick: { symbol: 'A', price: 1 } },
      { type: 'tick', line: 2, tick: { symbol: 'B', price: 2 } },
    ]);
  });

  it('yields one batch per chunk that completes records, and the rest at the end', async () => {
    const batches: number[][] = [];
    const input = ['symbol,price\nA,1\nB,', '2\n', 'C,3\nD,4'];
    for await (const batch of readTickBatches(input, createTickReader('csv')))
      batches.push(batch.map((r) => r.line));
    assert.deepEqual(batches, [[2], [3], [4], [5]]);
  });

  it('stops reading when the consumer stops', async () => {
    let pulled = 0;
    async function* input(): AsyncGenerator<string> {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield await Promise.resolve(i === 0 ? 'symbol,price\n' : `S${i},1\n`);
      }
    }
    for await (const record of readTicks(input(), createTickReader('csv'))) if (record.line === 3) break;
    assert.equal(pulled, 3);
  });

  it('refuses an unknown format', () => {
    assert.throws(() => createTickReader('xml' as 'csv'), /unknown tick format "xml"/);
  });
});
