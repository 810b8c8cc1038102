import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { afterEach, describe, it } from 'node:test';

import type { Admission, TickEvent } from '../../engine/engine.js';
import { createLogger } from '../../observability/logger.js';
import { concat, engine, frame } from '../ingest.test-support.js';
import { TickEncoder, type WireTick } from '../tick-encoder.js';
import { AllowList } from './allow-list.js';
import { MAX_FRAME_BYTES } from './frame-decoder.js';
import { TcpIngestServer, type TcpIngestOptions } from './tcp-server.js';

const NOW = Date.UTC(2024, 0, 2, 12);

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    level: 'debug',
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { logger, lines };
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function frames(ticks: readonly WireTick[]): Uint8Array {
  const encoder = new TickEncoder();
  for (const tick of ticks) encoder.frame(tick);
  return encoder.take();
}

async function client(port: number): Promise<{ socket: Socket; closed: Promise<void> }> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => {});
  return { socket, closed };
}

/** Writes `bytes` in pieces of `piece` bytes, so frames are split across writes and reads. */
function writeSplit(socket: Socket, bytes: Uint8Array, piece: number): void {
  for (let at = 0; at < bytes.length; at += piece) socket.write(bytes.subarray(at, at + piece));
}

const servers: TcpIngestServer[] = [];
async function start(options: TcpIngestOptions = {}, allow: string[] = [], host = '127.0.0.1') {
  const e = engine();
  const { logger, lines } = capture();
  const server = await TcpIngestServer.start(e, { host, port: 0, allow }, logger, {
    now: () => NOW,
    ...options,
  });
  servers.push(server);
  return { engine: e, server, lines, port: server.address.port };
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop({ drainTimeoutMs: 100 })));
});

