import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';

import { onChannel, startServer, TestSocket, type TestServer } from '../src/streams/streams.test-support.js';

type Message = Record<string, unknown>;

function seqs(messages: readonly Message[]): number[] {
  return messages.map((m) => m.seq as number);
}

function priceOf(m: Message): number {
  return (m.data as { price: number }).price;
}

/** Asserts that seqs grow by exactly one. */
function assertConsecutive(values: readonly number[], what: string): void {
  for (let i = 1; i < values.length; i++) {
    assert.equal(values[i], values[i - 1]! + 1, `${what}: seq ${values[i]} follows ${values[i - 1]}`);
  }
}

describe('WebSocket /ws', () => {
  let server: TestServer;
  let token: string;
  const auth = (): { headers: Record<string, string> } => ({ headers: { authorization: `Bearer ${token}` } });

  before(async () => {
    server = await startServer({ seqBase: 0 });
    token = await server.token();
  });
  after(() => server.close());

  it('sends a snapshot, then every update with seq one more than the last', async () => {
    server.ingest([{ symbol: 'AAPL', price: 100, volume: 5 }]);
    const socket = await new TestSocket(`${server.wsUrl}/ws`, auth()).open();
    socket.send({ op: 'subscribe', channels: ['ticks.aapl', 'stats.AAPL', 'candles.1m.AAPL'] });
    const subscribed = await socket.next((m) => m.op === 'subscribed');
    assert.deepEqual(subscribed.channels, ['ticks.AAPL', 'stats.AAPL', 'candles.1m.AAPL']);
    const snapshot = await socket.next((m) => m.channel === 'ticks.AAPL');
    assert.equal(snapshot.type, 'snapshot');
    const { ts } = snapshot.data as { ts: number };
    assert.deepEqual(snapshot.data, { symbol: 'AAPL', ts, price: 100, volume: 5, source: 'test' });
    server.ingest([
      { symbol: 'AAPL', price: 101, seq: 7, id: 'x"1' },
      { symbol: 'AAPL', price: 102 },
    ]);
    // Each tick's messages (its candle, the tick, the stats) can arrive in different reads.
    await socket.until((ms) =>
      ['ticks.AAPL', 'stats.AAPL', 'candles.1m.AAPL'].every((name) => onChannel(ms, name).length >= 3),
    );
    const ticks = onChannel(socket.messages, 'ticks.AAPL');
    assert.deepEqual(
      ticks.map((m) => [m.type, priceOf(m)]),
      [
        ['snapshot', 100],
        ['update', 101],
        ['update', 102],
      ],
    );
    assert.deepEqual((ticks[1]!.data as Message).seq, 7);
    assert.deepEqual((ticks[1]!.data as Message).id, 'x"1');
    assertConsecutive(seqs(ticks), 'ticks');
    const stats = onChannel(socket.messages, 'stats.AAPL');
    assert.deepEqual(
      stats.map((m) => (m.data as { updateCount: number }).updateCount),
      [1, 2, 3],
      `stats messages: ${JSON.stringify(socket.messages)}`,
    );
    const candles = onChannel(socket.messages, 'candles.1m.AAPL');
    assert.deepEqual(
      candles.map((m) => (m.data as { trades: number; interval: string }).trades),
      [1, 2, 3],
    );
    assert.equal((candles[2]!.data as { close: number }).close, 102);
    socket.close();
  });

  it('answers a snapshot of null for a symbol without ticks, and arrays for wildcards', async () => {
    const socket = await new TestSocket(`${server.wsUrl}/ws`, auth()).open();
    socket.send({ op: 'subscribe', channels: ['ticks.NOPE', 'stats.*', 'anomalies'] });
    await socket.until((ms) => ms.filter((m) => m.type === 'snapshot').length === 3);
    assert.equal(socket.messages.find((m) => m.channel === 'ticks.NOPE')!.data, null);
    const all = socket.messages.find((m) => m.channel === 'stats.*')!.data as Array<{ symbol: string }>;
    assert.ok(Array.isArray(all) && all.some((s) => s.symbol === 'AAPL'));
    assert.ok(Array.isArray(socket.messages.find((m) => m.channel === 'anomalies')!.data));
    socket.close();
  });

  it('loses and repeats nothing across the snapshot boundary while ticks flow', async () => {
    let price = 1000;
    let running = true;
    const producer = (async () => {
      while (running) {
        const batch = Array.from({ length: 20 }, () => ({
          symbol: 'FLOW',
          price: (price += 0.01),
          volume: 1,
        }));
        server.ingest(batch);
        await sleep(1);
      }
    })();
    const sockets: TestSocket[] = [];
    for (let i = 0; i < 12; i++) {
      const socket = await new TestSocket(`${server.wsUrl}/ws`, auth()).open();
      socket.send({ op: 'subscribe', channels: ['ticks.FLOW', 'stats.FLOW', 'ticks.*'] });
      sockets.push(socket);
      await sleep(7);
    }
    await sleep(30);
    running = false;
    await producer;
    const last = Math.round(price * 100);
    const count = server.engine.stats('FLOW')!.updateCount;
    for (const socket of sockets) {
      await socket.until((ms) => {
        const tail = onChannel(ms, 'ticks.FLOW').at(-1);
        return tail !== undefined && Math.round(priceOf(tail) * 100) === last;
      });
      await socket.until(
        (ms) =>
          (onChannel(ms, 'stats.FLOW').at(-1)?.data as { updateCount?: number } | null)?.updateCount ===
          count,
      );
      const ticks = onChannel(socket.messages, 'ticks.FLOW');
      assert.equal(ticks[0]!.type, 'snapshot');
      assertConsecutive(seqs(ticks), 'ticks.FLOW');
      // Each update is the tick right after the one before: prices step by 0.01.
      const cents = ticks.map((m) => Math.round(priceOf(m) * 100));
      for (let i = 1; i < cents.length; i++) assert.equal(cents[i], cents[i - 1]! + 1);
      const stats = onChannel(socket.messages, 'stats.FLOW');
      assertConsecutive(seqs(stats), 'stats.FLOW');
      const counts = stats.map((m) => (m.data as { updateCount: number }).updateCount);
      for (let i = 1; i < counts.length; i++) assert.equal(counts[i], counts[i - 1]! + 1);
      const wildcard = onChannel(socket.messages, 'ticks.*');
      assert.equal(wildcard[0]!.type, 'snapshot');
      assertConsecutive(seqs(wildcard), 'ticks.*');
      socket.close();
    }
  });

  it('resumes from fromSeq with exactly the missed updates, and resets when too far behind', async () => {
    const first = await new TestSocket(`${server.wsUrl}/ws`, auth()).open();
    first.send({ op: 'subscribe', channels: ['ticks.RES'] });
    await first.next((m) => m.channel === 'ticks.RES');
    server.ingest([{ symbol: 'RES', price: 1 }]);
    await first.until((ms) => onChannel(ms, 'ticks.RES').length === 2);
    const seen = onChannel(first.messages, 'ticks.RES')[1]!.seq as number;
    first.close();
    server.ingest([2, 3, 4].map((price) => ({ symbol: 'RES', price })));

    const second = await new TestSocket(`${server.wsUrl}/ws`, auth()).open();
    second.send({ op: 'subscribe', channels: ['ticks.RES'], fromSeq: { 'ticks.RES': seen } });
    await second.until((ms) => onChannel(ms, 'ticks.RES').length === 3);
    server.ingest([{ symbol: 'RES', price: 5 }]);
    await second.until((ms) => onChannel(ms, 'ticks.RES').length === 4);
    const resumed = onChannel(second.messages, 'ticks.RES');
    assert.deepEqual(
      resumed.map((m) => [m.type, m.seq, priceOf(m)]),
      [
        ['update', seen + 1, 2],
        ['update', seen + 2, 3],
        ['update', seen + 3, 4],
        ['update', seen + 4, 5],
      ],
    );
    second.close();

    // History holds 1024 messages by default: 1100 more put the old position out of reach.
    server.ingest(Array.from({ length: 1100 }, (_, i) => ({ symbol: 'RES', price: 10 + i })));
    const third = await new TestSocket(`${server.wsUrl}/ws`, auth()).open();
    third.send({
      op: 'subscribe',
      channels: ['ticks.RES', 'ticks.NEW'],
      fromSeq: { 'ticks.RES': seen, 'ticks.NEW': 12 },
    });
    await third.until((ms) => ms.filter((m) => m.type === 'reset').length === 2);
    const reset = third.messages.find((m) => m.channel === 'ticks.RES')!;
    assert.equal(reset.type, 'reset');
    assert.equal(reset.seq, seen + 4 + 1100);
    assert.equal(priceOf(reset), 1109);
    third.close();
  });

  it('answers malformed messages with an error and keeps the connection', async () => {
    const socket = await new TestSocket(`${server.wsUrl}/ws`, auth()).open();
    const bad: unknown[] = [
      'not json',
      '[1,2]',
      { op: 'dance' },
      { op: 'subscribe' },
      { op: 'subscribe', channels: [] },
      { op: 'subscribe', channels: ['prices.AAPL'] },
      { op: 'subscribe', channels: ['candles.7m.AAPL'] },
      { op: 'subscribe', channels: ['ticks.a b'] },
      { op: 'subscribe', channels: ['ticks.AAPL'], fromSeq: { 'ticks.AAPL': -1 } },
      { op: 'subscribe', channel: 'ticks.AAPL' },
      'x'.repeat(70_000),
    ];
    for (const message of bad) socket.send(message);
    socket.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    socket.send({ op: 'ping' });
    await socket.next((m) => m.op === 'pong');
    const errors = socket.messages.filter((m) => m.op === 'error');
    assert.equal(errors.length, bad.length + 1);
    for (const e of errors) {
      assert.equal(e.code, 'BAD_REQUEST');
      assert.equal(typeof e.message, 'string');
    }
    assert.match(String(errors[6]!.message), /unknown interval "7m"/);
    assert.equal(socket.messages.filter((m) => m.channel !== undefined).length, 0, 'nothing subscribed');
    socket.close();
  });

  it('counts connections for /api/metrics and Prometheus', async () => {
    const socket = await new TestSocket(`${server.wsUrl}/ws`, auth()).open();
    socket.send({ op: 'ping' });
    await socket.next((m) => m.op === 'pong');
    const response = await fetch(`${server.url}/api/metrics`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await response.json()) as { connections: Record<string, number> };
    assert.equal(body.connections.ws, 1);
    assert.equal(body.connections.stomp, 0);
    assert.match(await server.metrics.text(), /tickstream_stream_connections\{protocol="ws"\} 1/);
    socket.close();
  });

  it('unsubscribes', async () => {
    const socket = await new TestSocket(`${server.wsUrl}/ws`, auth()).open();
    socket.send({ op: 'subscribe', channels: ['ticks.UNS'] });
    await socket.next((m) => m.channel === 'ticks.UNS');
    socket.send({ op: 'unsubscribe', channels: ['ticks.uns'] });
    const answer = await socket.next((m) => m.op === 'unsubscribed');
    assert.deepEqual(answer.channels, ['ticks.UNS']);
    server.ingest([{ symbol: 'UNS', price: 1 }]);
    socket.send({ op: 'ping' });
    await socket.next((m) => m.op === 'pong');
    assert.equal(onChannel(socket.messages, 'ticks.UNS').length, 1);
    socket.close();
  });
});

