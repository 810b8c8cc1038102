import type { FastifyReply, FastifyRequest } from 'fastify';

import type { Principal } from '../../auth/roles.js';
import type { Outgoing } from '../hub/hub-message.js';
import type { SessionContext } from '../hub/session-context.js';
import { SendBuffer, SLOW_CLOSE_GRACE_MS, type SendTarget } from '../delivery/send-buffer.js';
import { SseWriter } from '../delivery/sse-writer.js';
import { ExpiryTimer } from '../stream-auth.js';
import type { Protocol, StreamCounters } from '../hub/stream-counters.js';

/**
 * What every Server-Sent Events stream shares: the writer, a bounded send buffer, the token's
 * expiry (the stream is one-way, so it ends then), the connection counters, and one way to end.
 * A subclass writes its own events and says what to let go of when the stream ends.
 */
export abstract class SseStream<T extends Outgoing> implements SendTarget<T> {
  protected readonly request: FastifyRequest;
  protected readonly writer: SseWriter;
  protected readonly counters: StreamCounters;
  protected readonly buffer: SendBuffer<T>;
  readonly #protocol: Protocol;
  readonly #expiry: ExpiryTimer;
  #closed = false;

  constructor(
    context: SessionContext,
    protocol: Protocol,
    request: FastifyRequest,
    reply: FastifyReply,
    open: Set<SseWriter>,
  ) {
    this.request = request;
    this.#protocol = protocol;
    this.counters = context.counters(protocol);
    this.writer = new SseWriter(reply, context.batcher, context.options.ssePingMs, open);
    this.buffer = new SendBuffer<T>(this, context.options, this.counters, context.drainWatch);
    this.#expiry = new ExpiryTimer(() => {
      this.counters.authFailures++;
      this.expired();
      this.#end();
    });
  }

  abstract write(message: T): void;
  abstract writeGap(stream: T['stream'], from: number, to: number): void;

  bufferedBytes(): number {
    return this.writer.bufferedBytes();
  }

  closeSlow(reason: string): void {
    this.request.log.warn({ protocol: this.#protocol, reason }, 'slow consumer closed');
    this.#end();
    setTimeout(() => this.writer.destroy(), SLOW_CLOSE_GRACE_MS).unref();
  }

  /** Counts the stream as open; it ends when the client goes or the token expires. */
  protected open(principal: Principal): void {
    this.counters.connections++;
    this.counters.opened++;
    this.writer.onClose(() => this.#dispose());
    this.#expiry.set(principal);
  }

  /** Writes what the client should know before the stream ends at the token's expiry. */
  protected expired(): void {}

  /** Lets go of what feeds the stream (once, when it ends). */
  protected abstract release(): void;

  #end(): void {
    this.writer.end();
    this.#dispose();
  }

  #dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.counters.connections--;
    this.#expiry.cancel();
    this.buffer.dispose();
    this.release();
  }
}
