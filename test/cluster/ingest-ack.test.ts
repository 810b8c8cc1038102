import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { connect } from 'nats';
import postgres from 'postgres';

import { DayAggregates } from '../../src/engine/day-aggregates.js';
import { GrpcServer } from '../../src/ingest/grpc/grpc-server.js';
import { GrpcStatusError, TickStreamClient } from '../../src/ingest/grpc/tick-stream-client.js';
import { TickEncoder } from '../../src/ingest/tick-encoder.js';
import type { Server } from '../../src/main.js';
import { createLogger } from '../../src/observability/logger.js';
import {
  createTestDatabase,
  type TestDatabase,
} from '../../src/storage/postgres-test-database.test-support.js';
import { userWith, type Session } from '../support/test-server.js';
import { clusterSkip, deleteClusterStreams, NATS_URL } from './cluster-node.js';
import { inProcessNode } from './in-process-node.js';

/**
 * Issue 14: on a cluster node every ingest answer (HTTP, the Express webhook, gRPC StreamTicks)
 * waits for NATS JetStream's acknowledgement; when JetStream does not take the ticks the answer
 * is 503 CLUSTER_UNAVAILABLE with Retry-After, or gRPC UNAVAILABLE, never a success.
 */

const skip = clusterSkip();

describe('cluster: ingest answers wait for JetStream', { skip, timeout: 120_000 }, () => {
  const cluster = `a${process.pid}${randomBytes(3).toString('hex')}`;
  let database: TestDatabase;
  let server: Server;
  let grpc: GrpcServer;
  let writer: Session;

  before(async () => {
    database = await createTestDatabase();
    server = await inProcessNode({ cluster, nodeId: 'ack-node', databaseUrl: database.url });
    // As src/main.ts starts it on a cluster node.
    grpc = await GrpcServer.start(
      server.engine,
      { host: '127.0.0.1', port: 0 },
      createLogger({ level: 'silent' }),
      {
        aggregates: new DayAggregates(),
        published: () => server.cluster!.persisted(),
      },
    );
    writer = await userWith(server, 'writer');
  });

  after(async () => {
    await grpc?.stop({ drainTimeoutMs: 200 });
    await server?.close();
    await deleteClusterStreams(NATS_URL, cluster);
    await database?.drop();
  });

  const webhook = (ts: number) =>
    server.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/ticks',
      headers: writer.headers,
      payload: { source: 'feeder', items: [{ symbol: 'ACK.X', price: 10, ts, volume: 1 }] },
    });
  const batch = (timestamp: number) =>
    server.app.inject({
      method: 'POST',
      url: '/api/prices/batch',
      headers: writer.headers,
      payload: [{ symbol: 'ACK.Y', price: 11, timestamp }],
    });
  const single = (timestamp: number) =>
    server.app.inject({
      method: 'POST',
      url: '/api/prices',
      headers: writer.headers,
      payload: { symbol: 'ACK.Z', price: 12, timestamp },
    });
  const stream = async (n: number) => {
    const encoder = new TickEncoder();
    for (let i = 0; i < n; i++) encoder.grpcFrame({ symbol: `G${i % 3}.X`, price: 1 + i });
    const client = await TickStreamClient.connect(`127.0.0.1:${grpc.port}`);
    try {
      const call = client.open();
      call.write(encoder.take());
      return await call.end();
    } finally {
      client.close();
    }
  };

  it('answers success once JetStream has the ticks, 503/UNAVAILABLE when it does not', async () => {
    const now = Date.now();
    const ok = await webhook(Math.floor(now / 1000));
    assert.equal(ok.statusCode, 202, ok.body);
    assert.equal(ok.json<{ accepted: number }>().accepted, 1);
    assert.equal((await batch(now)).statusCode, 200);
    assert.equal((await single(now)).statusCode, 200);
    assert.deepEqual(await stream(30), { success: true, message: 'Received 30 ticks' });
    const published = server.cluster!.status().ingest.published;
    assert.equal(published, 33, 'every success was acknowledged by JetStream before the answer');

    // The owners commit the symbols' rows with their batch: any node's REST reads agree.
    const sql = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      const want = { 'ACK.X': 10, 'ACK.Y': 11, 'ACK.Z': 12, 'G0.X': 28, 'G1.X': 29, 'G2.X': 30 };
      let rows: Array<{ symbol: string; current_price: number; update_count: string; listed: boolean }> = [];
      for (const until = Date.now() + 20_000; Date.now() < until;) {
        rows = await sql<typeof rows>`
          select s.symbol, s.current_price, s.update_count::text,
                 exists (select 1 from symbols y where y.symbol = s.symbol and y.last_price = s.current_price) as listed
            from symbol_stats s order by s.symbol`;
        if (rows.length === Object.keys(want).length && rows.every((r) => r.listed)) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.deepEqual(
        Object.fromEntries(rows.map((r) => [r.symbol, [r.current_price, r.update_count, r.listed]])),
        {
          'ACK.X': [10, '1', true],
          'ACK.Y': [11, '1', true],
          'ACK.Z': [12, '1', true],
          'G0.X': [28, '10', true],
          'G1.X': [29, '10', true],
          'G2.X': [30, '10', true],
        },
      );
      assert.deepEqual(
        Object.keys(want).sort(),
        rows.map((r) => r.symbol),
      );
      // And their open candles (the day's: not closed while the test runs).
      const open = await sql<Array<{ symbol: string; close: number; trades: string }>>`
        select symbol, close, trades::text from candles where interval = '1d' and not closed order by symbol`;
      assert.deepEqual(
        open.map((c) => [c.symbol, c.close, c.trades]),
        [
          ['ACK.X', 10, '1'],
          ['ACK.Y', 11, '1'],
          ['ACK.Z', 12, '1'],
          ['G0.X', 28, '10'],
          ['G1.X', 29, '10'],
          ['G2.X', 30, '10'],
        ],
      );
    } finally {
      await sql.end();
    }

    // The tick stream goes away: JetStream answers no publish any more.
    const nc = await connect({ servers: NATS_URL });
    await (await nc.jetstreamManager()).streams.delete(`${cluster}_ticks`);
    await nc.close();

    const refused = await webhook(Math.floor(now / 1000) + 1);
    assert.equal(refused.statusCode, 503, refused.body);
    assert.equal(refused.headers['retry-after'], '2');
    assert.equal(refused.json<{ error: { code: string } }>().error.code, 'CLUSTER_UNAVAILABLE');
    for (const res of [await batch(now + 1000), await single(now + 1000)]) {
      assert.equal(res.statusCode, 503, res.body);
      assert.equal(res.headers['retry-after'], '2');
      assert.equal(res.json<{ error: { code: string } }>().error.code, 'CLUSTER_UNAVAILABLE');
    }
    await assert.rejects(stream(5), (err: unknown) => {
      assert.ok(err instanceof GrpcStatusError, String(err));
      assert.equal(err.code, 14, err.message); // UNAVAILABLE
      return true;
    });
    assert.equal(server.cluster!.status().ingest.published, published);
  });
});
