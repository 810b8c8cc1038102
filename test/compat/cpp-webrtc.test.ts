import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { RTCPeerConnection, type RTCDataChannel } from 'werift';
import { WebSocket } from 'ws';

import type { Server } from '../../src/main.js';
import { testServer, type LogLines } from '../support/test-server.js';

/**
 * The C++/Java server's WebRTC signalling as its gateway's code did it (SignalingController:
 * `@MessageMapping("/signal")` `@SendTo("/topic/signaling")` with a five-string bean), and
 * tickstream as a peer behind it: a werift client negotiates over that signalling and reads
 * ticks from the data channels, all on loopback without STUN or TURN.
 */

const until = async (check: () => boolean, what: string, ms = 10_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

interface Frame {
  readonly command: string;
  readonly headers: Map<string, string>;
  readonly body: string;
}

/** A bare STOMP 1.2 client over `ws`, as the earlier system's scripts spoke it. */
class Stomp {
  readonly frames: Frame[] = [];
  readonly socket: WebSocket;
  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.socket.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      if (text === '\n') return;
      const [head = '', ...rest] = text.split('\n\n');
      const [command = '', ...lines] = head.split('\n');
      const headers = new Map<string, string>();
      for (const line of lines) {
        const i = line.indexOf(':');
        if (!headers.has(line.slice(0, i))) headers.set(line.slice(0, i), line.slice(i + 1));
      }
      this.frames.push({ command, headers, body: rest.join('\n\n').replace(/\0$/, '') });
    });
  }
  async connect(headers = ''): Promise<void> {
    await new Promise((resolve, reject) => {
      this.socket.once('open', resolve);
      this.socket.once('error', reject);
    });
    this.socket.send(`CONNECT\naccept-version:1.2\nheart-beat:0,0\n${headers}\n\0`);
    await until(() => this.frames.length > 0, 'CONNECTED');
    assert.equal(this.frames[0]!.command, 'CONNECTED');
  }
  send(frame: string): void {
    this.socket.send(frame);
  }
  signal(body: unknown): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    this.send(`SEND\ndestination:/app/signal\ncontent-type:application/json\n\n${text}\0`);
  }
  signals(): Array<Record<string, string | null>> {
    return this.frames
      .filter((f) => f.command === 'MESSAGE' && f.headers.get('destination') === '/topic/signaling')
      .map((f) => JSON.parse(f.body) as Record<string, string | null>);
  }
  close(): void {
    this.socket.close();
  }
}

/** A werift client as a browser would make one: only loopback, no STUN. */
function clientPeer(): RTCPeerConnection {
  return new RTCPeerConnection({
    iceServers: [],
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceInterfaceAddresses: { udp4: '127.0.0.1' },
    iceFilterCandidatePair: (pair) => pair.remoteCandidate.host === '127.0.0.1',
  });
}

async function gathered(pc: RTCPeerConnection): Promise<string> {
  if (pc.iceGatheringState !== 'complete') {
    await new Promise<void>((resolve) => {
      pc.iceGatheringStateChange.subscribe((state) => {
        if (state === 'complete') resolve();
      });
    });
  }
  // Only the loopback candidate: nothing is sent to another address of this machine.
  return pc
    .localDescription!.sdp.split('\r\n')
    .filter((l) => !l.startsWith('a=candidate') || l.includes(' 127.0.0.1 '))
    .join('\r\n');
}

const messagesOf = (channel: RTCDataChannel): Array<Record<string, unknown>> => {
  const got: Array<Record<string, unknown>> = [];
  channel.onMessage.subscribe((data) => got.push(JSON.parse(String(data)) as Record<string, unknown>));
  return got;
};

