import type { GrpcServer } from './grpc/grpc-server.js';
import type { TcpIngestServer } from './tcp/tcp-server.js';
import type { Metrics } from '../observability/metrics.js';

/** Exports the TCP ingest's totals to Prometheus, read at scrape time. */
export function registerTcpMetrics(metrics: Metrics, tcp: TcpIngestServer): void {
  metrics.counterFrom(
    'tickstream_tcp_connections_total',
    'TCP ingest connections accepted.',
    [],
    () => tcp.counters().connections,
  );
  metrics.counterFrom(
    'tickstream_tcp_refused_total',
    'TCP ingest connections refused by the allow-list.',
    [],
    () => tcp.counters().refused,
  );
  metrics.gaugeFrom(
    'tickstream_tcp_open_connections',
    'TCP ingest connections open.',
    [],
    () => tcp.counters().open,
  );
  metrics.counterFrom(
    'tickstream_tcp_bytes_total',
    'Bytes read by the TCP ingest.',
    [],
    () => tcp.counters().bytes,
  );
  metrics.counterFrom(
    'tickstream_tcp_frames_total',
    'Frames read by the TCP ingest.',
    [],
    () => tcp.counters().frames,
  );
  metrics.counterFrom(
    'tickstream_tcp_pauses_total',
    'Times a TCP connection stopped reading because storage was full.',
    [],
    () => tcp.counters().pauses,
  );
  metrics.counterFrom(
    'tickstream_tcp_rejected_total',
    'Ticks refused on the TCP ingest, by reason.',
    ['reason'],
    () => Object.entries(tcp.counters().rejected).map(([reason, n]) => [{ reason }, n] as const),
  );
  metrics.counterFrom(
    'tickstream_tcp_closed_total',
    'TCP ingest connections closed, by reason.',
    ['reason'],
    () => Object.entries(tcp.counters().closed).map(([reason, n]) => [{ reason }, n] as const),
  );
}

/** Exports the gRPC server's totals to Prometheus, read at scrape time. */
export function registerGrpcMetrics(metrics: Metrics, grpc: GrpcServer): void {
  metrics.counterFrom(
    'tickstream_grpc_tick_streams_total',
    'StreamTicks calls started.',
    [],
    () => grpc.counters().tickStreams,
  );
  metrics.gaugeFrom(
    'tickstream_grpc_open_tick_streams',
    'StreamTicks calls open.',
    [],
    () => grpc.counters().openTickStreams,
  );
  metrics.gaugeFrom(
    'tickstream_grpc_aggregate_streams',
    'StreamAggregates calls open.',
    [],
    () => grpc.counters().aggregateStreams,
  );
  metrics.counterFrom(
    'tickstream_grpc_refused_total',
    'gRPC calls refused by authentication or authorization.',
    [],
    () => grpc.counters().refused,
  );
  metrics.counterFrom(
    'tickstream_grpc_rejected_total',
    'Ticks refused on StreamTicks, by reason.',
    ['reason'],
    () => Object.entries(grpc.counters().rejected).map(([reason, n]) => [{ reason }, n] as const),
  );
}
