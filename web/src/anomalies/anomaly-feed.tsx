import { memo, useId } from 'react';

import { formatClock, formatPercent, formatPrice } from '../format/format';
import type { Anomaly } from './anomaly-model';

interface ItemProps {
  anomaly: Anomaly;
  focused: boolean;
  onSelect: (anomaly: Anomaly) => void;
}

const AnomalyItem = memo(function AnomalyItem({ anomaly, focused, onSelect }: ItemProps) {
  const up = anomaly.direction === 'up';
  const change = formatPercent(anomaly.changePercent);
  return (
    <li>
      <button
        type="button"
        className={`anomaly severity-${anomaly.severity}${focused ? ' focused' : ''}`}
        data-testid="anomaly"
        data-symbol={anomaly.symbol}
        aria-current={focused ? 'true' : undefined}
        aria-label={`${anomaly.severity} ${up ? 'spike up' : 'drop'} of ${change} on ${anomaly.symbol} at ${formatClock(anomaly.ts, true)} UTC, price ${formatPrice(anomaly.price)}. Show on the chart.`}
        onClick={() => onSelect(anomaly)}
      >
        <span className="severity-badge">{anomaly.severity}</span>
        <span className="anomaly-symbol">{anomaly.symbol}</span>
        <span className={`anomaly-change ${up ? 'up' : 'down'}`}>
          {up ? '▲' : '▼'} {change}
        </span>
        <span className="anomaly-detail">
          {formatPrice(anomaly.referencePrice)} → {formatPrice(anomaly.price)}
        </span>
        <time className="anomaly-time" dateTime={new Date(anomaly.ts).toISOString()}>
          {formatClock(anomaly.ts, true)}
        </time>
      </button>
    </li>
  );
});

export interface AnomalyFeedProps {
  anomalies: readonly Anomaly[];
  loaded: boolean;
  error: string | null;
  focusedId: string | null;
  onSelect: (anomaly: Anomaly) => void;
}

/** Price spikes as they are detected, newest first; choosing one shows it on the chart. */
export function AnomalyFeed({ anomalies, loaded, error, focusedId, onSelect }: AnomalyFeedProps) {
  const id = useId();
  let state: string | null = null;
  if (!loaded) state = error ? `Anomalies cannot be loaded: ${error}` : 'Loading anomalies…';
  else if (anomalies.length === 0)
    state = 'No anomalies yet. Spikes show up here the moment they are detected.';

  return (
    <section className="panel feed-panel" aria-labelledby={`${id}-title`}>
      <header className="panel-header">
        <h2 id={`${id}-title`}>Anomalies</h2>
        <span className="muted count">{loaded ? anomalies.length : ''}</span>
        <span className="muted hint-right">times UTC</span>
      </header>
      <div className="feed-scroll">
        {state ? (
          <p
            className={error && !loaded ? 'state error' : 'state'}
            role={error && !loaded ? 'alert' : undefined}
          >
            {state}
          </p>
        ) : (
          <ol className="feed" aria-label="Anomalies, newest first">
            {anomalies.map((anomaly) => (
              <AnomalyItem
                key={anomaly.id}
                anomaly={anomaly}
                focused={anomaly.id === focusedId}
                onSelect={onSelect}
              />
            ))}
          </ol>
        )}
      </div>
    </section>
  );
}
