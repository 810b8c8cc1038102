// STOMP over SockJS in a real browser, as the C++/Java server's web clients connected: Debian's
// chromium (driven by playwright-core) loads a page from another origin with the npm
// `sockjs-client` and `@stomp/stompjs` bundles, connects to http://127.0.0.1:<port>/ws with one
// SockJS transport forced at a time, subscribes to /topic/market-data/{symbol} and receives the
// day's updates as ticks arrive. Frame-level checks of each transport: test/streams-sockjs.test.ts.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import type { Browser, Page } from 'playwright-core';

import type { Server } from '../src/main.js';
import { testServer, type LogLines } from './support/test-server.js';
import { CHROMIUM, launchChromium } from './support/chromium.js';

const modules = fileURLToPath(new URL('../node_modules/', import.meta.url));

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>SockJS STOMP</title>
<script src="/sockjs.min.js"></script>
<script src="/stomp.umd.min.js"></script>
<script>
  window.received = [];
  window.events = [];
  // Connects with one SockJS transport and subscribes; resolves with the transport SockJS used.
  window.connect = (url, transport, symbol) => new Promise((resolve, reject) => {
    let sock;
    const client = new StompJs.Client({
      webSocketFactory: () => (sock = new SockJS(url, null, { transports: [transport] })),
      reconnectDelay: 0,
      heartbeatIncoming: 0,
      heartbeatOutgoing: 0,
    });
    client.onConnect = () => {
      client.subscribe('/topic/market-data/' + symbol, (message) => {
        window.received.push({ transport, destination: message.headers.destination, body: JSON.parse(message.body) });
      });
      resolve(sock.transport);
    };
    client.onStompError = (frame) => reject(new Error('STOMP ERROR ' + frame.headers.message));
    client.onWebSocketClose = (event) => {
      window.events.push({ transport, code: event.code, reason: event.reason });
      reject(new Error('closed ' + event.code + ' ' + event.reason));
    };
    window.client = client;
    client.activate();
  });
</script></head><body>SockJS STOMP test page</body></html>`;

/** Serves the test page and the two client bundles, from an origin other than tickstream's. */
function pageServer(): Promise<{ server: HttpServer; url: string }> {
  const files: Record<string, [string, string]> = {
    '/': ['text/html; charset=utf-8', PAGE],
    '/sockjs.min.js': [
      'application/javascript',
      readFileSync(`${modules}sockjs-client/dist/sockjs.min.js`, 'utf8'),
    ],
    '/stomp.umd.min.js': [
      'application/javascript',
      readFileSync(`${modules}@stomp/stompjs/bundles/stomp.umd.min.js`, 'utf8'),
    ],
  };
  const server = createServer((request, response) => {
    const file = files[request.url ?? ''];
    if (file === undefined) response.writeHead(404).end();
    else response.writeHead(200, { 'content-type': file[0] }).end(file[1]);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({
        server,
        url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`,
      });
    }),
  );
}

describe('STOMP over SockJS in chromium', { timeout: 180_000 }, () => {
  let server: Server & { logs: LogLines };
  let endpoint = '';
  let page: { server: HttpServer; url: string };
  let browser: Browser;
  let ts = Math.max(Math.floor(Date.now() / 86_400_000) * 86_400_000, Date.now() - 60_000);

  before(async () => {
    assert.ok(
      existsSync(CHROMIUM),
      `${CHROMIUM} is missing: apt-get install -y --no-install-recommends chromium`,
    );
    server = await testServer();
    endpoint = `${await server.app.listen({ host: '127.0.0.1', port: 0 })}/ws`;
    page = await pageServer();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    page?.server.close();
    await server?.close();
  });

  const tick = (symbol: string, price: number): void =>
    void server.engine.ingest([{ symbol, price, volume: 2, timestamp: ts++ }], 'tcp', Date.now());

  async function receives(browserPage: Page, transport: string): Promise<void> {
    const symbol = `SJS-${transport.toUpperCase()}`;
    tick(symbol, 100);
    const used = await browserPage.evaluate(
      ([url, t, s]) =>
        (globalThis as unknown as { connect(...a: string[]): Promise<string> }).connect(url!, t!, s!),
      [endpoint, transport, symbol],
    );
    assert.equal(used, transport, 'SockJS used the forced transport');
    // The day's current state first (once the SUBSCRIBE has arrived), then one update per tick.
    await browserPage.waitForFunction(
      () => (globalThis as unknown as { received: unknown[] }).received.length > 0,
      undefined,
      { timeout: 40_000 },
    );
    for (let i = 1; i <= 3; i++) {
      await sleep(100);
      tick(symbol, 100 + i);
    }
    const deadline = Date.now() + 40_000;
    let closes: number[] = [];
    while (Date.now() < deadline) {
      const received = await browserPage.evaluate(
        () =>
          (globalThis as unknown as { received: Array<{ destination: string; body: { close: number } }> })
            .received,
      );
      closes = received.map((m) => m.body.close);
      if (closes.includes(103)) {
        assert.ok(received.every((m) => m.destination === `/topic/market-data/${symbol}`));
        break;
      }
      await sleep(100);
    }
    assert.ok(
      closes.includes(100) && closes.includes(103),
      `closes received over ${transport}: ${closes.join(',')}`,
    );
    assert.deepEqual(
      closes,
      [...closes].sort((a, b) => a - b),
      'in order',
    );
  }

  for (const transport of ['websocket', 'xhr-streaming', 'xhr-polling', 'eventsource', 'jsonp-polling']) {
    it(`connects with ${transport} forced, subscribes and receives ticks`, async () => {
      const browserPage = await browser.newPage();
      const errors: string[] = [];
      browserPage.on('pageerror', (err) => errors.push(err.message));
      try {
        await browserPage.goto(page.url);
        await receives(browserPage, transport);
        assert.deepEqual(errors, []);
      } finally {
        await browserPage.close();
      }
    });
  }
});
