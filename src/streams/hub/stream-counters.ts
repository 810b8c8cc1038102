/** What one protocol's connections did, read by the Prometheus collectors at scrape time. */
export class StreamCounters {
  /** Open connections. */
  connections = 0;
  /** Connections opened since start. */
  opened = 0;
  /** Messages written to sockets. */
  sent = 0;
  /** Messages replaced by a later one of the same channel and symbol while a connection was behind. */
  conflated = 0;
  /** Messages dropped while a connection was behind. */
  dropped = 0;
  /** Gap messages sent (each names a range of dropped messages). */
  gaps = 0;
  /** Connections closed because they fell too far behind. */
  slowConsumerCloses = 0;
  /** Connections refused or closed for missing, invalid or expired credentials. */
  authFailures = 0;
  /** Client messages answered with an error. */
  badMessages = 0;
}

/** The protocols the hub serves, as metric labels and `/api/metrics` keys. */
export const Protocol = {
  WebSocket: 'ws',
  MarketData: 'marketdata',
  Stomp: 'stomp',
  Sse: 'sse',
  Realtime: 'realtime',
  GraphQl: 'graphql',
  /** tickstream's WebRTC peers (data channels negotiated over STOMP signalling). */
  WebRtc: 'webrtc',
} as const;
export type Protocol = (typeof Protocol)[keyof typeof Protocol];

export const PROTOCOLS: readonly Protocol[] = Object.values(Protocol);
