import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';

import { Client, type IMessage, type IFrame } from '@stomp/stompjs';
import { WebSocket } from 'ws';

import { startServer, type TestServer } from '../src/streams/streams.test-support.js';

/** A @stomp/stompjs client over `ws`, connected (or refused). */
async function connect(
  server: TestServer,
  connectHeaders: Record<string, string>,
): Promise<{ client: Client; error: IFrame | undefined; closeCode: number | undefined }> {
  const client = new Client({
    webSocketFactory: () => new WebSocket(`${server.wsUrl}/stomp`, ['v12.stomp', 'v11.stomp', 'v10.stomp']),
    connectHeaders,
    reconnectDelay: 0,
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
    debug: () => {},
  });
  const state: { error: IFrame | undefined; closeCode: number | undefined } = {
    error: undefined,
    closeCode: undefined,
  };
  await new Promise<void>((resolve) => {
    client.onConnect = () => resolve();
    client.onStompError = (frame) => {
      state.error = frame;
    };
    client.onWebSocketClose = (event: { code: number }) => {
      state.closeCode = event.code;
      resolve();
    };
    client.activate();
  });
  return { client, ...state };
}

async function waitFor<T>(read: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(5);
  }
}

/** A raw STOMP-over-WebSocket client, for what a library hides: split frames, heart-beats, errors. */
class RawStomp {
  readonly ws: WebSocket;
  readonly received: string[] = [];
  closed: { code: number; reason: string } | undefined;

  constructor(url: string) {
    this.ws = new WebSocket(url, ['v12.stomp']);
    this.ws.on('message', (data: Buffer) => this.received.push(data.toString('utf8')));
    this.ws.on('close', (code: number, reason: Buffer) => {
      this.closed = { code, reason: reason.toString() };
    });
  }

  async open(): Promise<this> {
    await new Promise((resolve) => this.ws.once('open', resolve));
    return this;
  }

  send(text: string): void {
    this.ws.send(text);
  }

  frames(command: string): string[] {
    return this.received.filter((f) => f.startsWith(command + '\n'));
  }
}

