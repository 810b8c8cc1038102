import type { ClusterMetrics, Metrics } from '../api-types';
import { formatBytes, formatCount, formatDecimal, formatDuration } from '../format/format';

export interface MetricEntry {
  key: string;
  label: string;
  value: string;
}

const WORDS: Readonly<Record<string, string>> = {
  sse: 'SSE',
  ws: 'WebSocket',
  websocket: 'WebSocket',
  websockets: 'WebSockets',
  grpc: 'gRPC',
  tcp: 'TCP',
  http: 'HTTP',
  stomp: 'STOMP',
  graphql: 'GraphQL',
  nats: 'NATS',
};

/** `pendingRows` → `Pending rows`, `lagMs` → `Lag`, `flush_count` → `Flush count`, `sse` → `SSE`. */
export function humanizeKey(key: string): string {
  const words = key
    .replace(/(Ms|Bytes)$/, '')
    .replace(/[_-]+/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .trim()
    .toLowerCase()
    .split(/\s+/);
  return words
    .map((word, i) => WORDS[word] ?? (i === 0 ? word.charAt(0).toUpperCase() + word.slice(1) : word))
    .join(' ');
}

/** A value by the unit its key names: `…Ms` as a duration, `…Bytes` as a size, counts grouped. */
export function formatMetricValue(key: string, value: unknown): string {
  if (typeof value === 'number') {
    if (key.endsWith('Ms')) return formatDuration(value);
    if (key.endsWith('Bytes')) return formatBytes(value);
    return Number.isInteger(value) ? formatCount(value) : formatDecimal(value);
  }
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '–';
  return JSON.stringify(value);
}

/**
 * The leaves of an open-ended metrics object (`storage`, `connections`: their keys are not fixed
 * by the contract), nested keys joined with ` · `.
 */
export function flattenMetrics(value: Record<string, unknown> | undefined, prefix = ''): MetricEntry[] {
  if (!value) return [];
  const entries: MetricEntry[] = [];
  for (const [key, item] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof item === 'object' && item !== null && !Array.isArray(item)) {
      for (const entry of flattenMetrics(item as Record<string, unknown>, path)) {
        entries.push({ ...entry, label: `${humanizeKey(key)} · ${entry.label}` });
      }
      continue;
    }
    entries.push({ key: path, label: humanizeKey(key), value: formatMetricValue(key, item) });
  }
  return entries;
}

export interface RejectedRow {
  reason: string;
  count: number;
  /** Of all ticks seen (accepted and rejected), in percent. */
  sharePercent: number;
}

export interface IngestBreakdown {
  accepted: number;
  rejected: number;
  rows: RejectedRow[];
}

/** Accepted (`totalProcessed`) against rejected, and the rejections by reason, most frequent first. */
export function ingestBreakdown(metrics: Pick<Metrics, 'totalProcessed' | 'rejected'>): IngestBreakdown {
  const accepted = Number.isFinite(metrics.totalProcessed) ? metrics.totalProcessed : 0;
  const reasons = Object.entries(metrics.rejected ?? {}).filter(
    (entry): entry is [string, number] => typeof entry[1] === 'number' && entry[1] > 0,
  );
  const rejected = reasons.reduce((sum, [, count]) => sum + count, 0);
  const all = accepted + rejected;
  const rows = reasons
    .map(([reason, count]) => ({ reason, count, sharePercent: all > 0 ? (count / all) * 100 : 0 }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
  return { accepted, rejected, rows };
}

export interface RateSample {
  at: number;
  total: number;
}

/** Events per second between two samples of a growing total; null when there is no interval yet. */
export function ratePerSecond(previous: RateSample | null, next: RateSample): number | null {
  if (!previous || next.at <= previous.at) return null;
  return Math.max(0, ((next.total - previous.total) * 1000) / (next.at - previous.at));
}

/**
 * The storage lag for the headline: a numeric key that reads as a lag (`lagMs`, `writeLag`), or
 * else the ticks accepted but not yet committed (`acceptedSeq − committedSeq`).
 */
export function findLag(storage: Record<string, unknown> | undefined): MetricEntry | null {
  if (!storage) return null;
  for (const [key, value] of Object.entries(storage)) {
    if (/lag/i.test(key) && typeof value === 'number') {
      return { key, label: humanizeKey(key), value: formatMetricValue(key, value) };
    }
  }
  const { acceptedSeq, committedSeq } = storage;
  if (typeof acceptedSeq === 'number' && typeof committedSeq === 'number') {
    const behind = Math.max(0, acceptedSeq - committedSeq);
    return { key: 'uncommitted', label: 'Uncommitted', value: `${formatCount(behind)} ticks` };
  }
  return null;
}

export interface ClusterNodeRow {
  nodeId: string;
  roles: string;
  /** Partitions it owns, e.g. `0, 3, 5`; `–` for none. */
  partitions: string;
  /** Messages its partitions still have to apply, summed. */
  lag: number;
  self: boolean;
}

export interface ClusterSummary {
  nodes: ClusterNodeRow[];
  /** Partitions no node owns at the moment (a takeover under way, or no engine node). */
  unowned: number[];
  /** Messages behind, summed over partitions whose lag is known. */
  totalLag: number;
  /** The partition furthest behind, when one is behind. */
  worst: { partition: number; lag: number } | null;
}

/** The cluster block of `/api/metrics` as the system panel shows it: one row per node, then what is unowned. */
export function clusterSummary(cluster: ClusterMetrics): ClusterSummary {
  const lagByOwner = new Map<string, number>();
  const unowned: number[] = [];
  let totalLag = 0;
  let worst: { partition: number; lag: number } | null = null;
  for (const { partition, owner, lag } of cluster.partitionOwners) {
    if (owner === null) unowned.push(partition);
    if (lag === null) continue;
    totalLag += lag;
    if (owner !== null) lagByOwner.set(owner, (lagByOwner.get(owner) ?? 0) + lag);
    if (lag > 0 && (worst === null || lag > worst.lag)) worst = { partition, lag };
  }
  const nodes = cluster.nodes
    .map((node) => ({
      nodeId: node.nodeId,
      roles: node.roles.join(', '),
      partitions: node.partitions.length === 0 ? '–' : [...node.partitions].sort((a, b) => a - b).join(', '),
      lag: lagByOwner.get(node.nodeId) ?? 0,
      self: node.nodeId === cluster.nodeId,
    }))
    .sort((a, b) => a.nodeId.localeCompare(b.nodeId));
  return { nodes, unowned, totalLag, worst };
}
