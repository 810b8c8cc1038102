import type { FastifyRequest } from 'fastify';
import type { RawData, WebSocket } from 'ws';

import type { AuthService } from '../../auth/auth-service.js';
import type { Principal } from '../../auth/roles.js';
import { ErrorCode } from '../../errors.js';
import type { Channel, HubSubscriber } from '../hub/channel.js';
import type { ChannelSpec } from '../hub/channel-name.js';
import { parseClientMessage, type ClientMessage } from './client-message.js';
import { gapJson, type HubMessage } from '../hub/hub-message.js';
import type { Hub } from '../hub/hub.js';
import { SendBuffer, SLOW_CLOSE_GRACE_MS, type SendTarget } from '../delivery/send-buffer.js';
import {
  authenticateStream,
  authFailure,
  CloseCode,
  closeCodeOf,
  credentialsOf,
  ExpiryTimer,
  hasCredentials,
} from '../stream-auth.js';
import { Protocol, type StreamCounters } from '../hub/stream-counters.js';
import { WsWriter } from '../delivery/ws-writer.js';

/** Messages that may wait while the credentials are being checked. */
const MAX_QUEUED_MESSAGES = 64;

const State = { AwaitingAuth: 0, Authenticating: 1, Open: 2, Closed: 3 } as const;
type State = (typeof State)[keyof typeof State];

/**
 * One `/ws` connection speaking the hub's JSON protocol (docs/streams.md): authentication (at
 * connect or by a first `auth` message, refreshed by later ones), subscriptions with snapshots and
 * `fromSeq` resume, `ping`, and an `error` answer for anything malformed (the connection stays).
 * Channel messages go through the connection's bounded send buffer; control answers go straight
 * to the socket.
 */
export class WsSession implements HubSubscriber, SendTarget<HubMessage> {
  readonly #hub: Hub;
  readonly #auth: AuthService;
  readonly #socket: WebSocket;
  readonly #writer: WsWriter;
  readonly #request: FastifyRequest;
  readonly #counters: StreamCounters;
  readonly #buffer: SendBuffer<HubMessage>;
  readonly #channels = new Map<string, Channel>();
  readonly #expiry: ExpiryTimer;
  #state: State = State.AwaitingAuth;
  #queue: Array<readonly [RawData, boolean]> = [];
  #authTimer: NodeJS.Timeout | undefined;
  #principal: Principal | undefined;

  constructor(hub: Hub, auth: AuthService, socket: WebSocket, request: FastifyRequest) {
    this.#hub = hub;
    this.#auth = auth;
    this.#socket = socket;
    this.#writer = new WsWriter(socket, request.raw.socket, hub.batcher);
    this.#request = request;
    this.#counters = hub.counters(Protocol.WebSocket);
    this.#buffer = new SendBuffer<HubMessage>(this, hub.options, this.#counters, hub.drainWatch);
    this.#expiry = new ExpiryTimer(() => this.#expired());
  }

  start(): void {
    this.#counters.connections++;
    this.#counters.opened++;
    this.#socket.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    this.#socket.on('close', () => this.#dispose());
    const credentials = credentialsOf(this.#request);
    if (hasCredentials(credentials)) {
      this.#state = State.Authenticating;
      void this.#authenticate(credentials.bearer, credentials.apiKey, false);
    } else {
      this.#authTimer = setTimeout(() => {
        this.#refuse(ErrorCode.AuthRequired, 'authentication required: send {"op":"auth","token":"…"} first');
      }, this.#hub.options.authTimeoutMs);
      this.#authTimer.unref();
    }
  }

  // --- hub → client -------------------------------------------------------------------------

  deliver(message: HubMessage): void {
    this.#buffer.send(message);
  }

  bufferedBytes(): number {
    return this.#writer.bufferedBytes();
  }

  write(message: HubMessage): void {
    this.#writer.send(message.bytes);
  }

  writeGap(channel: Channel, from: number, to: number): void {
    this.#writer.send(gapJson(channel.nameJson, from, to));
  }

