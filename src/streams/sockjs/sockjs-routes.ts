import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

import { isCallbackName, isSessionPart, parseClientMessages } from './sockjs-frame.js';
import { SockJsSession, type SockJsTimings } from './sockjs-session.js';
import {
  HttpReceiver,
  Transports,
  WebSocketReceiver,
  type HttpTransport,
  type TransportName,
} from './sockjs-transport.js';

/** A streaming response ends after this many bytes and the client opens the next (Spring's default). */
const STREAM_BYTES_LIMIT = 128 * 1024;
/** How long browsers may keep a preflight or /info answer (a year, as sockjs-protocol has it). */
const CACHE_SECONDS = 31_536_000;
const NO_CACHE = 'no-store, no-cache, no-transform, must-revalidate, max-age=0';
/** The sockjs-client an iframe transport's page loads (Spring's default URL for its version 1.5). */
const CLIENT_LIBRARY_URL = 'https://cdn.jsdelivr.net/npm/sockjs-client@1.6.1/dist/sockjs.min.js';

export interface SockJsRouteOptions {
  /** The endpoint's path, e.g. `/ws`. */
  readonly endpoint: string;
  readonly timings: SockJsTimings;
  /** A streaming response ends after this many bytes (default 128 KB). */
  readonly streamBytesLimit?: number;
  /** Starts the protocol carried by a new session (STOMP), with the request that opened it. */
  readonly open: (session: SockJsSession, request: FastifyRequest) => void;
}

interface SessionParams {
  server: string;
  session: string;
}

const sessionParams = {
  type: 'object',
  required: ['server', 'session'],
  properties: {
    server: { type: 'string', description: 'Any id without `.` (SockJS clients send 3 digits)' },
    session: { type: 'string', description: 'The session id the client chose' },
  },
} as const;

/**
 * CORS of a SockJS endpoint (sockjs-protocol; the C++/Java server allowed every origin,
 * `setAllowedOriginPatterns("*")`): the caller's origin is echoed with credentials allowed, since
 * sockjs-client sends its XHRs `withCredentials`. tickstream reads no cookies, so a browser's
 * cookies give a page nothing it could not get without them; credentials go in the STOMP CONNECT.
 */
function corsHeaders(request: FastifyRequest): Record<string, string> {
  const origin = request.headers.origin;
  if (origin === undefined || origin === 'null') return { 'access-control-allow-origin': '*' };
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-credentials': 'true',
    vary: 'Origin',
  };
}

function preflight(request: FastifyRequest, reply: FastifyReply, methods: string): void {
  const requested = request.headers['access-control-request-headers'];
  void reply
    .code(204)
    .headers({
      ...corsHeaders(request),
      'access-control-allow-methods': methods,
      'access-control-max-age': String(CACHE_SECONDS),
      'cache-control': `public, max-age=${CACHE_SECONDS}`,
      expires: new Date(Date.now() + CACHE_SECONDS * 1000).toUTCString(),
      ...(typeof requested === 'string' ? { 'access-control-allow-headers': requested } : {}),
    })
    .send();
}

/** Answers in plain text with the protocol's status (404 for an unknown session, 500 for a bad payload). */
function plain(request: FastifyRequest, reply: FastifyReply, status: number, text: string): FastifyReply {
  return reply
    .code(status)
    .headers({ ...corsHeaders(request), 'cache-control': NO_CACHE })
    .type('text/plain; charset=UTF-8')
    .send(text);
}

/**
 * A SockJS endpoint (sockjs-protocol 0.3.3) at `endpoint`: `/info`, `/iframe.html`, and the
 * session transports under `/{server}/{session}/`: `websocket`, `xhr_streaming`, `xhr` with
 * `xhr_send`, `eventsource`, `htmlfile`, `jsonp` with `jsonp_send`. Every transport carries one
 * SockJsSession, and `open` puts the protocol on top of it the same way whatever the transport.
 * (The raw WebSocket at `endpoint/websocket` is registered beside it, without SockJS framing.)
 */
