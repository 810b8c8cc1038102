import fc from 'fast-check';

import type { CandleData } from '../../src/core/candles.js';
import { parseIntervals, type Interval } from '../../src/core/interval.js';
import type { Anomaly, AnomalyMode, Severity } from '../../src/core/spike-detector.js';
import type { SymbolStateOptions, SymbolStats } from '../../src/core/symbol-state.js';

// The naive oracle of one symbol's processing (DESIGN §3.2–3.5) and the random streams it is
// checked on: shared by the SymbolState property tests and the partitioned engine's.

// ---------------------------------------------------------------------------------------------
// Inputs

export interface TickAction {
  readonly kind: 'tick';
  readonly ts: number;
  readonly price: number;
  readonly volume: number;
  readonly seq: number | undefined;
  readonly id: string | undefined;
  readonly source: string;
  readonly receivedAt: number;
  /** The caller refuses the tick after `check` passed (e.g. overloaded): it must change nothing. */
  readonly refuse: boolean;
}
export interface AdvanceAction {
  readonly kind: 'advance';
  readonly now: number;
}
export type Action = TickAction | AdvanceAction;

export type Event =
  | { readonly type: 'rejected'; readonly index: number; readonly reason: string }
  | {
      readonly type: 'gap';
      readonly symbol: string;
      readonly source: string;
      readonly from: number;
      readonly to: number;
    }
  | ({ readonly type: 'anomaly' } & Anomaly)
  | ({ readonly type: 'candle' } & CandleData);

/** The float64 neighbour `steps` representable values away from `x` (x > 0). */
export function nextFloat(x: number, steps: number): number {
  const bits = new Float64Array([x]);
  const ints = new BigInt64Array(bits.buffer);
  ints[0] = ints[0]! + BigInt(steps);
  return bits[0]!;
}

/** A price p with ((p − ref) / ref) * 100 === percent exactly in float64, if one is near. */
export function exactMove(ref: number, percent: number): number | undefined {
  const guess = ref * (1 + percent / 100);
  for (let d = -64; d <= 64; d++) {
    const p = nextFloat(guess, d);
    if (((p - ref) / ref) * 100 === percent) return p;
  }
  return undefined;
}

/** Prices around a base with moves of exactly ±T (and +T twice over), and of more and less than T. */
export function priceCluster(base: number, thresholdPercent: number): number[] {
  const up = exactMove(base, thresholdPercent);
  const exact = [up, exactMove(base, -thresholdPercent), up && exactMove(up, thresholdPercent)];
  return [
    base,
    base * 1.004,
    base * 0.993,
    base * 1.08,
    base * 0.95,
    ...exact.filter((p) => p !== undefined),
  ];
}

export const optionsArb = fc.record({
  movingAverageWindow: fc.integer({ min: 1, max: 6 }),
  windowMs: fc.constantFrom(0, 10, 100, 1000),
  thresholdPercent: fc.constantFrom(2, 0.5, 5),
  anomalyMode: fc.constantFrom<AnomalyMode>('episode', 'every'),
  intervals: fc
    .subarray(['1ms', '10ms', '100ms', '1s', '1m'], { minLength: 1 })
    .map((texts): readonly Interval[] => parseIntervals(texts)),
  allowedLatenessMs: fc.constantFrom(0, 5, 50, 1000),
  dedupeCapacity: fc.constantFrom(0, 1, 3, 10_000),
});

export function actionsArb(options: SymbolStateOptions, withAdvance: boolean) {
  const L = options.allowedLatenessMs;
  const longest = options.intervals[options.intervals.length - 1]!.ms;
  const tsStep = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 30 }) },
    { weight: 2, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.constantFrom(-L, -L - 1, options.windowMs, options.windowMs + 1) },
    { weight: 2, arbitrary: fc.integer({ min: -L - 5, max: 0 }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: Math.min(longest, 100_000) + L }) },
  );
  const tick = fc.record({
    kind: fc.constant('tick' as const),
    clockStep: fc.integer({ min: 0, max: 40 }),
    tsStep,
    pricePick: fc.nat(),
    volume: fc.oneof(fc.constant(0), fc.constantFrom(1, 2.5), fc.double({ min: 0, max: 1000, noNaN: true })),
    source: fc.constantFrom('a', 'b'),
    seqStep: fc.option(fc.integer({ min: -1, max: 3 }), { nil: undefined, freq: 3 }),
    id: fc.option(
      fc.integer({ min: 0, max: 15 }).map((n) => `id-${n}`),
      { nil: undefined, freq: 2 },
    ),
    refuse: fc.oneof(
      { weight: 15, arbitrary: fc.constant(false) },
      { weight: 1, arbitrary: fc.constant(true) },
    ),
  });
  const advance = fc.record({
    kind: fc.constant('advance' as const),
    clockStep: fc.integer({ min: 0, max: 3000 }),
  });
  type Item = typeof tick extends fc.Arbitrary<infer T> ? T : never;
  type AdvanceItem = typeof advance extends fc.Arbitrary<infer T> ? T : never;
  const item: fc.Arbitrary<Item | AdvanceItem> = withAdvance
    ? fc.oneof({ weight: 8, arbitrary: tick }, { weight: 1, arbitrary: advance })
    : tick;
  return fc
    .tuple(
      fc.constantFrom(1, 100, 64_000, 0.04),
      fc.array(item, { minLength: 1, maxLength: 120, size: 'max' }),
    )
    .map(([base, items]) => {
      const prices = priceCluster(base, options.thresholdPercent);
      let clock = 1_700_000_000_000;
      let ts = clock;
      const nextSeq = new Map<string, number>();
      return items.map((it): Action => {
        clock += it.clockStep;
        if (it.kind === 'advance') return { kind: 'advance', now: clock };
        ts = Math.max(0, ts + it.tsStep);
        let seq: number | undefined;
        if (it.seqStep !== undefined) {
          // Mostly the next number, sometimes a repeat or a jump (duplicates and gaps).
          seq = Math.max(0, (nextSeq.get(it.source) ?? 0) + it.seqStep);
          nextSeq.set(it.source, seq + 1);
        }
        return {
          kind: 'tick',
          ts,
          price: prices[it.pricePick % prices.length]!,
          volume: it.volume,
          seq,
          id: it.id,
          source: it.source,
          receivedAt: clock,
          refuse: it.refuse,
        };
      });
    });
}

