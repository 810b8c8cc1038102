import { CandleSet, type Candle, type CandleInit, type CandleSink } from './candles.js';
import type { Interval } from './interval.js';
import { MovingAverage } from './moving-average.js';
import { SequenceTracker } from './sequence.js';
import type { SnapshotPacker } from './snapshot-pack.js';
import {
  Direction,
  SPIKE_DOWN,
  SPIKE_UP,
  SpikeDetector,
  type Anomaly,
  type AnomalyMode,
} from './spike-detector.js';
import { RejectReason } from './tick.js';

/** Everything one symbol's analytics are configured by. */
export interface SymbolStateOptions {
  readonly movingAverageWindow: number;
  readonly windowMs: number;
  readonly thresholdPercent: number;
  readonly anomalyMode: AnomalyMode;
  readonly intervals: readonly Interval[];
  readonly allowedLatenessMs: number;
  readonly dedupeCapacity: number;
}

/** Receives what a tick or a clock reading produced, synchronously, in the order it happens. */
export interface SymbolEventSink extends CandleSink {
  gap(symbol: string, source: string, from: number, to: number): void;
  anomaly(anomaly: Anomaly): void;
}

/** Per-symbol statistics (DESIGN §3.3). */
export interface SymbolStats {
  readonly symbol: string;
  readonly currentPrice: number;
  readonly movingAverage: number;
  readonly updateCount: number;
  /** Event time of the last accepted tick, epoch ms. */
  readonly lastUpdateTime: number;
  readonly minPrice: number;
  readonly maxPrice: number;
  readonly volume: number;
  /** (currentPrice − movingAverage) / movingAverage × 100. */
  readonly changeFromAverage: number;
}

/** A symbol's whole state as plain data, enough to continue the same series after a restart. */
export interface SymbolSnapshot {
  readonly symbol: string;
  readonly updateCount: number;
  /** Anomalies flagged so far (absent: none); with `candleCloses`, what numbers a cluster's channels alike on every node. */
  readonly anomalyCount?: number;
  readonly currentPrice: number;
  readonly minPrice: number;
  readonly maxPrice: number;
  readonly volume: number;
  readonly lastUpdateTime: number;
  readonly lastTs: number;
  readonly lastArrival: number;
  /** The last `window + (updateCount mod window)` prices, oldest first: what the moving average
   *  needs to continue bit for bit (see MovingAverage). */
  readonly recentPrices: readonly number[];
  /** Spike window samples (effective time, price), oldest first. */
  readonly windowSamples: ReadonlyArray<{ readonly t: number; readonly price: number }>;
  readonly episodes: { readonly up: boolean; readonly down: boolean };
  readonly openCandles: readonly CandleInit[];
  /** Closed candles a late tick may still revise (only after the wall clock closed them). */
  readonly revisableCandles?: readonly CandleInit[];
  /** How far the wall clock had moved the watermark (absent: not at all). */
  readonly clockWatermark?: number;
  /** Candles closed so far per interval label (absent: none). */
  readonly candleCloses?: Readonly<Record<string, number>>;
  readonly sequences: ReadonlyArray<{ readonly source: string; readonly seq: number }>;
  readonly ids: readonly string[];
}

/**
 * One symbol's analytics: statistics, moving average, spike detector, candles at every interval,
 * duplicate and gap tracking. Pure: time comes in as values, results go out through the sink.
 *
 * Use: `check` (duplicate, late), then `apply` if the caller accepts the tick. A refused tick
 * changes nothing.
 */
export class SymbolState {
  readonly symbol: string;
  currentPrice = NaN;
  updateCount = 0;
  /** Anomalies flagged so far. */
  anomalyCount = 0;
  minPrice = Infinity;
  maxPrice = -Infinity;
  volume = 0;
  lastUpdateTime = NaN;
  /** Largest accepted event time. */
  lastTs = -Infinity;
  /** Arrival time of the last accepted tick. */
  lastArrival = NaN;

  readonly #latenessMs: number;
  #average: MovingAverage;
  readonly #spikes: SpikeDetector;
  readonly #candles: CandleSet;
  readonly #sequence: SequenceTracker;
  /** How far the wall clock has pushed the watermark of a quiet symbol. */
  #clockWatermark = -Infinity;

