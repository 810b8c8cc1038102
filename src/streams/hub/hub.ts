import type { CandleData } from '../../core/candles.js';
import type { AnomalyQuery, CandleQuery } from '../../core/history-query.js';
import type { Anomaly } from '../../core/spike-detector.js';
import type { DayAggregates } from '../../engine/day-aggregates.js';
import type { EventCounts, EventKind } from '../../engine/engine.js';
import type { EnginePort, PortTickEvent } from '../../engine/engine-port.js';
import type { Metrics } from '../../observability/metrics.js';
import type { StreamsConfig } from '../../config.js';
import { Channel, type HubSubscriber } from './channel.js';
import { ALL_SYMBOLS, ChannelKind, parseChannel, type ChannelSpec } from './channel-name.js';
import { DayFeed } from '../compat/day-feed.js';
import { DrainWatch } from '../delivery/drain-watch.js';
import { HubMessage, MessageType, SNAPSHOT_KEY } from './hub-message.js';
import { StreamCounters, PROTOCOLS, type Protocol } from './stream-counters.js';
import type { SessionContext, Subscription } from './session-context.js';
import { registerStreamMetrics } from './stream-metrics.js';
import { SymbolChannels } from './symbol-channels.js';
import { WriteBatcher } from '../delivery/write-batcher.js';

/**
 * The stored history GraphQL serves beside the live data: storage's market data reads, passed in
 * by main.ts (the hub does not know storage).
 */
export interface StoredHistory {
  candles(query: CandleQuery): Promise<CandleData[]>;
  anomalies(query: AnomalyQuery): Promise<Anomaly[]>;
}

/** Nothing stored: history from the engine alone (a hub without storage). */
const NOTHING_STORED: StoredHistory = {
  candles: () => Promise.resolve([]),
  anomalies: () => Promise.resolve([]),
};

/** Anomalies in an anomaly channel's snapshot (newest first). */
export const SNAPSHOT_ANOMALIES = 50;

export interface HubDeps {
  readonly engine: EnginePort;
  readonly options: StreamsConfig;
  /** Registers the hub's Prometheus collectors (once per registry). */
  readonly metrics?: Metrics | undefined;
  /** The day aggregates gRPC also serves (fed by the engine's ticks). */
  readonly dayAggregates: DayAggregates;
  /** Storage, for the history GraphQL serves beside the live data (absent: the engine's alone). */
  readonly history?: StoredHistory | undefined;
  /**
   * Sequence number a channel starts from. Default: microseconds since the epoch when the hub is
   * made, so sequence numbers keep growing across restarts and a `fromSeq` from a previous
   * process can never be mistaken for a position in this one.
   */
  readonly seqBase?: number | undefined;
  /**
   * Numbers the channels from event counts instead (a cluster node): `base` plus the count, so
   * every node gives a message the same sequence number, and a client can resume on another node.
   * A symbol's channels by the symbol's counts; the channels of every symbol (`ticks.*`,
   * `anomalies`, …) by the cluster's counts in its one order (src/cluster/live-feed.ts).
   */
  readonly counted?: { readonly base: number; readonly counts: EventCounts } | undefined;
}

/** The engine count that numbers a symbol's channel of each kind (a stats update per tick). */
const COUNTED_KIND: Record<ChannelKind, EventKind | undefined> = {
  [ChannelKind.Ticks]: 'ticks',
  [ChannelKind.Stats]: 'ticks',
  [ChannelKind.Candles]: 'candles',
  [ChannelKind.Anomalies]: 'anomalies',
  [ChannelKind.Replays]: undefined,
};

/**
 * The hub: every live consumer is served from here (docs/streams.md). It turns engine events into
 * channel messages with per-channel sequence numbers, answers subscriptions with a snapshot valid
 * at a sequence number (or the history after a `fromSeq`), and keeps the per-protocol counters.
 *
 * The engine calls it synchronously on its hot path. Per event it does one map lookup and a few
 * field writes; a message is built only for a channel that is live, serialized once, and the same
 * string (and bytes) go to every subscriber. EnginePort and hub share one thread, so a subscription
 * is atomic: its snapshot reflects exactly the updates up to its sequence number, and the next
 * update carries the one after.
 */