// ---------------------------------------------------------------------------------------------
// The naive oracle: DESIGN §3.2–3.5 over the whole stream, every answer recomputed by scanning.

export interface Accepted {
  readonly ts: number;
  /** Effective time for the spike window: the largest ts accepted so far. */
  readonly t: number;
  readonly price: number;
  readonly volume: number;
  readonly seq: number | undefined;
  readonly id: string | undefined;
  readonly source: string;
  readonly receivedAt: number;
}

export function naiveSeverity(changePercent: number): Severity {
  if (Math.abs(changePercent) > 5) return 'critical';
  if (Math.abs(changePercent) > 3) return 'high';
  return 'medium';
}

/** How often the generated streams reach the cases that matter, so a weak generator cannot hide. */
export const seen = { exactThreshold: 0, revision: 0, duplicate: 0, late: 0, gap: 0, up: 0, down: 0 };

export class NaiveSymbol {
  readonly accepted: Accepted[] = [];
  /** Per interval label: bucket start → revision of the candle last emitted as closed. */
  readonly #closed = new Map<string, Map<number, number>>();
  #clockWatermark = -Infinity;
  #upBefore = false;
  #downBefore = false;

  constructor(
    readonly symbol: string,
    readonly options: SymbolStateOptions,
    readonly wantsCandleUpdates: boolean,
  ) {
    for (const interval of options.intervals) this.#closed.set(interval.label, new Map());
  }

  get lastTs(): number {
    return Math.max(-Infinity, ...this.accepted.map((a) => a.ts));
  }

