import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { registerEngineMetrics, type EngineReadings } from './engine-metrics.js';
import { Metrics } from './metrics.js';

const counters = {
  rejected: { overloaded: 7 },
  anomalies: 0,
  gaps: 0,
  candlesClosed: 0,
  activeSymbols: 3,
  listenerErrors: 0,
  bySource: { tcp: { accepted: 10, rejected: 7 } },
};

describe('registerEngineMetrics', () => {
  it('reports a queue depth of 0 and no partition series for the engine on the calling thread', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    registerEngineMetrics(metrics, { counters: () => counters, partitionSizes: () => [3] });
    const text = await metrics.text();
    assert.match(text, /^tickstream_engine_queue_depth 0$/m);
    assert.doesNotMatch(text, /tickstream_partition_dropped_total/);
  });

  it('exports worker partitions’ queues, dropped and refused ticks and restarts', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const engine: EngineReadings = {
      counters: () => ({ ...counters, dropped: 5, ringFull: 2, restarts: 1 }),
      partitionSizes: () => [1, 2],
      queueDepths: () => [4, 6],
    };
    registerEngineMetrics(metrics, engine);
    const text = await metrics.text();
    assert.match(text, /^tickstream_engine_queue_depth 10$/m);
    assert.match(text, /^tickstream_partition_queue_depth\{partition="1"\} 6$/m);
    assert.match(text, /^tickstream_partition_dropped_total 5$/m);
    assert.match(text, /^tickstream_partition_ring_full_total 2$/m);
    assert.match(text, /^tickstream_partition_restarts_total 1$/m);
  });
});
