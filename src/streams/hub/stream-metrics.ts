import type { Metrics, Reading } from '../../observability/metrics.js';
import type { Hub } from './hub.js';
import { PROTOCOLS, type StreamCounters } from './stream-counters.js';

/**
 * The hub's Prometheus collectors, read at scrape time from counters the connections keep (the
 * hot path never touches the registry). Register once per registry.
 */
export function registerStreamMetrics(metrics: Metrics, hub: Hub): void {
  const byProtocol = (field: keyof StreamCounters) => (): Reading<'protocol'> =>
    PROTOCOLS.map((protocol) => [{ protocol }, hub.counters(protocol)[field]] as const);

  metrics.gaugeFrom(
    'tickstream_stream_connections',
    'Open live-stream connections by protocol.',
    ['protocol'],
    byProtocol('connections'),
  );
  metrics.counterFrom(
    'tickstream_stream_connections_opened_total',
    'Live-stream connections opened, by protocol.',
    ['protocol'],
    byProtocol('opened'),
  );
  metrics.counterFrom(
    'tickstream_stream_messages_sent_total',
    'Messages written to live-stream connections, by protocol.',
    ['protocol'],
    byProtocol('sent'),
  );
  metrics.counterFrom(
    'tickstream_stream_messages_conflated_total',
    'Messages replaced by a newer one of the same channel and symbol while a connection was behind.',
    ['protocol'],
    byProtocol('conflated'),
  );
  metrics.counterFrom(
    'tickstream_stream_messages_dropped_total',
    'Tick and anomaly messages dropped while a connection was behind (reported to it as gaps).',
    ['protocol'],
    byProtocol('dropped'),
  );
  metrics.counterFrom(
    'tickstream_stream_gaps_total',
    'Gap messages sent to connections that fell behind.',
    ['protocol'],
    byProtocol('gaps'),
  );
  metrics.counterFrom(
    'tickstream_stream_slow_consumer_closes_total',
    'Connections closed because they fell too far behind.',
    ['protocol'],
    byProtocol('slowConsumerCloses'),
  );
  metrics.counterFrom(
    'tickstream_stream_auth_failures_total',
    'Live-stream connections refused or closed for missing, invalid or expired credentials.',
    ['protocol'],
    byProtocol('authFailures'),
  );
  metrics.counterFrom(
    'tickstream_stream_bad_messages_total',
    'Client messages answered with an error.',
    ['protocol'],
    byProtocol('badMessages'),
  );
  metrics.gaugeFrom(
    'tickstream_stream_channels',
    'Hub channels live now.',
    [],
    () => hub.channelCounts().channels,
  );
  metrics.gaugeFrom(
    'tickstream_stream_subscriptions',
    'Subscriptions across hub channels.',
    [],
    () => hub.channelCounts().subscriptions,
  );
}
