import { useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useId, useMemo, useRef, useState, type ReactNode } from 'react';

import { mergeAnomalies, normalizeAnomalies, type Anomaly } from '../anomalies/anomaly-model';
import { toEpochMs, type WireAnomaly, type WireTime } from '../api-types';
import { useServices } from '../auth/session-context';
import type { Candle } from './candle-book';
import { CandleChart, type ChartControls, type ChartFocus } from './candle-chart';
import { IntervalSwitch } from './interval-switch';
import type { Interval } from './intervals';
import { useCandleHistory } from './use-candle-history';

interface SymbolInfo {
  symbol: string;
  lastPrice: number;
  firstSeen: WireTime;
  lastSeen: WireTime;
}

/** Older pages a single jump to an anomaly may load before giving up. */
const MAX_FOCUS_PAGES = 50;
const NO_CANDLES: readonly Candle[] = [];

interface ChartBodyProps {
  symbol: string;
  interval: Interval;
  liveAnomalies: readonly Anomaly[];
  focus: ChartFocus | null;
  onControls: (controls: ChartControls | null) => void;
  onHistoryState: (state: HistoryState) => void;
}

export interface HistoryState {
  loadOlder: (() => void) | null;
  loadingOlder: boolean;
  atStart: boolean;
}

function ChartBody({ symbol, interval, liveAnomalies, focus, onControls, onHistoryState }: ChartBodyProps) {
  const { api } = useServices();
  const symbols = useQuery({
    queryKey: ['symbols'],
    queryFn: ({ signal }) => api.get<SymbolInfo[]>('/api/symbols', undefined, signal),
    staleTime: 60_000,
  });
  const firstSeen = useMemo(() => {
    const ts = toEpochMs(symbols.data?.find((info) => info.symbol === symbol)?.firstSeen);
    return Number.isFinite(ts) ? ts : null;
  }, [symbols.data, symbol]);

  const history = useCandleHistory(symbol, interval, firstSeen);
  const candles = useMemo(
    () => (history.data ? history.data.pages.flatMap((page) => page.candles) : NO_CANDLES),
    [history.data],
  );

  const stored = useQuery({
    queryKey: ['anomalies', 'symbol', symbol],
    queryFn: ({ signal }) => api.get<WireAnomaly[]>('/api/anomalies', { symbol, take: 500 }, signal),
    staleTime: 30_000,
  });
  const anomalies = useMemo(
    () =>
      mergeAnomalies(
        normalizeAnomalies(stored.data),
        liveAnomalies.filter((anomaly) => anomaly.symbol === symbol),
        1000,
      ),
    [stored.data, liveAnomalies, symbol],
  );

  const { hasPreviousPage, isFetchingPreviousPage, fetchPreviousPage, refetch } = history;
  const focusPages = useRef({ nonce: -1, pages: 0 });
  const loadOlder = useCallback(() => {
    if (!hasPreviousPage || isFetchingPreviousPage) return;
    void fetchPreviousPage();
  }, [hasPreviousPage, isFetchingPreviousPage, fetchPreviousPage]);
  const onNeedOlder = useCallback(() => {
    if (focus && focusPages.current.nonce === focus.nonce && focusPages.current.pages >= MAX_FOCUS_PAGES)
      return;
    if (focus) {
      if (focusPages.current.nonce !== focus.nonce) focusPages.current = { nonce: focus.nonce, pages: 0 };
      if (hasPreviousPage && !isFetchingPreviousPage) focusPages.current.pages++;
    }
    loadOlder();
  }, [focus, hasPreviousPage, isFetchingPreviousPage, loadOlder]);
  const onStreamGap = useCallback(() => void refetch(), [refetch]);

  const atStart = history.isSuccess && !hasPreviousPage;
  const canLoadOlder = hasPreviousPage === true;
  useEffect(() => {
    onHistoryState({
      loadOlder: canLoadOlder ? loadOlder : null,
      loadingOlder: isFetchingPreviousPage,
      atStart,
    });
  }, [onHistoryState, canLoadOlder, loadOlder, isFetchingPreviousPage, atStart]);

  let overlay: ReactNode = `No candles yet for ${symbol} at ${interval}.`;
  if (history.isPending) overlay = 'Loading candles…';
  else if (history.isError) {
    overlay = (
      <>
        <span>Candles cannot be loaded: {history.error.message}</span>{' '}
        <button type="button" onClick={() => void refetch()}>
          Retry
        </button>
      </>
    );
  }

  return (
    <CandleChart
      key={`${symbol}/${interval}`}
      symbol={symbol}
      interval={interval}
      history={candles}
      anomalies={anomalies}
      focus={focus && focus.ts > 0 ? focus : null}
      onNeedOlder={onNeedOlder}
      onStreamGap={onStreamGap}
      onReady={onControls}
      overlay={overlay}
    />
  );
}

export interface ChartPanelProps {
  symbol: string | null;
  symbols: readonly string[];
  interval: Interval;
  liveAnomalies: readonly Anomaly[];
  focus: ChartFocus | null;
  onSymbol: (symbol: string) => void;
  onInterval: (interval: Interval) => void;
}

/** The chart of the selected symbol with its controls: symbol, interval, older history, latest. */
export function ChartPanel({
  symbol,
  symbols,
  interval,
  liveAnomalies,
  focus,
  onSymbol,
  onInterval,
}: ChartPanelProps) {
  const id = useId();
  const [controls, setControls] = useState<ChartControls | null>(null);
  const [historyState, setHistoryState] = useState<HistoryState>({
    loadOlder: null,
    loadingOlder: false,
    atStart: false,
  });
  const options = symbol && !symbols.includes(symbol) ? [symbol, ...symbols] : symbols;

  return (
    <section className="panel chart-panel" aria-labelledby={`${id}-title`}>
      <header className="panel-header chart-header">
        <h2 id={`${id}-title`} className="visually-hidden">
          Chart
        </h2>
        <label className="symbol-select">
          <span className="visually-hidden">Symbol</span>
          <select
            value={symbol ?? ''}
            onChange={(event) => onSymbol(event.target.value)}
            disabled={options.length === 0}
            data-testid="symbol-select"
          >
            {options.length === 0 && <option value="">No symbols</option>}
            {options.map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
          </select>
        </label>
        <IntervalSwitch value={interval} onChange={onInterval} />
        <span className="spacer" />
        <span className="muted history-state" aria-live="polite">
          {historyState.loadingOlder ? 'Loading older…' : historyState.atStart ? 'Start of history' : ''}
        </span>
        <button
          type="button"
          className="quiet"
          onClick={() => historyState.loadOlder?.()}
          disabled={!historyState.loadOlder || historyState.loadingOlder}
          title="Load older candles"
        >
          ← Older
        </button>
        <button
          type="button"
          className="quiet"
          onClick={() => controls?.scrollToLatest()}
          disabled={!controls}
          title="Scroll to the newest candle"
        >
          Latest →
        </button>
      </header>
      {symbol ? (
        <ChartBody
          symbol={symbol}
          interval={interval}
          liveAnomalies={liveAnomalies}
          focus={focus}
          onControls={setControls}
          onHistoryState={setHistoryState}
        />
      ) : (
        <p className="state chart-empty">Waiting for the first symbol…</p>
      )}
    </section>
  );
}