describe('STOMP /stomp', () => {
  let server: TestServer;
  let token: string;
  before(async () => {
    server = await startServer({ streams: { stompHeartbeatMs: 150 } });
    token = await server.token();
  });
  after(() => server.close());

  it('serves market data, candles and anomalies to @stomp/stompjs', async () => {
    const t0 = Date.now() - 5000;
    server.ingest([{ symbol: 'AAPL', price: 100, volume: 3, timestamp: t0 }]);
    const { client, error } = await connect(server, { Authorization: `Bearer ${token}` });
    assert.equal(error, undefined);
    const market: IMessage[] = [];
    const candles: IMessage[] = [];
    const anomalies: IMessage[] = [];
    client.subscribe('/topic/market-data/AAPL', (m) => market.push(m));
    client.subscribe('/topic/candles/1m/AAPL', (m) => candles.push(m));
    const receipt = new Promise<IFrame>((resolve) => client.watchForReceipt('sub-3', resolve));
    client.subscribe('/topic/anomalies', (m) => anomalies.push(m), { receipt: 'sub-3' });
    await receipt;
    await waitFor(() => (market.length === 1 && candles.length === 1 ? true : undefined));
    server.ingest([
      { symbol: 'AAPL', price: 101, volume: 2, timestamp: t0 + 10 },
      { symbol: 'AAPL', price: 110, volume: 1, timestamp: t0 + 20 },
    ]);
    await waitFor(() => (market.length === 3 && anomalies.length === 1 ? true : undefined));
    assert.deepEqual(JSON.parse(market[0]!.body), {
      symbol: 'AAPL',
      open: 100,
      high: 100,
      low: 100,
      close: 100,
      volume: '3',
      timestamp: `${t0}000000`,
    });
    assert.deepEqual(JSON.parse(market[2]!.body), {
      symbol: 'AAPL',
      open: 100,
      high: 110,
      low: 100,
      close: 110,
      volume: '6',
      timestamp: `${t0 + 20}000000`,
    });
    assert.equal(market[2]!.headers.destination, '/topic/market-data/AAPL');
    assert.equal(market[2]!.headers['content-type'], 'application/json');
    const candle = JSON.parse(candles.at(-1)!.body) as { interval: string; close: number; trades: number };
    assert.equal(candle.interval, '1m');
    assert.equal(candle.close, 110);
    const anomaly = JSON.parse(anomalies[0]!.body) as { symbol: string; direction: string };
    assert.deepEqual([anomaly.symbol, anomaly.direction], ['AAPL', 'up']);
    await client.deactivate();
  });

  it('stops a subscription on UNSUBSCRIBE', async () => {
    const { client } = await connect(server, { passcode: token });
    const got: IMessage[] = [];
    const subscription = client.subscribe('/topic/ticks/UNSUB', (m) => got.push(m));
    server.ingest([{ symbol: 'UNSUB', price: 1 }]);
    await waitFor(() => (got.length === 1 ? true : undefined));
    const receipt = new Promise<IFrame>((resolve) => client.watchForReceipt('gone', resolve));
    subscription.unsubscribe({ receipt: 'gone' });
    await receipt;
    server.ingest([{ symbol: 'UNSUB', price: 2 }]);
    await sleep(50);
    assert.equal(got.length, 1);
    await client.deactivate();
  });

  it('numbers the messages of a hub channel in a seq header that grows by one', async () => {
    const { client } = await connect(server, { passcode: token });
    const got: IMessage[] = [];
    const receipt = new Promise<IFrame>((resolve) => client.watchForReceipt('seq', resolve));
    client.subscribe('/topic/ticks/SEQ', (m) => got.push(m), { receipt: 'seq' });
    await receipt;
    server.ingest([1, 2, 3].map((price) => ({ symbol: 'SEQ', price })));
    await waitFor(() => (got.length === 3 ? true : undefined));
    const seqs = got.map((m) => Number(m.headers.seq));
    assert.deepEqual(seqs, [seqs[0]!, seqs[0]! + 1, seqs[0]! + 2]);
    assert.deepEqual(
      got.map((m) => (JSON.parse(m.body) as { price: number }).price),
      [1, 2, 3],
    );
    await client.deactivate();
  });

  it('takes an API key as passcode and refuses bad credentials with an ERROR frame', async () => {
    const key = await server.apiKey();
    const ok = await connect(server, { login: 'machine', passcode: key });
    assert.equal(ok.error, undefined);
    await ok.client.deactivate();

    for (const [headers, code] of [
      [{ Authorization: 'Bearer not.a.token' }, 'TOKEN_INVALID'],
      [{ passcode: 'ts_unknown_key' }, 'AUTH_REQUIRED'],
      [{}, 'AUTH_REQUIRED'],
    ] as const) {
      const refused = await connect(server, headers);
      assert.equal(refused.error?.headers.message, code);
      assert.equal(refused.closeCode, 4401);
      await refused.client.deactivate();
    }
  });

  it('parses frames split across WebSocket messages, answers receipts and DISCONNECT', async () => {
    const raw = await new RawStomp(`${server.wsUrl}/stomp`).open();
    const connectFrame = `CONNECT\naccept-version:1.2\nhost:x\nAuthorization:Bearer ${token}\n\n\0`;
    for (let i = 0; i < connectFrame.length; i += 7) raw.send(connectFrame.slice(i, i + 7));
    await waitFor(() => raw.frames('CONNECTED')[0]);
    assert.match(raw.frames('CONNECTED')[0]!, /version:1\.2/);
    raw.send('SUBSCRIBE\nid:0\ndestination:/topic/stats/SPLIT\nreceipt:r1\n\n\0SUBSCRIBE\nid:1\ndest');
    raw.send('ination:/topic/ticks/SPLIT\n\n\0');
    await waitFor(() => raw.frames('RECEIPT')[0]);
    assert.match(raw.frames('RECEIPT')[0]!, /receipt-id:r1/);
    server.ingest([{ symbol: 'SPLIT', price: 5 }]);
    await waitFor(() => (raw.frames('MESSAGE').length === 2 ? true : undefined));
    const tick = raw.frames('MESSAGE').find((f) => f.includes('subscription:1'))!;
    assert.match(tick, /destination:\/topic\/ticks\/SPLIT\n/);
    assert.match(tick, /"price":5/);
    raw.send('DISCONNECT\nreceipt:bye\n\n\0');
    await waitFor(() => raw.closed);
    assert.match(raw.frames('RECEIPT').at(-1)!, /receipt-id:bye/);
    assert.equal(raw.closed!.code, 1000);
  });

  it('sends heart-beats and drops a client that stops sending them', async () => {
    const raw = await new RawStomp(`${server.wsUrl}/stomp`).open();
    raw.send(`CONNECT\naccept-version:1.2\nheart-beat:100,100\npasscode:${token}\n\n\0`);
    await waitFor(() => raw.frames('CONNECTED')[0]);
    // The server offers 150 ms both ways: each side beats at max(150, 100), a silent one is
    // given up after twice that.
    assert.match(raw.frames('CONNECTED')[0]!, /heart-beat:150,150/);
    // Keep beating for a while: the connection stays, and the server beats too.
    for (let i = 0; i < 8; i++) {
      raw.send('\n');
      await sleep(60);
    }
    assert.equal(raw.closed, undefined);
    assert.ok(raw.received.filter((m) => m === '\n').length >= 2, 'the server sent heart-beats');
    const closed = await waitFor(() => raw.closed, 2000);
    assert.equal(closed.code, 4408);
  });

  it('answers protocol errors with ERROR and closes', async () => {
    const cases: Array<[string, RegExp]> = [
      ['SUBSCRIBE\nid:1\ndestination:/queue/x\n\n\0', /unknown destination/],
      ['SUBSCRIBE\nid:1\ndestination:/topic/candles/9m/AAPL\n\n\0', /unknown interval/],
      ['SEND\ndestination:/topic/anomalies\n\nhello\0', /read-only/],
      ['BEGIN\ntransaction:t\n\n\0', /transactions/],
      ['SUBSCRIBE\nno colon here\n\n\0', /malformed frame/],
      ['NONSENSE\n\n\0', /unknown command/],
    ];
    for (const [frame, reason] of cases) {
      const raw = await new RawStomp(`${server.wsUrl}/stomp`).open();
      raw.send(`CONNECT\naccept-version:1.2\npasscode:${token}\n\n\0`);
      await waitFor(() => raw.frames('CONNECTED')[0]);
      raw.send(frame);
      const error = await waitFor(() => raw.frames('ERROR')[0]);
      assert.match(error, /message:BAD_REQUEST/);
      assert.match(error, reason);
      await waitFor(() => raw.closed);
      assert.equal(raw.closed!.code, 4400);
    }
    const early = await new RawStomp(`${server.wsUrl}/stomp`).open();
    early.send('SUBSCRIBE\nid:1\ndestination:/topic/anomalies\n\n\0');
    assert.match(await waitFor(() => early.frames('ERROR')[0]), /message:AUTH_REQUIRED/);
  });

  it('sends ERROR and closes with 4401 when the token expires', async () => {
    const raw = await new RawStomp(`${server.wsUrl}/stomp`).open();
    raw.send(`CONNECT\naccept-version:1.2\npasscode:${await server.token({ ttlMs: 1500 })}\n\n\0`);
    await waitFor(() => raw.frames('CONNECTED')[0]);
    const error = await waitFor(() => raw.frames('ERROR')[0], 3000);
    assert.match(error, /message:TOKEN_EXPIRED/);
    await waitFor(() => raw.closed);
    assert.equal(raw.closed!.code, 4401);
  });
});
