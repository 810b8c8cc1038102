import type { FastifyRequest } from 'fastify';

import type { AuthService } from '../../auth/auth-service.js';
import type { Outgoing } from '../hub/hub-message.js';
import type { SessionContext } from '../hub/session-context.js';
import type { Protocol, StreamCounters } from '../hub/stream-counters.js';
import { CloseCode, ExpiryTimer } from '../stream-auth.js';
import type { Corkable, MessageSocket } from './message-socket.js';
import { SendBuffer, SLOW_CLOSE_GRACE_MS, type SendTarget } from './send-buffer.js';
import { WsWriter } from './ws-writer.js';

/**
 * What every WebSocket session shares (`/ws`, `/stomp`, `/ws/marketdata`, STOMP over SockJS): the batched writer, a
 * bounded send buffer, the connection counters, the timer that waits for credentials, the token's
 * expiry, and one way to close. A subclass reads its protocol's messages, writes its own frames,
 * and says what to let go of when the connection ends.
 */
export abstract class WebSocketSession<T extends Outgoing> implements SendTarget<T> {
  protected readonly context: SessionContext;
  protected readonly auth: AuthService;
  protected readonly socket: MessageSocket;
  protected readonly request: FastifyRequest;
  protected readonly writer: WsWriter;
  protected readonly counters: StreamCounters;
  protected readonly buffer: SendBuffer<T>;
  /** Runs `expired` when the access token runs out; set it with each (re)authentication. */
  protected readonly expiry: ExpiryTimer;
  readonly #protocol: Protocol;
  #authTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    context: SessionContext,
    auth: AuthService,
    protocol: Protocol,
    socket: MessageSocket,
    request: FastifyRequest,
    raw: Corkable = request.raw.socket,
  ) {
    this.context = context;
    this.auth = auth;
    this.#protocol = protocol;
    this.socket = socket;
    this.request = request;
    this.writer = new WsWriter(socket, raw, context.batcher);
    this.counters = context.counters(protocol);
    this.buffer = new SendBuffer<T>(this, context.options, this.counters, context.drainWatch);
    this.expiry = new ExpiryTimer(() => this.expired());
  }

  /** Counts the connection as open, ends the session when the socket closes, then `opened`. */
  start(): void {
    this.counters.connections++;
    this.counters.opened++;
    this.socket.on('close', () => this.dispose());
    this.opened();
  }

  abstract write(message: T): void;
  abstract writeGap(stream: T['stream'], from: number, to: number): void;

  bufferedBytes(): number {
    return this.writer.bufferedBytes();
  }

  closeSlow(reason: string): void {
    this.request.log.warn({ protocol: this.#protocol, reason }, 'slow consumer closed');
    this.close(CloseCode.SlowConsumer, reason);
    setTimeout(() => this.socket.terminate(), SLOW_CLOSE_GRACE_MS).unref();
  }

  /** Whether the connection has ended (nothing is sent or read any more). */
  protected get closed(): boolean {
    return this.#closed;
  }

  /** Starts reading the connection (the socket is open and counted). */
  protected abstract opened(): void;

  /** The access token expired: tell the client and close. */
  protected abstract expired(): void;

  /** Lets go of what feeds the session (once, when it ends). */
  protected abstract release(): void;

  /** Calls `onTimeout` unless `stopAuthTimer` comes within `streams.authTimeoutMs`. */
  protected startAuthTimer(onTimeout: () => void): void {
    this.#authTimer = setTimeout(onTimeout, this.context.options.authTimeoutMs);
    this.#authTimer.unref();
  }

  protected stopAuthTimer(): void {
    clearTimeout(this.#authTimer);
  }

  protected close(code: number, reason: string): void {
    if (this.#closed) return;
    this.socket.close(code, reason.slice(0, 120));
    this.dispose();
  }

  protected dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.counters.connections--;
    this.stopAuthTimer();
    this.expiry.cancel();
    this.buffer.dispose();
    this.release();
  }
}
