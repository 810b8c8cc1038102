import '../test-support/dom-env';

import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';

import { cleanup, fireEvent, render, screen } from '@testing-library/react';

import { AnomalyFeed } from './anomaly-feed';
import { normalizeAnomaly, type Anomaly } from './anomaly-model';

const T = Date.UTC(2024, 0, 2, 14, 30, 5, 120);

function anomaly(symbol: string, offset: number, patch: Partial<Anomaly> = {}): Anomaly {
  const base = normalizeAnomaly({
    symbol,
    direction: 'up',
    price: 102.5,
    ts: T + offset,
    referencePrice: 100,
    referenceTs: T + offset - 400,
    changePercent: 2.5,
    severity: 'medium',
    windowMs: 1000,
    thresholdPercent: 2,
  }) as Anomaly;
  return { ...base, ...patch };
}

const list = [
  anomaly('BTCUSD', 2000, { severity: 'critical', changePercent: 6.1, price: 106.1 }),
  anomaly('AAPL', 1000, { direction: 'down', severity: 'high', changePercent: -3.2, price: 96.8 }),
  anomaly('AAPL', 0),
];

describe('AnomalyFeed', () => {
  afterEach(cleanup);

  it('lists anomalies in the order given (newest first), coloured by severity and labelled in words', () => {
    render(<AnomalyFeed anomalies={list} loaded error={null} focusedId={null} onSelect={() => undefined} />);
    const items = screen.getAllByTestId('anomaly');
    assert.deepEqual(
      items.map((item) => [item.dataset.symbol, item.className.match(/severity-\w+/)?.[0]]),
      [
        ['BTCUSD', 'severity-critical'],
        ['AAPL', 'severity-high'],
        ['AAPL', 'severity-medium'],
      ],
    );
    assert.match(items[0]?.textContent ?? '', /critical.*BTCUSD.*\+6\.10%.*14:30:07\.120/);
    assert.equal(
      items[1]?.getAttribute('aria-label'),
      'high drop of -3.20% on AAPL at 14:30:06.120 UTC, price 96.8000. Show on the chart.',
    );
  });

  it('hands the chosen anomaly over and marks the focused one', () => {
    const chosen: Anomaly[] = [];
    render(
      <AnomalyFeed
        anomalies={list}
        loaded
        error={null}
        focusedId={list[1]?.id ?? null}
        onSelect={(a) => chosen.push(a)}
      />,
    );
    const items = screen.getAllByTestId('anomaly');
    fireEvent.click(items[0] as HTMLElement);
    assert.equal(chosen[0], list[0]);
    assert.equal(items[1]?.getAttribute('aria-current'), 'true');
    assert.equal(items[0]?.tagName, 'BUTTON');
  });

  it('shows loading, empty and error states', () => {
    const { rerender } = render(
      <AnomalyFeed anomalies={[]} loaded={false} error={null} focusedId={null} onSelect={() => undefined} />,
    );
    assert.ok(screen.getByText('Loading anomalies…'));
    rerender(
      <AnomalyFeed
        anomalies={[]}
        loaded={false}
        error="HTTP 503"
        focusedId={null}
        onSelect={() => undefined}
      />,
    );
    assert.equal(screen.getByRole('alert').textContent, 'Anomalies cannot be loaded: HTTP 503');
    rerender(<AnomalyFeed anomalies={[]} loaded error={null} focusedId={null} onSelect={() => undefined} />);
    assert.ok(screen.getByText(/No anomalies yet/));
  });
});
