import type { FastifyPluginAsync } from 'fastify';

import type { EnginePort } from '../../engine/engine-port.js';
import type { Metrics } from '../../observability/metrics.js';
import type { ThroughputMeter } from '../../observability/throughput-meter.js';
import { CREDENTIALS } from '../../http/request-credentials.js';

/** Figures other parts add to /api/metrics. */
export interface StatusSources {
  /** Ticks waiting to be written. */
  readonly queueSize?: () => number;
  readonly storage?: () => Record<string, unknown>;
  readonly connections?: () => Record<string, number>;
  /** The data directory: size, growth, free disk space, the disk guard. */
  readonly disk?: () => Record<string, unknown>;
  /** A cluster node (NATS_URL): its role, the nodes, partition owners and stream lag per partition. */
  readonly cluster?: () => Record<string, unknown>;
}

export interface MetricsRouteOptions {
  readonly engine: EnginePort;
  readonly metrics: Metrics;
  readonly meter: ThroughputMeter;
  readonly status: StatusSources | undefined;
  readonly publicMetrics: boolean;
}

/** `/api/metrics` (JSON, the earlier system's shape plus more) and `/metrics` (Prometheus). */
export const metricsRoutes: FastifyPluginAsync<MetricsRouteOptions> = async (
  app,
  { engine, metrics, meter, status, publicMetrics },
) => {
  app.get(
    '/api/metrics',
    {
      schema: {
        tags: ['operations'],
        summary:
          'Processing figures: totals, rejections by reason, throughput over the last 10 s, storage, connections',
        security: CREDENTIALS,
        response: {
          200: {
            type: 'object',
            properties: {
              totalProcessed: { type: 'integer' },
              anomaliesDetected: { type: 'integer' },
              activeSymbols: { type: 'integer' },
              queueSize: { type: 'integer' },
              throughputPerSecond: { type: 'number' },
              droppedTicks: {
                type: 'integer',
                description:
                  'Ticks dropped from a full partition ring (overflowPolicy drop-oldest); 0 on the single-thread engine',
              },
              rejected: { type: 'object', additionalProperties: { type: 'integer' } },
              bySource: { type: 'object', additionalProperties: true },
              storage: { type: 'object', additionalProperties: true },
              connections: { type: 'object', additionalProperties: { type: 'integer' } },
              disk: {
                type: 'object',
                description:
                  'dataDir, sizeBytes, growthBytesPerHour, freeBytes, minFreeBytes, rawTicks (stored | refused)',
                additionalProperties: true,
              },
              cluster: {
                type: 'object',
                description:
                  'On a cluster node only: name, nodeId, roles, partitions, owned, nats, nodes, partitionOwners (owner, lag), ingest, live, takeovers',
                additionalProperties: true,
              },
            },
          },
        },
      },
      config: { role: 'reader' },
    },
    () => {
      const c = engine.counters();
      return {
        totalProcessed: c.accepted,
        anomaliesDetected: c.anomalies,
        activeSymbols: c.activeSymbols,
        queueSize: status?.queueSize?.() ?? 0,
        throughputPerSecond: Math.round(meter.perSecond() * 10) / 10,
        // Only the partitioned engine drops (drop-oldest); the single-thread one never does.
        droppedTicks: 'dropped' in c && typeof c.dropped === 'number' ? c.dropped : 0,
        rejected: c.rejected,
        bySource: c.bySource,
        storage: status?.storage?.() ?? {},
        connections: status?.connections?.() ?? {},
        disk: status?.disk?.() ?? {},
        ...(status?.cluster === undefined ? {} : { cluster: status.cluster() }),
      };
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics (text format)',
        ...(publicMetrics ? {} : { security: CREDENTIALS }),
      },
      ...(publicMetrics ? {} : { config: { role: 'reader' as const } }),
    },
    async (_request, reply) => reply.type(metrics.contentType()).send(await metrics.text()),
  );
};
