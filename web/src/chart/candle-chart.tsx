import {
  CandlestickSeries,
  ColorType,
  createChart,
  createSeriesMarkers,
  CrosshairMode,
  HistogramSeries,
  LineSeries,
  type CandlestickData,
  type HistogramData,
  type IChartApi,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type LineData,
  type LogicalRange,
  type MouseEventParams,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';

import type { Anomaly } from '../anomalies/anomaly-model';
import type { WireCandle } from '../api-types';
import { formatCompact, formatPrice, priceDecimals } from '../format/format';
import type { ChannelEvent } from '../stream/channel-sequencer';
import { useChannel } from '../stream/hub-context';
import { theme } from '../theme';
import { CandleBook, normalizeCandle, type Candle, type SeriesChange } from './candle-book';
import { anomalyMarkers, toChartTime } from './chart-markers';
import { smaAtEnd, smaSeries, SMA_PERIOD } from './indicators';
import { bucketStart, type Interval } from './intervals';

/** A request to show a moment on the chart (an anomaly chosen in the feed). */
export interface ChartFocus {
  anomalyId: string | null;
  ts: number;
  /** Distinguishes two requests for the same moment. */
  nonce: number;
}

export interface CandleChartProps {
  symbol: string;
  interval: Interval;
  /** History loaded over REST, oldest first. */
  history: readonly Candle[];
  anomalies: readonly Anomaly[];
  focus: ChartFocus | null;
  /** The view reached the oldest loaded candle (or a focus lies before it): load older history. */
  onNeedOlder: () => void;
  /** The stream lost candle updates (gap or reset): reload history. */
  onStreamGap: () => void;
  /** Receives the chart's controls once it exists, for buttons outside the canvas. */
  onReady?: (controls: ChartControls | null) => void;
  /** Shown over the chart while it has no candles: loading, error or empty. */
  overlay?: ReactNode;
}

export interface ChartControls {
  scrollToLatest(): void;
}

interface ChartParts {
  chart: IChartApi;
  candles: ISeriesApi<'Candlestick'>;
  volume: ISeriesApi<'Histogram'>;
  sma: ISeriesApi<'Line'>;
  markers: ISeriesMarkersPluginApi<Time>;
}

function toBar(candle: Candle): CandlestickData<UTCTimestamp> {
  return {
    time: toChartTime(candle.start),
    open: candle.open,
    high: candle.high,
    low: candle.low,
    close: candle.close,
  };
}

function toVolume(candle: Candle): HistogramData<UTCTimestamp> {
  return {
    time: toChartTime(candle.start),
    value: candle.volume,
    color: candle.close >= candle.open ? theme.volumeUp : theme.volumeDown,
  };
}

/** Bars shown before and after a focused moment when the chart jumps there. */
const FOCUS_BARS_BEFORE = 60;
const FOCUS_BARS_AFTER = 20;

/**
 * The candlestick chart of one symbol and interval (remounted when either changes): history
 * and live candles merged by a CandleBook, volume below, SMA over the closes, anomaly markers.
 * Live candles arrive through the hub and are drawn once per animation frame; a change to the
 * newest candle is a cheap `update`, anything older redraws the series.
 */
export function CandleChart({
  symbol,
  interval,
  history,
  anomalies,
  focus,
  onNeedOlder,
  onStreamGap,
  onReady,
  overlay,
}: CandleChartProps) {
  const containerRef = useRef<HTMLDivElement>(null);
  const partsRef = useRef<ChartParts | null>(null);
  const book = useMemo(() => new CandleBook(), []);
  const pendingRef = useRef<Candle[]>([]);
  const frameRef = useRef<number | null>(null);
  const anomaliesRef = useRef(anomalies);
  const focusRef = useRef(focus);
  const callbacksRef = useRef({ onNeedOlder, onStreamGap });
  const precisionRef = useRef<number | null>(null);
  const focusDoneRef = useRef<number | null>(null);
  const [hovered, setHovered] = useState<Candle | null>(null);
  const [latest, setLatest] = useState<Candle | null>(null);
  const [count, setCount] = useState(0);

  useEffect(() => {
    callbacksRef.current = { onNeedOlder, onStreamGap };
    anomaliesRef.current = anomalies;
    focusRef.current = focus;
  });

  const updateMarkers = useCallback(() => {
    const parts = partsRef.current;
    if (!parts) return;
    const markers = anomalyMarkers(
      anomaliesRef.current,
      interval,
      book.candles,
      focusRef.current?.anomalyId ?? null,
    );
    parts.markers.setMarkers(markers);
    if (containerRef.current) containerRef.current.dataset.markers = String(markers.length);
  }, [book, interval]);

  const afterChange = useCallback(() => {
    const parts = partsRef.current;
    const candles = book.candles;
    const last = candles[candles.length - 1] ?? null;
    if (parts && last) {
      const precision = priceDecimals(last.close);
      if (precision !== precisionRef.current) {
        precisionRef.current = precision;
        parts.candles.applyOptions({ priceFormat: { type: 'price', precision, minMove: 10 ** -precision } });
        parts.sma.applyOptions({ priceFormat: { type: 'price', precision, minMove: 10 ** -precision } });
      }
    }
    if (containerRef.current) {
      containerRef.current.dataset.bars = String(candles.length);
      containerRef.current.dataset.lastClose = last ? String(last.close) : '';
    }
    setLatest(last);
    setCount(candles.length);
  }, [book]);

  const renderAll = useCallback(() => {
    const parts = partsRef.current;
    if (!parts) return;
    const candles = book.candles;
    parts.candles.setData(candles.map(toBar));
    parts.volume.setData(candles.map(toVolume));
    parts.sma.setData(
      smaSeries(candles).map((point): LineData<UTCTimestamp> => ({
        time: toChartTime(point.start),
        value: point.value,
      })),
    );
    updateMarkers();
    afterChange();
  }, [book, updateMarkers, afterChange]);

  const renderTail = useCallback(
    (candle: Candle, appended: boolean) => {
      const parts = partsRef.current;
      if (!parts) return;
      parts.candles.update(toBar(candle));
      parts.volume.update(toVolume(candle));
      const sma = smaAtEnd(book.candles);
      if (sma) parts.sma.update({ time: toChartTime(sma.start), value: sma.value });
      if (appended) updateMarkers();
    },
    [book, updateMarkers],
  );

  const flush = useCallback(() => {
    frameRef.current = null;
    const pending = pendingRef.current;
    pendingRef.current = [];
    let full = false;
    const tails: { candle: Candle; appended: boolean }[] = [];
    for (const candle of pending) {
      const before = book.candles.length;
      const change: SeriesChange = book.applyLive(candle);
      if (change === 'full') full = true;
      else if (change === 'tail') tails.push({ candle, appended: book.candles.length > before });
    }
    if (full) renderAll();
    else if (tails.length > 0) {
      for (const { candle, appended } of tails) renderTail(candle, appended);
      afterChange();
    }
  }, [book, renderAll, renderTail, afterChange]);

  const onEvent = useCallback(
    (event: ChannelEvent) => {
      if (event.type === 'gap' || (event.type === 'snapshot' && event.reset))
        callbacksRef.current.onStreamGap();
      if (event.type === 'gap') return;
      const items = Array.isArray(event.data) ? (event.data as unknown[]) : [event.data];
      for (const item of items) {
        if (typeof item !== 'object' || item === null) continue;
        const wire = item as WireCandle;
        if (wire.symbol !== undefined && wire.symbol !== symbol) continue;
        const candle = normalizeCandle(wire);
        if (candle) pendingRef.current.push(candle);
      }
      if (pendingRef.current.length > 0 && frameRef.current === null) {
        frameRef.current = requestAnimationFrame(flush);
      }
    },
    [flush, symbol],
  );
  useChannel(`candles.${interval}.${symbol}`, onEvent);

  useEffect(() => {
    const container = containerRef.current;
    if (!container) return undefined;
    const chart = createChart(container, {
      autoSize: true,
      layout: {
        background: { type: ColorType.Solid, color: theme.panel },
        textColor: theme.muted,
        fontFamily: 'inherit',
        fontSize: 11,
      },
      grid: { vertLines: { color: theme.grid }, horzLines: { color: theme.grid } },
      crosshair: { mode: CrosshairMode.Normal },
      rightPriceScale: { borderColor: theme.border, scaleMargins: { top: 0.08, bottom: 0.25 } },
      timeScale: {
        borderColor: theme.border,
        timeVisible: interval !== '1d',
        secondsVisible: interval === '1s',
        rightOffset: 3,
      },
    });
    const candles = chart.addSeries(CandlestickSeries, {
      upColor: theme.up,
      downColor: theme.down,
      borderUpColor: theme.up,
      borderDownColor: theme.down,
      wickUpColor: theme.up,
      wickDownColor: theme.down,
    });
    const volume = chart.addSeries(HistogramSeries, {
      priceScaleId: 'volume',
      priceFormat: { type: 'volume' },
      lastValueVisible: false,
      priceLineVisible: false,
    });
    chart.priceScale('volume').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    const sma = chart.addSeries(LineSeries, {
      color: theme.sma,
      lineWidth: 1,
      priceLineVisible: false,
      lastValueVisible: false,
      crosshairMarkerVisible: false,
    });
    const markers = createSeriesMarkers(candles, []);
    partsRef.current = { chart, candles, volume, sma, markers };

    const onRange = (range: LogicalRange | null) => {
      if (range && range.from < 10 && book.candles.length > 0) callbacksRef.current.onNeedOlder();
    };
    chart.timeScale().subscribeVisibleLogicalRangeChange(onRange);
    const onCrosshair = (param: MouseEventParams) => {
      const time = typeof param.time === 'number' ? param.time * 1000 : null;
      setHovered(time === null ? null : (book.candles.find((c) => c.start === time) ?? null));
    };
    chart.subscribeCrosshairMove(onCrosshair);
    onReady?.({ scrollToLatest: () => chart.timeScale().scrollToRealTime() });

    renderAll();
    return () => {
      if (frameRef.current !== null) cancelAnimationFrame(frameRef.current);
      frameRef.current = null;
      onReady?.(null);
      chart.timeScale().unsubscribeVisibleLogicalRangeChange(onRange);
      chart.unsubscribeCrosshairMove(onCrosshair);
      chart.remove();
      partsRef.current = null;
    };
    // Built once per mount: the parent remounts the chart for another symbol or interval.
  }, []);

  useEffect(() => {
    book.setHistory(history);
    renderAll();
  }, [book, history, renderAll]);

  useEffect(() => {
    updateMarkers();
  }, [anomalies, focus, updateMarkers]);

  // Jump to a focused moment, loading older history first when it lies before what is loaded.
  useEffect(() => {
    const parts = partsRef.current;
    if (!focus || !parts || focusDoneRef.current === focus.nonce) return;
    const start = bucketStart(focus.ts, interval);
    const oldest = book.oldestStart;
    if (oldest === null) return;
    if (start < oldest) {
      callbacksRef.current.onNeedOlder();
      return;
    }
    focusDoneRef.current = focus.nonce;
    // By bar index, not time: a logical range may reach past the data, so a sparse series keeps
    // a normal bar width instead of one bar stretched across the chart.
    const candles = book.candles;
    let index = candles.findIndex((candle) => candle.start >= start);
    if (index === -1) index = candles.length - 1;
    parts.chart.timeScale().setVisibleLogicalRange({
      from: index - FOCUS_BARS_BEFORE,
      to: index + FOCUS_BARS_AFTER,
    });
  }, [book, focus, history, count, interval]);

  const shown = hovered ?? latest;
  const smaValue = shown ? smaAt(book.candles, shown.start) : null;

  return (
    <div className="chart-frame">
      <div className="chart-legend" aria-live="off">
        {shown ? (
          <>
            <span>
              O <b>{formatPrice(shown.open)}</b>
            </span>
            <span>
              H <b>{formatPrice(shown.high)}</b>
            </span>
            <span>
              L <b>{formatPrice(shown.low)}</b>
            </span>
            <span>
              C <b className={shown.close >= shown.open ? 'up' : 'down'}>{formatPrice(shown.close)}</b>
            </span>
            <span>
              V <b>{formatCompact(shown.volume)}</b>
            </span>
            <span className="legend-sma">
              SMA{SMA_PERIOD} <b>{smaValue === null ? '–' : formatPrice(smaValue)}</b>
            </span>
          </>
        ) : null}
      </div>
      <div
        ref={containerRef}
        className="chart-canvas"
        data-testid="candle-chart"
        data-symbol={symbol}
        data-interval={interval}
        data-bars="0"
        data-markers="0"
        role="img"
        aria-label={`Candlestick chart of ${symbol}, ${interval} candles, ${count} loaded, with volume, SMA ${SMA_PERIOD} and anomaly markers`}
      />
      {count === 0 && overlay && (
        <div className="chart-overlay" role="status">
          {overlay}
        </div>
      )}
    </div>
  );
}

/** The SMA at the candle starting at `start`, for the legend. */
function smaAt(candles: readonly Candle[], start: number): number | null {
  let index = -1;
  for (let i = candles.length - 1; i >= 0; i--) {
    if ((candles[i] as Candle).start === start) {
      index = i;
      break;
    }
  }
  if (index < SMA_PERIOD - 1) return null;
  return smaAtEnd(candles.slice(index - SMA_PERIOD + 1, index + 1))?.value ?? null;
}
