import { EventEmitter } from 'node:events';

import type { MessageSocket } from '../delivery/message-socket.js';
import { closeFrame, HEARTBEAT_FRAME, messageFrame, OPEN_FRAME, SockJsClose } from './sockjs-frame.js';

/**
 * One receiving connection of a SockJS session: a WebSocket, a streaming HTTP response, or a
 * polling request that takes one frame. It wraps frames in its transport's way.
 */
export interface Receiver {
  /**
   * Writes one frame; answers whether it takes more. `false`: the receiver is done (a polling
   * request answered, a streaming response at its byte limit) and the session ends it.
   */
  write(frame: string): boolean;
  /** Ends the request (or closes the WebSocket). */
  end(): void;
  /** Bytes written but not yet taken by the kernel. */
  bufferedBytes(): number;
}

export interface SockJsTimings {
  /** A heart-beat frame after this long without another frame (Spring's default 25 s). */
  readonly heartbeatMs: number;
  /** A session without a receiving request for this long is closed (Spring's default 5 s). */
  readonly disconnectDelayMs: number;
}

const State = { New: 0, Open: 1, Closed: 2 } as const;
type State = (typeof State)[keyof typeof State];

/**
 * One SockJS session (sockjs-protocol 0.3.3): a message connection that outlives the HTTP
 * requests carrying it. Messages sent while no request is open wait in the outbox and leave, in
 * order, in one `a[...]` frame with the next request; what one turn sends leaves together. A
 * session without a receiving request for `disconnectDelayMs` is closed; a closed one answers
 * `c[…]` for as long again and is then forgotten.
 *
 * It is a MessageSocket, so the STOMP session on top (src/streams/stomp) is the same class as on
 * a WebSocket: it sees `message` and `close` events and calls `send`, `close`, `terminate`, and
 * its send buffer reads `bufferedAmount` (the outbox and the receiver's unsent bytes), so a client
 * that stops polling is a slow consumer like any other.
 */
export class SockJsSession extends EventEmitter implements MessageSocket {
  readonly id: string;
  readonly #timings: SockJsTimings;
  /** Called once the session is closed and its close frame need not be answered any more. */
  readonly #forget: (session: SockJsSession) => void;
  #state: State = State.New;
  #receiver: Receiver | undefined;
  #outbox: string[] = [];
  #outboxBytes = 0;
  #flushScheduled = false;
  #close = closeFrame(SockJsClose.GoAway.code, SockJsClose.GoAway.reason);
  /** A frame went out since the last heart-beat tick. */
  #sentSinceBeat = false;
  readonly #heartbeat: NodeJS.Timeout;
  #disconnect: NodeJS.Timeout | undefined;

  constructor(id: string, timings: SockJsTimings, forget: (session: SockJsSession) => void) {
    super();
    this.id = id;
    this.#timings = timings;
    this.#forget = forget;
    this.#heartbeat = setInterval(() => this.#beat(), timings.heartbeatMs);
    this.#heartbeat.unref();
    // Until its first receiving request arrives (it is being created by one), it is not waited for.
    this.#armDisconnect();
  }

  get closed(): boolean {
    return this.#state === State.Closed;
  }

  get bufferedAmount(): number {
    return this.#outboxBytes + (this.#receiver?.bufferedBytes() ?? 0);
  }

  /** A receiving request for this session arrived. */
  attach(receiver: Receiver): void {
    if (this.#state === State.Closed) {
      // What was sent before the close still goes out first; then the close frame.
      if (this.#outbox.length > 0 && !this.#write(receiver, this.#takeOutbox())) return;
      receiver.write(this.#close);
      receiver.end();
      return;
    }
    if (this.#receiver !== undefined) {
      receiver.write(closeFrame(SockJsClose.AnotherConnection.code, SockJsClose.AnotherConnection.reason));
      receiver.end();
      return;
    }
    clearTimeout(this.#disconnect);
    this.#disconnect = undefined;
    this.#receiver = receiver;
    if (this.#state === State.New) {
      this.#state = State.Open;
      if (!this.#write(receiver, OPEN_FRAME)) return;
    }
    if (this.#outbox.length > 0) this.#write(receiver, this.#takeOutbox());
  }

  /** The receiving request ended (the client went away, or it was answered). */
  detach(receiver: Receiver): void {
    if (this.#receiver !== receiver) return;
    this.#receiver = undefined;
    this.#armDisconnect();
  }

  /** Messages from the client, in order. */
  receive(messages: readonly string[]): void {
    for (const message of messages) {
      if (this.#state === State.Closed) return;
      this.emit('message', Buffer.from(message, 'utf8'), false);
    }
  }

  send(data: Buffer | string): void {
    if (this.#state === State.Closed) return;
    const text = typeof data === 'string' ? data : data.toString('utf8');
    this.#outbox.push(text);
    this.#outboxBytes += text.length;
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(() => {
        this.#flushScheduled = false;
        this.#flush();
      });
    }
  }

  /** Closes the session: what is queued goes out, then `c[code,"reason"]`. */
  close(code: number = SockJsClose.GoAway.code, reason: string = SockJsClose.GoAway.reason): void {
    if (this.#state === State.Closed) return;
    this.#state = State.Closed;
    this.#close = closeFrame(code, reason);
    const receiver = this.#receiver;
    if (receiver !== undefined) {
      this.#receiver = undefined;
      if (this.#outbox.length === 0 || this.#write(receiver, this.#takeOutbox(), false)) {
        receiver.write(this.#close);
        receiver.end();
      }
    }
    this.#ended();
  }

  /** Closes the session at once: nothing queued goes out, the receiving request is cut. */
  terminate(): void {
    this.#outbox = [];
    this.#outboxBytes = 0;
    const receiver = this.#receiver;
    this.#receiver = undefined;
    receiver?.end();
    if (this.#state !== State.Closed) {
      this.#state = State.Closed;
      this.#ended();
    }
  }

  #ended(): void {
    clearInterval(this.#heartbeat);
    clearTimeout(this.#disconnect);
    // A closed session still answers its close frame to a client that polls again, then is forgotten.
    this.#disconnect = setTimeout(() => this.#forget(this), this.#timings.disconnectDelayMs);
    this.#disconnect.unref();
    this.emit('close');
  }

  #armDisconnect(): void {
    if (this.#state === State.Closed) return;
    clearTimeout(this.#disconnect);
    this.#disconnect = setTimeout(() => this.close(), this.#timings.disconnectDelayMs);
    this.#disconnect.unref();
  }

  #flush(): void {
    const receiver = this.#receiver;
    if (receiver === undefined || this.#outbox.length === 0 || this.#state !== State.Open) return;
    this.#write(receiver, this.#takeOutbox());
  }

  #takeOutbox(): string {
    const frame = messageFrame(this.#outbox);
    this.#outbox = [];
    this.#outboxBytes = 0;
    return frame;
  }

  /** Writes a frame; a receiver that is done is let go (and ended). Answers whether it is still attached. */
  #write(receiver: Receiver, frame: string, attached = true): boolean {
    this.#sentSinceBeat = true;
    if (receiver.write(frame)) return true;
    if (attached) this.detach(receiver);
    receiver.end();
    return false;
  }

  #beat(): void {
    const receiver = this.#receiver;
    if (!this.#sentSinceBeat && receiver !== undefined) this.#write(receiver, HEARTBEAT_FRAME);
    this.#sentSinceBeat = false;
  }
}
