import { request as httpRequest } from 'node:http';

import {
  credentials as grpcCredentials,
  loadPackageDefinition,
  Metadata,
  status,
  type Client,
  type GrpcObject,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import WebSocket from 'ws';

import { marketDataPackage } from '../../src/ingest/grpc/marketdata-service.js';

/**
 * One call on each live protocol with given credentials, answering what the server did: let the
 * caller in (`ok`) or refused it, with the reason it gave (an error code, a close code, a gRPC
 * status). The attack tests drive every protocol through these, so a refusal is read the way a
 * real client reads it.
 */

/** What a caller brings: an access token, an API key, or nothing. */
export interface Caller {
  readonly token?: string;
  readonly apiKey?: string;
}

export type Outcome = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const OK: Outcome = { ok: true };
const refused = (reason: string): Outcome => ({ ok: false, reason });

/** How long a stream may stay silent before an open connection counts as let in. */
const SETTLE_MS = 400;
const TIMEOUT_MS = 5000;

function query(caller: Caller): string {
  if (caller.token !== undefined) return `access_token=${encodeURIComponent(caller.token)}`;
  if (caller.apiKey !== undefined) return `api_key=${encodeURIComponent(caller.apiKey)}`;
  return '';
}

function withQuery(path: string, caller: Caller): string {
  const q = query(caller);
  return q === '' ? path : `${path}${path.includes('?') ? '&' : '?'}${q}`;
}

/**
 * A WebSocket at `path`: `onOpen` sends what the protocol needs, `judge` reads each message and
 * answers an outcome once it knows one. A close before that is a refusal (`close <code> <reason>`);
 * silence for `settleMs` after the messages sent is `silence` (the caller decides what it means).
 */
function webSocket(
  wsUrl: string,
  path: string,
  options: {
    caller: Caller;
    protocols?: string[];
    localAddress?: string;
    onOpen: (socket: WebSocket) => void;
    judge: (data: string, socket: WebSocket) => Outcome | undefined;
    silence?: Outcome;
  },
): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${wsUrl}${withQuery(path, options.caller)}`, options.protocols, {
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
    });
    let done = false;
    let settle: NodeJS.Timeout | undefined;
    const finish = (outcome: Outcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timeout);
      clearTimeout(settle);
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.terminate();
      resolve(outcome);
    };
    const timeout = setTimeout(() => finish(refused('timeout')), TIMEOUT_MS);
    socket.on('open', () => {
      options.onOpen(socket);
      if (options.silence !== undefined) {
        const silence = options.silence;
        settle = setTimeout(() => finish(silence), SETTLE_MS);
      }
    });
    socket.on('message', (data) => {
      const outcome = options.judge((data as Buffer).toString('utf8'), socket);
      if (outcome !== undefined) finish(outcome);
    });
    socket.on('unexpected-response', (_req, res) => finish(refused(`http ${res.statusCode}`)));
    socket.on('close', (code, reason) => finish(refused(`close ${code} ${String(reason)}`)));
    socket.on('error', (err) => finish(refused(`error ${err.message}`)));
  });
}

/** `/ws`: subscribe to `channels`; let in when the server answers `subscribed`. */
export function wsSubscribe(
  wsUrl: string,
  caller: Caller,
  channels: readonly string[],
  localAddress?: string,
): Promise<Outcome> {
  return webSocket(wsUrl, '/ws', {
    caller,
    ...(localAddress === undefined ? {} : { localAddress }),
    onOpen: (socket) => socket.send(JSON.stringify({ op: 'subscribe', channels })),
    judge: (data) => {
      const message = JSON.parse(data) as { op?: string; code?: string };
      if (message.op === 'subscribed') return OK;
      if (message.op === 'error') return refused(message.code ?? 'error');
      return undefined;
    },
  });
}

/** `/ws/marketdata?symbol=…` (the C++/Java server's day feed): let in when a day message comes. */
export function wsMarketData(wsUrl: string, caller: Caller, symbol: string): Promise<Outcome> {
  return webSocket(wsUrl, `/ws/marketdata?symbol=${encodeURIComponent(symbol)}`, {
    caller,
    onOpen: () => undefined,
    judge: () => OK,
  });
}

function stompFrame(command: string, headers: Record<string, string>, body = ''): string {
  return `${command}\n${Object.entries(headers)
    .map(([k, v]) => `${k}:${v}`)
    .join('\n')}\n\n${body}\0`;
}

/**
 * STOMP at `path` (`/stomp`): CONNECT with the credentials in its headers, then `frame` (a SUBSCRIBE or a
 * SEND) asking for a receipt. Let in when the RECEIPT comes; an ERROR frame is refused with its
 * `message` header.
 */
export function stomp(
  wsUrl: string,
  caller: Caller,
  frame: { command: 'SUBSCRIBE' | 'SEND'; destination: string },
  localAddress?: string,
  path = '/stomp',
): Promise<Outcome> {
  const connect: Record<string, string> = { 'accept-version': '1.2', host: 'tickstream' };
  if (caller.token !== undefined) connect.Authorization = `Bearer ${caller.token}`;
  if (caller.apiKey !== undefined) connect.passcode = caller.apiKey;
  return webSocket(wsUrl, path, {
    caller: {},
    protocols: ['v12.stomp'],
    ...(localAddress === undefined ? {} : { localAddress }),
    onOpen: (socket) => socket.send(stompFrame('CONNECT', connect)),
    judge: (data, socket) => {
      const command = data.replace(/^\n+/, '').split('\n', 1)[0];
      if (command === 'CONNECTED') {
        const headers: Record<string, string> = { destination: frame.destination, receipt: 'r1' };
        if (frame.command === 'SUBSCRIBE') headers.id = 's1';
        socket.send(stompFrame(frame.command, headers, frame.command === 'SEND' ? '{}' : ''));
        return undefined;
      }
      if (command === 'RECEIPT') return OK;
      if (command === 'ERROR') return refused(/\nmessage:([^\n]*)/.exec(data)?.[1] ?? 'ERROR');
      return undefined;
    },
  });
}

/**
 * A GraphQL subscription over graphql-ws (`graphql-transport-ws`): credentials in
 * `connection_init`. Let in when the server acknowledges and the subscription runs without an
 * error for a moment (subscriptions only send when something happens).
 */
export function graphqlSubscription(
  wsUrl: string,
  caller: Caller,
  document: string,
  localAddress?: string,
): Promise<Outcome> {
  const payload: Record<string, string> = {};
  if (caller.token !== undefined) payload.token = caller.token;
  if (caller.apiKey !== undefined) payload.apiKey = caller.apiKey;
  return webSocket(wsUrl, '/graphql', {
    caller: {},
    protocols: ['graphql-transport-ws'],
    ...(localAddress === undefined ? {} : { localAddress }),
    onOpen: (socket) => socket.send(JSON.stringify({ type: 'connection_init', payload })),
    judge: (data, socket) => {
      const message = JSON.parse(data) as { type: string; payload?: unknown };
      if (message.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: document } }));
        return undefined;
      }
      if (message.type === 'error') return refused(`error ${JSON.stringify(message.payload).slice(0, 200)}`);
      if (message.type === 'next' || message.type === 'complete') return OK;
      return undefined;
    },
    silence: OK,
  });
}

/** A GraphQL query over HTTP: let in when no error carries an auth code. */
export async function graphqlQuery(url: string, caller: Caller, document: string): Promise<Outcome> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (caller.token !== undefined) headers.authorization = `Bearer ${caller.token}`;
  if (caller.apiKey !== undefined) headers['x-api-key'] = caller.apiKey;
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query: document }),
  });
  const body = (await res.json()) as {
    errors?: Array<{ extensions?: { code?: string } }>;
    error?: { code: string };
  };
  if (res.status >= 400)
    return refused(`http ${res.status} ${body.error?.code ?? body.errors?.[0]?.extensions?.code}`);
  const codes = (body.errors ?? []).map((e) => e.extensions?.code ?? 'GRAPHQL_ERROR');
  const auth = codes.find((c) => /AUTH|TOKEN|FORBIDDEN|RATE_LIMITED/.test(c));
  return auth === undefined ? OK : refused(auth);
}

/**
 * An event stream (SSE) GET: let in on a 200 `text/event-stream`; refused with the status and the
 * error code of the JSON body.
 */
export function eventStream(
  url: string,
  path: string,
  caller: Caller,
  options: { localAddress?: string; headers?: Record<string, string> } = {},
): Promise<Outcome & { status: number }> {
  return new Promise((resolve, reject) => {
    const target = new URL(`${url}${path}`);
    const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers };
    if (caller.token !== undefined) headers.authorization = `Bearer ${caller.token}`;
    if (caller.apiKey !== undefined) headers['x-api-key'] = caller.apiKey;
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        headers,
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status === 200) {
          req.destroy();
          resolve({ ok: true, status });
          return;
        }
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          let code = '';
          try {
            code = (JSON.parse(body) as { error: { code: string } }).error.code;
          } catch {
            code = body.slice(0, 80);
          }
          resolve({ ok: false, reason: `http ${status} ${code}`, status });
        });
      },
    );
    req.setTimeout(TIMEOUT_MS, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

type Call = (...args: unknown[]) => unknown;
export type GrpcStub = Client & Record<string, Call>;

/** A client of the MarketData service, generated from the proto as the earlier clients were. */
export function grpcClient(address: string): GrpcStub {
  const pkg = loadPackageDefinition(marketDataPackage()) as GrpcObject & {
    marketdata: { MarketDataService: ServiceClientConstructor };
  };
  return new pkg.marketdata.MarketDataService(
    address,
    grpcCredentials.createInsecure(),
  ) as unknown as GrpcStub;
}

function grpcMetadata(caller: Caller): Metadata {
  const metadata = new Metadata();
  if (caller.token !== undefined) metadata.set('authorization', `Bearer ${caller.token}`);
  if (caller.apiKey !== undefined) metadata.set('x-api-key', caller.apiKey);
  return metadata;
}

/** Statuses that mean the call got past authentication and authorization. */
const PAST_AUTH = new Set([status.OK, status.NOT_FOUND, status.INVALID_ARGUMENT]);

function grpcOutcome(err: ServiceError | null): Outcome {
  if (err === null || PAST_AUTH.has(err.code)) return OK;
  return refused(`${status[err.code]} ${err.details}`);
}

/**
 * One call of `method` of the MarketData service (its kind read from the service definition):
 * let in when it ends OK, NOT_FOUND or INVALID_ARGUMENT, or (server streaming) sends a message.
 */
export function grpcCall(
  client: GrpcStub,
  method: { name: string; requestStream: boolean; responseStream: boolean },
  caller: Caller,
  symbol: string,
): Promise<Outcome> {
  const metadata = grpcMetadata(caller);
  const fn = client[method.name]!.bind(client);
  return new Promise((resolve) => {
    const done = (err: ServiceError | null) => resolve(grpcOutcome(err));
    if (method.requestStream && !method.responseStream) {
      const call = fn(metadata, done) as { write(m: unknown): boolean; end(): void };
      call.write({
        symbol,
        price: 100,
        volume: 1,
        exchange_timestamp: String(BigInt(Date.now()) * 1_000_000n),
      });
      call.end();
    } else if (!method.requestStream && !method.responseStream) {
      fn({ symbol }, metadata, done);
    } else if (!method.requestStream && method.responseStream) {
      const call = fn({ symbol }, metadata) as {
        on(event: string, listener: (arg: never) => void): void;
        cancel(): void;
      };
      let settled = false;
      const settle = (outcome: Outcome): void => {
        if (settled) return;
        settled = true;
        call.cancel();
        resolve(outcome);
      };
      call.on('data', () => settle(OK));
      call.on('error', (err: ServiceError) => settle(grpcOutcome(err)));
      call.on('status', () => undefined);
      setTimeout(() => settle(OK), TIMEOUT_MS).unref();
    } else throw new Error(`no bidirectional methods expected: ${method.name}`);
  });
}
