import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  formatBytes,
  formatClock,
  formatCompact,
  formatCount,
  formatDateTime,
  formatDecimal,
  formatDuration,
  formatPercent,
  formatPrice,
  priceDecimals,
} from './format';

describe('priceDecimals', () => {
  it('shows cents for large prices, four decimals from 1 up, more below 1', () => {
    assert.equal(priceDecimals(43_210.5), 2);
    assert.equal(priceDecimals(1000), 2);
    assert.equal(priceDecimals(999.99), 4);
    assert.equal(priceDecimals(1.0845), 4);
    assert.equal(priceDecimals(0.5), 4);
    assert.equal(priceDecimals(0.012), 5);
    assert.equal(priceDecimals(0.000123), 7);
    assert.equal(priceDecimals(1e-12), 8);
    assert.equal(priceDecimals(0), 2);
    assert.equal(priceDecimals(Number.NaN), 2);
  });
});

describe('formatPrice', () => {
  it('groups thousands and pads to the decimals of the price', () => {
    assert.equal(formatPrice(43_210.5), '43,210.50');
    assert.equal(formatPrice(100.01), '100.0100');
    assert.equal(formatPrice(0.000123), '0.0001230');
    assert.equal(formatPrice(99.5, 2), '99.50');
  });

  it('shows a dash for what is not a number', () => {
    assert.equal(formatPrice(undefined), '–');
    assert.equal(formatPrice(null), '–');
    assert.equal(formatPrice(Number.NaN), '–');
    assert.equal(formatPrice(Number.POSITIVE_INFINITY), '–');
  });
});

describe('formatPercent', () => {
  it('signs moves and leaves zero unsigned', () => {
    assert.equal(formatPercent(1.234), '+1.23%');
    assert.equal(formatPercent(-0.4), '-0.40%');
    assert.equal(formatPercent(0), '0.00%');
    assert.equal(formatPercent(10), '+10.00%');
    assert.equal(formatPercent(Number.NaN), '–');
  });
});

describe('counts', () => {
  it('groups whole counts', () => {
    assert.equal(formatCount(1_234_567), '1,234,567');
    assert.equal(formatCount(12.6), '13');
  });

  it('compacts from ten thousand on', () => {
    assert.equal(formatCompact(9_999), '9,999');
    assert.equal(formatCompact(12.345), '12.35');
    assert.equal(formatCompact(12_345), '12.3K');
    assert.equal(formatCompact(4_560_000), '4.6M');
    assert.equal(formatCompact(-25_000), '-25K');
  });

  it('keeps at most two decimals', () => {
    assert.equal(formatDecimal(1024), '1,024');
    assert.equal(formatDecimal(12.5), '12.5');
    assert.equal(formatDecimal(1 / 3), '0.33');
  });
});

describe('times', () => {
  const ts = Date.UTC(2024, 0, 2, 14, 30, 5, 7);

  it('shows a UTC clock, with milliseconds on request', () => {
    assert.equal(formatClock(ts), '14:30:05');
    assert.equal(formatClock(ts, true), '14:30:05.007');
    assert.equal(formatClock(undefined), '–');
  });

  it('shows a UTC date and time', () => {
    assert.equal(formatDateTime(ts), '2024-01-02 14:30:05 UTC');
  });

  it('reads durations in the largest sensible units', () => {
    assert.equal(formatDuration(0), '0 ms');
    assert.equal(formatDuration(349.6), '350 ms');
    assert.equal(formatDuration(1_240), '1.2 s');
    assert.equal(formatDuration(59_900), '59.9 s');
    assert.equal(formatDuration(60_000), '1 min');
    assert.equal(formatDuration(185_000), '3 min 5 s');
    assert.equal(formatDuration(2 * 3_600_000 + 5 * 60_000), '2 h 5 min');
    assert.equal(formatDuration(3_600_000), '1 h');
    assert.equal(formatDuration(-1500), '-1.5 s');
  });
});

describe('formatBytes', () => {
  it('uses powers of 1024', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.5 KB');
    assert.equal(formatBytes(123_456_789), '117.7 MB');
    assert.equal(formatBytes(undefined), '–');
  });
});
