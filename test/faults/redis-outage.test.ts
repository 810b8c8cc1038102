import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { testServer } from '../support/test-server.js';
import { RedisServer, freePort, redisServerMissing } from './redis-server.js';

/**
 * Fault: Redis (the shared rate-limit counters) killed and started again under a running server.
 * The API keeps answering, the limits keep holding (counted in the process meanwhile), readiness
 * says so, and the shared counters are used again once Redis is back.
 */
interface Ready {
  status: string;
  checks: { redis: { ok: boolean; error?: string; fallback?: string } };
}

describe('fault: Redis down and back', { skip: redisServerMissing() }, () => {
  it(
    'rate limits fall back to per-process counting and /health/ready says so',
    { timeout: 60_000 },
    async (t) => {
      const redis = new RedisServer(await freePort());
      await redis.start();
      t.after(() => redis.kill());
      const options = { http: { loginRateLimitPerMinute: 3 } };
      const a = await testServer(options, { REDIS_URL: redis.url });
      const b = await testServer(options, { REDIS_URL: redis.url });
      t.after(async () => {
        await a.close();
        await b.close();
      });
      const attempt = async (server: typeof a, username: string): Promise<number> =>
        (
          await server.app.inject({
            method: 'POST',
            url: '/api/auth/login',
            payload: { username, password: 'wrong-one' },
          })
        ).statusCode;
      const ready = async (server: typeof a) => {
        const res = await server.app.inject({ method: 'GET', url: '/health/ready' });
        return { statusCode: res.statusCode, body: res.json<Ready>() };
      };

      // Shared: two processes count together.
      assert.deepEqual(
        [await attempt(a, 'u1'), await attempt(b, 'u1'), await attempt(a, 'u1')],
        [401, 401, 401],
      );
      assert.equal(await attempt(b, 'u1'), 429);
      assert.equal((await ready(a)).body.status, 'ready');

      await redis.kill();
      // Still limited, now per process: each process allows the limit on its own, no more.
      const during = [];
      for (let i = 0; i < 4; i++) during.push(await attempt(a, 'u2'));
      assert.deepEqual(during, [401, 401, 401, 429]);
      assert.equal(await attempt(b, 'u2'), 401, 'the other process counts on its own');
      const down = await ready(a);
      assert.equal(down.statusCode, 200, 'still serving: degraded, not unready');
      assert.equal(down.body.status, 'degraded');
      assert.equal(down.body.checks.redis.ok, false);
      assert.equal(down.body.checks.redis.fallback, 'rate limits counted per process');
      assert.match(down.body.checks.redis.error ?? '', /redis is/);
      assert.ok(a.logs.lines.some((l) => l.msg === 'rate limits counted per process'));

      await redis.start();
      const backBy = Date.now() + 10_000;
      while ((await ready(a)).body.status !== 'ready' || (await ready(b)).body.status !== 'ready') {
        assert.ok(Date.now() < backBy, 'the servers reconnect to Redis within 10 s');
        await sleep(50);
      }
      // Shared again (the restarted Redis starts with no counters).
      assert.deepEqual(
        [await attempt(a, 'u3'), await attempt(b, 'u3'), await attempt(a, 'u3')],
        [401, 401, 401],
      );
      assert.equal(await attempt(b, 'u3'), 429);
      assert.ok(a.logs.lines.some((l) => l.msg === 'rate limits counted in redis'));
    },
  );
});
