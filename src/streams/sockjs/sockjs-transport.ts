import type { ServerResponse } from 'node:http';

import type { WebSocket } from 'ws';

import { quote } from './sockjs-frame.js';
import type { Receiver } from './sockjs-session.js';

/**
 * The SockJS receiving transports: how each wraps a frame, its content type, what it writes
 * before the first frame, and whether it answers one frame per request (polling) or streams.
 */
export interface HttpTransport {
  readonly contentType: string;
  /** Answers one frame, then the request ends (the client sends the next one). */
  readonly polling: boolean;
  /** Written before the first frame; streaming transports need it to get past browser and proxy buffers. */
  prelude(callback: string): string;
  wrap(frame: string, callback: string): string;
}

/**
 * 2048 `h` and a newline before the first frame: browsers (and some proxies) hold back a streamed
 * XHR response until they have seen about 2 KB of it (sockjs-protocol, xhr_streaming).
 */
const XHR_STREAMING_PRELUDE = 'h'.repeat(2048) + '\n';

/** The page an `htmlfile` request answers with, padded past 1 KB so Internet Explorer starts rendering. */
function htmlfilePrelude(callback: string): string {
  const page =
    '<!doctype html>\n<html><head>\n' +
    '  <meta http-equiv="X-UA-Compatible" content="IE=edge" />\n' +
    '  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />\n' +
    "</head><body><h2>Don't panic!</h2>\n" +
    '  <script>\n' +
    '    document.domain = document.domain;\n' +
    `    var c = parent.${callback};\n` +
    '    c.start();\n' +
    '    function p(d) {c.message(d);};\n' +
    '    window.onload = function() {c.stop();};\n' +
    '  </script>';
  return page + ' '.repeat(Math.max(0, 1024 - page.length + 14)) + '\r\n\r\n';
}

export const Transports = {
  xhr: {
    contentType: 'application/javascript; charset=UTF-8',
    polling: true,
    prelude: () => '',
    wrap: (frame) => frame + '\n',
  },
  xhr_streaming: {
    contentType: 'application/javascript; charset=UTF-8',
    polling: false,
    prelude: () => XHR_STREAMING_PRELUDE,
    wrap: (frame) => frame + '\n',
  },
  eventsource: {
    contentType: 'text/event-stream; charset=UTF-8',
    polling: false,
    prelude: () => '\r\n',
    wrap: (frame) => 'data: ' + frame + '\r\n\r\n',
  },
  htmlfile: {
    contentType: 'text/html; charset=UTF-8',
    polling: false,
    prelude: htmlfilePrelude,
    // The frame as a JS string literal inside a <script>: quote() escapes what JSON would not, and
    // `<` is escaped so a message can never close the script element.
    wrap: (frame) => '<script>\np(' + quote(frame).replace(/</g, '\\u003c') + ');\n</script>\r\n',
  },
  jsonp: {
    contentType: 'application/javascript; charset=UTF-8',
    polling: true,
    prelude: () => '',
    // `/**/` keeps the answer from starting with attacker-chosen bytes (Rosetta Flash).
    wrap: (frame, callback) => '/**/' + callback + '(' + quote(frame) + ');\r\n',
  },
} as const satisfies Record<string, HttpTransport>;

export type TransportName = keyof typeof Transports;

/**
 * A receiving HTTP request. A streaming one ends after `limitBytes` (Spring's
 * `streamBytesLimit`, 128 KB) so a browser does not keep a whole session's data in one response;
 * the client then opens the next request for the same session.
 */
export class HttpReceiver implements Receiver {
  readonly #res: ServerResponse;
  readonly #transport: HttpTransport;
  readonly #callback: string;
  readonly #limitBytes: number;
  #sentBytes = 0;
  #ended = false;

  constructor(res: ServerResponse, transport: HttpTransport, callback: string, limitBytes: number) {
    this.#res = res;
    this.#transport = transport;
    this.#callback = callback;
    this.#limitBytes = limitBytes;
    const prelude = transport.prelude(callback);
    if (prelude.length > 0) res.write(prelude);
  }

  write(frame: string): boolean {
    if (this.#ended) return false;
    const text = this.#transport.wrap(frame, this.#callback);
    this.#res.write(text);
    if (this.#transport.polling) return false;
    this.#sentBytes += text.length;
    return this.#sentBytes < this.#limitBytes;
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#res.end();
  }

  bufferedBytes(): number {
    return this.#res.writableLength;
  }
}

/** The `websocket` transport: each frame is one text message; the session ends with the socket. */
export class WebSocketReceiver implements Receiver {
  readonly #socket: WebSocket;

  constructor(socket: WebSocket) {
    this.#socket = socket;
  }

  write(frame: string): boolean {
    this.#socket.send(frame);
    return true;
  }

  end(): void {
    this.#socket.close(1000, 'Normal closure');
  }

  bufferedBytes(): number {
    return this.#socket.bufferedAmount;
  }
}
