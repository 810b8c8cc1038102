import { useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';

import { AnomalyFeed } from './anomalies/anomaly-feed';
import type { Anomaly } from './anomalies/anomaly-model';
import { useAnomalyFeed } from './anomalies/use-anomaly-feed';
import type { WireStats } from './api-types';
import { useServices, useSession } from './auth/session-context';
import { normalizeStatsList } from './board/board-model';
import { BoardStore } from './board/board-store';
import { SymbolBoard } from './board/symbol-board';
import type { ChartFocus } from './chart/candle-chart';
import { ChartPanel } from './chart/chart-panel';
import { DEFAULT_INTERVAL, isInterval, type Interval } from './chart/intervals';
import { HubStatus } from './stream/hub-client';
import { ConnectionBanner, ConnectionPill } from './stream/connection-status';
import { useChannel, useHubState } from './stream/hub-context';
import { ReplayPanel } from './replay/replay-panel';
import { SystemPanel } from './system/system-panel';

const INTERVAL_KEY = 'tickstream.interval';

function storedInterval(): Interval {
  try {
    const value = window.localStorage.getItem(INTERVAL_KEY);
    return isInterval(value) ? value : DEFAULT_INTERVAL;
  } catch {
    return DEFAULT_INTERVAL;
  }
}

/** The signed-in dashboard: chart, anomaly feed, symbol board and system panel. */
export function Dashboard() {
  const { session: sessions, api } = useServices();
  const session = useSession();
  const hub = useHubState();

  const [store] = useState(() => new BoardStore());
  useEffect(() => () => store.dispose(), [store]);
  useChannel('stats.*', store.handle);
  const rows = useSyncExternalStore(store.subscribe, store.getSnapshot);

  // REST fills the board before the stream's snapshot and keeps it fresh while the stream is down.
  const prices = useQuery({
    queryKey: ['prices'],
    queryFn: ({ signal }) => api.get<WireStats[]>('/api/prices', undefined, signal),
    refetchInterval: hub.status === HubStatus.Open ? false : 5000,
  });
  useEffect(() => {
    if (prices.data) store.seed(normalizeStatsList(prices.data));
  }, [prices.data, store]);

  const feed = useAnomalyFeed();

  const symbolKey = rows
    .map((row) => row.stats.symbol)
    .sort()
    .join('\n');
  const symbols = useMemo(() => (symbolKey ? symbolKey.split('\n') : []), [symbolKey]);

  const [chosen, setChosen] = useState<string | null>(null);
  const [interval, setIntervalState] = useState<Interval>(storedInterval);
  const [focus, setFocus] = useState<ChartFocus | null>(null);
  const focusNonce = useRef(0);
  const symbol = chosen ?? symbols[0] ?? null;

  const selectSymbol = useCallback((next: string) => {
    setChosen(next);
    setFocus(null);
  }, []);
  const selectInterval = useCallback((next: Interval) => {
    setIntervalState(next);
    try {
      window.localStorage.setItem(INTERVAL_KEY, next);
    } catch {
      // Only a preference.
    }
  }, []);
  const selectAnomaly = useCallback((anomaly: Anomaly) => {
    setChosen(anomaly.symbol);
    setFocus({ anomalyId: anomaly.id, ts: anomaly.ts, nonce: ++focusNonce.current });
  }, []);

  const boardError = !store.loaded && prices.error ? prices.error.message : null;

  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          tickstream
        </div>
        <ConnectionPill />
        <span className="spacer" />
        {session && (
          <span className="user" title={session.user.email}>
            {session.user.username} <span className="role">{session.user.role}</span>
          </span>
        )}
        <button type="button" className="quiet" onClick={() => void sessions.logout()}>
          Sign out
        </button>
      </header>
      <ConnectionBanner />
      <main className="layout">
        <ChartPanel
          symbol={symbol}
          symbols={symbols}
          interval={interval}
          liveAnomalies={feed.anomalies}
          focus={focus}
          onSymbol={selectSymbol}
          onInterval={selectInterval}
        />
        <AnomalyFeed
          anomalies={feed.anomalies}
          loaded={feed.loaded}
          error={feed.error}
          focusedId={focus?.anomalyId ?? null}
          onSelect={selectAnomaly}
        />
        <SymbolBoard
          rows={rows}
          loaded={store.loaded}
          selected={symbol}
          onSelect={selectSymbol}
          error={boardError}
        />
        <div className="side-stack">
          <ReplayPanel />
          <SystemPanel store={store} />
        </div>
      </main>
    </div>
  );
}
