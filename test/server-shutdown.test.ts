import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';

import { runningServer } from './support/running-server.js';

/** A raw connection to the server's HTTP port. */
async function rawSocket(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

// Upgrades answered over HTTP and sessions open at close: test/faults/shutdown.test.ts.
describe('shutdown with an answer no client reads', () => {
  it('close() ends within http.shutdownGraceMs although a client stopped reading mid-answer', async () => {
    const server = await runningServer({ http: { shutdownGraceMs: 300 } });
    let socket: Socket | undefined;
    try {
      // The dashboard's script (about 0.5 MB), asked for 40 times on one connection that is
      // never read: the answers fill the socket buffers and the server's writes stall.
      const script = readdirSync(new URL('../web/dist/assets/', import.meta.url)).find((f) =>
        f.endsWith('.js'),
      );
      assert.ok(script, 'the dashboard is built (npm run build)');
      socket = await rawSocket(server.url);
      socket.pause();
      socket.write(`GET /assets/${script} HTTP/1.1\r\nHost: tickstream\r\n\r\n`.repeat(40));
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      const started = performance.now();
      await server.close();
      const took = performance.now() - started;
      socket?.destroy();
      // Before: close() waited for the stalled answer for good.
      assert.ok(took < 5000, `close() took ${Math.round(took)} ms`);
      assert.ok(
        server.logs.lines.some((line) => String(line['msg']).includes('cut')),
        'the cut connections are logged',
      );
    }
  });
});