describe('TCP ingest server', () => {
  it('ingests frames split anywhere, normalized, with ns truncated to ms and the receive time set', async () => {
    const { engine, server, port } = await start();
    const seen: Array<Omit<TickEvent, 'state'>> = [];
    engine.on('tick', ({ symbol, ts, price, volume, seq, id, source, receivedAt }) =>
      seen.push({ symbol, ts, price, volume, seq, id, source, receivedAt }),
    );
    const bytes = frames([
      {
        symbol: ' btc-usd ',
        price: 25741.02,
        volume: 0.0219,
        timestampNs: 1_704_196_800_123_999_999n,
        seq: 1,
      },
      { symbol: 'AAPL', price: 189.5, volume: 100, id: 'q-1', ingestTimestampNs: 5n },
    ]);
    const { socket, closed } = await client(port);
    writeSplit(socket, bytes, 3);
    socket.end();
    await closed;
    await until(() => seen.length === 2, 'two ticks');
    assert.deepEqual(seen, [
      {
        symbol: 'BTC-USD',
        ts: 1_704_196_800_123,
        price: 25741.02,
        volume: 0.0219,
        seq: 1,
        id: undefined,
        source: 'tcp',
        receivedAt: NOW,
      },
      {
        symbol: 'AAPL',
        ts: NOW,
        price: 189.5,
        volume: 100,
        seq: undefined,
        id: 'q-1',
        source: 'tcp',
        receivedAt: NOW,
      },
    ]);
    await until(() => server.counters().closed.client_closed === 1, 'the close to be counted');
    const c = server.counters();
    assert.equal(c.accepted, 2);
    assert.equal(c.frames, 2);
    assert.equal(c.bytes, bytes.length);
  });

  it('counts invalid ticks and malformed messages per reason and keeps the connection open', async () => {
    const { server, port } = await start();
    const { socket } = await client(port);
    socket.write(
      concat([
        frames([
          { symbol: 'AAPL', price: -1 },
          { symbol: 'not a symbol!', price: 1 },
          { symbol: 'AAPL', price: 1, volume: -5 },
          { symbol: 'AAPL', price: 1, timestamp: NOW + 3_600_000 },
        ]),
        frame([0x11, 1, 2]),
        frames([{ symbol: 'AAPL', price: 10 }]),
      ]),
    );
    await until(() => server.counters().accepted === 1, 'the valid tick');
    socket.write(frames([{ symbol: 'MSFT', price: 20 }]));
    await until(() => server.counters().accepted === 2, 'a tick after the invalid ones');
    const [stats] = server.connections();
    assert.equal(stats?.closeReason, undefined);
    assert.deepEqual(stats?.rejected, {
      invalid_price: 1,
      invalid_symbol: 1,
      invalid_volume: 1,
      future_timestamp: 1,
      malformed: 1,
    });
    assert.equal(stats?.frames, 7);
    socket.destroy();
  });

  for (const [name, length, reason] of [
    ['a zero length', 0, 'frame_empty'],
    ['an oversize length', MAX_FRAME_BYTES + 1, 'frame_too_large'],
  ] as const) {
    it(`closes the connection on ${name}, with a logged and counted reason, after the ticks before it`, async () => {
      const { server, lines, port } = await start();
      const { socket, closed } = await client(port);
      const header = new Uint8Array(4);
      new DataView(header.buffer).setUint32(0, length, false);
      socket.write(
        concat([frames([{ symbol: 'AAPL', price: 1 }]), header, frames([{ symbol: 'AAPL', price: 2 }])]),
      );
      await closed;
      await until(() => server.counters().closed[reason] === 1, 'the counted close');
      assert.equal(server.counters().accepted, 1);
      const logged = lines.find((l) => l.msg === 'tcp frame rejected, closing the connection');
      assert.equal(logged?.reason, reason);
      assert.equal(logged?.frameBytes, length);
      assert.equal(server.connections().length, 0);
    });
  }

  it('counts a client that closes inside a frame', async () => {
    const { server, port } = await start();
    const { socket } = await client(port);
    const bytes = frames([
      { symbol: 'AAPL', price: 1 },
      { symbol: 'AAPL', price: 2 },
    ]);
    socket.end(bytes.subarray(0, bytes.length - 2));
    await until(() => server.counters().closed.truncated_frame === 1, 'the truncated close');
    assert.equal(server.counters().accepted, 1);
  });

  it('stops reading while the downstream is full, then ingests everything, in order, nothing lost', async () => {
    let room = 0;
    const admission: Admission = { available: () => room };
    const { engine, server, port } = await start({ admission, batchSize: 1000 });
    let gaps = 0;
    engine.on('gap', () => gaps++);
    const symbols = ['A', 'B', 'C', 'D'];
    const total = 300_000;
    const encoder = new TickEncoder(total * 24);
    for (let i = 0; i < total; i++) {
      encoder.frame({
        symbol: symbols[i % 4]!,
        price: 100 + (i % 7),
        volume: 1,
        timestamp: NOW - 1000,
        seq: i >> 2,
      });
    }
    const bytes = encoder.take();
    const { socket, closed } = await client(port);
    let writeDone = false;
    socket.write(bytes, () => (writeDone = true));
    await until(() => server.connections()[0]?.paused === true, 'reading to pause');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const read = server.connections()[0]!.bytes;
    assert.ok(read < bytes.length, 'the server stopped reading');
    assert.equal(writeDone, false, 'TCP flow control holds the client back');
    assert.equal(engine.counters().accepted, 0);
    // Room comes back in small portions, as a writer flushing its buffer would give it.
    const refill = setInterval(() => (room = 7_000), 1);
    const ingested = () => engine.counters().accepted;
    const eat = engine.on('tick', () => room--);
    try {
      socket.end();
      await closed;
      await until(() => ingested() === total, 'every tick', 20_000);
    } finally {
      clearInterval(refill);
      eat();
    }
    const c = engine.counters();
    assert.equal(c.rejected.overloaded, 0, 'the TCP path waits instead of refusing');
    assert.equal(c.rejected.duplicate + c.rejected.late, 0);
    assert.equal(gaps, 0, 'no tick lost or reordered: every sequence is complete');
    assert.ok(server.counters().pauses >= 1);
  });

  it('retries rather than loses ticks the engine refuses as overloaded', async () => {
    let room = 0;
    const { engine, server, port } = await start();
    engine.setAdmission({ available: () => room });
    const { socket } = await client(port);
    socket.write(frames(Array.from({ length: 50 }, (_, i) => ({ symbol: 'X', price: 1, seq: i }))));
    await until(() => server.connections()[0]?.paused === true, 'reading to pause');
    room = 1000;
    await until(() => server.counters().accepted === 50, 'the retried ticks');
    assert.deepEqual(server.counters().rejected, {});
    socket.destroy();
  });

  it('drains on stop: what was read is ingested once there is room, then the connection closes', async () => {
    let room = 0;
    const { engine, server, port } = await start({ admission: { available: () => room } });
    const { socket, closed } = await client(port);
    socket.write(frames(Array.from({ length: 100 }, (_, i) => ({ symbol: 'X', price: 1, seq: i }))));
    await until(() => server.connections()[0]?.paused === true, 'reading to pause');
    const stopped = server.stop({ drainTimeoutMs: 5000 });
    setTimeout(() => (room = 1000), 30);
    await stopped;
    await closed;
    assert.equal(engine.counters().accepted, 100);
    assert.equal(server.counters().closed.server_stopping, 1);
    await assert.rejects(client(port));
  });

  it('gives up on a stop deadline with the loss logged and counted', async () => {
    const { server, lines, port } = await start({ admission: { available: () => 0 } });
    const { socket } = await client(port);
    socket.write(frames(Array.from({ length: 10 }, () => ({ symbol: 'X', price: 1 }))));
    await until(() => server.connections()[0]?.paused === true, 'reading to pause');
    await server.stop({ drainTimeoutMs: 50 });
    assert.equal(server.counters().rejected.shutdown, 10);
    assert.ok(lines.some((l) => l.msg === 'tcp connection closed before all it sent could be ingested'));
  });

  it('refuses clients outside tcp.allow when bound beyond loopback', async () => {
    const { server, lines, port } = await start({}, ['10.0.0.0/8'], '0.0.0.0');
    const { closed } = await client(port);
    await closed;
    assert.equal(server.counters().refused, 1);
    assert.ok(lines.some((l) => l.msg === 'tcp client not in tcp.allow, refused'));
  });

  it('fails to start with LISTEN_FAILED on a port in use', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await assert.rejects(
        TcpIngestServer.start(engine(), { host: '127.0.0.1', port, allow: [] }, capture().logger),
        (err: { code?: string }) => err.code === 'LISTEN_FAILED',
      );
    } finally {
      blocker.close();
    }
  });
});