export class Hub implements SessionContext {
  readonly engine: EnginePort;
  readonly options: StreamsConfig;
  readonly days: DayFeed;
  readonly history: StoredHistory;
  /** Configured candle interval labels. */
  readonly intervals: ReadonlySet<string>;
  readonly drainWatch = new DrainWatch();
  readonly batcher = new WriteBatcher();
  /**
   * Where a new channel's sequence numbers start: above every number a channel of the same name
   * (put to sleep and forgotten since) has given out, so an old position never matches a new one.
   */
  #seqFloor: number;
  readonly #counted: HubDeps['counted'];
  readonly #channels = new Map<string, Channel>();
  readonly #symbols = new Map<string, SymbolChannels>();
  readonly #allTicks: Channel;
  readonly #allStats: Channel;
  readonly #allCandles = new Map<string, Channel>();
  /** `anomalies` and `anomalies.*`. */
  readonly #allAnomalies: Channel[];
  readonly #counters = new Map<Protocol, StreamCounters>();
  readonly #replays: Channel;
  #replayList: () => unknown[] = () => [];
  #liveCandleChannels = 0;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(deps: HubDeps) {
    this.engine = deps.engine;
    this.options = deps.options;
    this.history = deps.history ?? NOTHING_STORED;
    this.#seqFloor = deps.seqBase ?? Date.now() * 1000;
    this.#counted = deps.counted;
    this.intervals = new Set(this.engine.intervals.map((i) => i.label));
    this.days = new DayFeed(deps.dayAggregates);
    for (const protocol of PROTOCOLS) this.#counters.set(protocol, new StreamCounters());
    this.#allTicks = this.#channel(this.#spec(`${ChannelKind.Ticks}.*`));
    this.#allStats = this.#channel(this.#spec(`${ChannelKind.Stats}.*`));
    this.#allAnomalies = [this.#channel(this.#spec('anomalies')), this.#channel(this.#spec('anomalies.*'))];
    for (const interval of this.intervals) this.#channel(this.#spec(`${ChannelKind.Candles}.${interval}.*`));
    this.#replays = this.#channel(this.#spec(ChannelKind.Replays));
    if (deps.metrics !== undefined) registerStreamMetrics(deps.metrics, this);
  }

  /**
   * Starts putting idle channels to sleep. The engine's events come through `onTick`, `onCandle`
   * and `onAnomaly`, which src/main.ts wires.
   */
  start(): void {
    if (this.#sweeper !== undefined) return;
    this.#sweeper = setInterval(() => this.sweep(Date.now()), Math.min(1000, this.options.resumeWindowMs));
    this.#sweeper.unref();
  }

  /** Stops the sweeper. Connections are closed by their servers; main unwires the engine. */
  stop(): void {
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    this.drainWatch.stop();
  }

  /** Counters of one protocol (connections increment them). */
  counters(protocol: Protocol): StreamCounters {
    return this.#counters.get(protocol)!;
  }

  /** Open connections by protocol (for `/api/metrics`). */
  connectionCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [protocol, c] of this.#counters) out[protocol] = c.connections;
    return out;
  }

  /** Channels live now, and subscriptions across them. */
  channelCounts(): { channels: number; subscriptions: number } {
    let channels = 0;
    let subscriptions = 0;
    for (const channel of this.#channels.values()) {
      if (channel.live) channels++;
      subscriptions += channel.subscribers.length;
    }
    return { channels, subscriptions };
  }

  /** Where the `replays` channel's snapshot comes from (the server's replays). */
  setReplayList(list: () => unknown[]): void {
    this.#replayList = list;
  }

  /** Publishes one replay's state on the `replays` channel. */
  publishReplay(replay: unknown): void {
    if (this.#replays.live) this.#replays.publish(JSON.stringify(replay), null);
  }

  /** Parses a channel name against the configured intervals: the spec, or why it is not a channel. */
  parse(name: string): ChannelSpec | string {
    return parseChannel(name, this.intervals);
  }

  /**
   * Adds `subscriber` to a channel. Returns the messages to send before any later update: the
   * snapshot; or, with `fromSeq`, the updates after it from the history, or a snapshot typed
   * `reset` when the history cannot give them. `initial: false` skips them (GraphQL sends only
   * what happens next).
   */
  subscribe(
    subscriber: HubSubscriber,
    spec: ChannelSpec,
    options: { fromSeq?: number | undefined; initial?: boolean } = {},
  ): Subscription {
    const channel = this.#channel(spec);
    if (!channel.live) {
      const counted = this.#countedSeq(channel);
      if (counted === undefined) channel.wake();
      else channel.wakeAt(counted);
      if (channel.kind === ChannelKind.Candles) this.#liveCandleChannels++;
    }
    if (!channel.subscribers.includes(subscriber)) channel.subscribers.push(subscriber);
    channel.idleSince = NaN;
    if (options.initial === false) return { channel, initial: [] };
    if (options.fromSeq !== undefined) {
      const missed = channel.since(options.fromSeq);
      if (missed !== undefined) return { channel, initial: missed };
      return { channel, initial: [this.snapshot(channel, MessageType.Reset)] };
    }
    return { channel, initial: [this.snapshot(channel, MessageType.Snapshot)] };
  }

  unsubscribe(subscriber: HubSubscriber, channel: Channel, now = Date.now()): void {
    const at = channel.subscribers.indexOf(subscriber);
    if (at < 0) return;
    channel.subscribers.splice(at, 1);
    if (channel.subscribers.length === 0) channel.idleSince = now;
  }

  /**
   * Puts to sleep the channels nobody has listened to for `resumeWindowMs`. A symbol's channel is
   * then forgotten (a client subscribing to made-up symbols cannot make the hub grow), the
   * wildcard ones stay.
   */
  sweep(now: number): void {
    for (const channel of this.#channels.values()) {
      if (
        channel.live &&
        channel.subscribers.length === 0 &&
        now - channel.idleSince >= this.options.resumeWindowMs
      ) {
        channel.sleep();
        if (channel.kind === ChannelKind.Candles) this.#liveCandleChannels--;
        if (channel.symbol !== ALL_SYMBOLS) this.#forget(channel);
      }
    }
  }

  #forget(channel: Channel): void {
    if (channel.seq > this.#seqFloor) this.#seqFloor = channel.seq;
    this.#channels.delete(channel.name);
    const symbol = this.#symbols.get(channel.symbol);
    if (symbol === undefined) return;
    if (symbol.ticks === channel) symbol.ticks = undefined;
    else if (symbol.stats === channel) symbol.stats = undefined;
    else if (symbol.anomalies === channel) symbol.anomalies = undefined;
    else if (channel.interval !== undefined && symbol.candles?.get(channel.interval) === channel) {
      symbol.candles.delete(channel.interval);
      if (symbol.candles.size === 0) symbol.candles = undefined;
    }
    const unused =
      !symbol.hasTick &&
      symbol.ticks === undefined &&
      symbol.stats === undefined &&
      symbol.anomalies === undefined &&
      symbol.candles === undefined;
    if (unused) this.#symbols.delete(channel.symbol);
  }

  /** The channel's current state as a message at its current sequence number. */
  snapshot(channel: Channel, type: MessageType): HubMessage {
    return new HubMessage(channel, channel.seq, type, this.#snapshotData(channel), SNAPSHOT_KEY);
  }

  #snapshotData(channel: Channel): string {
    const engine = this.engine;
    const all = channel.symbol === ALL_SYMBOLS;
    switch (channel.kind) {
      case ChannelKind.Ticks: {
        if (!all) {
          const symbol = this.#symbols.get(channel.symbol);
          return symbol?.hasTick === true ? symbol.tickJson() : 'null';
        }
        const ticks = [...this.#symbols.values()]
          .filter((s) => s.hasTick)
          .sort((a, b) => (a.symbol < b.symbol ? -1 : 1));
        return '[' + ticks.map((s) => s.tickJson()).join(',') + ']';
      }
      case ChannelKind.Stats:
        return JSON.stringify(all ? engine.allStats() : (engine.stats(channel.symbol) ?? null));
      case ChannelKind.Candles: {
        const latest = (symbol: string): CandleData | undefined =>
          engine.openCandles(symbol, channel.interval).at(-1);
        if (!all) return JSON.stringify(latest(channel.symbol) ?? null);
        return JSON.stringify(engine.symbols().flatMap((symbol) => latest(symbol) ?? []));
      }
      case ChannelKind.Anomalies:
        return JSON.stringify(
          engine.recentAnomalies(
            all ? { limit: SNAPSHOT_ANOMALIES } : { symbol: channel.symbol, limit: SNAPSHOT_ANOMALIES },
          ),
        );
      case ChannelKind.Replays:
        return JSON.stringify(this.#replayList());
    }
  }

  /** A counted channel's sequence number now (undefined: the hub numbers the channel itself). */
  #countedSeq(spec: ChannelSpec): number | undefined {
    const counted = this.#counted;
    const kind = COUNTED_KIND[spec.kind];
    if (counted === undefined || kind === undefined) return undefined;
    return (
      counted.base +
      (spec.symbol === ALL_SYMBOLS
        ? counted.counts.lastAllCount(kind, spec.interval)
        : counted.counts.eventCount(spec.symbol, kind, spec.interval))
    );
  }

  /**
   * Publishes on a symbol's channel: the hub's next number, or on a counted channel the count's. A
   * count past the next number (this node missed those events) restarts the channel there with a
   * reset snapshot instead of the update; one not past it takes the next number.
   */
  #publishOn(channel: Channel, data: string, conflationKey: string | null): void {
    this.#publishAt(this.#countedSeq(channel), channel, data, conflationKey);
  }

  /**
   * Publishes on a channel of every symbol: on a cluster node at the cluster's count (as
   * `#publishOn`), or not at all when the node cannot tell the count now.
   */
  #publishOnAll(channel: Channel, data: string, conflationKey: string | null): void {
    const counted = this.#counted;
    if (counted === undefined) return channel.publish(data, conflationKey);
    const count = counted.counts.allCount(COUNTED_KIND[channel.kind]!, channel.interval);
    if (count !== undefined) this.#publishAt(counted.base + count, channel, data, conflationKey);
  }

  #publishAt(seq: number | undefined, channel: Channel, data: string, conflationKey: string | null): void {
    if (seq !== undefined && seq > channel.seq + 1)
      channel.restartAt(seq, () => this.snapshot(channel, MessageType.Reset));
    else channel.publish(data, conflationKey);
  }

  #spec(name: string): ChannelSpec {
    const spec = this.parse(name);
    if (typeof spec === 'string') throw new Error(spec);
    return spec;
  }

  #channel(spec: ChannelSpec): Channel {
    let channel = this.#channels.get(spec.name);
    if (channel !== undefined) return channel;
    const conflated = spec.kind === ChannelKind.Stats || spec.kind === ChannelKind.Candles;
    channel = new Channel(
      spec,
      conflated,
      this.#countedSeq(spec) ?? this.#seqFloor,
      this.options.historySize,
    );
    this.#channels.set(spec.name, channel);
    if (spec.symbol === ALL_SYMBOLS) {
      if (spec.kind === ChannelKind.Candles) this.#allCandles.set(spec.interval!, channel);
      return channel;
    }
    const symbol = this.#symbol(spec.symbol);
    switch (spec.kind) {
      case ChannelKind.Ticks:
        symbol.ticks = channel;
        break;
      case ChannelKind.Stats:
        symbol.stats = channel;
        break;
      case ChannelKind.Anomalies:
        symbol.anomalies = channel;
        break;
      case ChannelKind.Candles:
        (symbol.candles ??= new Map()).set(spec.interval!, channel);
        break;
    }
    return channel;
  }

  #symbol(name: string): SymbolChannels {
    let symbol = this.#symbols.get(name);
    if (symbol === undefined) this.#symbols.set(name, (symbol = new SymbolChannels(name)));
    return symbol;
  }

  /**
   * Whether a candle channel is live: open-candle updates cost the engine a call per interval per
   * tick, so it makes them only while someone wants them (`Engine.demandCandleUpdates`).
   */
  wantsCandleUpdates(): boolean {
    return this.#liveCandleChannels > 0;
  }

  /**
   * The engine's `tick` listener. The symbol's `SymbolChannels` keeps its own copy of the last
   * tick: a channel snapshot is asked for between ticks, when the engine's reused event is gone.
   */
  readonly onTick = (e: PortTickEvent): void => {
    let symbol = this.#symbols.get(e.symbol);
    if (symbol === undefined) symbol = this.#symbol(e.symbol);
    symbol.record(e);
    const ticks = symbol.ticks;
    const allTicks = this.#allTicks;
    const ticksLive = ticks !== undefined && ticks.live;
    if (ticksLive || allTicks.live) {
      const data = symbol.tickJson();
      if (ticksLive) this.#publishOn(ticks, data, null);
      if (allTicks.live) this.#publishOnAll(allTicks, data, null);
    }
    const stats = symbol.stats;
    const allStats = this.#allStats;
    const statsLive = stats !== undefined && stats.live;
    if (statsLive || allStats.live) {
      if (this.engine.queriesLag) this.#statsLater(e.symbol);
      else this.#publishStats(e.symbol);
    }
  };

  /** Symbols whose stats are published once the threaded engine's views are up to date. */
  #statsPending = new Set<string>();
  /** The symbols the refresh in flight publishes (swapped with `#statsPending`, never reallocated). */
  #statsRefreshed = new Set<string>();
  #statsRefreshing = false;

  /**
   * The threaded engine's stats come from its partitions' views: the symbols' updates wait for one
   * refresh (one in flight at a time), then carry the stats after their ticks, conflated as usual.
   * A tick that arrives while a refresh is in flight waits for the next one: a partition may have
   * answered the one in flight before it took that tick, and a new symbol would then have no view.
   */
  #statsLater(symbol: string): void {
    this.#statsPending.add(symbol);
    if (!this.#statsRefreshing) this.#refreshStats();
  }

  #refreshStats(): void {
    this.#statsRefreshing = true;
    const symbols = this.#statsPending;
    this.#statsPending = this.#statsRefreshed;
    this.#statsRefreshed = symbols;
    void this.engine.refreshViews().then(() => {
      for (const symbol of symbols) this.#publishStats(symbol);
      symbols.clear();
      if (this.#statsPending.size > 0) this.#refreshStats();
      else this.#statsRefreshing = false;
    });
  }

  #publishStats(symbol: string): void {
    const current = this.engine.stats(symbol);
    if (current === undefined) return;
    const stats = this.#symbols.get(symbol)?.stats;
    const statsLive = stats !== undefined && stats.live;
    const allStats = this.#allStats;
    if (!statsLive && !allStats.live) return;
    const data = JSON.stringify(current);
    if (statsLive) this.#publishOn(stats, data, symbol);
    if (allStats.live) this.#publishOnAll(allStats, data, symbol);
  }

  /** The engine's `candle` and `candleUpdate` listener. */
  readonly onCandle = (candle: CandleData): void => {
    if (this.#liveCandleChannels === 0) return;
    const channel = this.#symbols.get(candle.symbol)?.candles?.get(candle.interval);
    const all = this.#allCandles.get(candle.interval);
    const live = channel !== undefined && channel.live;
    if (!live && (all === undefined || !all.live)) return;
    const data = JSON.stringify(candle);
    const key = candle.symbol + ':' + candle.start;
    if (live) this.#publishOn(channel, data, key);
    if (all !== undefined && all.live) this.#publishOnAll(all, data, key);
  };

  /** The engine's `anomaly` listener. */
  readonly onAnomaly = (anomaly: Anomaly): void => {
    const channel = this.#symbols.get(anomaly.symbol)?.anomalies;
    const live = channel !== undefined && channel.live;
    const [all, star] = this.#allAnomalies as [Channel, Channel];
    if (!live && !all.live && !star.live) return;
    const data = JSON.stringify(anomaly);
    if (live) this.#publishOn(channel, data, null);
    if (all.live) this.#publishOnAll(all, data, null);
    if (star.live) this.#publishOnAll(star, data, null);
  };
}