  closeSlow(reason: string): void {
    this.#request.log.warn({ protocol: Protocol.WebSocket, reason }, 'slow consumer closed');
    this.#close(CloseCode.SlowConsumer, reason);
    setTimeout(() => this.#socket.terminate(), SLOW_CLOSE_GRACE_MS).unref();
  }

  // --- client → hub -------------------------------------------------------------------------

  #onMessage(data: RawData, isBinary: boolean): void {
    if (this.#state === State.Closed) return;
    if (this.#state === State.Authenticating) {
      if (this.#queue.length >= MAX_QUEUED_MESSAGES)
        this.#close(CloseCode.BadRequest, 'too many messages before authentication');
      else this.#queue.push([data, isBinary]);
      return;
    }
    if (isBinary) {
      this.#error(ErrorCode.BadRequest, 'binary messages are not supported: send JSON text');
      return;
    }
    const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
    if (size > this.#hub.options.maxMessageBytes) {
      this.#error(ErrorCode.BadRequest, `messages are at most ${this.#hub.options.maxMessageBytes} bytes`);
      return;
    }
    const message = parseClientMessage(textOf(data), this.#hub.options.maxChannelsPerConnection);
    if ('error' in message) {
      this.#error(ErrorCode.BadRequest, message.error);
      return;
    }
    if (this.#state === State.AwaitingAuth) {
      if (message.op !== 'auth') {
        this.#refuse(
          ErrorCode.AuthRequired,
          'authentication required: the first message must be {"op":"auth","token":"…"}',
        );
        return;
      }
      clearTimeout(this.#authTimer);
      this.#state = State.Authenticating;
      void this.#authenticate(message.token, undefined, true);
      return;
    }
    this.#handle(message);
  }

  #handle(message: ClientMessage): void {
    switch (message.op) {
      case 'subscribe':
        this.#subscribe(message.channels, message.fromSeq);
        break;
      case 'unsubscribe':
        this.#unsubscribe(message.channels);
        break;
      case 'ping':
        this.#control('{"op":"pong"}');
        break;
      case 'auth':
        void this.#authenticate(message.token, undefined, true);
        break;
    }
  }

  #subscribe(names: readonly string[], fromSeq: Readonly<Record<string, number>> | undefined): void {
    const specs = new Map<string, { spec: ChannelSpec; fromSeq: number | undefined }>();
    for (const name of names) {
      const spec = this.#hub.parse(name);
      if (typeof spec === 'string') {
        this.#error(ErrorCode.BadRequest, spec);
        return;
      }
      specs.set(spec.name, { spec, fromSeq: fromSeq?.[name] ?? fromSeq?.[spec.name] });
    }
    let added = 0;
    for (const name of specs.keys()) if (!this.#channels.has(name)) added++;
    const limit = this.#hub.options.maxChannelsPerConnection;
    if (this.#channels.size + added > limit) {
      this.#error(ErrorCode.BadRequest, `at most ${limit} channels per connection`);
      return;
    }
    this.#control(JSON.stringify({ op: 'subscribed', channels: [...specs.keys()] }));
    for (const [name, { spec, fromSeq: from }] of specs) {
      const existing = this.#channels.get(name);
      // Subscribing again starts the channel over: what was held for it is superseded.
      if (existing !== undefined) this.#buffer.forget(existing);
      const { channel, initial } = this.#hub.subscribe(this, spec, { fromSeq: from });
      this.#channels.set(name, channel);
      for (const message of initial) this.#buffer.send(message);
    }
  }

  #unsubscribe(names: readonly string[]): void {
    const removed: string[] = [];
    for (const name of names) {
      const spec = this.#hub.parse(name);
      const key = typeof spec === 'string' ? name : spec.name;
      const channel = this.#channels.get(key);
      if (channel === undefined) continue;
      this.#hub.unsubscribe(this, channel);
      this.#buffer.forget(channel);
      this.#channels.delete(key);
      removed.push(key);
    }
    this.#control(JSON.stringify({ op: 'unsubscribed', channels: removed }));
  }

  async #authenticate(
    bearer: string | undefined,
    apiKey: string | undefined,
    byMessage: boolean,
  ): Promise<void> {
    const refresh = this.#state === State.Open;
    let principal: Principal;
    try {
      principal = await authenticateStream(this.#auth, { bearer, apiKey });
    } catch (err) {
      if (this.#state === State.Closed) return;
      const { code, message } = authFailure(err);
      if (refresh) {
        // A failed refresh leaves the connection as it was, until the old token expires.
        this.#counters.badMessages++;
        this.#control(errorJson(code, message));
      } else this.#refuse(code, message);
      return;
    }
    if (this.#state === State.Closed) return;
    this.#principal = principal;
    this.#expiry.set(principal);
    if (byMessage)
      this.#control(JSON.stringify({ op: 'authenticated', expiresAt: principal.expiresAt ?? null }));
    if (!refresh) {
      this.#state = State.Open;
      const queued = this.#queue;
      this.#queue = [];
      for (const [data, isBinary] of queued) this.#onMessage(data, isBinary);
    }
  }

  #expired(): void {
    if (this.#state === State.Closed) return;
    this.#counters.authFailures++;
    this.#control(
      errorJson(
        ErrorCode.TokenExpired,
        'the access token expired: send a fresh one with {"op":"auth"} before it does',
      ),
    );
    this.#close(CloseCode.Unauthorized, 'token expired');
  }

  #refuse(code: ErrorCode, message: string): void {
    if (this.#state === State.Closed) return;
    this.#counters.authFailures++;
    this.#control(errorJson(code, message));
    this.#close(closeCodeOf(code), code);
  }

  #error(code: ErrorCode, message: string): void {
    this.#counters.badMessages++;
    this.#control(errorJson(code, message));
  }

  #control(json: string): void {
    if (this.#state !== State.Closed) this.#socket.send(json);
  }

  #close(code: number, reason: string): void {
    if (this.#state === State.Closed) return;
    this.#socket.close(code, reason.slice(0, 120));
    this.#dispose();
  }

  #dispose(): void {
    if (this.#state === State.Closed) return;
    this.#state = State.Closed;
    this.#counters.connections--;
    clearTimeout(this.#authTimer);
    this.#expiry.cancel();
    this.#buffer.dispose();
    for (const channel of this.#channels.values()) this.#hub.unsubscribe(this, channel);
    this.#channels.clear();
    this.#queue = [];
  }

  /** Who is connected (undefined until authenticated). */
  get principal(): Principal | undefined {
    return this.#principal;
  }
}

function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

export function errorJson(code: string, message: string): string {
  return JSON.stringify({ op: 'error', code, message });
}
