import type { FastifyReply, FastifyRequest } from 'fastify';

import type { Principal } from '../../auth/roles.js';
import type { SessionContext } from '../hub/session-context.js';
import type { RealtimeEvent, RealtimeFeed } from '../../compat/express/realtime-feed.js';
import { SseStream } from './sse-stream.js';
import type { SseWriter } from '../delivery/sse-writer.js';
import { Protocol } from '../hub/stream-counters.js';

/**
 * One `GET /realtime/ticks?symbol=X` stream (the earlier Express demo): a first event
 * `{ok: true, connectedAt, filterSymbol}` (`connectedAt` in epoch ms, `filterSymbol` null without
 * `symbol`), a `: ping` comment every 15 s, then one event per tick from RealtimeFeed. Events have
 * no ids: a slow client loses ticks (counted), and nothing resumes.
 */
export class RealtimeSession extends SseStream<RealtimeEvent> {
  #stop: (() => void) | undefined;

  constructor(context: SessionContext, request: FastifyRequest, reply: FastifyReply, open: Set<SseWriter>) {
    super(context, Protocol.Realtime, request, reply, open);
  }

  start(feed: RealtimeFeed, principal: Principal, symbol: string | undefined): void {
    this.open(principal);
    this.writer.write(
      `data: ${JSON.stringify({ ok: true, connectedAt: Date.now(), filterSymbol: symbol ?? null })}\n\n`,
    );
    this.#stop = feed.subscribe(symbol ?? '*', (event) => this.buffer.send(event));
  }

  override write(event: RealtimeEvent): void {
    this.writer.write(event.text);
  }

  override writeGap(): void {
    // The earlier system's events carry no sequence: dropped ticks are only counted.
  }

  protected override release(): void {
    this.#stop?.();
  }
}
