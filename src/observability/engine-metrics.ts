import type { Metrics } from './metrics.js';

/**
 * What the engine's metrics are read from: the Engine has these two methods. Spelled out here so
 * the metrics registry imports nothing of the engine (observability is a leaf).
 */
export interface EngineReadings {
  counters(): {
    readonly rejected: Readonly<Record<string, number>>;
    readonly anomalies: number;
    readonly gaps: number;
    readonly candlesClosed: number;
    readonly activeSymbols: number;
    readonly listenerErrors: number;
    readonly bySource: Readonly<Record<string, { readonly accepted: number; readonly rejected: number }>>;
    /** Worker-thread partitions only: ticks dropped from a full ring (drop-oldest). */
    readonly dropped?: number;
    /** Worker-thread partitions only: ticks refused because their ring was full (reject). */
    readonly ringFull?: number;
    /** Worker-thread partitions only: partition threads that threw and were restarted. */
    readonly restarts?: number;
  };
  partitionSizes(): readonly number[];
  /** Worker-thread partitions only: ticks sent to each partition and not yet answered. */
  queueDepths?(): readonly number[];
}

/** Exports the engine's own counters to Prometheus, read at scrape time (nothing on the hot path). */
export function registerEngineMetrics(metrics: Metrics, engine: EngineReadings): void {
  metrics.counterFrom('tickstream_ticks_total', 'Ticks by source and outcome.', ['source', 'outcome'], () =>
    Object.entries(engine.counters().bySource).flatMap(([source, c]) => [
      [{ source, outcome: 'accepted' }, c.accepted] as const,
      [{ source, outcome: 'rejected' }, c.rejected] as const,
    ]),
  );
  metrics.counterFrom('tickstream_ticks_rejected_total', 'Refused ticks by reason.', ['reason'], () =>
    Object.entries(engine.counters().rejected).map(([reason, n]) => [{ reason }, n] as const),
  );
  metrics.counterFrom(
    'tickstream_anomalies_total',
    'Price spikes detected.',
    [],
    () => engine.counters().anomalies,
  );
  metrics.counterFrom('tickstream_gaps_total', 'Sequence gaps seen.', [], () => engine.counters().gaps);
  metrics.counterFrom(
    'tickstream_candles_closed_total',
    'Candles closed (revisions included).',
    [],
    () => engine.counters().candlesClosed,
  );
  metrics.counterFrom(
    'tickstream_engine_listener_errors_total',
    'Exceptions thrown by engine event listeners (processing went on).',
    [],
    () => engine.counters().listenerErrors,
  );
  metrics.gaugeFrom(
    'tickstream_active_symbols',
    'Symbols that have accepted a tick.',
    [],
    () => engine.counters().activeSymbols,
  );
  metrics.gaugeFrom('tickstream_partition_symbols', 'Symbols per engine partition.', ['partition'], () =>
    engine.partitionSizes().map((n, p) => [{ partition: String(p) }, n] as const),
  );
  // One thread: each batch is processed synchronously, no queue. Worker-thread partitions: the rows
  // in their rings and in flight.
  const depths = engine.queueDepths?.bind(engine);
  metrics.gaugeFrom(
    'tickstream_engine_queue_depth',
    'Ticks waiting for the engine (0 when the engine runs on the calling thread).',
    [],
    () => (depths === undefined ? 0 : depths().reduce((a, b) => a + b, 0)),
  );
  if (depths === undefined) return;
  metrics.gaugeFrom(
    'tickstream_partition_queue_depth',
    'Ticks waiting per worker partition.',
    ['partition'],
    () => depths().map((n, p) => [{ partition: String(p) }, n] as const),
  );
  metrics.counterFrom(
    'tickstream_partition_dropped_total',
    'Ticks dropped from a full partition ring (overflowPolicy drop-oldest).',
    [],
    () => engine.counters().dropped ?? 0,
  );
  metrics.counterFrom(
    'tickstream_partition_ring_full_total',
    'Ticks refused as overloaded because their partition ring was full (overflowPolicy reject).',
    [],
    () => engine.counters().ringFull ?? 0,
  );
  metrics.counterFrom(
    'tickstream_partition_restarts_total',
    'Partition threads that threw and were restarted from their state.',
    [],
    () => engine.counters().restarts ?? 0,
  );
}