let server: Server & { logs: LogLines };
let url: string;
before(async () => {
  server = await testServer({ compat: { cpp: { webrtc: { maxPeers: 2, connectTimeoutMs: 3000 } } } });
  url = (await server.app.listen({ host: '127.0.0.1', port: 0 })).replace('http', 'ws');
});
after(async () => {
  if (process.env.DEBUG_WEBRTC)
    for (const l of server.logs.lines) if (l.component === 'webrtc') console.log(JSON.stringify(l));
  await server.close();
});

describe('the signalling relay (SEND /app/signal → /topic/signaling)', () => {
  it('relays to every subscriber, the sender included, as its bean: five fields, nulls, strings', async () => {
    const a = new Stomp(`${url}/ws/websocket`);
    const b = new Stomp(`${url}/stomp`);
    await Promise.all([a.connect(), b.connect()]);
    a.send('SUBSCRIBE\nid:sub-0\ndestination:/topic/signaling\n\n\0');
    b.send('SUBSCRIBE\nid:s\ndestination:/topic/signaling\nreceipt:r1\n\n\0');
    await until(() => b.frames.some((f) => f.command === 'RECEIPT'), 'RECEIPT');
    a.signal({ type: 'JOIN', senderId: 'alice', extra: { dropped: true }, sdp: 5, candidate: true });
    await until(() => a.signals().length === 1 && b.signals().length === 1, 'the JOIN on both');
    const expected = { type: 'JOIN', senderId: 'alice', targetId: null, sdp: '5', candidate: 'true' };
    assert.deepEqual(a.signals()[0], expected);
    assert.deepEqual(b.signals()[0], expected);
    const message = b.frames.find((f) => f.command === 'MESSAGE')!;
    assert.equal(
      message.body,
      '{"type":"JOIN","senderId":"alice","targetId":null,"sdp":"5","candidate":"true"}',
    );
    assert.equal(message.headers.get('subscription'), 's');
    assert.equal(message.headers.get('content-type'), 'application/json');
    assert.ok(message.headers.has('message-id'));

    // What its gateway could not bind was dropped without an answer; the connection stays.
    a.signal('[1]');
    a.signal('not json');
    a.signal({ type: 'ICE', sdp: { nested: 1 } });
    // Its simple broker relayed a SEND straight to the topic too.
    b.send(
      'SEND\ndestination:/topic/signaling\nreceipt:r2\n\n{"type":"ICE","senderId":"bob","targetId":"alice","candidate":"c"}\0',
    );
    await until(() => a.signals().length === 2, 'the ICE');
    assert.deepEqual(a.signals()[1], {
      type: 'ICE',
      senderId: 'bob',
      targetId: 'alice',
      sdp: null,
      candidate: 'c',
    });
    assert.ok(b.frames.some((f) => f.command === 'RECEIPT' && f.headers.get('receipt-id') === 'r2'));
    assert.ok(!a.frames.some((f) => f.command === 'ERROR'));
    // Other destinations stay read-only.
    b.send('SEND\ndestination:/topic/market-data/AAPL\n\n{}\0');
    await until(() => b.frames.some((f) => f.command === 'ERROR'), 'ERROR');
    a.close();
    b.close();
  });

  it('is refused without credentials when compat.cpp.anonymousReads is off', async () => {
    const closed = await testServer({ compat: { cpp: { anonymousReads: false } } });
    try {
      const base = (await closed.app.listen({ host: '127.0.0.1', port: 0 })).replace('http', 'ws');
      const c = new Stomp(`${base}/ws/websocket`);
      await new Promise((resolve) => c.socket.once('open', resolve));
      c.send('CONNECT\naccept-version:1.2\n\n\0');
      await until(() => c.frames.length > 0, 'an answer');
      assert.equal(c.frames[0]!.command, 'ERROR');
      assert.equal(c.frames[0]!.headers.get('message'), 'AUTH_REQUIRED');
    } finally {
      await closed.close();
    }
  });
});

