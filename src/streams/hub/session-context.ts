import type { StreamsConfig } from '../../config.js';
import type { DayFeed } from '../compat/day-feed.js';
import type { DrainWatch } from '../delivery/drain-watch.js';
import type { WriteBatcher } from '../delivery/write-batcher.js';
import type { Channel, HubSubscriber } from './channel.js';
import type { ChannelSpec } from './channel-name.js';
import type { HubMessage } from './hub-message.js';
import type { Protocol, StreamCounters } from './stream-counters.js';

/** What a subscription starts with. */
export interface Subscription {
  readonly channel: Channel;
  /** The snapshot (or reset), or the updates missed since `fromSeq`; send these first. */
  readonly initial: HubMessage[];
}

/**
 * What a session (one connection of any protocol) needs of the hub: its options, its protocol's
 * counters, the shared drain watch and write batcher, and the channel and day-feed subscriptions.
 * Sessions get this rather than the Hub, so they cannot reach the engine or the hub's bookkeeping.
 */
export interface SessionContext {
  readonly options: StreamsConfig;
  readonly drainWatch: DrainWatch;
  readonly batcher: WriteBatcher;
  /** The earlier C++/Java system's day feed (`/ws/marketdata`, STOMP `/topic/marketdata`). */
  readonly days: DayFeed;
  counters(protocol: Protocol): StreamCounters;
  /** The spec of a channel name, or why it is not a channel. */
  parse(name: string): ChannelSpec | string;
  subscribe(
    subscriber: HubSubscriber,
    spec: ChannelSpec,
    options?: { fromSeq?: number | undefined; initial?: boolean },
  ): Subscription;
  unsubscribe(subscriber: HubSubscriber, channel: Channel): void;
}
