import type { ChannelKind, ChannelSpec } from './channel-name.js';
import { HubMessage, MessageType } from './hub-message.js';

/** Receives a channel's messages, synchronously, in sequence order. */
export interface HubSubscriber {
  deliver(message: HubMessage): void;
}

/**
 * One hub channel: its sequence numbers, its subscribers and a bounded history of its last
 * messages for resuming by `fromSeq`.
 *
 * A channel is live while it has subscribers and for a while after the last one leaves (so a
 * reconnecting client can resume); only live channels make messages. When a channel goes to sleep
 * its history is dropped, and when it wakes it skips one sequence number: a `fromSeq` from before
 * cannot be served from history any more (`base` moved past it) and gets a reset.
 */
export class Channel {
  readonly name: string;
  /** `name` as a JSON string, spliced into every envelope. */
  readonly nameJson: string;
  readonly kind: ChannelKind;
  readonly symbol: string;
  readonly interval: string | undefined;
  /** Stats and candles: a slow connection keeps only the latest message per symbol (and candle). */
  readonly conflated: boolean;
  /** The last sequence number given out. */
  seq: number;
  /** The oldest `fromSeq` the history can continue from. */
  base: number;
  live = false;
  /** When the last subscriber left (epoch ms), or NaN while there are subscribers. */
  idleSince = NaN;
  readonly subscribers: HubSubscriber[] = [];
  readonly #capacity: number;
  /** The last messages: filled up to the capacity, then a ring whose oldest entry is at `#head`. */
  #history: HubMessage[] = [];
  #head = 0;

  constructor(spec: ChannelSpec, conflated: boolean, firstSeq: number, historySize: number) {
    this.name = spec.name;
    this.nameJson = JSON.stringify(spec.name);
    this.kind = spec.kind;
    this.symbol = spec.symbol;
    this.interval = spec.interval;
    this.conflated = conflated;
    this.seq = firstSeq;
    this.base = firstSeq;
    this.#capacity = historySize;
  }

  /** Makes the next update, records it and hands it to every subscriber. */
  publish(data: string, conflationKey: string | null): void {
    const message = new HubMessage(
      this,
      ++this.seq,
      MessageType.Update,
      data,
      this.conflated ? conflationKey : null,
    );
    const history = this.#history;
    if (history.length < this.#capacity) history.push(message);
    else if (this.#capacity > 0) {
      history[this.#head] = message;
      this.#head = this.#head + 1 === this.#capacity ? 0 : this.#head + 1;
    }
    const subscribers = this.subscribers;
    for (let i = 0; i < subscribers.length; i++) subscribers[i]!.deliver(message);
    message.compact();
  }

  /**
   * The updates after `fromSeq`, oldest first, or undefined when the history cannot give all of
   * them (too far behind, from before the channel went dormant, or from the future).
   */
  since(fromSeq: number): HubMessage[] | undefined {
    const history = this.#history;
    const length = history.length;
    if (!this.live || fromSeq > this.seq || fromSeq < this.base || fromSeq < this.seq - length)
      return undefined;
    const missing = this.seq - fromSeq;
    const out = new Array<HubMessage>(missing);
    // Entry k (0 = oldest) is at (head + k) % length once the ring is full, at k before.
    for (let i = 0; i < missing; i++) out[i] = history[(this.#head + length - missing + i) % length]!;
    return out;
  }

  /** Comes back from dormancy: one sequence number is skipped so older positions cannot resume. */
  wake(): void {
    if (this.live) return;
    this.live = true;
    this.seq++;
    this.base = this.seq;
  }

  /**
   * A counted channel (numbered by the engine's counts, the same on every cluster node) comes back
   * from dormancy at `seq`, the count now: a position before it gets a reset, one at it is current.
   */
  wakeAt(seq: number): void {
    if (this.live) return;
    this.live = true;
    this.seq = seq;
    this.base = seq;
  }

  /**
   * A counted channel jumped to `seq`: the messages between were never seen here (a cluster node
   * read the symbol back from storage). The history restarts there, and `reset` (its snapshot at
   * `seq`, built once `seq` is set) goes to every subscriber in place of the update.
   */
  restartAt(seq: number, reset: () => HubMessage): void {
    this.seq = seq;
    this.base = seq;
    this.#history = [];
    this.#head = 0;
    const message = reset();
    const subscribers = this.subscribers;
    for (let i = 0; i < subscribers.length; i++) subscribers[i]!.deliver(message);
  }

  /** Stops making messages and forgets the history. */
  sleep(): void {
    this.live = false;
    this.#history = [];
    this.#head = 0;
  }
}
