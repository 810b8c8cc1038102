import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The process's Prometheus registry. Hot paths never touch it: counters that the engine, the
 * storage writer and the ingest servers already keep are read at scrape time through collectors
 * (`gaugeFrom`, `counterFrom`); only latencies are observed as they happen, once per request or
 * batch, never per tick.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly ingestDuration: Histogram<'source'>;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false)
      collectDefaultMetrics({ register: this.registry, prefix: 'tickstream_' });
    this.httpDuration = new Histogram({
      name: 'tickstream_http_request_duration_seconds',
      help: 'HTTP request latency by method, route and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    this.ingestDuration = new Histogram({
      name: 'tickstream_ingest_batch_duration_seconds',
      help: 'Time the engine took to process one ingest batch, by source.',
      labelNames: ['source'],
      buckets: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1],
      registers: [this.registry],
    });
  }

  /** A gauge read at scrape time: one value, or one per label set. */
  gaugeFrom<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    read: () => Reading<L>,
  ): void {
    const registry = this.registry;
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        report(this, read());
      },
    });
  }

  /** A counter read at scrape time from a total kept elsewhere. */
  counterFrom<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    read: () => Reading<L>,
  ): void {
    new Counter({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset();
        const values = read();
        if (typeof values === 'number') this.inc(values);
        else for (const [labels, value] of values) this.inc(labels, value);
      },
    });
  }

  contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

/** One value, or values per label set. */
export type Reading<L extends string> = number | ReadonlyArray<readonly [Partial<Record<L, string>>, number]>;

function report<L extends string>(gauge: Gauge<L>, values: Reading<L>): void {
  gauge.reset();
  if (typeof values === 'number') gauge.set(values);
  else for (const [labels, value] of values) gauge.set(labels, value);
}
