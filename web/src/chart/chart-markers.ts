import type { SeriesMarker, UTCTimestamp } from 'lightweight-charts';

import type { Anomaly } from '../anomalies/anomaly-model';
import { formatPercent } from '../format/format';
import { severityColor } from '../theme';
import type { Candle } from './candle-book';
import { bucketStart, type Interval } from './intervals';

/** The chart's time scale is in whole UTC seconds. */
export function toChartTime(ms: number): UTCTimestamp {
  return Math.floor(ms / 1000) as UTCTimestamp;
}

/**
 * One marker per anomaly on the candle of its bucket: an up arrow below the bar for a spike
 * up, a down arrow above it for a drop, coloured by severity, the focused one drawn larger.
 * Anomalies outside the loaded candles are left out: the chart would pin them to the edge.
 */
export function anomalyMarkers(
  anomalies: readonly Anomaly[],
  interval: Interval,
  candles: readonly Candle[],
  focusedId: string | null = null,
): SeriesMarker<UTCTimestamp>[] {
  const first = candles[0];
  const last = candles[candles.length - 1];
  if (!first || !last) return [];
  const markers: SeriesMarker<UTCTimestamp>[] = [];
  for (const anomaly of anomalies) {
    const start = bucketStart(anomaly.ts, interval);
    if (start < first.start || start > last.start) continue;
    const up = anomaly.direction === 'up';
    markers.push({
      id: anomaly.id,
      time: toChartTime(start),
      position: up ? 'belowBar' : 'aboveBar',
      shape: up ? 'arrowUp' : 'arrowDown',
      color: severityColor[anomaly.severity],
      text: formatPercent(anomaly.changePercent),
      size: anomaly.id === focusedId ? 2 : 1,
    });
  }
  return markers.sort((a, b) => a.time - b.time);
}
