// Wire types of the HTTP API (docs/api.md) and the hub (docs/streams.md), as the dashboard reads
// them. REST carries times as ISO-8601 strings and the stream as epoch ms; fields that are times
// are typed `WireTime` and go through `toEpochMs` so either form is accepted.

export type WireTime = string | number;

export const Role = { Admin: 'admin', Writer: 'writer', Reader: 'reader' } as const;
export type Role = (typeof Role)[keyof typeof Role];

export interface User {
  id: string | number;
  username: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  role: Role;
}

export interface TokenResponse {
  accessToken: string;
  refreshToken: string;
  expiresAt: WireTime;
  user: User;
}

export interface RegisterRequest {
  username: string;
  email: string;
  password: string;
  firstName?: string;
  lastName?: string;
}

export interface ErrorBody {
  error: { code: string; message: string; reason?: string };
}

export interface WireStats {
  symbol: string;
  currentPrice: number;
  movingAverage: number;
  updateCount: number;
  lastUpdateTime: WireTime;
  minPrice: number;
  maxPrice: number;
  changeFromAverage: number;
  volume: number;
}

export interface WireCandle {
  symbol?: string;
  interval?: string;
  start: WireTime;
  end: WireTime;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  trades: number;
  vwap: number | null;
  revision?: number;
  closed?: boolean;
  indicators?: Record<string, number | null>;
}

export interface CandlesResponse {
  symbol: string;
  interval: string;
  candles: WireCandle[];
}

export const Severity = { Medium: 'medium', High: 'high', Critical: 'critical' } as const;
export type Severity = (typeof Severity)[keyof typeof Severity];

export const Direction = { Up: 'up', Down: 'down' } as const;
export type Direction = (typeof Direction)[keyof typeof Direction];

/** An anomaly from REST (`timestamp`, `referenceTimestamp`) or the stream (`ts`, `referenceTs`). */
export interface WireAnomaly {
  symbol: string;
  direction: Direction;
  price: number;
  ts?: WireTime;
  timestamp?: WireTime;
  referencePrice: number;
  referenceTs?: WireTime;
  referenceTimestamp?: WireTime;
  changePercent: number;
  severity: Severity;
  windowMs: number;
  thresholdPercent: number;
}

/** `GET /api/metrics`. `storage` and `connections` are open-ended in the contract. */
export interface Metrics {
  totalProcessed: number;
  anomaliesDetected: number;
  activeSymbols: number;
  queueSize: number;
  throughputPerSecond: number;
  /** Ticks dropped from a full partition ring (overflowPolicy drop-oldest); absent from older servers. */
  droppedTicks?: number;
  rejected: Record<string, number>;
  storage?: Record<string, unknown>;
  connections?: Record<string, unknown>;
  /** The data directory and the disk guard. */
  disk?: {
    dataDir?: string;
    sizeBytes?: number | null;
    growthBytesPerHour?: number | null;
    freeBytes?: number | null;
    minFreeBytes?: number;
    rawTicks?: 'stored' | 'refused';
  };
  /** A cluster node only (docs/scaling.md): the nodes, who owns each partition and its stream lag. */
  cluster?: ClusterMetrics;
}

export interface ClusterMetrics {
  name: string;
  nodeId: string;
  roles: string[];
  partitions: number;
  owned: number[];
  nats: string;
  nodes: Array<{ nodeId: string; roles: string[]; partitions: number[] }>;
  /** Messages of the partition's subject its owner has still to apply (null: not known). */
  partitionOwners: Array<{ partition: number; owner: string | null; lag: number | null }>;
  ingest?: { published: number; failed: number; pending: number };
  takeovers?: number;
}

/** Epoch ms from an ISO-8601 string or a number of epoch ms; NaN when neither. */
export function toEpochMs(time: WireTime | null | undefined): number {
  if (typeof time === 'number') return time;
  if (typeof time === 'string') {
    if (/^\d+$/.test(time)) return Number(time);
    return Date.parse(time);
  }
  return Number.NaN;
}
