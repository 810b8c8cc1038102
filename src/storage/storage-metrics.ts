import { Histogram } from 'prom-client';

import type { BatchWriter } from './batch-writer.js';
import type { Metrics } from '../observability/metrics.js';

const CIRCUIT = { closed: 0, 'half-open': 1, open: 2 } as const;

/** Exports the storage writer to Prometheus: its queue, writes, failures and batch sizes. */
export function registerStorageMetrics(metrics: Metrics, writer: BatchWriter): void {
  const rows = new Histogram({
    name: 'tickstream_storage_batch_rows',
    help: 'Tick rows per committed storage write.',
    buckets: [1, 10, 100, 1000, 5000, 10_000, 20_000, 50_000, 100_000],
    registers: [metrics.registry],
  });
  const seconds = new Histogram({
    name: 'tickstream_storage_write_seconds',
    help: 'Time a committed storage write took, retries included.',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
    registers: [metrics.registry],
  });
  writer.observeCommits((n, s) => {
    rows.observe(n);
    seconds.observe(s);
  });
  metrics.gaugeFrom(
    'tickstream_writer_queue_depth',
    'Accepted ticks waiting to be written.',
    [],
    () => writer.counters().buffered,
  );
  metrics.gaugeFrom(
    'tickstream_writer_capacity',
    'Ticks the writer buffers before the engine answers overloaded.',
    [],
    () => writer.counters().capacity,
  );
  metrics.gaugeFrom(
    'tickstream_storage_circuit',
    'Storage circuit breaker: 0 closed, 1 half-open, 2 open.',
    [],
    () => CIRCUIT[writer.counters().circuit],
  );
  metrics.counterFrom(
    'tickstream_storage_writes_total',
    'Committed storage writes.',
    [],
    () => writer.counters().writes,
  );
  metrics.counterFrom(
    'tickstream_storage_write_failures_total',
    'Storage write attempts that failed (each is retried).',
    [],
    () => writer.counters().writeFailures,
  );
  metrics.counterFrom(
    'tickstream_storage_retries_total',
    'Storage write retries scheduled.',
    [],
    () => writer.counters().retries,
  );
  metrics.counterFrom(
    'tickstream_storage_breaker_opens_total',
    'Times the storage circuit breaker opened.',
    [],
    () => writer.counters().breakerOpens,
  );
  metrics.counterFrom('tickstream_storage_rows_total', 'Rows written, by table.', ['table'], () => {
    const c = writer.counters();
    return [
      [{ table: 'ticks' }, c.ticksWritten],
      [{ table: 'candles' }, c.candlesWritten],
      [{ table: 'anomalies' }, c.anomaliesWritten],
    ] as const;
  });
}
