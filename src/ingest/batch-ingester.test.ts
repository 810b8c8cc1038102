import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { validateConfig } from '../config.js';
import { Engine } from '../engine/engine.js';
import { TickBatch } from '../engine/tick-batch.js';
import { BatchIngester, emptyTally } from './batch-ingester.js';

const T0 = 1_700_000_000_000;

describe('BatchIngester', () => {
  it('keeps the rows there is no room for, each with its symbol number, and hands them in later', () => {
    const symbols = ['AAA', 'BBB', 'CCC', 'DDD'];
    const rows = Array.from({ length: 40 }, (_, i) => ({ k: (i * 7) % 4, price: 100 + i, ts: T0 + i * 10 }));
    const fill = (batch: TickBatch): void => {
      rows.forEach(({ k, price, ts }, i) => {
        batch.push(symbols[k]!, price, 1, ts);
        batch.symbolNumbers[i] = k;
      });
    };

    // All at once, by name.
    const byName = new Engine({ ...validateConfig({}), partitions: 1 });
    const whole = new TickBatch(rows.length);
    fill(whole);
    assert.equal(byName.ingestBatch(whole, 'src', T0 + 1000).accepted, rows.length);

    // Numbered, with room for 7 ticks at a time: the rows left move to the front of the batch.
    const engine = new Engine({ ...validateConfig({}), partitions: 1 });
    let room = 7;
    const ingester = new BatchIngester(engine, 'src', { available: () => room }, () => T0 + 1000);
    const batch = new TickBatch(rows.length);
    fill(batch);
    batch.numbered = true;
    const tally = emptyTally();
    let rounds = 0;
    while (!ingester.ingest(batch, tally)) {
      rounds++;
      room = 7;
    }
    assert.ok(rounds >= 5);
    assert.equal(tally.accepted, rows.length);
    assert.deepEqual(engine.snapshot(), byName.snapshot());
  });
});
