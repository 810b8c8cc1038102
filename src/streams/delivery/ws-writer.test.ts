import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { test } from 'node:test';

import { WebSocket, WebSocketServer } from 'ws';

import { WriteBatcher } from './write-batcher.js';
import { WsWriter } from './ws-writer.js';

/** A server-side WsWriter over a real connection, and the client that reads it. */
async function connect(): Promise<{
  writer: WsWriter;
  raw: Socket;
  client: WebSocket;
  close: () => Promise<void>;
}> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const accepted = once(server, 'connection') as Promise<[WebSocket, { socket: Socket }]>;
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  const [socket, request] = await accepted;
  await once(client, 'open');
  return {
    writer: new WsWriter(socket, request.socket, new WriteBatcher()),
    raw: request.socket,
    client,
    close: async () => {
      client.close();
      await once(client, 'close');
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test('a turn of writes is not counted as waiting for the kernel, multi-byte text included', async () => {
  const { writer, client, close } = await connect();
  try {
    const received: string[] = [];
    client.on('message', (data: Buffer) => received.push(data.toString('utf8')));
    // 'é' and '€' are 2 and 3 UTF-8 bytes: counting UTF-16 units would leave them "buffered".
    const messages = ['é'.repeat(100), '€'.repeat(30_000), Buffer.from('ascii bytes'), 'x'];
    for (const message of messages) {
      writer.send(message);
      assert.equal(writer.bufferedBytes(), 0);
    }
    while (received.length < messages.length) await once(client, 'message');
    assert.deepEqual(
      received,
      messages.map((m) => m.toString()),
    );
  } finally {
    await close();
  }
});

test('a turn is flushed early once its UTF-8 bytes, not its UTF-16 units, pass 64 KiB', async () => {
  const { writer, raw, client, close } = await connect();
  try {
    let uncorks = 0;
    const uncork = raw.uncork.bind(raw);
    // ws corks and uncorks around each frame itself: count only the uncorks that flush.
    raw.uncork = () => {
      if (raw.writableCorked === 1) uncorks++;
      uncork();
    };
    // 30,000 units but 90,000 bytes: the next send of the turn must flush first.
    writer.send('€'.repeat(30_000));
    writer.send('next');
    assert.equal(uncorks, 1);
    writer.send('after');
    assert.equal(uncorks, 1);
    await Promise.resolve();
    assert.equal(uncorks, 2);
    let received = 0;
    client.on('message', () => received++);
    while (received < 3) await once(client, 'message');
  } finally {
    await close();
  }
});
