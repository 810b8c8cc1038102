import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import type { ClusterRole } from '../../src/config.js';
import type { Server } from '../../src/main.js';

import {
  createTestDatabase,
  type TestDatabase,
} from '../../src/storage/postgres-test-database.test-support.js';
import { userWith, type Session } from '../support/test-server.js';
import { clusterSkip, deleteClusterStreams, NATS_URL } from './cluster-node.js';
import { inProcessNode } from './in-process-node.js';

/**
 * Issue 14: `cluster.roles` splits a cluster's work. A node without `api` keeps no copy of the
 * cluster's state (no live feed): it takes ticks and owns partitions, and refuses reads, live
 * streams and the dashboard with 421 CLUSTER_ROLE; a node with only `api` serves them, and
 * refuses ticks the same way.
 */

const skip = clusterSkip();

describe('cluster: roles', { skip, timeout: 120_000 }, () => {
  const cluster = `r${process.pid}${randomBytes(3).toString('hex')}`;
  let database: TestDatabase;
  let worker: Server;
  let reader: Server;
  let writer: Session;

  const node = (nodeId: string, roles: ClusterRole[]) =>
    inProcessNode({ cluster, nodeId, databaseUrl: database.url, roles });

  before(async () => {
    database = await createTestDatabase();
    worker = await node('worker', ['ingest', 'engine']);
    reader = await node('reader', ['api']);
    writer = await userWith(worker, 'writer');
  });

  after(async () => {
    await reader?.close();
    await worker?.close();
    await deleteClusterStreams(NATS_URL, cluster);
    await database?.drop();
  });

  it('takes ticks on a node without api and refuses reads there; serves reads on the api node and refuses ticks', async () => {
    // The worker owns every partition (the reader has no engine role).
    const deadline = Date.now() + 30_000;
    while (worker.cluster!.status().owned.length < 4) {
      assert.ok(Date.now() < deadline, 'the worker owns the partitions');
      await new Promise((r) => setTimeout(r, 100));
    }
    const posted = await worker.app.inject({
      method: 'POST',
      url: '/api/prices/batch?ack=persisted',
      headers: writer.headers,
      payload: [
        { symbol: 'ROLE.A', price: 10, timestamp: Date.now() },
        { symbol: 'ROLE.B', price: 11, timestamp: Date.now() },
      ],
    });
    assert.equal(posted.statusCode, 200, posted.body);

    for (const url of ['/api/prices/ROLE.A', '/api/prices', '/ws', '/', '/api/candles/ROLE.A?interval=1m']) {
      const res = await worker.app.inject({ method: 'GET', url, headers: writer.headers });
      assert.equal(res.statusCode, 421, `${url}: ${res.body}`);
      assert.equal(res.json<{ error: { code: string } }>().error.code, 'CLUSTER_ROLE', url);
    }
    const graphql = await worker.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: writer.headers,
      payload: { query: '{ symbols }' },
    });
    assert.equal(graphql.statusCode, 421);
    for (const url of ['/health', '/health/ready', '/metrics', '/api/metrics']) {
      const res = await worker.app.inject({ method: 'GET', url, headers: writer.headers });
      assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
    }
    assert.equal(worker.cluster!.status().live.applied, 0, 'the worker keeps no copy');

    // The api node reads what the worker took (its copy waits for what JetStream acknowledged).
    const read = await reader.app.inject({
      method: 'GET',
      url: '/api/prices/ROLE.A',
      headers: writer.headers,
    });
    assert.equal(read.statusCode, 200, read.body);
    assert.equal(read.json<{ updateCount: number }>().updateCount, 1);
    assert.ok(reader.cluster!.status().live.applied > 0);

    // Ticks go to nodes with the ingest role: the api node refuses them, and stores nothing.
    const refused = await reader.app.inject({
      method: 'POST',
      url: '/api/prices',
      headers: writer.headers,
      payload: { symbol: 'ROLE.A', price: 12, timestamp: Date.now() },
    });
    assert.equal(refused.statusCode, 421, refused.body);
    assert.equal(refused.json<{ error: { code: string } }>().error.code, 'CLUSTER_ROLE');
    // So are replays, before they start (not at their first tick).
    const replay = await reader.app.inject({
      method: 'POST',
      url: '/api/replays',
      headers: writer.headers,
      payload: { symbols: ['ROLE.A'] },
    });
    assert.equal(replay.statusCode, 421, replay.body);
    assert.equal(replay.json<{ error: { code: string } }>().error.code, 'CLUSTER_ROLE');
  });
});
