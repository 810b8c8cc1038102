import { Direction, Severity, toEpochMs, type WireAnomaly } from '../api-types';

/** An anomaly as the dashboard keeps it: times in epoch ms, with a stable identity. */
export interface Anomaly {
  id: string;
  symbol: string;
  direction: Direction;
  price: number;
  ts: number;
  referencePrice: number;
  referenceTs: number;
  changePercent: number;
  severity: Severity;
  windowMs: number;
  thresholdPercent: number;
}

const severities = new Set<string>(Object.values(Severity));

function severityOf(wire: unknown): Severity {
  const severity = String(wire).toLowerCase();
  return severities.has(severity) ? (severity as Severity) : Severity.Medium;
}

/**
 * From REST (`timestamp`, `referenceTimestamp`, ISO; severity capitalised as the .NET system
 * wrote it) or the stream (`ts`, `referenceTs`, epoch ms). Null when it lacks a symbol or a time.
 */
export function normalizeAnomaly(wire: WireAnomaly): Anomaly | null {
  const ts = toEpochMs(wire.ts ?? wire.timestamp);
  if (typeof wire.symbol !== 'string' || !Number.isFinite(ts)) return null;
  const direction = wire.direction === Direction.Down ? Direction.Down : Direction.Up;
  return {
    id: `${wire.symbol}|${ts}|${direction}`,
    symbol: wire.symbol,
    direction,
    price: wire.price,
    ts,
    referencePrice: wire.referencePrice,
    referenceTs: toEpochMs(wire.referenceTs ?? wire.referenceTimestamp),
    changePercent: wire.changePercent,
    severity: severityOf(wire.severity),
    windowMs: wire.windowMs,
    thresholdPercent: wire.thresholdPercent,
  };
}

export function normalizeAnomalies(wire: unknown): Anomaly[] {
  if (!Array.isArray(wire)) return [];
  const out: Anomaly[] = [];
  for (const item of wire as WireAnomaly[]) {
    const anomaly = typeof item === 'object' && item !== null ? normalizeAnomaly(item) : null;
    if (anomaly) out.push(anomaly);
  }
  return out;
}

/** Newest first by event time, each anomaly once (a snapshot and a replay can overlap), at most `cap`. */
export function mergeAnomalies(
  current: readonly Anomaly[],
  incoming: readonly Anomaly[],
  cap = 200,
): Anomaly[] {
  const seen = new Set<string>();
  const merged: Anomaly[] = [];
  for (const anomaly of [...incoming, ...current]) {
    if (seen.has(anomaly.id)) continue;
    seen.add(anomaly.id);
    merged.push(anomaly);
  }
  merged.sort((a, b) => b.ts - a.ts);
  return merged.length > cap ? merged.slice(0, cap) : merged;
}
