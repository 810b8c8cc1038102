import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { Anomaly } from '../anomalies/anomaly-model';
import { severityColor } from '../theme';
import type { Candle } from './candle-book';
import { anomalyMarkers, toChartTime } from './chart-markers';

const MINUTE = 60_000;
const T0 = Date.UTC(2024, 0, 2, 14, 0);

function candle(index: number): Candle {
  const start = T0 + index * MINUTE;
  return {
    start,
    end: start + MINUTE,
    open: 1,
    high: 1,
    low: 1,
    close: 1,
    volume: 1,
    trades: 1,
    vwap: 1,
    revision: 0,
    closed: true,
  };
}

function anomaly(ts: number, patch: Partial<Anomaly> = {}): Anomaly {
  return {
    id: `X|${ts}|up`,
    symbol: 'X',
    direction: 'up',
    price: 102.5,
    ts,
    referencePrice: 100,
    referenceTs: ts - 500,
    changePercent: 2.5,
    severity: 'medium',
    windowMs: 1000,
    thresholdPercent: 2,
    ...patch,
  };
}

describe('anomalyMarkers', () => {
  const candles = [candle(0), candle(1), candle(2)];

  it('puts each anomaly on the candle of its bucket, ordered by time', () => {
    const markers = anomalyMarkers(
      [
        anomaly(T0 + 2 * MINUTE + 5_000),
        anomaly(T0 + 59_999, { direction: 'down', changePercent: -3.5, severity: 'high' }),
      ],
      '1m',
      candles,
    );
    assert.deepEqual(
      markers.map((m) => [m.time, m.position, m.shape, m.color, m.text]),
      [
        [toChartTime(T0), 'aboveBar', 'arrowDown', severityColor.high, '-3.50%'],
        [toChartTime(T0 + 2 * MINUTE), 'belowBar', 'arrowUp', severityColor.medium, '+2.50%'],
      ],
    );
  });

  it('leaves out anomalies outside the loaded candles', () => {
    const markers = anomalyMarkers(
      [anomaly(T0 - 1), anomaly(T0 + 3 * MINUTE), anomaly(T0 + MINUTE)],
      '1m',
      candles,
    );
    assert.deepEqual(
      markers.map((m) => m.time),
      [toChartTime(T0 + MINUTE)],
    );
    assert.deepEqual(anomalyMarkers([anomaly(T0)], '1m', []), []);
  });

  it('draws the focused anomaly larger', () => {
    const focused = anomaly(T0 + 1000, { id: 'focus', severity: 'critical' });
    const markers = anomalyMarkers([anomaly(T0 + 2000), focused], '1m', candles, 'focus');
    assert.deepEqual(
      markers.map((m) => [m.id, m.size]),
      [
        ['X|1704204002000|up', 1],
        ['focus', 2],
      ],
    );
  });
});
