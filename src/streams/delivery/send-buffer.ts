import type { DrainWatch } from './drain-watch.js';
import type { Outgoing } from '../hub/hub-message.js';
import type { StreamCounters } from '../hub/stream-counters.js';

/** Where a send buffer writes: one connection's socket, in its protocol's framing. */
export interface SendTarget<T extends Outgoing> {
  /** Bytes written but not yet taken by the kernel. */
  bufferedBytes(): number;
  write(message: T): void;
  /** Tells the client that messages `from`…`to` of `stream` were dropped. */
  writeGap(stream: T['stream'], from: number, to: number): void;
  /** Closes the connection because it fell too far behind. */
  closeSlow(reason: string): void;
}

/** After closing a slow consumer, how long it has to read up to the close before it is cut off. */
export const SLOW_CLOSE_GRACE_MS = 5000;

export interface SendLimits {
  /** Over this many bytes waiting in the socket, the connection is behind: conflate and drop. */
  readonly sendBufferBytes: number;
  /** Over this many bytes waiting in the socket and held back together, the connection is closed. */
  readonly maxBufferBytes: number;
  /** A connection that does not get below `sendBufferBytes` for this long is closed. */
  readonly maxStallMs: number;
}

/** A message held back while behind, or (message undefined) a range of dropped ones. */
interface Held<T extends Outgoing> {
  readonly message: T | undefined;
  readonly stream: T['stream'];
  readonly from: number;
  to: number;
}

/**
 * The bounded send buffer of one connection (docs/streams.md, slow clients). While the socket
 * takes what is written, messages go straight through. Once more than `sendBufferBytes` wait in the
 * socket the connection is behind: messages with a conflation key replace the held one of the same
 * stream and key (the latest stats of a symbol, the latest state of a candle); the others (ticks,
 * anomalies) are dropped and remembered as one range per stream. When the socket has drained, the
 * held messages and a gap per range go out in the order they were last updated, so sequence
 * numbers within a stream still only grow. Past `maxBufferBytes`, or behind for longer than
 * `maxStallMs`, the connection is closed.
 *
 * The engine calls `send` on its hot path: it never waits, and costs a few comparisons while the
 * connection keeps up.
 */
export class SendBuffer<T extends Outgoing> {
  readonly #target: SendTarget<T>;
  readonly #limits: SendLimits;
  readonly #counters: StreamCounters;
  readonly #watch: DrainWatch;
  /** Held messages and dropped ranges by stream and key, in the order they were last touched. */
  readonly #held = new Map<string, Held<T>>();
  #heldBytes = 0;
  #behind = false;
  /** Since when the socket has not been below `sendBufferBytes` (epoch ms). */
  #stalledSince = 0;
  #closed = false;

  constructor(target: SendTarget<T>, limits: SendLimits, counters: StreamCounters, watch: DrainWatch) {
    this.#target = target;
    this.#limits = limits;
    this.#counters = counters;
    this.#watch = watch;
  }

  get behind(): boolean {
    return this.#behind;
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(message: T): void {
    if (this.#closed) return;
    if (this.#behind) {
      if (this.#target.bufferedBytes() <= this.#limits.sendBufferBytes / 2) this.#flush();
      if (this.#behind) {
        this.#hold(message);
        return;
      }
    } else if (this.#target.bufferedBytes() > this.#limits.sendBufferBytes) {
      this.#behind = true;
      this.#stalledSince = Date.now();
      this.#watch.add(this);
      this.#hold(message);
      return;
    }
    this.#target.write(message);
    this.#counters.sent++;
  }

  /** Forgets what is held for a stream (the client unsubscribed from it). */
  forget(stream: T['stream']): void {
    for (const [key, held] of this.#held) {
      if (held.stream === stream) {
        if (held.message !== undefined) this.#heldBytes -= held.message.size;
        this.#held.delete(key);
      }
    }
  }

  /** Called by the drain watch while behind: flushes once the socket drained, closes when stuck. */
  pump(now: number): void {
    if (!this.#behind || this.#closed) return;
    const buffered = this.#target.bufferedBytes();
    if (buffered <= this.#limits.sendBufferBytes) {
      this.#stalledSince = now;
      if (buffered <= this.#limits.sendBufferBytes / 2) this.#flush();
    } else if (now - this.#stalledSince > this.#limits.maxStallMs) {
      this.#close(`slow consumer: behind for more than ${this.#limits.maxStallMs} ms`);
    }
  }

  /** Stops sending (the connection closed). */
  dispose(): void {
    this.#closed = true;
    this.#held.clear();
    this.#heldBytes = 0;
    this.#watch.delete(this);
  }

  #hold(message: T): void {
    const stream = message.stream;
    const key = message.conflationKey;
    if (key === null) {
      this.#counters.dropped++;
      const seq = message.seq;
      if (seq !== seq) return; // a stream without sequence numbers has no gaps to name
      const gapKey = stream.name + '|#gap';
      const gap = this.#held.get(gapKey);
      if (gap === undefined) this.#held.set(gapKey, { message: undefined, stream, from: seq, to: seq });
      else gap.to = seq;
      return;
    }
    const heldKey = stream.name + '|' + key;
    const previous = this.#held.get(heldKey);
    if (previous !== undefined) {
      this.#counters.conflated++;
      this.#heldBytes -= previous.message!.size;
      // Re-inserted at the end: the held messages leave in the order of their latest update.
      this.#held.delete(heldKey);
    }
    this.#held.set(heldKey, { message, stream, from: NaN, to: NaN });
    this.#heldBytes += message.size;
    if (this.#heldBytes + this.#target.bufferedBytes() > this.#limits.maxBufferBytes) {
      this.#close(`slow consumer: more than ${this.#limits.maxBufferBytes} bytes waiting`);
    }
  }

  #flush(): void {
    const target = this.#target;
    const soft = this.#limits.sendBufferBytes;
    for (const [key, held] of this.#held) {
      if (target.bufferedBytes() > soft) return;
      this.#held.delete(key);
      if (held.message === undefined) {
        target.writeGap(held.stream, held.from, held.to);
        this.#counters.gaps++;
      } else {
        this.#heldBytes -= held.message.size;
        target.write(held.message);
        this.#counters.sent++;
      }
    }
    this.#behind = false;
    this.#heldBytes = 0;
    this.#watch.delete(this);
  }

  #close(reason: string): void {
    if (this.#closed) return;
    this.#counters.slowConsumerCloses++;
    this.dispose();
    this.#target.closeSlow(reason);
  }
}