describe('WebSocket /ws authentication', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it('takes a token from the header, the query or a first auth message, and an API key', async () => {
    const token = await server.token();
    const key = await server.apiKey();
    const sockets = [
      new TestSocket(`${server.wsUrl}/ws`, { headers: { authorization: `Bearer ${token}` } }),
      new TestSocket(`${server.wsUrl}/ws?access_token=${token}`),
      new TestSocket(`${server.wsUrl}/ws`, { headers: { 'x-api-key': key } }),
      new TestSocket(`${server.wsUrl}/ws?api_key=${key}`),
    ];
    const byMessage = await new TestSocket(`${server.wsUrl}/ws`).open();
    byMessage.send({ op: 'auth', token });
    const authenticated = await byMessage.next((m) => m.op === 'authenticated');
    assert.equal(typeof authenticated.expiresAt, 'number');
    for (const socket of [...sockets, byMessage]) {
      await socket.open();
      socket.send({ op: 'subscribe', channels: ['ticks.AUTH'] });
      await socket.next((m) => m.channel === 'ticks.AUTH');
      socket.close();
    }
  });

  it('refuses a connection without credentials, with a bad token or before auth', async () => {
    const cases: Array<[TestSocket, string, (s: TestSocket) => void]> = [
      [
        new TestSocket(`${server.wsUrl}/ws`, { headers: { authorization: 'Bearer nope' } }),
        'TOKEN_INVALID',
        () => {},
      ],
      [new TestSocket(`${server.wsUrl}/ws?api_key=ts_bogus`), 'AUTH_REQUIRED', () => {}],
      [
        new TestSocket(`${server.wsUrl}/ws`),
        'AUTH_REQUIRED',
        (s) => s.send({ op: 'subscribe', channels: ['ticks.A'] }),
      ],
      [new TestSocket(`${server.wsUrl}/ws`), 'TOKEN_INVALID', (s) => s.send({ op: 'auth', token: 'x.y.z' })],
    ];
    for (const [socket, code, act] of cases) {
      await socket.open();
      act(socket);
      const closed = await socket.waitClosed();
      assert.equal(closed.code, 4401);
      assert.equal(socket.messages.at(-1)?.code, code);
      assert.equal(socket.messages.filter((m) => m.channel !== undefined).length, 0);
    }
    assert.ok(server.hub.counters('ws').authFailures >= 4);
  });

  it('closes with 4401 when the token expires, unless refreshed in time', async () => {
    const short = await server.token({ ttlMs: 1500 });
    const expiring = await new TestSocket(`${server.wsUrl}/ws`, {
      headers: { authorization: `Bearer ${short}` },
    }).open();
    const refreshed = await new TestSocket(`${server.wsUrl}/ws?access_token=${short}`).open();
    refreshed.send({ op: 'auth', token: await server.token() });
    await refreshed.next((m) => m.op === 'authenticated');
    const closed = await expiring.waitClosed(3000);
    assert.equal(closed.code, 4401);
    assert.equal(expiring.messages.at(-1)?.code, 'TOKEN_EXPIRED');
    refreshed.send({ op: 'ping' });
    await refreshed.next((m) => m.op === 'pong');
    assert.equal(refreshed.closed, undefined);
    refreshed.close();
  });

  it('keeps the old token when a refresh is refused', async () => {
    const socket = await new TestSocket(`${server.wsUrl}/ws?access_token=${await server.token()}`).open();
    socket.send({ op: 'auth', token: 'garbage' });
    const error = await socket.next((m) => m.op === 'error');
    assert.equal(error.code, 'TOKEN_INVALID');
    socket.send({ op: 'subscribe', channels: ['ticks.KEEP'] });
    await socket.next((m) => m.channel === 'ticks.KEEP');
    socket.close();
  });
});