  watermark(): number {
    return Math.max(this.lastTs - this.options.allowedLatenessMs, this.#clockWatermark);
  }

  lastSeq(source: string): number | undefined {
    return this.accepted.filter((a) => a.source === source && a.seq !== undefined).at(-1)?.seq;
  }

  rejectReason(tick: TickAction): string | undefined {
    const last = this.lastSeq(tick.source);
    if (tick.seq !== undefined && last !== undefined && tick.seq <= last) return 'duplicate';
    const cap = this.options.dedupeCapacity;
    const ids = this.accepted.filter((a) => a.id !== undefined).map((a) => a.id);
    if (tick.id !== undefined && cap > 0 && ids.slice(-cap).includes(tick.id)) return 'duplicate';
    if (tick.ts < this.lastTs - this.options.allowedLatenessMs) return 'late';
    return undefined;
  }

  candle(interval: Interval, start: number, closed: boolean, revision: number): Event {
    const I = interval.ms;
    const trades = this.accepted.filter((a) => Math.floor(a.ts / I) * I === start);
    const minTs = Math.min(...trades.map((a) => a.ts));
    const maxTs = Math.max(...trades.map((a) => a.ts));
    let volume = 0;
    let pv = 0;
    for (const a of trades) {
      volume += a.volume;
      pv += a.price * a.volume;
    }
    return {
      type: 'candle',
      symbol: this.symbol,
      interval: interval.label,
      start,
      end: start + I,
      open: trades.find((a) => a.ts === minTs)!.price,
      high: Math.max(...trades.map((a) => a.price)),
      low: Math.min(...trades.map((a) => a.price)),
      close: trades.findLast((a) => a.ts === maxTs)!.price,
      volume,
      trades: trades.length,
      vwap: volume > 0 ? pv / volume : null,
      revision,
      closed,
    };
  }

  /** Candles of buckets with ticks whose end the watermark has passed and that were never closed. */
  closeUpTo(watermark: number, out: Event[]): void {
    for (const interval of this.options.intervals) {
      const closed = this.#closed.get(interval.label)!;
      const I = interval.ms;
      const starts = [...new Set(this.accepted.map((a) => Math.floor(a.ts / I) * I))].sort((x, y) => x - y);
      for (const start of starts) {
        if (closed.has(start) || start + I > watermark) continue;
        closed.set(start, 0);
        out.push(this.candle(interval, start, true, 0));
      }
    }
  }

  tick(index: number, tick: TickAction): Event[] {
    const reason = this.rejectReason(tick) ?? (tick.refuse ? 'overloaded' : undefined);
    if (reason === 'duplicate' || reason === 'late') seen[reason]++;
    if (reason !== undefined) return [{ type: 'rejected', index, reason }];
    const out: Event[] = [];
    const last = this.lastSeq(tick.source);
    if (tick.seq !== undefined && last !== undefined && tick.seq > last + 1) {
      seen.gap++;
      out.push({ type: 'gap', symbol: this.symbol, source: tick.source, from: last + 1, to: tick.seq - 1 });
    }
    const t = Math.max(tick.ts, this.lastTs);
    this.accepted.push({ ...tick, t });

    const { windowMs, thresholdPercent, anomalyMode } = this.options;
    const inWindow = this.accepted.filter((a) => a.t >= t - windowMs);
    const m = Math.min(...inWindow.map((a) => a.price));
    const M = Math.max(...inWindow.map((a) => a.price));
    const up = ((tick.price - m) / m) * 100;
    const down = ((tick.price - M) / M) * 100;
    if (up === thresholdPercent || down === -thresholdPercent) seen.exactThreshold++;
    const isUp = up > thresholdPercent;
    const isDown = down < -thresholdPercent;
    const anomaly = (direction: 'up' | 'down', reference: number, changePercent: number): Event => ({
      type: 'anomaly',
      symbol: this.symbol,
      direction,
      price: tick.price,
      ts: tick.ts,
      referencePrice: reference,
      referenceTs: inWindow.filter((a) => a.price === reference).at(-1)!.t,
      changePercent,
      severity: naiveSeverity(changePercent),
      windowMs,
      thresholdPercent,
    });
    if (isUp && (anomalyMode === 'every' || !this.#upBefore)) out.push(anomaly('up', m, up));
    if (isDown && (anomalyMode === 'every' || !this.#downBefore)) out.push(anomaly('down', M, down));
    if (isUp) seen.up++;
    if (isDown) seen.down++;
    this.#upBefore = isUp;
    this.#downBefore = isDown;

    const watermark = this.watermark();
    for (const interval of this.options.intervals) {
      const start = Math.floor(tick.ts / interval.ms) * interval.ms;
      const closed = this.#closed.get(interval.label)!;
      const revision = closed.get(start);
      if (revision !== undefined) {
        // Only a bucket the wall clock closed can still be reached: re-emit it, one revision up.
        closed.set(start, revision + 1);
        seen.revision++;
        out.push(this.candle(interval, start, true, revision + 1));
      } else if (start + interval.ms <= watermark) {
        // An empty bucket the clock passed: its first candle is born closed.
        closed.set(start, 0);
        out.push(this.candle(interval, start, true, 0));
      } else if (this.wantsCandleUpdates) {
        out.push(this.candle(interval, start, false, 0));
      }
    }
    this.closeUpTo(watermark, out);
    return out;
  }

  advance(now: number): Event[] {
    const last = this.accepted.at(-1);
    if (last === undefined) return [];
    const clockWatermark = this.lastTs + (now - last.receivedAt) - this.options.allowedLatenessMs;
    this.#clockWatermark = Math.max(this.#clockWatermark, clockWatermark);
    const out: Event[] = [];
    this.closeUpTo(this.watermark(), out);
    return out;
  }

  closeAll(): Event[] {
    const out: Event[] = [];
    this.closeUpTo(Infinity, out);
    return out;
  }

  /** Stats with the moving average as a plain mean; compared within rounding. */
  stats(): SymbolStats {
    const prices = this.accepted.map((a) => a.price);
    const recent = prices.slice(-this.options.movingAverageWindow);
    let sum = 0;
    for (const p of recent) sum += p;
    const movingAverage = sum / recent.length;
    let volume = 0;
    for (const a of this.accepted) volume += a.volume;
    const currentPrice = prices.at(-1)!;
    return {
      symbol: this.symbol,
      currentPrice,
      movingAverage,
      updateCount: prices.length,
      lastUpdateTime: this.accepted.at(-1)!.ts,
      minPrice: Math.min(...prices),
      maxPrice: Math.max(...prices),
      volume,
      changeFromAverage: ((currentPrice - movingAverage) / movingAverage) * 100,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Driving the real thing the way the engine does: check, then apply.
