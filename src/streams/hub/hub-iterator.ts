import type { Channel, HubSubscriber } from './channel.js';
import type { ChannelSpec } from './channel-name.js';
import { MessageType, type HubMessage } from './hub-message.js';
import type { SessionContext } from './session-context.js';
import { SendBuffer, type SendTarget } from '../delivery/send-buffer.js';
import { Protocol } from './stream-counters.js';

/**
 * Hub channels as an async iterator of message data, for GraphQL subscriptions. The GraphQL server
 * pulls the next value only once it has written the previous one to its socket, so the values
 * waiting here are the connection's backlog: the same send buffer as every other protocol decides
 * what waits, what conflates and what is dropped, and when the connection is given up.
 */
export class HubIterator implements AsyncIterableIterator<unknown>, HubSubscriber, SendTarget<HubMessage> {
  readonly #context: SessionContext;
  readonly #buffer: SendBuffer<HubMessage>;
  readonly #channels: Channel[] = [];
  readonly #onSlow: (reason: string) => void;
  #queue: HubMessage[] = [];
  #head = 0;
  #queuedBytes = 0;
  #waiting: ((result: IteratorResult<unknown>) => void) | undefined;
  #done = false;

  constructor(context: SessionContext, specs: readonly ChannelSpec[], onSlow: (reason: string) => void) {
    this.#context = context;
    this.#onSlow = onSlow;
    this.#buffer = new SendBuffer<HubMessage>(
      this,
      context.options,
      context.counters(Protocol.GraphQl),
      context.drainWatch,
    );
    for (const spec of specs) this.#channels.push(context.subscribe(this, spec, { initial: false }).channel);
  }

  deliver(message: HubMessage): void {
    // Updates only: a reset in mid-stream (a cluster node's channel jumped) has a snapshot's shape.
    if (message.type !== MessageType.Update) return;
    this.#buffer.send(message);
  }

  bufferedBytes(): number {
    return this.#queuedBytes;
  }

  write(message: HubMessage): void {
    const waiting = this.#waiting;
    if (waiting !== undefined) {
      this.#waiting = undefined;
      waiting({ value: message.value, done: false });
      return;
    }
    this.#queue.push(message);
    this.#queuedBytes += message.size;
  }

  writeGap(): void {
    // GraphQL results carry no sequence numbers: dropped messages are only counted.
  }

  closeSlow(reason: string): void {
    void this.return();
    this.#onSlow(reason);
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.#head < this.#queue.length) {
      const message = this.#queue[this.#head++]!;
      this.#queuedBytes -= message.size;
      if (this.#head === this.#queue.length) {
        this.#queue = [];
        this.#head = 0;
      }
      return Promise.resolve({ value: message.value, done: false });
    }
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<unknown>> {
    if (!this.#done) {
      this.#done = true;
      this.#buffer.dispose();
      for (const channel of this.#channels) this.#context.unsubscribe(this, channel);
      this.#queue = [];
      this.#queuedBytes = 0;
      const waiting = this.#waiting;
      this.#waiting = undefined;
      waiting?.({ value: undefined, done: true });
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
