// STOMP over the SockJS session transports at /ws (the C++/Java server's endpoint), frame by
// frame: every transport opens with `o`, carries the same STOMP session in `a[...]` frames, beats
// `h` when idle and ends with `c[code,"reason"]`; sessions time out, and /info answers CORS with
// credentials. The browser side (sockjs-client in chromium) is test/sockjs.e2e.test.ts.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';

import { WebSocket } from 'ws';

import type { Server } from '../src/main.js';
import { testServer, type LogLines } from './support/test-server.js';

const HEARTBEAT_MS = 300;
const DISCONNECT_DELAY_MS = 600;
const CONNECT = 'CONNECT\naccept-version:1.2,1.1\nheart-beat:0,0\n\n\0';
const subscribe = (symbol: string) => `SUBSCRIBE\nid:sub-0\ndestination:/topic/market-data/${symbol}\n\n\0`;

let server: Server & { logs: LogLines };
let base: string;
let sessionNo = 0;
/** A fresh `/ws/{server}/{session}` path. */
const session = () => `${base}/ws/${String(sessionNo % 1000).padStart(3, '0')}/t${++sessionNo}x`;

before(async () => {
  server = await testServer({
    compat: { cpp: { sockjs: { heartbeatMs: HEARTBEAT_MS, disconnectDelayMs: DISCONNECT_DELAY_MS } } },
  });
  base = await server.app.listen({ host: '127.0.0.1', port: 0 });
});
after(() => server.close());

let ts = Math.max(Math.floor(Date.now() / 86_400_000) * 86_400_000, Date.now() - 60_000);
function tick(symbol: string, price: number): void {
  void server.engine.ingest([{ symbol, price, volume: 1, timestamp: ts++ }], 'tcp', Date.now());
}

/** The STOMP frames of a SockJS `a[...]` frame. */
function messagesOf(frame: string): string[] {
  assert.match(frame, /^a\[/);
  return JSON.parse(frame.slice(1)) as string[];
}

async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** A streaming HTTP response read as it arrives. */
class Streamed {
  text = '';
  done = false;
  readonly response: Response;
  readonly #abort: AbortController;

  private constructor(response: Response, abort: AbortController) {
    this.response = response;
    this.#abort = abort;
    void this.#read();
  }

  static async open(url: string, init: RequestInit = {}): Promise<Streamed> {
    const abort = new AbortController();
    return new Streamed(await fetch(url, { ...init, signal: abort.signal }), abort);
  }

  async #read(): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of this.response.body!)
        this.text += decoder.decode(chunk as Uint8Array, { stream: true });
    } catch {
      // aborted
    }
    this.done = true;
  }

  async contains(needle: string): Promise<void> {
    await until(() => this.text.includes(needle), JSON.stringify(needle.slice(0, 40)));
  }

  abort(): void {
    this.#abort.abort();
  }
}