describe('WebSocket /ws slow consumers', () => {
  let server: TestServer;
  let token: string;
  before(async () => {
    server = await startServer({
      streams: { sendBufferBytes: 16_384, maxBufferBytes: 1_048_576, maxStallMs: 60_000 },
    });
    token = await server.token();
  });
  after(() => server.close());

  /** Ingests batches of padded ticks until the hub has dropped something for a slow connection. */
  async function floodUntilDropped(symbol: string, startPrice: number): Promise<number> {
    const pad = 'p'.repeat(120);
    let price = startPrice;
    for (let batch = 0; batch < 400 && server.hub.counters('ws').dropped === 0; batch++) {
      server.ingest(
        Array.from({ length: 500 }, () => ({ symbol, price: (price += 1), id: `${pad}${price}` })),
      );
      await sleep(1);
    }
    assert.ok(server.hub.counters('ws').dropped > 0, 'the paused client fell behind');
    // Some more while it is behind, so stats conflate.
    for (let i = 0; i < 5; i++) {
      server.ingest(
        Array.from({ length: 100 }, () => ({ symbol, price: (price += 1), id: `${pad}${price}` })),
      );
      await sleep(1);
    }
    return price;
  }

  it('conflates stats, drops ticks with a gap, and keeps other clients whole', async () => {
    const slow = await new TestSocket(`${server.wsUrl}/ws?access_token=${token}`).open();
    const fast = await new TestSocket(`${server.wsUrl}/ws?access_token=${token}`).open();
    for (const socket of [slow, fast]) {
      socket.send({ op: 'subscribe', channels: ['ticks.SLOW', 'stats.SLOW'] });
      await socket.until((ms) => ms.filter((m) => m.type === 'snapshot').length === 2);
    }
    slow.ws.pause();
    // The last ticks of the flood may be dropped too: one more after the client reads again marks the end.
    const last = (await floodUntilDropped('SLOW', 0)) + 1;
    slow.ws.resume();
    await slow.until((ms) => onChannel(ms, 'ticks.SLOW').at(-1)?.type === 'gap');
    server.ingest([{ symbol: 'SLOW', price: last }]);
    const total = server.engine.stats('SLOW')!.updateCount;
    for (const socket of [slow, fast]) {
      await socket.until((ms) => {
        const tail = onChannel(ms, 'ticks.SLOW').at(-1);
        return tail?.type === 'update' && priceOf(tail) === last;
      }, 20_000);
      await socket.until(
        (ms) => (onChannel(ms, 'stats.SLOW').at(-1)?.data as { updateCount?: number }).updateCount === total,
      );
    }

    // The fast client got every tick.
    const fastTicks = onChannel(fast.messages, 'ticks.SLOW');
    assert.equal(fastTicks.length, total + 1);
    assertConsecutive(seqs(fastTicks), 'fast ticks');
    assertConsecutive(seqs(onChannel(fast.messages, 'stats.SLOW')), 'fast stats');

    // The slow one: every seq is accounted for, either delivered or named by a gap.
    const ticks = onChannel(slow.messages, 'ticks.SLOW');
    assert.equal(ticks[0]!.type, 'snapshot');
    let expected = (ticks[0]!.seq as number) + 1;
    let gaps = 0;
    for (const m of ticks.slice(1)) {
      if (m.type === 'gap') {
        const { from, to } = m.data as { from: number; to: number };
        assert.equal(from, expected, 'a gap starts right after the last message');
        assert.equal(m.seq, to, 'a gap carries the seq of its last dropped message');
        assert.ok(to >= from);
        expected = to + 1;
        gaps++;
      } else {
        assert.equal(m.type, 'update');
        assert.equal(m.seq, expected);
        expected++;
      }
    }
    assert.equal(expected - 1, fastTicks.at(-1)!.seq);
    assert.ok(gaps >= 1);
    assert.ok(ticks.length < fastTicks.length);

    // Stats conflated: fewer messages, seqs only growing, the latest value last.
    const stats = onChannel(slow.messages, 'stats.SLOW');
    const statSeqs = seqs(stats);
    for (let i = 1; i < statSeqs.length; i++) assert.ok(statSeqs[i]! > statSeqs[i - 1]!);
    assert.ok(stats.length < total + 1);
    const counters = server.hub.counters('ws');
    assert.ok(counters.conflated > 0);
    assert.ok(counters.gaps >= 1);
    assert.equal(counters.slowConsumerCloses, 0);
    assert.equal(slow.closed, undefined);

    const metrics = await server.metrics.text();
    assert.match(metrics, /tickstream_stream_messages_dropped_total\{protocol="ws"\} [1-9]/);
    assert.match(metrics, /tickstream_stream_messages_conflated_total\{protocol="ws"\} [1-9]/);
    assert.match(metrics, /tickstream_stream_connections\{protocol="ws"\} 2/);
    slow.close();
    fast.close();
  });
});

