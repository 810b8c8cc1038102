import type { Corkable, MessageSocket } from './message-socket.js';
import type { Corked, WriteBatcher } from './write-batcher.js';

/** Bytes written in one turn after which the socket is flushed early, so one huge batch cannot pile up. */
const CORK_FLUSH_BYTES = 65_536;

/**
 * Writes text frames to one WebSocket (or SockJS session) with the turn's writes batched: the first write of a turn
 * corks the TCP socket and the batcher uncorks it right after the turn, so a burst of messages
 * leaves in one system call.
 */
export class WsWriter implements Corked {
  readonly socket: MessageSocket;
  readonly #raw: Corkable;
  readonly #batcher: WriteBatcher;
  #corked = false;
  /** UTF-8 bytes sent since the socket was last corked: what the early flush is measured by. */
  #corkedBytes = 0;
  /**
   * What this turn's sends added to `socket.bufferedAmount`. Not the same as the bytes: the
   * socket counts a string's UTF-16 units and ws adds the frame headers, so it is measured.
   */
  #corkedBuffered = 0;

  constructor(socket: MessageSocket, raw: Corkable, batcher: WriteBatcher) {
    this.socket = socket;
    this.#raw = raw;
    this.#batcher = batcher;
  }

  /** What the kernel has not taken yet. This turn's writes still sit in the corked socket and do not count. */
  bufferedBytes(): number {
    return this.socket.bufferedAmount - this.#corkedBuffered;
  }

  /** Sends a text frame (UTF-8 bytes, or a string). */
  send(data: Buffer | string): void {
    if (!this.#corked) {
      this.#corked = true;
      this.#corkedBytes = 0;
      this.#corkedBuffered = 0;
      this.#raw.cork();
      this.#batcher.add(this);
    } else if (this.#corkedBytes > CORK_FLUSH_BYTES) {
      this.#corkedBytes = 0;
      this.#corkedBuffered = 0;
      this.#raw.uncork();
      this.#raw.cork();
    }
    this.#corkedBytes += typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    const buffered = this.socket.bufferedAmount;
    this.socket.send(data, { binary: false });
    this.#corkedBuffered += this.socket.bufferedAmount - buffered;
  }

  release(): void {
    this.#corked = false;
    this.#corkedBytes = 0;
    this.#corkedBuffered = 0;
    this.#raw.uncork();
  }
}
