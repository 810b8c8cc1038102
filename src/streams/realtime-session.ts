import type { FastifyReply, FastifyRequest } from 'fastify';

import type { Principal } from '../auth/roles.js';
import type { Hub } from './hub.js';
import type { RealtimeEvent, RealtimeFeed } from './realtime-feed.js';
import { SendBuffer, type SendTarget } from './send-buffer.js';
import { SseWriter } from './sse-writer.js';
import { ExpiryTimer } from './stream-auth.js';
import { Protocol, type StreamCounters } from './stream-counters.js';

const SLOW_CLOSE_GRACE_MS = 5000;

/**
 * One `GET /realtime/ticks?symbol=X` stream (the earlier Express demo): a first event
 * `{ok: true, connectedAt, filterSymbol}` (`connectedAt` in epoch ms, `filterSymbol` null without
 * `symbol`), a `: ping` comment every 15 s, then one event per tick from RealtimeFeed. Events have
 * no ids: a slow client loses ticks (counted), and nothing resumes.
 */
export class RealtimeSession implements SendTarget<RealtimeEvent> {
  readonly #request: FastifyRequest;
  readonly #writer: SseWriter;
  readonly #counters: StreamCounters;
  readonly #buffer: SendBuffer<RealtimeEvent>;
  readonly #expiry: ExpiryTimer;
  #stop: (() => void) | undefined;
  #closed = false;

  constructor(hub: Hub, request: FastifyRequest, reply: FastifyReply, open: Set<SseWriter>) {
    this.#request = request;
    this.#counters = hub.counters(Protocol.Realtime);
    this.#writer = new SseWriter(reply, hub.batcher, hub.options.ssePingMs, open);
    this.#buffer = new SendBuffer<RealtimeEvent>(this, hub.options, this.#counters, hub.drainWatch);
    this.#expiry = new ExpiryTimer(() => {
      this.#counters.authFailures++;
      this.#end();
    });
  }

  start(feed: RealtimeFeed, principal: Principal, symbol: string | undefined): void {
    this.#counters.connections++;
    this.#counters.opened++;
    this.#writer.onClose(() => this.#dispose());
    this.#expiry.set(principal);
    this.#writer.write(
      `data: ${JSON.stringify({ ok: true, connectedAt: Date.now(), filterSymbol: symbol ?? null })}\n\n`,
    );
    this.#stop = feed.subscribe(symbol ?? '*', (event) => this.#buffer.send(event));
  }

  bufferedBytes(): number {
    return this.#writer.bufferedBytes();
  }

  write(event: RealtimeEvent): void {
    this.#writer.write(event.text);
  }

  writeGap(): void {
    // The earlier system's events carry no sequence: dropped ticks are only counted.
  }

  closeSlow(reason: string): void {
    this.#request.log.warn({ protocol: Protocol.Realtime, reason }, 'slow consumer closed');
    this.#end();
    setTimeout(() => this.#writer.destroy(), SLOW_CLOSE_GRACE_MS).unref();
  }

  #end(): void {
    this.#writer.end();
    this.#dispose();
  }

  #dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#counters.connections--;
    this.#expiry.cancel();
    this.#buffer.dispose();
    this.#stop?.();
  }
}
