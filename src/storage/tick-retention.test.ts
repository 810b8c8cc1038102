import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createLogger } from '../observability/logger.js';
import { memoryDatabase } from './pglite-template.test-support.js';
import { MS_PER_DAY } from './tick-copy-encoder.js';
import { maintainTickPartitions } from './tick-retention.js';

const log = createLogger({ level: 'silent' });

describe('tick partition upkeep', () => {
  it('creates today and the days ahead, and drops the days out of retention', async (t) => {
    const database = await memoryDatabase();
    t.after(() => database.close());
    const partitions = database.tickPartitions;
    const now = Date.UTC(2025, 5, 15, 12);
    const today = Math.floor(now / MS_PER_DAY);
    await partitions.ensure([today - 40, today - 30, today - 29, today - 1]);
    const dropped = await maintainTickPartitions(
      partitions,
      now,
      { partitionsAheadDays: 2, ticksDays: 30 },
      log,
    );
    // 30 days kept: today and the 29 before it.
    assert.deepEqual(dropped, [today - 40, today - 30]);
    assert.deepEqual(await partitions.list(), [today - 29, today - 1, today, today + 1, today + 2]);
    // 0 keeps everything.
    await partitions.ensure([today - 400]);
    assert.deepEqual(
      await maintainTickPartitions(partitions, now, { partitionsAheadDays: 0, ticksDays: 0 }, log),
      [],
    );
    assert.ok((await partitions.list()).includes(today - 400));
  });
});
