import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';

import { Client as StompClient, type IMessage } from '@stomp/stompjs';
import { createClient, type Client } from 'graphql-ws';
import { WebSocket } from 'ws';

import { startServer, TestSocket, type TestServer } from '../src/streams/streams.test-support.js';

interface GraphqlResponse {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

async function query(
  server: TestServer,
  text: string,
  headers: Record<string, string>,
  variables?: Record<string, unknown>,
): Promise<{ status: number; body: GraphqlResponse }> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: text, variables }),
  });
  return { status: response.status, body: (await response.json()) as GraphqlResponse };
}

function wsClient(
  server: TestServer,
  connectionParams: Record<string, unknown>,
  onClose?: (code: number) => void,
): Client {
  return createClient({
    url: `${server.wsUrl}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
    on: { closed: (event) => onClose?.((event as { code: number }).code) },
  });
}

/** Subscribes and collects `next` payloads until `count` arrived; resolves with them (or the error). */
function collect(
  client: Client,
  text: string,
  count: number,
): { values: unknown[]; done: Promise<unknown[]> } {
  const values: unknown[] = [];
  const done = new Promise<unknown[]>((resolve, reject) => {
    const stop = client.subscribe(
      { query: text },
      {
        next: (value) => {
          values.push(value.data);
          if (values.length === count) {
            stop();
            resolve(values);
          }
        },
        error: (err) => reject(err instanceof Error ? err : new Error(JSON.stringify(err))),
        complete: () => resolve(values),
      },
    );
  });
  return { values, done };
}

async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(5);
  }
}

describe('GraphQL /graphql', () => {
  let server: TestServer;
  let auth: Record<string, string>;
  before(async () => {
    server = await startServer();
    auth = { authorization: `Bearer ${await server.token()}` };
  });
  after(() => server.close());

  it('answers marketData exactly as the earlier schema, and the other queries', async () => {
    const ts = Date.now() - 2000;
    server.ingest([
      { symbol: 'GQL', price: 10, volume: 2, timestamp: ts },
      { symbol: 'GQL', price: 9, volume: 1, timestamp: ts + 1 },
      { symbol: 'GQL', price: 11, volume: 0.5, timestamp: ts + 2 },
    ]);
    const { status, body } = await query(
      server,
      `query ($s: String!) {
        marketData(symbol: $s) { symbol open high low close volume timestamp }
        none: marketData(symbol: "NOPE") { symbol }
        symbols
        stats(symbol: $s) { symbol currentPrice updateCount lastUpdateTime volume }
        candles(symbol: $s, interval: "1m", limit: 10) { symbol interval open high low close volume trades closed start }
        anomalies(symbol: $s, limit: 5) { symbol direction changePercent severity }
      }`,
      auth,
      { s: 'gql' },
    );
    assert.equal(status, 200);
    assert.equal(body.errors, undefined);
    const data = body.data!;
    assert.deepEqual(data.marketData, {
      symbol: 'GQL',
      open: 10,
      high: 11,
      low: 9,
      close: 11,
      volume: '3.5',
      timestamp: `${ts + 2}000000`,
    });
    assert.equal(data.none, null);
    assert.ok((data.symbols as string[]).includes('GQL'));
    assert.deepEqual(data.stats, {
      symbol: 'GQL',
      currentPrice: 11,
      updateCount: 3,
      lastUpdateTime: ts + 2,
      volume: 3.5,
    });
    const [candle] = data.candles as Array<Record<string, unknown>>;
    assert.deepEqual(
      { ...candle, start: undefined },
      {
        symbol: 'GQL',
        interval: '1m',
        open: 10,
        high: 11,
        low: 9,
        close: 11,
        volume: 3.5,
        trades: 3,
        closed: false,
        start: undefined,
      },
    );
    // 10 → 9 → 11 within a second: a move down, then up; newest first.
    assert.deepEqual(data.anomalies, [
      { symbol: 'GQL', direction: 'up', changePercent: ((11 - 9) / 9) * 100, severity: 'critical' },
      { symbol: 'GQL', direction: 'down', changePercent: -10, severity: 'critical' },
    ]);
  });

  it('merges stored candles with the live open one', async () => {
    const now = Date.now();
    const minute = now - (now % 60_000);
    const stored = [3, 2].map((back) => ({
      symbol: 'HIST',
      interval: '1m',
      start: minute - back * 60_000,
      end: minute - (back - 1) * 60_000,
      open: back,
      high: back,
      low: back,
      close: back,
      volume: 1,
      trades: 1,
      vwap: back,
      revision: 0,
      closed: true,
    }));
    await server.store.write({ writeNo: 1, committedSeq: 0, candles: stored, anomalies: [] });
    server.ingest([{ symbol: 'HIST', price: 7, volume: 1, timestamp: now }]);
    const all = await query(
      server,
      '{ candles(symbol: "HIST", interval: "1m") { start close closed } }',
      auth,
    );
    assert.deepEqual(all.body.data?.candles, [
      { start: minute - 180_000, close: 3, closed: true },
      { start: minute - 120_000, close: 2, closed: true },
      { start: minute, close: 7, closed: false },
    ]);
    const newest = await query(
      server,
      '{ candles(symbol: "HIST", interval: "1m", limit: 2) { close } }',
      auth,
    );
    assert.deepEqual(newest.body.data?.candles, [{ close: 2 }, { close: 7 }]);
    const range = await query(
      server,
      `{ candles(symbol: "HIST", interval: "1m", from: ${minute - 180_000}, to: ${minute}) { close } }`,
      auth,
    );
    assert.deepEqual(range.body.data?.candles, [{ close: 3 }, { close: 2 }]);
  });

  it('serves stored anomalies after the engine’s recent ones', async () => {
    const ts = Date.now() - 3_600_000;
    const anomaly = {
      symbol: 'OLDA',
      direction: 'down' as const,
      price: 95,
      ts,
      referencePrice: 100,
      referenceTs: ts - 100,
      changePercent: -5,
      severity: 'high' as const,
      windowMs: 1000,
      thresholdPercent: 2,
    };
    const point = await server.store.recoveryPoint();
    await server.store.write({
      writeNo: point.writeNo + 1,
      committedSeq: point.committedSeq,
      candles: [],
      anomalies: [{ anomaly, ingestSeq: 1 }],
    });
    const { body } = await query(
      server,
      '{ anomalies(symbol: "olda", limit: 5) { symbol direction price changePercent severity } }',
      auth,
    );
    assert.deepEqual(body.data?.anomalies, [
      { symbol: 'OLDA', direction: 'down', price: 95, changePercent: -5, severity: 'high' },
    ]);
  });

  it('refuses queries without credentials, too deep or too costly, and bad arguments', async () => {
    const anonymous = await query(server, '{ symbols }', {});
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.errors?.[0]?.extensions?.code, 'AUTH_REQUIRED');

    const costly = await query(
      server,
      '{ candles(symbol: "A", interval: "1m", limit: 5000) { symbol interval start end open high low close volume trades vwap revision closed } }',
      auth,
    );
    assert.match(costly.body.errors?.[0]?.message ?? '', /costs 65001, more than the 50000 allowed/);
    const cheap = await query(server, '{ candles(symbol: "A", interval: "1m", limit: 100) { close } }', auth);
    assert.equal(cheap.body.errors, undefined);

    const bad = await query(server, '{ candles(symbol: "A", interval: "7m") { close } }', auth);
    assert.equal(bad.body.errors?.[0]?.extensions?.code, 'BAD_REQUEST');
    assert.match(bad.body.errors?.[0]?.message ?? '', /unknown interval/);
  });

  it('limits the depth of operations', async () => {
    const shallow = await startServer({ streams: { graphqlMaxDepth: 3 } });
    try {
      const headers = { authorization: `Bearer ${await shallow.token()}` };
      const deep = await query(shallow, '{ __schema { types { fields { type { name } } } } }', headers);
      assert.match(JSON.stringify(deep.body.errors), /query depth \(5\) exceeds the query depth limit of 3/);
      const ok = await query(shallow, '{ __schema { types { name } } }', headers);
      assert.equal(ok.body.errors, undefined);
    } finally {
      await shallow.close();
    }
  });

  it('serves GraphiQL', async () => {
    const response = await fetch(`${server.url}/graphiql`);
    assert.equal(response.status, 200);
    assert.match(
      response.headers.get('content-security-policy') ?? '',
      /script-src 'self' https:\/\/unpkg\.com/,
    );
    assert.match(await response.text(), /graphiql/i);
  });

  it('streams ticks, candles and anomalies over graphql-ws', async () => {
    const client = wsClient(server, { authorization: auth.authorization });
    const ticks = collect(
      client,
      'subscription { ticks(symbols: ["SUB1", "sub2"]) { symbol price volume source } }',
      3,
    );
    const candles = collect(
      client,
      'subscription { candles(symbol: "SUB1", interval: "1s") { symbol interval close trades } }',
      2,
    );
    const anomalies = collect(
      client,
      'subscription { anomalies(symbol: "SUB1") { symbol direction price } }',
      1,
    );
    await waitFor(
      () => server.hub.counters('graphql').connections === 1 && server.hub.channelCounts().subscriptions >= 4,
    );
    await sleep(20);
    const ts = Date.now();
    server.ingest([
      { symbol: 'SUB1', price: 100, volume: 1, timestamp: ts },
      { symbol: 'SUB3', price: 1, timestamp: ts },
      { symbol: 'SUB2', price: 7, timestamp: ts },
      { symbol: 'SUB1', price: 105, volume: 1, timestamp: ts + 1 },
    ]);
    assert.deepEqual(await ticks.done, [
      { ticks: { symbol: 'SUB1', price: 100, volume: 1, source: 'test' } },
      { ticks: { symbol: 'SUB2', price: 7, volume: 0, source: 'test' } },
      { ticks: { symbol: 'SUB1', price: 105, volume: 1, source: 'test' } },
    ]);
    assert.deepEqual(await candles.done, [
      { candles: { symbol: 'SUB1', interval: '1s', close: 100, trades: 1 } },
      { candles: { symbol: 'SUB1', interval: '1s', close: 105, trades: 2 } },
    ]);
    assert.deepEqual(await anomalies.done, [{ anomalies: { symbol: 'SUB1', direction: 'up', price: 105 } }]);
    await client.dispose();
    await waitFor(() => server.hub.counters('graphql').connections === 0);
  });

  it('refuses subscriptions with bad credentials and closes when the token expires', async () => {
    let refused: number | undefined;
    const bad = wsClient(server, { authorization: 'Bearer nope' }, (code) => (refused = code));
    await assert.rejects(collect(bad, 'subscription { ticks { symbol } }', 1).done);
    assert.equal(refused, 4401);
    await bad.dispose();

    let closed: number | undefined;
    const short = wsClient(server, { token: await server.token({ ttlMs: 1500 }) }, (code) => (closed = code));
    const pending = collect(short, 'subscription { ticks { symbol } }', 1).done.catch(() => 'ended');
    await waitFor(() => closed !== undefined, 3000);
    assert.equal(closed, 4401);
    await pending;
    await short.dispose();
  });

  it('validates subscriptions, and serves /ws, /stomp and graphql-ws side by side', async () => {
    const client = wsClient(server, { authorization: auth.authorization });
    await assert.rejects(
      collect(client, 'subscription { ticks { nope } }', 1).done,
      /Cannot query field .*nope.* on type .*Tick/,
    );

    const socket = await new TestSocket(`${server.wsUrl}/ws`, { headers: auth }).open();
    socket.send({ op: 'subscribe', channels: ['ticks.MIX'] });
    await socket.next((m) => m.type === 'snapshot');
    const stompGot: IMessage[] = [];
    const stomp = new StompClient({
      webSocketFactory: () => new WebSocket(`${server.wsUrl}/stomp`, ['v12.stomp']),
      connectHeaders: { Authorization: auth.authorization! },
      reconnectDelay: 0,
      debug: () => {},
    });
    await new Promise<void>((resolve) => {
      stomp.onConnect = () => resolve();
      stomp.activate();
    });
    stomp.subscribe('/topic/ticks/MIX', (m) => stompGot.push(m));
    const gql = collect(client, 'subscription { ticks(symbols: ["MIX"]) { price } }', 1);
    await waitFor(() => server.hub.channelCounts().subscriptions >= 3);
    await sleep(20);
    server.ingest([{ symbol: 'MIX', price: 42 }]);
    assert.deepEqual(await gql.done, [{ ticks: { price: 42 } }]);
    await socket.next((m) => m.type === 'update');
    await waitFor(() => stompGot.length === 1);
    assert.equal((JSON.parse(stompGot[0]!.body) as { price: number }).price, 42);
    await stomp.deactivate();
    socket.close();
    await client.dispose();
  });
});
