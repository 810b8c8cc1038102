import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { mergeAnomalies, normalizeAnomalies, normalizeAnomaly, type Anomaly } from './anomaly-model';

const T = Date.UTC(2024, 0, 2, 14, 30, 5, 120);

const stream = {
  symbol: 'AAPL',
  direction: 'up' as const,
  price: 102.5,
  ts: T,
  referencePrice: 100,
  referenceTs: T - 400,
  changePercent: 2.5,
  severity: 'medium' as const,
  windowMs: 1000,
  thresholdPercent: 2,
};

describe('normalizeAnomaly', () => {
  it('reads stream anomalies (ts) and REST anomalies (timestamp, ISO) to the same thing', () => {
    const { ts: _ts, referenceTs: _ref, ...rest } = stream;
    const fromRest = normalizeAnomaly({
      ...rest,
      timestamp: new Date(T).toISOString(),
      referenceTimestamp: new Date(T - 400).toISOString(),
    });
    assert.deepEqual(fromRest, normalizeAnomaly(stream));
    assert.equal(fromRest?.id, `AAPL|${T}|up`);
    assert.equal(fromRest?.referenceTs, T - 400);
  });

  it('refuses anomalies without a time and tolerates an unknown severity', () => {
    const { ts: _ts, ...noTime } = stream;
    assert.equal(normalizeAnomaly(noTime), null);
    assert.equal(normalizeAnomaly({ ...stream, severity: 'extreme' as 'high' })?.severity, 'medium');
    // REST answers it as the .NET system wrote it.
    assert.equal(normalizeAnomaly({ ...stream, severity: 'Critical' as 'critical' })?.severity, 'critical');
    assert.deepEqual(normalizeAnomalies('nope'), []);
    assert.equal(normalizeAnomalies([stream, null, 3]).length, 1);
  });
});

describe('mergeAnomalies', () => {
  const at = (offset: number, symbol = 'AAPL'): Anomaly =>
    normalizeAnomaly({ ...stream, symbol, ts: T + offset }) as Anomaly;

  it('keeps newest first and each anomaly once', () => {
    const current = [at(300), at(100)];
    const merged = mergeAnomalies(current, [at(200), at(300), at(400)]);
    assert.deepEqual(
      merged.map((a) => a.ts - T),
      [400, 300, 200, 100],
    );
  });

  it('keeps at most `cap`, dropping the oldest', () => {
    const many = Array.from({ length: 10 }, (_, i) => at(i));
    assert.deepEqual(
      mergeAnomalies([], many, 3).map((a) => a.ts - T),
      [9, 8, 7],
    );
  });

  it('keeps two symbols’ anomalies at the same moment apart', () => {
    assert.equal(mergeAnomalies([at(0, 'A')], [at(0, 'B')]).length, 2);
  });
});