describe('AllowList', () => {
  it('is not needed on loopback and required elsewhere', () => {
    assert.ok(new AllowList('127.0.0.1', []).allows('192.168.1.1'));
    assert.ok(new AllowList('::1', []).allows(undefined));
    assert.throws(() => new AllowList('0.0.0.0', []), /config tcp\.allow: .*not a loopback address/);
  });

  it('matches addresses and CIDR blocks of both families, IPv4-mapped addresses included', () => {
    const list = new AllowList('0.0.0.0', ['10.0.0.0/8', '192.168.1.20', 'fd00::/8']);
    assert.ok(list.allows('10.1.2.3'));
    assert.ok(list.allows('::ffff:10.1.2.3'));
    assert.ok(list.allows('192.168.1.20'));
    assert.ok(!list.allows('192.168.1.21'));
    assert.ok(list.allows('fd12::1'));
    assert.ok(!list.allows('fe80::1'));
    assert.ok(!list.allows(undefined));
  });

  it('refuses entries that are not addresses or blocks', () => {
    for (const bad of ['10.0.0.0/33', 'example.com', '10.0.0.0/x', '::/129']) {
      assert.throws(() => new AllowList('0.0.0.0', [bad]), /config tcp\.allow: ".*" is not an IP address/);
    }
  });
});
