import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { Redis } from 'ioredis';

import type { Server } from '../../src/main.js';

import {
  createTestDatabase,
  type TestDatabase,
} from '../../src/storage/postgres-test-database.test-support.js';
import { userWith, type Session } from '../support/test-server.js';
import { clusterSkip, deleteClusterStreams, NATS_URL } from './cluster-node.js';
import { inProcessNode } from './in-process-node.js';

/**
 * Issue 14: on a cluster the rate-limit counters stay in Redis (REDIS_URL on every node), so a
 * client's requests count together whichever node takes them.
 */

const REDIS_URL = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL;
const skip = clusterSkip() || (REDIS_URL === undefined ? 'TEST_REDIS_URL is not set' : false);
/** Requests a client may make per minute, on the whole cluster. */
const LIMIT = 4;

describe('cluster: rate limits shared through Redis', { skip, timeout: 120_000 }, () => {
  const cluster = `l${process.pid}${randomBytes(3).toString('hex')}`;
  const prefix = `tickstream-test-${cluster}:`;
  let database: TestDatabase;
  let a: Server;
  let b: Server;
  let reader: Session;

  const node = (nodeId: string) =>
    inProcessNode({
      cluster,
      nodeId,
      databaseUrl: database.url,
      http: { rateLimitPerMinute: LIMIT },
      redisPrefix: prefix,
      redisUrl: REDIS_URL,
    });

  before(async () => {
    database = await createTestDatabase();
    a = await node('a');
    b = await node('b');
    reader = await userWith(a, 'reader');
  });

  after(async () => {
    await b?.close();
    await a?.close();
    await deleteClusterStreams(NATS_URL, cluster);
    await database?.drop();
    const redis = new Redis(REDIS_URL!);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it("counts a client's requests on every node together", async () => {
    const get = (server: Server) =>
      server.app.inject({ method: 'GET', url: '/api/prices', headers: reader.headers });
    // The limit, spread over both nodes, then one more on each: refused on both.
    const answers = [];
    for (let i = 0; i < LIMIT; i++) answers.push((await get(i % 2 === 0 ? a : b)).statusCode);
    assert.deepEqual(answers, Array<number>(LIMIT).fill(200));
    assert.equal((await get(a)).statusCode, 429);
    assert.equal((await get(b)).statusCode, 429);
  });
});
