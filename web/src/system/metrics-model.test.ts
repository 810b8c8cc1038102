import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  clusterSummary,
  findLag,
  flattenMetrics,
  formatMetricValue,
  humanizeKey,
  ingestBreakdown,
  ratePerSecond,
} from './metrics-model';

describe('humanizeKey', () => {
  it('turns keys into labels, leaving units to the value', () => {
    assert.equal(humanizeKey('pendingRows'), 'Pending rows');
    assert.equal(humanizeKey('lagMs'), 'Lag');
    assert.equal(humanizeKey('writtenBytes'), 'Written');
    assert.equal(humanizeKey('flush_count'), 'Flush count');
    assert.equal(humanizeKey('websocket'), 'WebSocket');
    assert.equal(humanizeKey('sse'), 'SSE');
    assert.equal(humanizeKey('grpcStreams'), 'gRPC streams');
  });
});

describe('formatMetricValue', () => {
  it('formats by the unit the key names', () => {
    assert.equal(formatMetricValue('lagMs', 1250), '1.3 s');
    assert.equal(formatMetricValue('bufferBytes', 2048), '2 KB');
    assert.equal(formatMetricValue('rows', 12345), '12,345');
    assert.equal(formatMetricValue('ratio', 0.125), '0.13');
    assert.equal(formatMetricValue('ready', true), 'yes');
    assert.equal(formatMetricValue('driver', 'pglite'), 'pglite');
    assert.equal(formatMetricValue('x', null), '–');
  });
});

describe('flattenMetrics', () => {
  it('lists the leaves of an open-ended object, nested keys joined', () => {
    assert.deepEqual(flattenMetrics({ driver: 'pglite', writer: { pendingRows: 3, lagMs: 40 } }), [
      { key: 'driver', label: 'Driver', value: 'pglite' },
      { key: 'writer.pendingRows', label: 'Writer · Pending rows', value: '3' },
      { key: 'writer.lagMs', label: 'Writer · Lag', value: '40 ms' },
    ]);
    assert.deepEqual(flattenMetrics(undefined), []);
  });

  it('finds the storage lag for the headline', () => {
    assert.deepEqual(findLag({ pendingRows: 3, writeLagMs: 80 }), {
      key: 'writeLagMs',
      label: 'Write lag',
      value: '80 ms',
    });
    assert.equal(findLag({ pendingRows: 3 }), null);
    assert.deepEqual(findLag({ acceptedSeq: 1475, committedSeq: 1445 }), {
      key: 'uncommitted',
      label: 'Uncommitted',
      value: '30 ticks',
    });
  });
});

describe('ingestBreakdown', () => {
  it('sets accepted against rejected, reasons most frequent first', () => {
    const breakdown = ingestBreakdown({
      totalProcessed: 900,
      rejected: { late: 30, duplicate: 70, invalid_price: 0 },
    });
    assert.equal(breakdown.accepted, 900);
    assert.equal(breakdown.rejected, 100);
    assert.deepEqual(
      breakdown.rows.map((row) => [row.reason, row.count, Math.round(row.sharePercent * 1e9) / 1e9]),
      [
        ['duplicate', 70, 7],
        ['late', 30, 3],
      ],
    );
  });

  it('copes with nothing at all', () => {
    assert.deepEqual(ingestBreakdown({ totalProcessed: 0, rejected: {} }), {
      accepted: 0,
      rejected: 0,
      rows: [],
    });
  });
});

describe('ratePerSecond', () => {
  it('is the growth of a total per second between two samples', () => {
    assert.equal(ratePerSecond(null, { at: 1000, total: 10 }), null);
    assert.equal(ratePerSecond({ at: 1000, total: 10 }, { at: 3000, total: 410 }), 200);
    assert.equal(ratePerSecond({ at: 1000, total: 10 }, { at: 1000, total: 20 }), null);
    assert.equal(
      ratePerSecond({ at: 1000, total: 50 }, { at: 2000, total: 10 }),
      0,
      'a shrinking total (symbols gone)',
    );
  });
});

describe('clusterSummary', () => {
  it('groups partitions and lag by owner and names what is unowned', () => {
    const view = clusterSummary({
      name: 'c',
      nodeId: 'b',
      roles: ['ingest', 'engine', 'api'],
      partitions: 4,
      owned: [1, 3],
      nats: 'connected',
      nodes: [
        { nodeId: 'b', roles: ['ingest', 'engine', 'api'], partitions: [3, 1] },
        { nodeId: 'a', roles: ['engine'], partitions: [0] },
        { nodeId: 'c', roles: ['api'], partitions: [] },
      ],
      partitionOwners: [
        { partition: 0, owner: 'a', lag: 5 },
        { partition: 1, owner: 'b', lag: 0 },
        { partition: 2, owner: null, lag: null },
        { partition: 3, owner: 'b', lag: 7 },
      ],
    });
    assert.deepEqual(view, {
      nodes: [
        { nodeId: 'a', roles: 'engine', partitions: '0', lag: 5, self: false },
        { nodeId: 'b', roles: 'ingest, engine, api', partitions: '1, 3', lag: 7, self: true },
        { nodeId: 'c', roles: 'api', partitions: '–', lag: 0, self: false },
      ],
      unowned: [2],
      totalLag: 12,
      worst: { partition: 3, lag: 7 },
    });
  });
});
