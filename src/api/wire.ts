import { CANDLE_FIELDS, type CandleData } from '../core/candles.js';
import { ANOMALY_FIELDS, type Anomaly } from '../core/spike-detector.js';
import type { SymbolStats } from '../core/symbol-state.js';

/**
 * The REST shapes of engine values (docs/api.md): times as ISO-8601 strings. Streaming messages
 * keep epoch ms and do not use these.
 */

let lastMs = NaN;
let lastIso = '';

/** Epoch ms as ISO-8601. Remembers the last answer: one request formats the same ms twice or more. */
export function iso(ms: number): string {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
}

export interface StatsBody {
  symbol: string;
  currentPrice: number;
  movingAverage: number;
  updateCount: number;
  lastUpdateTime: string;
  minPrice: number;
  maxPrice: number;
  changeFromAverage: number;
  volume: number;
}

export function statsBody(s: SymbolStats): StatsBody {
  return {
    symbol: s.symbol,
    currentPrice: s.currentPrice,
    movingAverage: s.movingAverage,
    updateCount: s.updateCount,
    lastUpdateTime: iso(s.lastUpdateTime),
    minPrice: s.minPrice,
    maxPrice: s.maxPrice,
    changeFromAverage: s.changeFromAverage,
    volume: s.volume,
  };
}

/** An anomaly's fields in order (core's list), its two event times as ISO strings under wire names. */
export function anomalyBody(a: Anomaly): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of ANOMALY_FIELDS) {
    if (field === 'ts') body.timestamp = iso(a.ts);
    else if (field === 'referenceTs') body.referenceTimestamp = iso(a.referenceTs);
    else body[field] = a[field];
  }
  return body;
}

/** A candle's fields in order (core's list) but the symbol and interval the request named, times as ISO strings. */
export function candleBody(
  c: CandleData,
  indicators?: Record<string, number | null>,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of CANDLE_FIELDS) {
    if (field === 'symbol' || field === 'interval') continue;
    body[field] = field === 'start' || field === 'end' ? iso(c[field]) : c[field];
  }
  if (indicators !== undefined) body.indicators = indicators;
  return body;
}

export const statsSchema = {
  type: 'object',
  properties: {
    symbol: { type: 'string' },
    currentPrice: { type: 'number' },
    movingAverage: { type: 'number' },
    updateCount: { type: 'integer' },
    lastUpdateTime: { type: 'string', format: 'date-time' },
    minPrice: { type: 'number' },
    maxPrice: { type: 'number' },
    changeFromAverage: { type: 'number' },
    volume: { type: 'number' },
  },
} as const;

export const anomalySchema = {
  type: 'object',
  properties: {
    symbol: { type: 'string' },
    direction: { type: 'string', enum: ['up', 'down'] },
    price: { type: 'number' },
    timestamp: { type: 'string', format: 'date-time' },
    referencePrice: { type: 'number' },
    referenceTimestamp: { type: 'string', format: 'date-time' },
    changePercent: { type: 'number' },
    severity: { type: 'string', enum: ['medium', 'high', 'critical'] },
    windowMs: { type: 'number' },
    thresholdPercent: { type: 'number' },
  },
} as const;

export const candleSchema = {
  type: 'object',
  properties: {
    start: { type: 'string', format: 'date-time' },
    end: { type: 'string', format: 'date-time' },
    open: { type: 'number' },
    high: { type: 'number' },
    low: { type: 'number' },
    close: { type: 'number' },
    volume: { type: 'number' },
    trades: { type: 'integer' },
    vwap: { type: ['number', 'null'] },
    revision: { type: 'integer' },
    closed: { type: 'boolean' },
    indicators: { type: 'object', additionalProperties: { type: ['number', 'null'] } },
  },
} as const;
