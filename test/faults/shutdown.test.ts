import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';

import { runningServer } from '../support/running-server.js';
import { ADMIN_PASSWORD } from '../support/test-server.js';

/**
 * A server's close() (what SIGTERM runs) ends with every kind of connection open, and a request
 * asking for a WebSocket on a route that is not one is answered and then closed (issue 15). Before
 * the fix, such a request's socket, taken out of Node's HTTP server by the upgrade, was never
 * closed: one file descriptor kept for good per request, and close() never ending.
 */

const UPGRADE =
  'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';

/** A raw upgrade request on `path`: what the server wrote, and whether it closed the connection. */
function rawUpgrade(
  port: number,
  path: string,
  extra = '',
): Promise<{ answer: string; ended: boolean; socket: Socket }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (data) => (answer += data.toString('latin1')));
    socket.on('error', () => undefined);
    const timer = setTimeout(() => resolve({ answer, ended: false, socket }), 3000);
    socket.on('end', () => {
      clearTimeout(timer);
      resolve({ answer, ended: true, socket });
    });
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${UPGRADE}${extra}\r\n`);
  });
}

describe('shutdown and upgrades', () => {
  it('an upgrade on a route that is not a WebSocket is answered, then its connection closed', async () => {
    const server = await runningServer();
    try {
      const port = Number(new URL(server.url).port);
      for (const [path, status] of [
        ['/health', 200],
        ['/api/symbols', 401],
        ['/no-such-route', 404],
      ] as const) {
        const { answer, ended, socket } = await rawUpgrade(port, path);
        socket.destroy();
        assert.match(answer, new RegExp(`^HTTP/1.1 ${status} `), `${path}: ${answer.slice(0, 80)}`);
        assert.ok(ended, `${path}: the server closed the connection after its answer`);
      }
    } finally {
      await server.close();
    }
  });

  it('close() ends with WebSockets (one whose peer never reads), event streams and gRPC streams open', async () => {
    const server = await runningServer();
    const port = Number(new URL(server.url).port);
    const { accessToken } = await server.auth.login('admin', ADMIN_PASSWORD);
    const opened: Socket[] = [];
    let sse: IncomingMessage | undefined;
    try {
      // A WebSocket on /ws whose client stops reading after the handshake: it never answers the
      // closing handshake, so only the server's grace period ends it.
      const stuck = await rawUpgrade(port, `/ws?access_token=${accessToken}`);
      assert.match(stuck.answer, /^HTTP\/1.1 101 /);
      stuck.socket.pause();
      opened.push(stuck.socket);
      // A live event stream.
      sse = await new Promise<IncomingMessage>((resolve, reject) =>
        httpRequest(`${server.url}/api/stream?channels=stats.*&access_token=${accessToken}`, resolve)
          .on('error', reject)
          .end(),
      );
      assert.equal(sse.statusCode, 200);
      sse.resume();
      // A gRPC client stream left open.
      const call = (
        server.grpcClient as unknown as Record<
          string,
          (cb: () => void) => { on(e: string, f: () => void): void }
        >
      ).StreamTicks!(() => undefined);
      call.on('error', () => undefined);

      const started = Date.now();
      await server.close();
      const ms = Date.now() - started;
      console.log(`# close with open sessions: ${ms} ms`);
      assert.ok(ms < 8000, `close() took ${ms} ms`);
    } finally {
      for (const socket of opened) socket.destroy();
      sse?.destroy();
    }
  });
});