  constructor(symbol: string, options: SymbolStateOptions) {
    this.symbol = symbol;
    this.#latenessMs = options.allowedLatenessMs;
    this.#average = new MovingAverage(options.movingAverageWindow);
    this.#spikes = new SpikeDetector({
      windowMs: options.windowMs,
      thresholdPercent: options.thresholdPercent,
      mode: options.anomalyMode,
    });
    this.#candles = new CandleSet(symbol, options.intervals);
    this.#sequence = new SequenceTracker(options.dedupeCapacity);
  }

  get movingAverage(): number {
    return this.#average.value;
  }

  /** Candles close once this passes their end: `lastTs − lateness`, or later when the clock moved it. */
  get watermark(): number {
    const eventWatermark = this.lastTs - this.#latenessMs;
    return eventWatermark > this.#clockWatermark ? eventWatermark : this.#clockWatermark;
  }

  /** The reason this tick must be refused (duplicate, then late), or undefined to accept it. */
  check(
    ts: number,
    seq: number | undefined,
    id: string | undefined,
    source: string,
  ): RejectReason | undefined {
    if ((seq !== undefined || id !== undefined) && this.#sequence.isDuplicate(source, seq, id)) {
      return RejectReason.Duplicate;
    }
    if (ts < this.lastTs - this.#latenessMs) return RejectReason.Late;
    return undefined;
  }

  /** Applies an accepted tick (one that passed `check`). */
  apply(
    ts: number,
    price: number,
    volume: number,
    seq: number | undefined,
    id: string | undefined,
    source: string,
    receivedAt: number,
    sink: SymbolEventSink,
  ): void {
    if (seq !== undefined || id !== undefined) {
      if (seq !== undefined) {
        const last = this.#sequence.lastSeq(source);
        if (last >= 0 && seq > last + 1) sink.gap(this.symbol, source, last + 1, seq - 1);
      }
      this.#sequence.record(source, seq, id);
    }

    this.currentPrice = price;
    this.updateCount++;
    if (price < this.minPrice) this.minPrice = price;
    if (price > this.maxPrice) this.maxPrice = price;
    this.volume += volume;
    this.lastUpdateTime = ts;
    this.lastArrival = receivedAt;
    this.#average.push(price);

    // A tick within the lateness counts at the latest time seen: the spike window only moves forward.
    const t = ts > this.lastTs ? ts : this.lastTs;
    this.lastTs = t;
    const fired = this.#spikes.push(t, price);
    if (fired !== 0) {
      // Counted before each is emitted: a listener reads the count that numbers it (eventCount).
      if ((fired & SPIKE_UP) !== 0) {
        this.anomalyCount++;
        sink.anomaly(this.#spikes.anomaly(this.symbol, Direction.Up, price, ts));
      }
      if ((fired & SPIKE_DOWN) !== 0) {
        this.anomalyCount++;
        sink.anomaly(this.#spikes.anomaly(this.symbol, Direction.Down, price, ts));
      }
    }

    // The `watermark` getter, inlined: V8 left it a call on this path.
    const eventWatermark = t - this.#latenessMs;
    const watermark = eventWatermark > this.#clockWatermark ? eventWatermark : this.#clockWatermark;
    const candles = this.#candles;
    candles.add(ts, price, volume, watermark, sink);
    if (watermark >= candles.nextEnd) candles.closeUpTo(watermark, eventWatermark, sink);
  }

  /**
   * Moves a quiet symbol's watermark with the wall clock (`now`, epoch ms) and closes what it
   * passes: `lastTs + (now − arrival of last tick) − lateness`.
   */
  advance(now: number, sink: SymbolEventSink): void {
    if (this.updateCount === 0) return;
    const clockWatermark = this.lastTs + (now - this.lastArrival) - this.#latenessMs;
    if (clockWatermark > this.#clockWatermark) this.#clockWatermark = clockWatermark;
    const watermark = this.watermark;
    if (watermark >= this.#candles.nextEnd)
      this.#candles.closeUpTo(watermark, this.lastTs - this.#latenessMs, sink);
  }

  /** Closes every open candle (end of a finite input). */
  closeAll(sink: SymbolEventSink): void {
    this.#candles.closeAll(sink);
  }

  stats(): SymbolStats {
    const movingAverage = this.#average.value;
    return {
      symbol: this.symbol,
      currentPrice: this.currentPrice,
      movingAverage,
      updateCount: this.updateCount,
      lastUpdateTime: this.lastUpdateTime,
      minPrice: this.minPrice,
      maxPrice: this.maxPrice,
      volume: this.volume,
      changeFromAverage: ((this.currentPrice - movingAverage) / movingAverage) * 100,
    };
  }

  /**
   * Candle events of interval `k` so far: one per accepted tick (its bucket's update or revision)
   * and one per close. Counted whether or not the updates are emitted.
   */
  candleEvents(k: number): number {
    return this.updateCount + this.#candles.closes(k);
  }

  /** Copies of the open candles of every interval, shortest interval first, oldest first. */
  openCandles(): Candle[] {
    return this.#candles.openCandles();
  }

  snapshot(): SymbolSnapshot {
    // Built field by field, not with a conditional spread (which takes V8's slow object-clone
    // path): a partition snapshots every symbol it owns. The key order is the JSON's.
    const snapshot = {
      symbol: this.symbol,
      updateCount: this.updateCount,
      currentPrice: this.currentPrice,
      minPrice: this.minPrice,
      maxPrice: this.maxPrice,
      volume: this.volume,
      lastUpdateTime: this.lastUpdateTime,
      lastTs: this.lastTs,
      lastArrival: this.lastArrival,
      recentPrices: this.#average.replayValues(),
      windowSamples: this.#spikes.samples(),
      episodes: this.#spikes.episodes,
      openCandles: this.openCandles().map((c) => c.toInit()),
      revisableCandles: this.#candles.revisableCandles().map((c) => c.toInit()),
    } as { -readonly [K in keyof SymbolSnapshot]?: SymbolSnapshot[K] };
    // JSON has no ±Infinity or NaN: leave out what has no finite value.
    if (Number.isFinite(this.#clockWatermark)) snapshot.clockWatermark = this.#clockWatermark;
    if (this.anomalyCount > 0) snapshot.anomalyCount = this.anomalyCount;
    const closes = this.#candles.closesByLabel();
    if (closes !== undefined) snapshot.candleCloses = closes;
    snapshot.sequences = this.#sequence.sequences();
    snapshot.ids = this.#sequence.ids();
    return snapshot as SymbolSnapshot;
  }

  /**
   * What `snapshot` gives, into a packer (src/core/snapshot-pack.ts, which reads it back as the
   * same object): straight from the fields and the candle slots, without the objects.
   */
  pack(packer: SnapshotPacker): void {
    packer.string(this.symbol);
    packer.number(this.updateCount);
    packer.number(this.anomalyCount);
    packer.number(this.currentPrice);
    packer.number(this.minPrice);
    packer.number(this.maxPrice);
    packer.number(this.volume);
    packer.number(this.lastUpdateTime);
    packer.number(this.lastTs);
    packer.number(this.lastArrival);
    packer.number(this.#clockWatermark);
    this.#average.packReplay(packer);
    const samples = this.#spikes.samples();
    packer.number(samples.length);
    for (const sample of samples) {
      packer.number(sample.t);
      packer.number(sample.price);
    }
    const episodes = this.#spikes.episodes;
    packer.number(episodes.up ? 1 : 0);
    packer.number(episodes.down ? 1 : 0);
    this.#candles.pack(packer);
    const sequences = this.#sequence.sequences();
    packer.number(sequences.length);
    for (const { source, seq } of sequences) {
      packer.string(source);
      packer.number(seq);
    }
    const ids = this.#sequence.ids();
    packer.number(ids.length);
    for (const id of ids) packer.string(id);
  }

  /** A state that continues exactly where `snapshot` left off (options must match). */
  static restore(snapshot: SymbolSnapshot, options: SymbolStateOptions): SymbolState {
    const state = new SymbolState(snapshot.symbol, options);
    state.updateCount = snapshot.updateCount;
    state.currentPrice = snapshot.currentPrice;
    state.minPrice = snapshot.minPrice;
    state.maxPrice = snapshot.maxPrice;
    state.volume = snapshot.volume;
    state.lastUpdateTime = snapshot.lastUpdateTime;
    state.lastTs = snapshot.lastTs;
    state.lastArrival = finiteOr(snapshot.lastArrival, NaN);
    state.#average = MovingAverage.restore(
      options.movingAverageWindow,
      snapshot.recentPrices,
      snapshot.updateCount,
    );
    state.#spikes.restore(snapshot.windowSamples, snapshot.episodes);
    for (const { source, seq } of snapshot.sequences) state.#sequence.record(source, seq, undefined);
    for (const id of snapshot.ids) state.#sequence.record('', undefined, id);
    for (const init of snapshot.openCandles) state.#candles.restore(init);
    for (const init of snapshot.revisableCandles ?? []) state.#candles.restore(init);
    state.#clockWatermark = finiteOr(snapshot.clockWatermark, -Infinity);
    state.anomalyCount = finiteOr(snapshot.anomalyCount, 0);
    if (snapshot.candleCloses !== undefined) state.#candles.restoreCloses(snapshot.candleCloses);
    return state;
  }
}

/** A number from a snapshot that went through JSON (where NaN and ±Infinity became null). */
function finiteOr(value: number | null | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}
