import { Writable } from 'node:stream';

import type { LightMyRequestResponse } from 'fastify';

import { validateConfig, type Config } from '../../src/config.js';
import { createServer, type Server } from '../../src/main.js';
import { createLogger } from '../../src/observability/logger.js';
import { Metrics } from '../../src/observability/metrics.js';
import { pgliteTemplate } from '../../src/storage/pglite-template.test-support.js';

export const ADMIN_PASSWORD = 'admin-password-1';

/** Log lines a test server wrote, parsed. */
export class LogLines extends Writable {
  readonly lines: Array<Record<string, unknown>> = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    for (const line of chunk.toString().split('\n'))
      if (line !== '') this.lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  }
}

/**
 * A whole server on a fresh in-memory embedded database, the app not listening (drive it with
 * `inject()`). `config` overrides defaults; the simulator is off.
 */
/**
 * The engine shape test servers run: one thread unless TEST_PARTITIONS says otherwise (the
 * threaded engine has tests of its own; TEST_PARTITIONS=2 runs the whole suite on it).
 */
export function testPartitions(): number {
  return Number(process.env.TEST_PARTITIONS ?? 1);
}

export async function testServer(
  config: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = {},
): Promise<Server & { logs: LogLines; config: Readonly<Config> }> {
  const merged = validateConfig({
    dataDir: 'memory://',
    logLevel: 'info',
    auth: { jwtSecret: 'test-secret-'.padEnd(48, 'x') },
    partitions: testPartitions(),
    ...config,
    simulation: { enabled: false, ...(config.simulation as object | undefined) },
  });
  const logs = new LogLines();
  const server = await createServer(merged, createLogger({ level: merged.logLevel, destination: logs }), {
    env: { TICKSTREAM_ADMIN_PASSWORD: ADMIN_PASSWORD, ...env },
    storage: { loadDataDir: await pgliteTemplate() },
    metrics: new Metrics({ defaultMetrics: false }),
  });
  return Object.assign(server, { logs, config: merged });
}

export interface Session {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly headers: { authorization: string };
}

export async function login(server: Server, username = 'admin', password = ADMIN_PASSWORD): Promise<Session> {
  const res = await server.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { username, password },
  });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  const body = res.json<{ accessToken: string; refreshToken: string }>();
  return { ...body, headers: { authorization: `Bearer ${body.accessToken}` } };
}

/** A user with `role`, logged in (created by the admin). */
export async function userWith(
  server: Server,
  role: 'reader' | 'writer' | 'admin',
  name = `${role}-user`,
): Promise<Session> {
  const admin = await login(server);
  const created = await server.app.inject({
    method: 'POST',
    url: '/api/auth/register',
    payload: { username: name, email: `${name}@example.com`, password: 'password-123' },
  });
  if (created.statusCode !== 201) throw new Error(`register failed: ${created.body}`);
  const id = created.json<{ user: { id: string } }>().user.id;
  if (role !== 'reader') {
    const res = await server.app.inject({
      method: 'PATCH',
      url: `/api/auth/users/${id}`,
      headers: admin.headers,
      payload: { role },
    });
    if (res.statusCode !== 200) throw new Error(`role change failed: ${res.body}`);
  }
  return login(server, name, 'password-123');
}

export function errorOf(res: LightMyRequestResponse): { code: string; message: string; reason?: string } {
  return res.json<{ error: { code: string; message: string; reason?: string } }>().error;
}
