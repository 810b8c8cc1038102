import { Candle, type CandleInit } from './candles.js';
import { SLOT } from './candle-slot.js';
import type { SymbolSnapshot } from './symbol-state.js';

/**
 * Symbols' snapshots as numbers and strings: what a partition thread sends back as its restart
 * point, several times a second under load. Written straight from each state's fields and candle
 * slots (`SymbolState.pack`), a thousand symbols make a few objects. Their `SymbolSnapshot`
 * objects, dozens a symbol with every double boxed, cost about 20 µs a symbol to make and as
 * much again to serialize; they are made only when the snapshots are read back
 * (`unpackSnapshots`), which a restart does.
 *
 * Layout: the interval labels (count, then each as a string), the symbol count, then per symbol
 * (SymbolState.pack): its name; updateCount, anomalyCount, currentPrice, minPrice, maxPrice,
 * volume, lastUpdateTime, lastTs, lastArrival, clockWatermark; the moving average's replay values
 * (count, values); the spike window's samples (count, then t and price each); the two episodes
 * (0 or 1); the open candles, then the revisable ones (each: count, then per candle its interval's
 * index and its slot's SLOT doubles); the closes of every interval; the sequences (count, then
 * source string and seq each); the ids (count, then each as a string).
 */
export interface PackedSnapshots {
  readonly numbers: Float64Array;
  readonly strings: readonly string[];
}

export class SnapshotPacker {
  #numbers = new Float64Array(1 << 14);
  #n = 0;
  readonly #strings: string[] = [];

  number(x: number): void {
    if (this.#n === this.#numbers.length) {
      const grown = new Float64Array(this.#numbers.length * 2);
      grown.set(this.#numbers);
      this.#numbers = grown;
    }
    this.#numbers[this.#n++] = x;
  }

  /** `SLOT` doubles of `f` from `o` (a candle bucket). */
  slot(f: Float64Array, o: number): void {
    for (let i = 0; i < SLOT; i++) this.number(f[o + i]!);
  }

  string(s: string): void {
    this.#strings.push(s);
  }

  /** What was written (the numbers copied to a buffer of their own size: it can be transferred). */
  take(): PackedSnapshots {
    return { numbers: this.#numbers.slice(0, this.#n), strings: this.#strings };
  }
}

/** The snapshots `packed` holds, each as `SymbolState.snapshot()` made it (fields and key order). */
export function unpackSnapshots(packed: PackedSnapshots): SymbolSnapshot[] {
  const { numbers, strings } = packed;
  let at = 0;
  let s = 0;
  const num = (): number => numbers[at++]!;
  const str = (): string => strings[s++]!;
  const labels = Array.from({ length: num() }, str);
  const candles = (symbol: string, closed: boolean): CandleInit[] => {
    const out: CandleInit[] = [];
    for (let c = num(); c > 0; c--) {
      const label = labels[num()]!;
      out.push(new Candle().load(symbol, label, numbers, at, closed).toInit());
      at += SLOT;
    }
    return out;
  };
  const out: SymbolSnapshot[] = [];
  for (let count = num(); count > 0; count--) {
    const symbol = str();
    const updateCount = num();
    const anomalyCount = num();
    const currentPrice = num();
    const minPrice = num();
    const maxPrice = num();
    const volume = num();
    const lastUpdateTime = num();
    const lastTs = num();
    const lastArrival = num();
    const clockWatermark = num();
    const recentPrices = Array.from({ length: num() }, num);
    const windowSamples = Array.from({ length: num() }, () => ({ t: num(), price: num() }));
    const episodes = { up: num() === 1, down: num() === 1 };
    const openCandles = candles(symbol, false);
    const revisableCandles = candles(symbol, true);
    // Built as SymbolState.snapshot() builds it: the same keys, in its order, the same left out.
    const snapshot = {
      symbol,
      updateCount,
      currentPrice,
      minPrice,
      maxPrice,
      volume,
      lastUpdateTime,
      lastTs,
      lastArrival,
      recentPrices,
      windowSamples,
      episodes,
      openCandles,
      revisableCandles,
    } as { -readonly [K in keyof SymbolSnapshot]?: SymbolSnapshot[K] };
    if (Number.isFinite(clockWatermark)) snapshot.clockWatermark = clockWatermark;
    if (anomalyCount > 0) snapshot.anomalyCount = anomalyCount;
    let closes: Record<string, number> | undefined;
    for (const label of labels) {
      const n = num();
      if (n > 0) (closes ??= {})[label] = n;
    }
    if (closes !== undefined) snapshot.candleCloses = closes;
    snapshot.sequences = Array.from({ length: num() }, () => ({ source: str(), seq: num() }));
    snapshot.ids = Array.from({ length: num() }, str);
    out.push(snapshot as SymbolSnapshot);
  }
  return out;
}
