import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { MS_PER_DAY } from './tick-copy-encoder.js';
import { pgTime } from './sql-driver.js';
import { partitionDay, partitionName } from './tick-partitions.js';

describe('tick partition names', () => {
  it('name the UTC day of event time', () => {
    assert.equal(partitionName(0), 'ticks_19700101');
    assert.equal(partitionName(Math.floor(Date.UTC(2024, 1, 29, 23, 59) / MS_PER_DAY)), 'ticks_20240229');
    // The last day a tick may carry (8.64e15 ms) has a six-digit year.
    assert.equal(partitionName(100_000_000), 'ticks_2757600913');
  });

  it('read back to their day, for any day a tick may fall on', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000_000 }), (day) => {
        assert.equal(partitionDay(partitionName(day)), day);
      }),
    );
  });

  it('ignore tables that are not daily tick partitions', () => {
    for (const name of [
      'ticks',
      'ticks_2024',
      'ticks_20240230',
      'ticks_20241301',
      'candles_20240101',
      'ticks_x',
    ]) {
      assert.equal(partitionDay(name), undefined, name);
    }
  });

  it('write times the way PostgreSQL reads them, years beyond 9999 included', () => {
    assert.equal(pgTime(1_700_000_000_123), '2023-11-14T22:13:20.123Z');
    assert.equal(pgTime(8.64e15), '275760-09-13T00:00:00.000Z');
  });
});
