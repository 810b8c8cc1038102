import {
  addToSlot,
  CLOSE,
  CLOSE_TS,
  END,
  HIGH,
  initSlot,
  LOW,
  OPEN,
  PV_SUM,
  SLOT,
  START,
  TRADES,
  VOLUME,
  writeSlot,
} from '../core/candle-slot.js';
import type { CandleInit } from '../core/candles.js';
import type { EnginePort, PortTickEvent } from './engine-port.js';

/**
 * Per-symbol open, high, low, close and volume of the current UTC day, kept from the engine's
 * accepted ticks: the "marketdata" aggregate that gRPC (GetAggregate, StreamAggregates) serves,
 * and WebSocket, STOMP, GraphQL and REST will serve the same way.
 *
 * A symbol's current day is the latest UTC day (by event time) in which it has an accepted tick.
 * Open and close follow the candle rules (DESIGN §3.5, core/candles.ts; a test checks the two
 * agree): open is the price of the earliest event time, ties to the first arrival; close that of
 * the latest, ties to the last arrival. A tick of a later day starts a new day; a late tick of an
 * earlier day (accepted within the lateness near midnight) belongs to a finished day and is not
 * counted here.
 *
 * Why not a Candle per symbol: this runs for every accepted tick, and with a thousand symbols
 * ticking in random order every object a tick touches is a cache miss. A day is a slot of doubles
 * in one Float64Array, found through one Map lookup by the (interned) symbol string. It is its own
 * per-tick copy (not the engine's 1 d candle) because it must exist without a 1 d interval, is
 * read by gRPC and the day feed at any time, and is the shape those serve.
 */

const DAY_MS = 86_400_000;

/** One symbol's day, as plain data. */
export interface DayAggregate {
  readonly symbol: string;
  /** UTC midnight, epoch ms. */
  readonly dayStart: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly trades: number;
  /** Σp·v / Σv; null while the volume is 0. */
  readonly vwap: number | null;
  /** Event time of the latest tick of the day, epoch ms. */
  readonly lastTs: number;
}

export type DayAggregateListener = (aggregate: DayAggregate) => void;

export class DayAggregates {
  /** Symbol → offset of its slot in #f. */
  readonly #slots = new Map<string, number>();
  #f = new Float64Array(64 * SLOT);
  #used = 0;
  /** Per slot index, its symbol's listeners (undefined: none yet). */
  readonly #listeners: Array<DayAggregateListener[] | undefined> = [];
  readonly #all: DayAggregateListener[] = [];
  /** Listeners of symbols without a tick yet: they get a slot with their first tick. */
  readonly #waiting = new Map<string, DayAggregateListener[]>();
  /** Listeners of any kind: when 0, a tick costs no check beyond this one. */
  #listening = 0;
  /** The last symbol seen and its slot: feeds send bursts of one symbol, which skip the lookup. */
  #lastSymbol: string | undefined = undefined;
  #lastSlot = -1;
  #listenerErrors = 0;
  #onListenerError: ((err: unknown) => void) | undefined;

  /**
   * Starts from `engine`'s open 1 d candles when it has that interval, so a restored engine serves
   * today's aggregate before its next tick. Call it before `onTick` follows the engine.
   */
  restoreFrom(engine: EnginePort): void {
    if (engine.intervals.some((i) => i.ms === DAY_MS)) {
      for (const symbol of engine.symbols()) {
        const latest = engine.openCandleInits(symbol, '1d').at(-1);
        if (latest !== undefined && this.get(symbol) === undefined) this.#restore(symbol, latest);
      }
    }
  }

  /** The engine's `tick` listener (wired by src/main.ts). */
  readonly onTick = (e: PortTickEvent): void => this.add(e.symbol, e.ts, e.price, e.volume);

