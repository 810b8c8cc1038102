import type { ServerResponse } from 'node:http';

import type { FastifyReply } from 'fastify';

import type { Corked, WriteBatcher } from './write-batcher.js';

/** Bytes written in one turn after which the response is flushed early. */
const CORK_FLUSH_BYTES = 65_536;

/** Headers of an event stream; proxies must neither buffer nor transform it. */
const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/**
 * Writes a Server-Sent Events stream on a hijacked reply, with the turn's writes batched (the
 * response is corked on the first write of a turn and uncorked right after it), a `: ping` comment
 * every `pingMs`, and an end.
 */
export class SseWriter implements Corked {
  readonly #res: ServerResponse;
  readonly #batcher: WriteBatcher;
  readonly #ping: NodeJS.Timeout;
  readonly #open: Set<SseWriter>;
  #corked = false;
  #corkedBytes = 0;
  #ended = false;

  /**
   * Hijacks `reply` and sends the status line and headers (with those hooks already set, e.g.
   * CORS). `open` holds the streams not ended yet, so a closing server can end them.
   */
  constructor(reply: FastifyReply, batcher: WriteBatcher, pingMs: number, open: Set<SseWriter>) {
    this.#res = reply.raw;
    this.#batcher = batcher;
    this.#open = open;
    open.add(this);
    const headers = { ...reply.getHeaders(), ...SSE_HEADERS };
    reply.hijack();
    this.#res.writeHead(200, headers as Record<string, string>);
    this.#res.flushHeaders();
    this.#ping = setInterval(() => this.write(': ping\n\n'), pingMs);
    this.#ping.unref();
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** What the kernel has not taken yet; this turn's writes still sit in the corked response and do not count. */
  bufferedBytes(): number {
    return Math.max(0, this.#res.writableLength - this.#corkedBytes);
  }

  write(text: string): void {
    if (this.#ended) return;
    if (!this.#corked) {
      this.#corked = true;
      this.#corkedBytes = 0;
      this.#res.cork();
      this.#batcher.add(this);
    } else if (this.#corkedBytes > CORK_FLUSH_BYTES) {
      this.#corkedBytes = 0;
      this.#res.uncork();
      this.#res.cork();
    }
    this.#corkedBytes += text.length;
    this.#res.write(text);
  }

  release(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.#corkedBytes = 0;
    this.#res.uncork();
  }

  /** Ends the stream (the client's EventSource may reconnect, resuming from its last event id). */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#open.delete(this);
    clearInterval(this.#ping);
    // Uncork before ending: Node 24 drops what a corked response still holds when it ends (the
    // last event, e.g. TOKEN_EXPIRED, would never reach the client); the batcher's release is then a no-op.
    this.release();
    this.#res.end();
  }

  /** Cuts the connection (a slow client that does not read up to the end). */
  destroy(): void {
    this.end();
    this.#res.destroy();
  }

  /** Called when the client goes away; stops the pings. */
  onClose(listener: () => void): void {
    this.#res.on('close', () => {
      this.end();
      listener();
    });
  }
}