const post = (url: string, body?: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', body, headers: { 'content-type': 'text/plain;charset=UTF-8', ...headers } });
const xhrSend = (path: string, messages: string[]) => post(`${path}/xhr_send`, JSON.stringify(messages));
async function xhr(path: string): Promise<string> {
  const res = await post(`${path}/xhr`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/javascript; charset=UTF-8');
  return res.text();
}

describe('SockJS /ws/info', () => {
  it('answers with the endpoint facts, CORS echoing the origin with credentials (sockjs-client sends withCredentials)', async () => {
    const res = await fetch(`${base}/ws/info`, { headers: { origin: 'http://page.test:8080' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), 'http://page.test:8080');
    assert.equal(res.headers.get('access-control-allow-credentials'), 'true');
    assert.match(res.headers.get('cache-control')!, /no-store/);
    const info = (await res.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(info).sort(), ['cookie_needed', 'entropy', 'origins', 'websocket']);
    assert.equal(info.websocket, true);
    const noOrigin = await fetch(`${base}/ws/info`);
    assert.equal(noOrigin.headers.get('access-control-allow-origin'), '*');
    assert.equal(noOrigin.headers.get('access-control-allow-credentials'), null);
  });

  it('answers preflights for /info and the xhr transports', async () => {
    for (const [path, methods] of [
      ['/ws/info', 'OPTIONS, GET'],
      ['/ws/000/pre/xhr', 'OPTIONS, POST'],
      ['/ws/000/pre/xhr_streaming', 'OPTIONS, POST'],
      ['/ws/000/pre/xhr_send', 'OPTIONS, POST'],
    ] as const) {
      const res = await fetch(`${base}${path}`, {
        method: 'OPTIONS',
        headers: {
          origin: 'http://page.test',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
      assert.equal(res.status, 204, path);
      assert.equal(res.headers.get('access-control-allow-methods'), methods, path);
      assert.equal(res.headers.get('access-control-allow-origin'), 'http://page.test', path);
      assert.equal(res.headers.get('access-control-allow-credentials'), 'true', path);
      assert.equal(res.headers.get('access-control-allow-headers'), 'content-type', path);
      assert.equal(res.headers.get('access-control-max-age'), '31536000', path);
    }
  });

  it('greets at /ws and serves the iframe page with an ETag', async () => {
    assert.equal(await (await fetch(`${base}/ws`)).text(), 'Welcome to SockJS!\n');
    const page = await fetch(`${base}/ws/iframe.html`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /SockJS\.bootstrap_iframe\(\)/);
    assert.equal(page.headers.get('x-frame-options'), null, 'the page is framed by other origins');
    const again = await fetch(`${base}/ws/iframe.html`, {
      headers: { 'if-none-match': page.headers.get('etag')! },
    });
    assert.equal(again.status, 304);
  });
});

describe('SockJS websocket transport /ws/{server}/{session}/websocket', () => {
  it('o, then STOMP in a[...] frames both ways, h when idle, c[...] at the end', async () => {
    tick('WSX', 10);
    const socket = new WebSocket(`${session().replace('http', 'ws')}/websocket`);
    const got: string[] = [];
    socket.on('message', (data: Buffer) => got.push(data.toString('utf8')));
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    await until(() => got.length >= 1, 'o');
    assert.equal(got[0], 'o');
    await until(() => got.includes('h'), 'a heart-beat frame', HEARTBEAT_MS * 4);
    socket.send(JSON.stringify([CONNECT]));
    await until(() => got.some((f) => f.startsWith('a[')), 'CONNECTED');
    const connected = messagesOf(got.find((f) => f.startsWith('a['))!);
    assert.match(connected[0]!, /^CONNECTED\nversion:1\.2\n/);
    // A bare JSON string is one message too.
    socket.send(JSON.stringify(subscribe('WSX')));
    await until(() => got.filter((f) => f.startsWith('a[')).length >= 2, 'the day as MESSAGE');
    const first = messagesOf(got.filter((f) => f.startsWith('a['))[1]!)[0]!;
    assert.match(first, /^MESSAGE\ndestination:\/topic\/market-data\/WSX\n/);
    assert.match(first, /"symbol":"WSX"/);
    tick('WSX', 11);
    await until(
      () => got.filter((f) => f.startsWith('a[')).some((f) => f.includes('\\"close\\":11')),
      'the update',
    );
    socket.send(JSON.stringify(['DISCONNECT\nreceipt:bye\n\n\0']));
    await until(() => got.some((f) => f.startsWith('c[')), 'the close frame');
    assert.ok(got.some((f) => f.startsWith('a[') && f.includes('RECEIPT\\nreceipt-id:bye')));
    assert.equal(got.at(-1), 'c[1000,"disconnected"]');
    assert.equal(await closed, 1000);
  });

  it('closes a session that sends broken JSON with c[1002,…]', async () => {
    const socket = new WebSocket(`${session().replace('http', 'ws')}/websocket`);
    const got: string[] = [];
    socket.on('message', (data: Buffer) => got.push(data.toString('utf8')));
    await until(() => got.length >= 1, 'o');
    socket.send('[not json');
    await until(() => got.some((f) => f.startsWith('c[')), 'the close frame');
    assert.equal(got.at(-1), 'c[1002,"Broken JSON encoding."]');
    socket.close();
  });
});

describe('SockJS xhr-polling /xhr + /xhr_send', () => {
  it('o, then one frame per request; h when nothing comes; the same STOMP session throughout', async () => {
    tick('XHRP', 20);
    const path = session();
    assert.equal(await xhr(path), 'o\n');
    const sent = await xhrSend(path, [CONNECT]);
    assert.equal(sent.status, 204);
    const connected = await xhr(path);
    assert.match(messagesOf(connected.trimEnd())[0]!, /^CONNECTED\n/);
    assert.equal((await xhrSend(path, [subscribe('XHRP')])).status, 204);
    const day = messagesOf((await xhr(path)).trimEnd());
    assert.match(day[0]!, /^MESSAGE\ndestination:\/topic\/market-data\/XHRP\n[^]*"close":20/);
    // Nothing to send: the request waits for the heart-beat.
    const started = Date.now();
    assert.equal(await xhr(path), 'h\n');
    assert.ok(Date.now() - started >= HEARTBEAT_MS / 2, 'it waited for the heart-beat');
    // Messages sent between two requests wait for the next, in order, in one frame.
    tick('XHRP', 21);
    tick('XHRP', 22);
    await sleep(50);
    const later = messagesOf((await xhr(path)).trimEnd());
    assert.deepEqual(
      later.map((m) => /"close":(\d+)/.exec(m)?.[1]),
      ['21', '22'],
    );
  });

  it('a second receiving request while one is open gets c[2010,…]; the first keeps the session', async () => {
    const path = session();
    assert.equal(await xhr(path), 'o\n');
    const first = post(`${path}/xhr`);
    await sleep(50);
    assert.equal(await xhr(path), 'c[2010,"Another connection still open"]\n');
    await xhrSend(path, [CONNECT]);
    assert.match(await (await first).text(), /^a\["CONNECTED\\n/);
  });

  it('refuses sends to an unknown session (404), empty (500 Payload expected.) and broken ones (500)', async () => {
    assert.equal((await xhrSend(`${base}/ws/000/nobody`, [CONNECT])).status, 404);
    const path = session();
    await xhr(path);
    const empty = await post(`${path}/xhr_send`, '');
    assert.equal(empty.status, 500);
    assert.equal(await empty.text(), 'Payload expected.');
    for (const body of ['[not json', '{"a":1}', '[1,2]']) {
      const broken = await post(`${path}/xhr_send`, body);
      assert.equal(broken.status, 500, body);
      assert.equal(await broken.text(), 'Broken JSON encoding.');
    }
    assert.equal((await post(`${base}/ws/000/bad.id/xhr`)).status, 404, 'no dots in session ids');
  });

  it('closes a session nobody polls for the disconnect delay; it answers c[3000,"Go away!"] for a while, then starts anew', async () => {
    const path = session();
    assert.equal(await xhr(path), 'o\n');
    await xhrSend(path, [CONNECT]);
    await sleep(DISCONNECT_DELAY_MS * 1.5);
    // The CONNECTED frame was queued before the session closed: it still goes out, then the close.
    assert.match(await xhr(path), /^a\["CONNECTED/);
    assert.equal(await xhr(path), 'c[3000,"Go away!"]\n');
    assert.equal((await xhrSend(path, [subscribe('X')])).status, 404);
    await sleep(DISCONNECT_DELAY_MS * 1.5);
    assert.equal(await xhr(path), 'o\n', 'forgotten: the same id is a new session');
  });

  it('a STOMP ERROR ends the session with its close frame', async () => {
    const path = session();
    await xhr(path);
    await xhrSend(path, ['SEND\ndestination:/app/x\n\nhi\0']);
    const frames = (await xhr(path)) + (await xhr(path));
    assert.match(frames, /^a\["ERROR\\n[^]*\nc\[4\d{3},"[A-Z_]+"\]\n$/);
  });
});

describe('SockJS xhr-streaming /xhr_streaming', () => {
  it('a 2 KB prelude of h, then o and every frame on its own line', async () => {
    tick('XHRS', 30);
    const path = session();
    const stream = await Streamed.open(`${path}/xhr_streaming`, {
      method: 'POST',
      headers: { origin: 'http://page.test' },
    });
    assert.equal(stream.response.status, 200);
    assert.equal(stream.response.headers.get('content-type'), 'application/javascript; charset=UTF-8');
    assert.equal(stream.response.headers.get('access-control-allow-origin'), 'http://page.test');
    await stream.contains('o\n');
    assert.equal(stream.text, 'h'.repeat(2048) + '\no\n');
    await xhrSend(path, [CONNECT]);
    await xhrSend(path, [subscribe('XHRS')]);
    await stream.contains('"close\\":30');
    tick('XHRS', 31);
    await stream.contains('"close\\":31');
    await stream.contains('h\n'.repeat(1)); // the prelude already has h: wait for a beat below
    const lines = stream.text.split('\n').slice(1, -1);
    assert.equal(lines[0], 'o');
    assert.ok(
      lines.slice(1).every((l) => l === 'h' || l.startsWith('a[')),
      lines.join('|'),
    );
    const beats = lines.filter((l) => l === 'h').length;
    await until(
      () => stream.text.split('\n').filter((l) => l === 'h').length > beats,
      'a heart-beat',
      HEARTBEAT_MS * 4,
    );
    stream.abort();
  });
});

describe('SockJS eventsource /eventsource', () => {
  it('a CRLF prelude, then each frame as a data: event', async () => {
    tick('ES', 40);
    const path = session();
    const stream = await Streamed.open(`${path}/eventsource`);
    assert.equal(stream.response.headers.get('content-type'), 'text/event-stream; charset=UTF-8');
    await stream.contains('data: o\r\n\r\n');
    assert.equal(stream.text, '\r\ndata: o\r\n\r\n');
    await xhrSend(path, [CONNECT]);
    await stream.contains('data: a["CONNECTED\\n');
    await xhrSend(path, [subscribe('ES')]);
    await stream.contains('"close\\":40');
    stream.abort();
  });
});

describe('SockJS htmlfile /htmlfile', () => {
  it('needs ?c=, then a page over 1 KB calling the callback, and each frame as p("…")', async () => {
    const path = session();
    const missing = await fetch(`${path}/htmlfile`);
    assert.equal(missing.status, 500);
    assert.equal(await missing.text(), '"callback" parameter required');
    assert.equal((await fetch(`${path}/htmlfile?c=x%3Calert(1)%3E`)).status, 500);
    const stream = await Streamed.open(`${path}/htmlfile?c=_jp.a1b2c3`);
    assert.equal(stream.response.headers.get('content-type'), 'text/html; charset=UTF-8');
    await stream.contains('<script>\np("o");\n</script>\r\n');
    const [page] = stream.text.split('<script>\np("o")');
    assert.ok(page!.length > 1024, `the page is ${page!.length} bytes`);
    assert.match(page!, /var c = parent\._jp\.a1b2c3;/);
    await xhrSend(path, [CONNECT]);
    await stream.contains('<script>\np("a[\\"CONNECTED\\\\n');
    stream.abort();
  });
});

describe('SockJS jsonp /jsonp + /jsonp_send', () => {
  it('o, then frames as callback calls; messages as a form field d or as text', async () => {
    tick('JP', 50);
    const path = session();
    const jsonp = async () => {
      const res = await fetch(`${path}/jsonp?c=cb`);
      assert.equal(res.headers.get('content-type'), 'application/javascript; charset=UTF-8');
      return res.text();
    };
    assert.equal(await jsonp(), '/**/cb("o");\r\n');
    const form = await post(
      `${path}/jsonp_send`,
      new URLSearchParams({ d: JSON.stringify([CONNECT]) }).toString(),
      {
        'content-type': 'application/x-www-form-urlencoded',
      },
    );
    assert.equal(form.status, 200);
    assert.equal(await form.text(), 'ok');
    const connected = await jsonp();
    assert.match(connected, /^\/\*\*\/cb\("a\[\\"CONNECTED\\\\n/);
    const frame = JSON.parse(connected.slice('/**/cb('.length, -');\r\n'.length)) as string;
    assert.match(messagesOf(frame)[0]!, /^CONNECTED\n/);
    assert.equal((await post(`${path}/jsonp_send`, JSON.stringify([subscribe('JP')]))).status, 200);
    assert.match(await jsonp(), /MESSAGE[^]*JP/);
  });
});
