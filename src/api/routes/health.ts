import type { FastifyPluginAsync } from 'fastify';

/** A dependency the server needs to serve traffic; `check` throws when it is not usable. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void>;
  /**
   * How the server goes on without this dependency, when it can (Redis: rate limits counted per
   * process). A failing check with a fallback leaves the server ready, `degraded`.
   */
  readonly fallback?: string;
}

const startedAt = Date.now();

interface CheckResult {
  ok: boolean;
  ms?: number;
  error?: string;
  fallback?: string;
}

/**
 * `/health`: the process is alive. `/health/ready`: every dependency answers (503 otherwise;
 * `degraded` with 200 when only dependencies with a fallback fail).
 */
export const healthRoutes: FastifyPluginAsync<{ checks: readonly ReadinessCheck[] }> = async (
  app,
  { checks },
) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['operations'],
        summary: 'Liveness',
        response: {
          200: {
            type: 'object',
            properties: { status: { type: 'string' }, uptimeSeconds: { type: 'number' } },
          },
        },
      },
    },
    () => ({ status: 'ok', uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) }),
  );

  app.get(
    '/health/ready',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness, with each dependency’s check',
        response: {
          '2xx': readyBody,
          503: readyBody,
        },
      },
    },
    async (_request, reply) => {
      const results: Array<[string, CheckResult]> = await Promise.all(
        checks.map(async (readiness) => {
          const { name } = readiness;
          const started = performance.now();
          try {
            await readiness.check();
            return [name, { ok: true, ms: Math.round(performance.now() - started) }];
          } catch (err) {
            const failed: CheckResult = { ok: false, error: (err as Error).message };
            if (readiness.fallback !== undefined) failed.fallback = readiness.fallback;
            return [name, failed];
          }
        }),
      );
      const ready = results.every(([, r]) => r.ok || r.fallback !== undefined);
      const degraded = results.some(([, r]) => !r.ok);
      const body: { status: string; checks: Record<string, CheckResult> } = {
        status: ready ? (degraded ? 'degraded' : 'ready') : 'not ready',
        checks: Object.fromEntries(results),
      };
      return reply.status(ready ? 200 : 503).send(body);
    },
  );
};

const readyBody = {
  type: 'object',
  properties: {
    status: { type: 'string' },
    checks: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        properties: {
          ok: { type: 'boolean' },
          ms: { type: 'number' },
          error: { type: 'string' },
          fallback: { type: 'string' },
        },
      },
    },
  },
} as const;
