import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Why the fault tests that need `redis-server` cannot run here (undefined when they can). */
export function redisServerMissing(): string | undefined {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  if (probe.error === undefined && probe.status === 0) return undefined;
  const reason = 'redis-server is not installed: the Redis outage test is skipped';
  if (process.env.CI === 'true') throw new Error(`CI needs ${reason.split(':')[0]}`);
  return reason;
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A throwaway redis-server of the test's own (no persistence) on a fixed port, so that it can be
 * killed and started again where its clients reconnect.
 */
export class RedisServer {
  readonly port: number;
  #process: ChildProcess | undefined;

  constructor(port: number) {
    this.port = port;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    this.#process = child;
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    for (let i = 0; i < 200 && !output.includes('Ready to accept connections'); i++) {
      if (child.exitCode !== null) throw new Error(`redis-server exited: ${output}`);
      await sleep(25);
    }
    if (!output.includes('Ready to accept connections'))
      throw new Error(`redis-server did not start: ${output}`);
  }

  /** SIGKILL: connections cut, the port refusing. */
  async kill(): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    if (child === undefined || child.exitCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
}
