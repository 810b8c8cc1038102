import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ThroughputMeter } from './throughput-meter.js';

describe('ThroughputMeter', () => {
  it('gives the rate over the last window from running totals', () => {
    const meter = new ThroughputMeter(10_000, 64);
    assert.equal(meter.perSecond(), 0);
    for (let s = 0; s <= 30; s++) meter.sample(s * 1000, s < 20 ? s * 100 : 2000 + (s - 20) * 1000);
    // The last 10 s went from 2000 to 12000.
    assert.equal(meter.perSecond(), 1000);
  });

  it('uses what it has when the window is not full yet, and wraps around its ring', () => {
    const meter = new ThroughputMeter(10_000, 4);
    meter.sample(0, 0);
    meter.sample(500, 50);
    assert.equal(meter.perSecond(), 100);
    for (let s = 1; s <= 10; s++) meter.sample(s * 1000, s * 7);
    assert.equal(meter.perSecond(), 7);
  });
});