describe('WebSocket /ws hard limits', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({
      streams: { sendBufferBytes: 16_384, maxBufferBytes: 200_000, maxStallMs: 300 },
    });
  });
  after(() => server.close());

  it('closes a client that stays behind too long with 4008', async () => {
    const socket = await new TestSocket(`${server.wsUrl}/ws?access_token=${await server.token()}`).open();
    socket.send({ op: 'subscribe', channels: ['ticks.STUCK'] });
    await socket.next((m) => m.type === 'snapshot');
    socket.ws.pause();
    // The kernel's socket buffers take a few MB before the server's own buffer fills and stays full.
    const pad = 'p'.repeat(120);
    let price = 0;
    const until = Date.now() + 10_000;
    while (server.hub.counters('ws').slowConsumerCloses === 0 && Date.now() < until) {
      server.ingest(
        Array.from({ length: 500 }, () => ({ symbol: 'STUCK', price: (price += 1), id: `${pad}${price}` })),
      );
      await sleep(5);
    }
    socket.ws.resume();
    const closed = await socket.waitClosed();
    assert.equal(closed.code, 4008);
    assert.match(closed.reason, /slow consumer: behind for more than 300 ms/);
    assert.equal(server.hub.counters('ws').slowConsumerCloses, 1);
    assert.equal(server.hub.counters('ws').connections, 0);
  });

  it('closes a client whose held messages pass maxBufferBytes with 4008', async () => {
    const socket = await new TestSocket(`${server.wsUrl}/ws?access_token=${await server.token()}`).open();
    socket.send({ op: 'subscribe', channels: ['stats.*'] });
    await socket.next((m) => m.type === 'snapshot');
    socket.ws.pause();
    // Stats of many symbols conflate per symbol, but each symbol keeps one: the held bytes grow.
    for (let i = 0; i < 400 && server.hub.counters('ws').slowConsumerCloses < 2; i++) {
      server.ingest(
        Array.from({ length: 500 }, (_, k) => ({ symbol: `S${(i * 500 + k) % 20_000}`, price: 1 + k })),
      );
      await sleep(1);
    }
    socket.ws.resume();
    const closed = await socket.waitClosed();
    assert.equal(closed.code, 4008);
    assert.match(closed.reason, /more than 200000 bytes waiting/);
  });
});