describe('tickstream as a WebRTC peer', () => {
  it('answers an offer over the signalling and streams ticks on the data channels, then cleans up', async () => {
    const stomp = new Stomp(`${url}/ws/websocket`);
    await stomp.connect();
    stomp.send('SUBSCRIBE\nid:sig\ndestination:/topic/signaling\n\n\0');

    const pc = clientPeer();
    const control = pc.createDataChannel('tickstream');
    const ticks = pc.createDataChannel('ticks', { ordered: false, maxRetransmits: 0 });
    const onControl = messagesOf(control);
    const onTicks = messagesOf(ticks);
    await pc.setLocalDescription(await pc.createOffer());
    stomp.signal({ type: 'OFFER', senderId: 'node-client', targetId: 'tickstream', sdp: await gathered(pc) });

    await until(() => stomp.signals().some((s) => s.type === 'ANSWER'), 'the ANSWER');
    const answer = stomp.signals().find((s) => s.type === 'ANSWER')!;
    assert.equal(answer.senderId, 'tickstream');
    assert.equal(answer.targetId, 'node-client');
    assert.equal(answer.candidate, null);
    const candidates = answer.sdp!.split('\r\n').filter((l) => l.startsWith('a=candidate'));
    assert.ok(candidates.length >= 1);
    for (const line of candidates) assert.match(line, / 127\.0\.0\.1 \d+ typ host/);
    await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp! });

    await until(() => control.readyState === 'open' && ticks.readyState === 'open', 'open channels');
    control.send(JSON.stringify({ op: 'subscribe', channels: ['ticks.WRTC', 'anomalies'] }));
    await until(() => onControl.some((m) => m.op === 'subscribed'), 'subscribed');
    assert.deepEqual(onControl[0], { op: 'subscribed', channels: ['ticks.WRTC', 'anomalies'] });

    const t0 = Date.now();
    let sent = 0;
    const feed = setInterval(() => {
      sent++;
      void server.engine.ingest(
        [{ symbol: 'WRTC', price: 100 + sent, volume: 1, timestamp: t0 + sent }],
        'tcp',
        Date.now(),
      );
    }, 20);
    try {
      await until(() => onTicks.length >= 20, '20 ticks over the data channel');
    } finally {
      clearInterval(feed);
    }
    const first = onTicks[0]!;
    assert.equal(first.channel, 'ticks.WRTC');
    assert.equal(first.type, 'update');
    assert.equal(typeof first.seq, 'number');
    const data = first.data as Record<string, unknown>;
    assert.deepEqual(Object.keys(data).sort(), ['price', 'source', 'symbol', 'ts', 'volume']);
    assert.equal(data.symbol, 'WRTC');
    assert.equal(data.source, 'tcp');
    // Snapshots come on the reliable channel; tick updates only on the ticks channel.
    assert.ok(onControl.some((m) => m.channel === 'ticks.WRTC' && m.type === 'snapshot'));
    assert.ok(!onControl.some((m) => m.channel === 'ticks.WRTC' && m.type === 'update'));
    const prices = onTicks.map((m) => (m.data as { price: number }).price);
    assert.ok(new Set(prices).size === prices.length, 'no tick twice');

    control.send('{"op":"ping"}');
    control.send('{"op":"nope"}');
    await until(
      () => onControl.some((m) => m.op === 'pong') && onControl.some((m) => m.op === 'error'),
      'pong',
    );

    const metrics = await server.app.inject({ method: 'GET', url: '/metrics' });
    assert.match(metrics.body, /tickstream_stream_connections\{protocol="webrtc"\} 1/);
    assert.match(metrics.body, /tickstream_webrtc_offers_total\{result="answered"\} 1/);

    // Closing the data channel tells the server at once (a vanished peer is found by ICE consent, 30 s).
    control.close();
    await until(() => server.hub.connectionCounts().webrtc === 0, 'the peer to be closed on the server');
    await pc.close();
    stomp.close();
  });

  it('opens the unordered ticks channel itself when the client did not', async () => {
    const stomp = new Stomp(`${url}/stomp`);
    await stomp.connect();
    stomp.send('SUBSCRIBE\nid:sig\ndestination:/topic/signaling\n\n\0');
    const pc = clientPeer();
    const control = pc.createDataChannel('control');
    let ticks: RTCDataChannel | undefined;
    pc.onDataChannel.subscribe((channel) => {
      ticks = channel;
    });
    await pc.setLocalDescription(await pc.createOffer());
    stomp.signal({ type: 'OFFER', senderId: 'one-channel', targetId: 'tickstream', sdp: await gathered(pc) });
    await until(() => stomp.signals().some((s) => s.type === 'ANSWER'), 'the ANSWER');
    await pc.setRemoteDescription({
      type: 'answer',
      sdp: stomp.signals().find((s) => s.type === 'ANSWER')!.sdp!,
    });
    await until(() => control.readyState === 'open', 'the control channel');
    // tickstream opens its ticks channel by the first message on the control channel.
    control.send(JSON.stringify({ op: 'subscribe', channels: ['ticks.*'] }));
    await until(() => ticks?.readyState === 'open', 'the ticks channel');
    assert.equal(ticks!.label, 'ticks');
    const onTicks = messagesOf(ticks!);
    const t0 = Date.now();
    let sent = 0;
    const feed = setInterval(() => {
      sent++;
      void server.engine.ingest(
        [{ symbol: 'ONE', price: 10 + sent, volume: 1, timestamp: t0 + sent }],
        'tcp',
        Date.now(),
      );
    }, 20);
    try {
      await until(() => onTicks.length >= 5, 'ticks');
    } finally {
      clearInterval(feed);
    }
    assert.equal(onTicks[0]!.channel, 'ticks.*');
    control.close();
    await until(() => server.hub.connectionCounts().webrtc === 0, 'the peer to close');
    await pc.close();
    stomp.close();
  });

  it('tells the client ERROR past compat.cpp.webrtc.maxPeers, and ignores ICE from another connection', async () => {
    const stomp = new Stomp(`${url}/ws/websocket`);
    await stomp.connect();
    stomp.send('SUBSCRIBE\nid:sig\ndestination:/topic/signaling\n\n\0');
    const peers = [clientPeer(), clientPeer(), clientPeer()];
    for (const [i, pc] of peers.entries()) {
      pc.createDataChannel('c');
      await pc.setLocalDescription(await pc.createOffer());
      stomp.signal({ type: 'OFFER', senderId: `p${i}`, targetId: 'tickstream', sdp: await gathered(pc) });
    }
    await until(() => stomp.signals().some((s) => s.type === 'ERROR'), 'the ERROR');
    await until(() => stomp.signals().filter((s) => s.type === 'ANSWER').length === 2, 'two answers');
    const error = stomp.signals().find((s) => s.type === 'ERROR')!;
    assert.deepEqual(error, {
      type: 'ERROR',
      senderId: 'tickstream',
      targetId: 'p2',
      sdp: 'too many peers (at most 2)',
      candidate: null,
    });
    // Another connection cannot take over p0's id.
    const other = new Stomp(`${url}/ws/websocket`);
    await other.connect();
    other.send('SUBSCRIBE\nid:sig\ndestination:/topic/signaling\n\n\0');
    other.signal({ type: 'OFFER', senderId: 'p0', targetId: 'tickstream', sdp: 'v=0' });
    await until(() => other.signals().filter((s) => s.type === 'ERROR').length === 1, 'refusal');
    assert.equal(
      other.signals().find((s) => s.type === 'ERROR')!.sdp,
      'senderId is in use by another connection',
    );
    // Unanswered peers (the clients never set the answer) are closed after connectTimeoutMs.
    await until(() => server.hub.connectionCounts().webrtc === 0, 'timed-out peers to close', 8000);
    for (const pc of peers) await pc.close();
    stomp.close();
    other.close();
  });
});