  /** Counts an accepted tick (symbol normalized, ts in epoch ms) and tells the listeners. */
  add(symbol: string, ts: number, price: number, volume: number): void {
    let o = this.#lastSlot;
    if (symbol !== this.#lastSymbol) {
      o = this.#slots.get(symbol) ?? this.#alloc(symbol);
      this.#lastSymbol = symbol;
      this.#lastSlot = o;
    }
    const f = this.#f;
    // Nearly every tick is of the current day: a range check, no float modulo.
    if (ts >= f[o + START]! && ts < f[o + END]!) addToSlot(f, o, ts, price, volume);
    else {
      const start = ts - (ts % DAY_MS);
      const current = f[o + START]!;
      // A new day (or the first): the finished one is forgotten. An earlier day's late tick is not counted.
      if (!(start > current || current !== current)) return;
      initSlot(f, o, start, start + DAY_MS, ts, price, volume);
    }
    if (this.#listening > 0) this.#emit(symbol, o);
  }

  /** The symbol's current day (normalized symbol), or undefined when it has no accepted tick. */
  get(symbol: string): DayAggregate | undefined {
    const o = this.#slots.get(symbol);
    return o === undefined || Number.isNaN(this.#f[o + START]) ? undefined : this.#read(symbol, o);
  }

  /** Symbols that have a day, sorted. */
  symbols(): string[] {
    return [...this.#slots]
      .filter(([, o]) => !Number.isNaN(this.#f[o + START]))
      .map(([s]) => s)
      .sort();
  }

  /** Calls `listener` with every update of one symbol's day. Returns the function that removes it. */
  subscribe(symbol: string, listener: DayAggregateListener): () => void {
    const o = this.#slots.get(symbol);
    if (o !== undefined) return this.#remover((this.#listeners[o / SLOT] ??= []), listener);
    let list = this.#waiting.get(symbol);
    if (list === undefined) this.#waiting.set(symbol, (list = []));
    const waiting = list;
    const remove = this.#remover(waiting, listener);
    return () => {
      remove();
      if (waiting.length === 0 && this.#waiting.get(symbol) === waiting) this.#waiting.delete(symbol);
    };
  }

  /** Calls `listener` with every update of every symbol. Returns the function that removes it. */
  subscribeAll(listener: DayAggregateListener): () => void {
    return this.#remover(this.#all, listener);
  }

  /** Listeners registered, for one symbol or in all (to check that streams clean up). */
  listenerCount(symbol?: string): number {
    if (symbol === undefined) return this.#listening;
    const o = this.#slots.get(symbol);
    return o === undefined
      ? (this.#waiting.get(symbol)?.length ?? 0)
      : (this.#listeners[o / SLOT]?.length ?? 0);
  }

  /** Where a listener's exception goes; it never stops the others or the engine. */
  onListenerError(handler: (err: unknown) => void): void {
    this.#onListenerError = handler;
  }

  get listenerErrors(): number {
    return this.#listenerErrors;
  }

  #alloc(symbol: string): number {
    if (this.#used === this.#f.length) {
      const grown = new Float64Array(this.#f.length * 2);
      grown.set(this.#f);
      this.#f = grown;
    }
    const o = this.#used;
    this.#used += SLOT;
    this.#f[o + START] = NaN;
    this.#slots.set(symbol, o);
    const waiting = this.#waiting.get(symbol);
    if (waiting !== undefined) {
      // The same array: the removers of these listeners keep working on it.
      this.#listeners[o / SLOT] = waiting;
      this.#waiting.delete(symbol);
    }
    return o;
  }

  #restore(symbol: string, init: CandleInit): void {
    let o = this.#slots.get(symbol);
    if (o === undefined) o = this.#alloc(symbol);
    const f = this.#f;
    writeSlot(f, o, init);
  }

  #read(symbol: string, o: number): DayAggregate {
    const f = this.#f;
    const volume = f[o + VOLUME]!;
    return {
      symbol,
      dayStart: f[o + START]!,
      open: f[o + OPEN]!,
      high: f[o + HIGH]!,
      low: f[o + LOW]!,
      close: f[o + CLOSE]!,
      volume,
      trades: f[o + TRADES]!,
      vwap: volume > 0 ? f[o + PV_SUM]! / volume : null,
      lastTs: f[o + CLOSE_TS]!,
    };
  }

  #emit(symbol: string, o: number): void {
    const own = this.#listeners[o / SLOT];
    if ((own === undefined || own.length === 0) && this.#all.length === 0) return;
    const aggregate = this.#read(symbol, o);
    // Copies: a listener may remove itself (a cancelled stream) while being called.
    for (const listener of [...(own ?? []), ...this.#all]) {
      try {
        listener(aggregate);
      } catch (err) {
        this.#listenerErrors++;
        this.#onListenerError?.(err);
      }
    }
  }

  #remover(list: DayAggregateListener[], listener: DayAggregateListener): () => void {
    list.push(listener);
    this.#listening++;
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      const at = list.indexOf(listener);
      if (at >= 0) list.splice(at, 1);
      this.#listening--;
    };
  }
}
