import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';

import type { Browser } from 'playwright-core';

import type { Server } from '../../src/main.js';
import { testServer, type LogLines } from '../support/test-server.js';
import { CHROMIUM, launchChromium } from '../support/chromium.js';

/**
 * Chromium's own RTCPeerConnection negotiates with tickstream over the C++/Java server's STOMP
 * signalling (`/ws/websocket`, SEND `/app/signal`, SUBSCRIBE `/topic/signaling`), trickling its
 * candidates as ICE signals, and receives ticks on the unordered `ticks` data channel. Loopback
 * only: Chromium is told to offer its loopback interface and to show it as an address, not an
 * mDNS name.
 */

/**
 * What the page runs, as JavaScript text (the test's TypeScript has no DOM types): a bare STOMP
 * client on a WebSocket, the browser's RTCPeerConnection with a control channel and the
 * unordered `ticks` channel, ICE trickled as signals.
 */
const PAGE_SCRIPT = String.raw`async (stompUrl) => {
  const me = 'browser-' + Math.random().toString(36).slice(2);
  const socket = new WebSocket(stompUrl);
  const signals = [];
  let connected = false;
  socket.onmessage = (event) => {
    const text = String(event.data);
    if (text.startsWith('CONNECTED')) connected = true;
    if (!text.startsWith('MESSAGE')) return;
    signals.push(JSON.parse(text.slice(text.indexOf('\n\n') + 2).replace(/\0$/, '')));
  };
  await new Promise((resolve) => (socket.onopen = resolve));
  socket.send('CONNECT\naccept-version:1.2\nheart-beat:0,0\n\n\0');
  const wait = async (check, what) => {
    const deadline = Date.now() + 30000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await wait(() => connected, 'CONNECTED');
  socket.send('SUBSCRIBE\nid:sig\ndestination:/topic/signaling\n\n\0');
  const signal = (message) =>
    socket.send('SEND\ndestination:/app/signal\ncontent-type:application/json\n\n' + JSON.stringify(message) + '\0');
  const pc = new RTCPeerConnection({ iceServers: [] });
  const control = pc.createDataChannel('tickstream');
  const ticks = pc.createDataChannel('ticks', { ordered: false, maxRetransmits: 0 });
  const received = [];
  const onControl = [];
  ticks.onmessage = (event) => received.push(JSON.parse(String(event.data)));
  control.onmessage = (event) => onControl.push(JSON.parse(String(event.data)));
  const mine = [];
  pc.onicecandidate = (event) => {
    if (event.candidate === null) return;
    mine.push(event.candidate.candidate);
    // Trickled, as browsers do; the candidate field is a string: the JSON of the candidate.
    signal({ type: 'ICE', senderId: me, targetId: 'tickstream', sdp: null, candidate: JSON.stringify(event.candidate.toJSON()) });
  };
  await pc.setLocalDescription(await pc.createOffer());
  signal({ type: 'OFFER', senderId: me, targetId: 'tickstream', sdp: pc.localDescription.sdp, candidate: null });
  await wait(() => signals.some((s) => s.type === 'ANSWER' && s.targetId === me), 'the ANSWER');
  const answer = signals.find((s) => s.type === 'ANSWER' && s.targetId === me);
  await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
  await wait(() => control.readyState === 'open', 'the data channel to open');
  control.send(JSON.stringify({ op: 'subscribe', channels: ['ticks.BRWS'] }));
  await wait(() => received.length >= 20, '20 ticks');
  const stats = await pc.getStats();
  let remoteAddress = '';
  stats.forEach((s) => {
    if (s.type === 'candidate-pair' && s.state === 'succeeded' && s.nominated === true)
      remoteAddress = (stats.get(s.remoteCandidateId) || {}).address || '';
  });
  control.close();
  pc.close();
  socket.close();
  return {
    ticks: received.slice(0, 20),
    snapshot: onControl.find((m) => m.type === 'snapshot'),
    subscribed: onControl[0],
    ordered: ticks.ordered,
    maxRetransmits: ticks.maxRetransmits,
    remoteAddress,
    candidates: mine,
  };
}`;

let server: Server & { logs: LogLines };
let browser: Browser | undefined;
let url = '';
before(async () => {
  assert.ok(
    existsSync(CHROMIUM),
    `${CHROMIUM} is missing: apt-get install -y --no-install-recommends chromium`,
  );
  server = await testServer();
  url = (await server.app.listen({ host: '127.0.0.1', port: 0 })).replace('http', 'ws');
  browser = await launchChromium([
    '--allow-loopback-in-peer-connection',
    '--disable-features=WebRtcHideLocalIpsWithMdns',
  ]);
});
after(async () => {
  await browser?.close();
  await server.close();
});

describe('WebRTC in chromium against tickstream', { timeout: 120_000 }, () => {
  it("negotiates over STOMP signalling and receives ticks on the browser's data channel", async () => {
    const page = await browser!.newPage();
    const t0 = Date.now();
    let sent = 0;
    const feed = setInterval(() => {
      sent++;
      void server.engine.ingest(
        [{ symbol: 'BRWS', price: 50 + (sent % 7), volume: 1, timestamp: t0 + sent }],
        'tcp',
        Date.now(),
      );
    }, 20);
    try {
      const result = await page.evaluate<{
        ticks: Array<Record<string, unknown>>;
        subscribed: unknown;
        ordered: boolean;
        maxRetransmits: number | null;
        remoteAddress: string;
      }>(`(${PAGE_SCRIPT})(${JSON.stringify(`${url}/ws/websocket`)})`);

      assert.deepEqual(result.subscribed, { op: 'subscribed', channels: ['ticks.BRWS'] });
      assert.equal(result.ticks.length, 20);
      for (const message of result.ticks) {
        assert.equal(message.channel, 'ticks.BRWS');
        assert.equal(message.type, 'update');
        const data = message.data as Record<string, unknown>;
        assert.equal(data.symbol, 'BRWS');
        assert.equal(typeof data.price, 'number');
        assert.equal(typeof data.ts, 'number');
      }
      assert.equal(result.ordered, false);
      assert.equal(result.maxRetransmits, 0);
      assert.equal(result.remoteAddress, '127.0.0.1');
      await (async () => {
        const deadline = Date.now() + 10_000;
        while (server.hub.connectionCounts().webrtc !== 0) {
          if (Date.now() > deadline) throw new Error('the server kept the peer');
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
    } finally {
      clearInterval(feed);
      await page.close();
    }
  });
});
