import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';

import { Redis } from 'ioredis';

import { testServer } from './support/test-server.js';

const url = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL;
if (url === undefined && process.env.CI === 'true')
  throw new Error('CI needs TEST_REDIS_URL (e.g. redis://127.0.0.1:6379)');
const skip =
  url === undefined
    ? 'TEST_REDIS_URL is not set: Redis rate-limit tests skipped (e.g. redis://127.0.0.1:6379)'
    : false;

describe('rate limits in Redis (REDIS_URL)', { skip }, () => {
  const prefix = `tickstream-test-${randomUUID()}:`;
  after(async () => {
    const redis = new Redis(url!);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('shares login attempts between server processes, and reports Redis in readiness', async () => {
    const options = {
      auth: { jwtSecret: 'test-secret-'.padEnd(48, 'x') },
      http: { loginRateLimitPerMinute: 3 },
      redis: { prefix },
    };
    const env = { REDIS_URL: url };
    const a = await testServer(options, env);
    const b = await testServer(options, env);
    try {
      const attempt = (server: typeof a) =>
        server.app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { username: 'admin', password: 'wrong-one' },
        });
      const statuses = [
        (await attempt(a)).statusCode,
        (await attempt(b)).statusCode,
        (await attempt(a)).statusCode,
        (await attempt(b)).statusCode,
      ];
      assert.deepEqual(statuses, [401, 401, 401, 429]);
      const ready = await a.app.inject({ method: 'GET', url: '/health/ready' });
      assert.equal(ready.json<{ checks: { redis: { ok: boolean } } }>().checks.redis.ok, true);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
