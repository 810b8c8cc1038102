import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';

import { EventSource } from 'eventsource';

import { onChannel, startServer, TestSocket, type TestServer } from '../src/streams/streams.test-support.js';

type Message = Record<string, unknown>;

/** An EventSource (the `eventsource` package) that collects events; `headers` go on every request it makes. */
class TestEventSource {
  readonly source: EventSource;
  readonly events: Array<{ data: Message; id: string }> = [];
  errors = 0;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.source = new EventSource(url, {
      fetch: (input, init) => fetch(input, { ...init, headers: { ...init.headers, ...headers } }),
    });
    this.source.onmessage = (event) =>
      this.events.push({ data: JSON.parse(event.data as string) as Message, id: event.lastEventId });
    this.source.onerror = () => {
      this.errors++;
    };
  }

  async until(predicate: (events: TestEventSource['events']) => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.events)) {
      if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(this.events.slice(-4))}`);
      await sleep(5);
    }
  }

  close(): void {
    this.source.close();
  }
}

describe('SSE /api/stream', () => {
  let server: TestServer;
  let token: string;
  before(async () => {
    server = await startServer({ streams: { ssePingMs: 50 } });
    token = await server.token();
  });
  after(() => server.close());

  it('streams snapshots then updates, and resumes from Last-Event-ID', async () => {
    server.ingest([{ symbol: 'SSE', price: 1 }]);
    const first = new TestEventSource(`${server.url}/api/stream?channels=ticks.SSE,stats.sse`, {
      authorization: `Bearer ${token}`,
    });
    await first.until((es) => es.length === 2);
    assert.deepEqual(
      first.events.map((e) => [e.data.channel, e.data.type]),
      [
        ['ticks.SSE', 'snapshot'],
        ['stats.SSE', 'snapshot'],
      ],
    );
    server.ingest([{ symbol: 'SSE', price: 2 }]);
    await first.until((es) => es.length === 4);
    const last = first.events.at(-1)!;
    const [tickSeq, statSeq] = last.id.split(',').map(Number);
    assert.equal(
      tickSeq,
      onChannel(
        first.events.map((e) => e.data),
        'ticks.SSE',
      ).at(-1)!.seq,
    );
    assert.equal(statSeq, last.data.seq);
    first.close();

    server.ingest([3, 4].map((price) => ({ symbol: 'SSE', price })));
    const resumed = new TestEventSource(
      `${server.url}/api/stream?channels=ticks.SSE,stats.SSE&access_token=${token}`,
      {
        'last-event-id': last.id,
      },
    );
    await resumed.until((es) => es.length === 4);
    assert.deepEqual(
      resumed.events.map((e) => [e.data.channel, e.data.type, e.data.seq]),
      [
        ['ticks.SSE', 'update', tickSeq! + 1],
        ['ticks.SSE', 'update', tickSeq! + 2],
        ['stats.SSE', 'update', statSeq! + 1],
        ['stats.SSE', 'update', statSeq! + 2],
      ],
    );
    resumed.close();
  });

  it('sends : ping comments', async () => {
    const response = await fetch(`${server.url}/api/stream?channels=anomalies`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = response.body!.getReader();
    let text = '';
    while (!text.includes(': ping\n\n'))
      text += new TextDecoder().decode((await reader.read()).value as Uint8Array);
    await reader.cancel();
    assert.match(text, /^retry: \d+\n\n/);
  });

  it('refuses bad credentials and bad channels with the usual JSON errors', async () => {
    const none = await fetch(`${server.url}/api/stream?channels=anomalies`);
    assert.equal(none.status, 401);
    assert.equal(((await none.json()) as { error: { code: string } }).error.code, 'AUTH_REQUIRED');
    const expired = await fetch(`${server.url}/api/stream?channels=anomalies&access_token=junk`);
    assert.equal(expired.status, 401);
    const bad = await fetch(`${server.url}/api/stream?channels=ticks.A,nope`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'BAD_REQUEST');
  });

  it('ends the stream with a TOKEN_EXPIRED message when the token expires', async () => {
    const short = await server.token({ ttlMs: 1500 });
    const response = await fetch(`${server.url}/api/stream?channels=anomalies`, {
      headers: { authorization: `Bearer ${short}` },
    });
    const text = await response.text();
    assert.match(text, /"code":"TOKEN_EXPIRED"/);
  });
});

describe('SSE /realtime/ticks', () => {
  for (const intervals of [
    ['1s', '1m'],
    ['1s', '5m'],
  ]) {
    it(`sends {ok, connectedAt, filterSymbol}, then ticks with sma10 and candle1m (intervals ${intervals.join(',')})`, async () => {
      const server = await startServer({ engine: { intervals } });
      try {
        const token = await server.token();
        const minute = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
        // Twelve ticks before anyone listens: sma10 covers the last ten of all of them.
        const before = Array.from({ length: 12 }, (_, i) => ({
          symbol: 'RT',
          price: 100 + i,
          volume: 1,
          timestamp: minute + i,
        }));
        server.ingest(before);
        const es = new TestEventSource(`${server.url}/realtime/ticks?symbol=rt&access_token=${token}`);
        await es.until((events) => events.length === 1);
        const hello = es.events[0]!.data;
        assert.equal(hello.ok, true);
        assert.equal(hello.filterSymbol, 'RT');
        assert.ok(Math.abs((hello.connectedAt as number) - Date.now()) < 5000);
        server.ingest([
          { symbol: 'OTHER', price: 1 },
          { symbol: 'RT', price: 130, volume: 2, timestamp: minute + 100 },
          { symbol: 'RT', price: 90, volume: 1, timestamp: minute + 50 },
        ]);
        await es.until((events) => events.length === 3);
        const [a, b] = es.events.slice(1).map((e) => e.data);
        assert.deepEqual(a, {
          symbol: 'RT',
          price: 130,
          ts: Math.floor((minute + 100) / 1000),
          volume: 2,
          sma10: (102 + 103 + 104 + 105 + 106 + 107 + 108 + 109 + 110 + 111 + 130 - 102) / 10,
          candle1m: { bucket_start: minute / 1000, open: 100, high: 130, low: 100, close: 130, volume: 14 },
        });
        assert.deepEqual((b as { candle1m: unknown }).candle1m, {
          bucket_start: minute / 1000,
          open: 100,
          high: 130,
          low: 90,
          close: 130,
          volume: 15,
        });
        es.close();
      } finally {
        await server.close();
      }
    });
  }

  it('sends every symbol without a filter, and refuses a bad symbol', async () => {
    const server = await startServer();
    try {
      const token = await server.token();
      const es = new TestEventSource(`${server.url}/realtime/ticks`, { authorization: `Bearer ${token}` });
      await es.until((events) => events.length === 1);
      assert.equal(es.events[0]!.data.filterSymbol, null);
      server.ingest([
        { symbol: 'A', price: 1 },
        { symbol: 'B', price: 2 },
      ]);
      await es.until((events) => events.length === 3);
      assert.deepEqual(
        es.events.slice(1).map((e) => [e.data.symbol, e.data.sma10]),
        [
          ['A', 1],
          ['B', 2],
        ],
      );
      es.close();
      const bad = await fetch(`${server.url}/realtime/ticks?symbol=a%20b`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(bad.status, 400);
      assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'BAD_REQUEST');
    } finally {
      await server.close();
    }
  });
});

describe('WebSocket /ws/marketdata', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it('sends the current UTC-day aggregate, then every update', async () => {
    const token = await server.token();
    const ts = Date.now() - 1000;
    server.ingest([{ symbol: 'MD', price: 10, volume: 1.5, timestamp: ts }]);
    const socket = await new TestSocket(`${server.wsUrl}/ws/marketdata?symbol=md`, {
      headers: { authorization: `Bearer ${token}` },
    }).open();
    await socket.until((ms) => ms.length === 1);
    server.ingest([
      { symbol: 'MD', price: 12, volume: 1, timestamp: ts + 5 },
      { symbol: 'XX', price: 1 },
    ]);
    await socket.until((ms) => ms.length === 2);
    assert.deepEqual(socket.messages, [
      { symbol: 'MD', open: 10, high: 10, low: 10, close: 10, volume: 1.5, timestamp: ts * 1e6 },
      { symbol: 'MD', open: 10, high: 12, low: 10, close: 12, volume: 2.5, timestamp: (ts + 5) * 1e6 },
    ]);
    socket.close();
  });

  it('closes with 4401 without credentials and 4400 for a bad symbol', async () => {
    const anonymous = await new TestSocket(`${server.wsUrl}/ws/marketdata?symbol=MD`).open();
    assert.equal((await anonymous.waitClosed()).code, 4401);
    const bad = await new TestSocket(
      `${server.wsUrl}/ws/marketdata?symbol=a%20b&access_token=${await server.token()}`,
    ).open();
    assert.equal((await bad.waitClosed()).code, 4400);
  });
});
