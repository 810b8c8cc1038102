import type { FastifyRequest } from 'fastify';
import type { RawData, WebSocket } from 'ws';

import type { AuthService } from '../../auth/auth-service.js';
import { hasCredentials } from '../../auth/credentials.js';
import type { Principal } from '../../auth/roles.js';
import { ErrorCode } from '../../errors.js';
import { WebSocketSession } from '../delivery/web-socket-session.js';
import type { Channel, HubSubscriber } from '../hub/channel.js';
import type { ChannelSpec } from '../hub/channel-name.js';
import { errorJson, gapJson, type HubMessage } from '../hub/hub-message.js';
import type { SessionContext } from '../hub/session-context.js';
import { Protocol } from '../hub/stream-counters.js';
import { authenticateStream, authFailure, CloseCode, closeCodeOf, credentialsOf } from '../stream-auth.js';
import { parseClientMessage, type ClientMessage } from './client-message.js';

/** Messages that may wait while the credentials are being checked. */
const MAX_QUEUED_MESSAGES = 64;

const State = { AwaitingAuth: 0, Authenticating: 1, Open: 2 } as const;
type State = (typeof State)[keyof typeof State];

/**
 * One `/ws` connection speaking the hub's JSON protocol (docs/streams.md): authentication (at
 * connect or by a first `auth` message, refreshed by later ones), subscriptions with snapshots and
 * `fromSeq` resume, `ping`, and an `error` answer for anything malformed (the connection stays).
 * Channel messages go through the connection's bounded send buffer; control answers go straight
 * to the socket.
 */
export class WsSession extends WebSocketSession<HubMessage> implements HubSubscriber {
  readonly #channels = new Map<string, Channel>();
  #state: State = State.AwaitingAuth;
  #queue: Array<readonly [RawData, boolean]> = [];
  #principal: Principal | undefined;

  constructor(context: SessionContext, auth: AuthService, socket: WebSocket, request: FastifyRequest) {
    super(context, auth, Protocol.WebSocket, socket, request);
  }

  protected opened(): void {
    this.socket.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    const credentials = credentialsOf(this.request);
    if (hasCredentials(credentials)) {
      this.#state = State.Authenticating;
      void this.#authenticate(credentials.bearer, credentials.apiKey, false);
    } else {
      this.startAuthTimer(() => {
        this.#refuse(ErrorCode.AuthRequired, 'authentication required: send {"op":"auth","token":"…"} first');
      });
    }
  }

  // --- hub → client -------------------------------------------------------------------------

  deliver(message: HubMessage): void {
    this.buffer.send(message);
  }

  write(message: HubMessage): void {
    this.writer.send(message.bytes);
  }

  writeGap(channel: Channel, from: number, to: number): void {
    this.writer.send(gapJson(channel.nameJson, from, to));
  }

  // --- client → hub -------------------------------------------------------------------------

  #onMessage(data: RawData, isBinary: boolean): void {
    if (this.closed) return;
    if (this.#state === State.Authenticating) {
      if (this.#queue.length >= MAX_QUEUED_MESSAGES)
        this.close(CloseCode.BadRequest, 'too many messages before authentication');
      else this.#queue.push([data, isBinary]);
      return;
    }
    if (isBinary) {
      this.#error(ErrorCode.BadRequest, 'binary messages are not supported: send JSON text');
      return;
    }
    const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
    if (size > this.context.options.maxMessageBytes) {
      this.#error(ErrorCode.BadRequest, `messages are at most ${this.context.options.maxMessageBytes} bytes`);
      return;
    }
    const message = parseClientMessage(textOf(data), this.context.options.maxChannelsPerConnection);
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
      this.stopAuthTimer();
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
      const spec = this.context.parse(name);
      if (typeof spec === 'string') {
        this.#error(ErrorCode.BadRequest, spec);
        return;
      }
      specs.set(spec.name, { spec, fromSeq: fromSeq?.[name] ?? fromSeq?.[spec.name] });
    }
    let added = 0;
    for (const name of specs.keys()) if (!this.#channels.has(name)) added++;
    const limit = this.context.options.maxChannelsPerConnection;
    if (this.#channels.size + added > limit) {
      this.#error(ErrorCode.BadRequest, `at most ${limit} channels per connection`);
      return;
    }
    this.#control(JSON.stringify({ op: 'subscribed', channels: [...specs.keys()] }));
    for (const [name, { spec, fromSeq: from }] of specs) {
      const existing = this.#channels.get(name);
      // Subscribing again starts the channel over: what was held for it is superseded.
      if (existing !== undefined) this.buffer.forget(existing);
      const { channel, initial } = this.context.subscribe(this, spec, { fromSeq: from });
      this.#channels.set(name, channel);
      for (const message of initial) this.buffer.send(message);
    }
  }

  #unsubscribe(names: readonly string[]): void {
    const removed: string[] = [];
    for (const name of names) {
      const spec = this.context.parse(name);
      const key = typeof spec === 'string' ? name : spec.name;
      const channel = this.#channels.get(key);
      if (channel === undefined) continue;
      this.context.unsubscribe(this, channel);
      this.buffer.forget(channel);
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
      principal = await authenticateStream(this.auth, { bearer, apiKey, address: this.request.ip });
    } catch (err) {
      if (this.closed) return;
      const { code, message } = authFailure(err);
      if (refresh) {
        // A failed refresh leaves the connection as it was, until the old token expires.
        this.counters.badMessages++;
        this.#control(errorJson(code, message));
      } else this.#refuse(code, message);
      return;
    }
    if (this.closed) return;
    this.#principal = principal;
    this.expiry.set(principal);
    if (byMessage)
      this.#control(JSON.stringify({ op: 'authenticated', expiresAt: principal.expiresAt ?? null }));
    if (!refresh) {
      this.#state = State.Open;
      const queued = this.#queue;
      this.#queue = [];
      for (const [data, isBinary] of queued) this.#onMessage(data, isBinary);
    }
  }

  protected expired(): void {
    if (this.closed) return;
    this.counters.authFailures++;
    this.#control(
      errorJson(
        ErrorCode.TokenExpired,
        'the access token expired: send a fresh one with {"op":"auth"} before it does',
      ),
    );
    this.close(CloseCode.Unauthorized, 'token expired');
  }

  #refuse(code: ErrorCode, message: string): void {
    if (this.closed) return;
    this.counters.authFailures++;
    this.#control(errorJson(code, message));
    this.close(closeCodeOf(code), code);
  }

  #error(code: ErrorCode, message: string): void {
    this.counters.badMessages++;
    this.#control(errorJson(code, message));
  }

  #control(json: string): void {
    if (!this.closed) this.socket.send(json);
  }

  protected release(): void {
    for (const channel of this.#channels.values()) this.context.unsubscribe(this, channel);
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