export const sockjsRoutes: FastifyPluginAsync<SockJsRouteOptions> = async (
  app,
  { endpoint, timings, streamBytesLimit = STREAM_BYTES_LIMIT, open },
) => {
  const sessions = new Map<string, SockJsSession>();
  const forget = (session: SockJsSession): void => {
    if (sessions.get(session.id) === session) sessions.delete(session.id);
  };
  app.addHook('preClose', (done) => {
    for (const session of [...sessions.values()]) session.terminate();
    sessions.clear();
    done();
  });

  // Clients post their messages as text/plain (a simple CORS request, no preflight) or as a form
  // (jsonp_send): every body is read as text here, and only in this plugin.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.get(
    `${endpoint}/info`,
    {
      schema: {
        tags: ['streams'],
        summary: `SockJS info of the STOMP endpoint ${endpoint} (the C++/Java server); CORS with credentials`,
      },
    },
    (request, reply) => {
      void reply.headers({ ...corsHeaders(request), 'cache-control': NO_CACHE });
      return {
        websocket: true,
        origins: ['*:*'],
        cookie_needed: false,
        entropy: Math.floor(Math.random() * 2 ** 32),
      };
    },
  );
  app.options(`${endpoint}/info`, { schema: { hide: true } }, (request, reply) =>
    preflight(request, reply, 'OPTIONS, GET'),
  );

  const iframe =
    '<!DOCTYPE html>\n<html>\n<head>\n' +
    '  <meta http-equiv="X-UA-Compatible" content="IE=edge" />\n' +
    '  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />\n' +
    '  <script>\n' +
    `    document.domain = document.domain;\n    _sockjs_onload = function(){SockJS.bootstrap_iframe();};\n` +
    '  </script>\n' +
    `  <script src="${CLIENT_LIBRARY_URL}"></script>\n` +
    "</head>\n<body>\n  <h2>Don't panic!</h2>\n  <p>This is a SockJS hidden iframe. It's used for cross domain magic.</p>\n" +
    '</body>\n</html>';
  const iframeEtag = `"${Buffer.from(CLIENT_LIBRARY_URL).toString('base64url').slice(-16)}"`;
  app.get(
    `${endpoint}/iframe.html`,
    {
      schema: {
        tags: ['streams'],
        summary: `SockJS iframe page of ${endpoint}, for the iframe transports (loads sockjs-client from its CDN)`,
      },
    },
    (request, reply) => {
      // Framed by the client's page on another origin, with inline script: not tickstream's page headers.
      for (const name of ['content-security-policy', 'x-frame-options', 'cross-origin-resource-policy'])
        void reply.removeHeader(name);
      void reply.header('cache-control', `public, max-age=${CACHE_SECONDS}`).header('etag', iframeEtag);
      if (request.headers['if-none-match'] === iframeEtag) return reply.code(304).send();
      return reply.type('text/html; charset=UTF-8').send(iframe);
    },
  );

  const receive = (name: TransportName, method: 'GET' | 'POST', summary: string): void => {
    const transport: HttpTransport = Transports[name];
    const needsCallback = name === 'htmlfile' || name === 'jsonp';
    app.route<{ Params: SessionParams; Querystring: { c?: string; callback?: string } }>({
      method,
      url: `${endpoint}/:server/:session/${name}`,
      schema: { tags: ['streams'], summary, params: sessionParams },
      handler: (request, reply) => {
        const { server, session: id } = request.params;
        if (!isSessionPart(server) || !isSessionPart(id)) return plain(request, reply, 404, 'Not Found');
        let callback = '';
        if (needsCallback) {
          callback = request.query.c ?? request.query.callback ?? '';
          if (!isCallbackName(callback)) return plain(request, reply, 500, '"callback" parameter required');
        }
        let session = sessions.get(id);
        if (session === undefined) {
          session = new SockJsSession(id, timings, forget);
          sessions.set(id, session);
          open(session, request);
        }
        const res = reply.raw;
        reply.hijack();
        res.writeHead(200, {
          'content-type': transport.contentType,
          'cache-control': NO_CACHE,
          'x-content-type-options': 'nosniff',
          ...corsHeaders(request),
        });
        const receiver = new HttpReceiver(res, transport, callback, streamBytesLimit);
        const attached = session;
        res.on('close', () => attached.detach(receiver));
        attached.attach(receiver);
        return reply;
      },
    });
  };
  receive('xhr', 'POST', 'SockJS xhr-polling: one frame per request');
  receive('xhr_streaming', 'POST', 'SockJS xhr-streaming: a 2 KB prelude, then newline-separated frames');
  receive('eventsource', 'GET', 'SockJS EventSource transport: frames as `data:` events');
  receive('htmlfile', 'GET', 'SockJS htmlfile transport (`?c=callback`): frames as <script> calls');
  receive('jsonp', 'GET', 'SockJS JSONP polling (`?c=callback`): one frame as a callback call');
  for (const name of ['xhr', 'xhr_streaming', 'xhr_send']) {
    app.options<{ Params: SessionParams }>(
      `${endpoint}/:server/:session/${name}`,
      { schema: { hide: true } },
      (request, reply) => preflight(request, reply, 'OPTIONS, POST'),
    );
  }

  const send = (name: 'xhr_send' | 'jsonp_send', summary: string): void => {
    app.post<{ Params: SessionParams; Body: string | undefined }>(
      `${endpoint}/:server/:session/${name}`,
      { schema: { tags: ['streams'], summary, params: sessionParams } },
      (request, reply) => {
        const session = sessions.get(request.params.session);
        if (session === undefined || session.closed) return plain(request, reply, 404, 'Not Found');
        let payload = typeof request.body === 'string' ? request.body : '';
        if (
          name === 'jsonp_send' &&
          /^application\/x-www-form-urlencoded/i.test(request.headers['content-type'] ?? '')
        )
          payload = new URLSearchParams(payload).get('d') ?? '';
        const parsed = parseClientMessages(payload);
        if ('error' in parsed) return plain(request, reply, 500, parsed.error);
        session.receive(parsed.messages);
        return name === 'xhr_send' ? plain(request, reply, 204, '') : plain(request, reply, 200, 'ok');
      },
    );
  };
  send('xhr_send', 'SockJS: messages to a session, a JSON array of strings (204)');
  send('jsonp_send', 'SockJS: messages to a session from a form (`d=`) or as text (200 ok)');

  app.get<{ Params: SessionParams }>(
    `${endpoint}/:server/:session/websocket`,
    {
      websocket: true,
      schema: {
        tags: ['streams'],
        summary: 'SockJS WebSocket transport (SockJS frames)',
        params: sessionParams,
      },
    },
    (socket, request) => {
      // A WebSocket carries its session alone: no other request can reach it, so it is not registered.
      const session = new SockJsSession(request.params.session, timings, () => {});
      socket.on('message', (data: Buffer, isBinary: boolean) => {
        if (isBinary) return session.close(1003, 'Binary messages are not SockJS');
        const text = data.toString('utf8');
        // An empty message is nothing to deliver (clients may send one as a keep-alive).
        if (text.length === 0) return;
        const parsed = parseClientMessages(text);
        if ('error' in parsed) session.close(1002, parsed.error);
        else session.receive(parsed.messages);
      });
      socket.on('close', () => session.terminate());
      open(session, request);
      session.attach(new WebSocketReceiver(socket));
    },
  );
};
