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
export const healthRoutes: FastifyPluginAsync<{
  checks: readonly ReadinessCheck[];
  /** A cluster node's role, partitions and NATS state, shown with its readiness. */
  cluster?: (() => Record<string, unknown>) | undefined;
}> = async (app, { checks, cluster }) => {
  const database = checks.find((c) => c.name === 'storage');
  app.get(
    '/health',
    {
      schema: {
        tags: ['operations'],
        summary: 'Liveness, in a body both earlier systems’ clients read (docs/compat.md)',
        response: { 200: healthBody },
      },
    },
    async () => {
      const started = performance.now();
      let databaseOk = true;
      if (database !== undefined)
        databaseOk = await database.check().then(
          () => true,
          () => false,
        );
      const ms = performance.now() - started;
      const now = Date.now();
      // One body for every client: tickstream's own fields, the FastAPI service's
      // {status, service, database, timestamp}, and the .NET health-check report whose clients
      // look for "Healthy" (status, totalDuration, entries).
      return {
        status: databaseOk ? 'healthy' : 'degraded',
        service: 'tickstream',
        database: databaseOk ? 'healthy' : 'unhealthy',
        timestamp: new Date(now).toISOString(),
        uptimeSeconds: Math.round((now - startedAt) / 1000),
        totalDuration: dotnetDuration(ms),
        entries: {
          tickstream: { status: 'Healthy', description: 'tickstream is running' },
          ...(database === undefined
            ? {}
            : { storage: { status: databaseOk ? 'Healthy' : 'Unhealthy', duration: dotnetDuration(ms) } }),
        },
      };
    },
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
      const body: { status: string; checks: Record<string, CheckResult>; cluster?: Record<string, unknown> } =
        {
          status: ready ? (degraded ? 'degraded' : 'ready') : 'not ready',
          checks: Object.fromEntries(results),
        };
      if (cluster !== undefined) body.cluster = cluster();
      return reply.status(ready ? 200 : 503).send(body);
    },
  );
};

/** A duration as .NET's TimeSpan prints it: hh:mm:ss.fffffff. */
function dotnetDuration(ms: number): string {
  const ticks = Math.round(ms * 10_000);
  const seconds = Math.floor(ticks / 10_000_000);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}.${pad(ticks % 10_000_000, 7)}`;
}

const healthEntry = {
  type: 'object',
  properties: { status: { type: 'string' }, description: { type: 'string' }, duration: { type: 'string' } },
} as const;

const healthBody = {
  type: 'object',
  properties: {
    status: { type: 'string', description: 'healthy, or degraded when storage does not answer' },
    service: { type: 'string' },
    database: { type: 'string', enum: ['healthy', 'unhealthy'] },
    timestamp: { type: 'string', format: 'date-time' },
    uptimeSeconds: { type: 'number' },
    totalDuration: { type: 'string' },
    entries: { type: 'object', additionalProperties: healthEntry },
  },
} as const;

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
    cluster: {
      type: 'object',
      description: 'On a cluster node only: nodeId, roles, owned partitions, NATS state (docs/scaling.md)',
      additionalProperties: true,
    },
  },
} as const;
