import type { CandleData } from '../../core/candles.js';
import type { PortTickEvent } from '../../engine/engine-port.js';
import { ALL_SYMBOLS } from '../../streams/hub/channel-name.js';
import type { Outgoing } from '../../streams/hub/hub-message.js';

const SMA_WINDOW = 10;
const MINUTE_MS = 60_000;

/**
 * One symbol's last ten prices and its open one-minute candle: the feed's per-tick copy. The
 * engine keeps neither a ten-price window nor, without a `1m` interval, a one-minute candle, and
 * the event needs both for every tick.
 */
class SymbolTail {
  readonly symbol: string;
  readonly stream: { readonly name: string };
  readonly prices = new Float64Array(SMA_WINDOW);
  count = 0;
  next = 0;
  // The open 1m candle (the latest bucket); NaN start before the first.
  start = NaN;
  open = 0;
  high = 0;
  low = 0;
  close = 0;
  volume = 0;
  openTs = 0;
  closeTs = 0;

  constructor(symbol: string) {
    this.symbol = symbol;
    this.stream = { name: `realtime.${symbol}` };
  }

  push(price: number): void {
    this.prices[this.next] = price;
    this.next = (this.next + 1) % SMA_WINDOW;
    if (this.count < SMA_WINDOW) this.count++;
  }

  sma(): number {
    let sum = 0;
    for (let i = 0; i < this.count; i++) sum += this.prices[i]!;
    return sum / this.count;
  }

  /** The engine's open 1m candle changed: keep it if it is the latest bucket. */
  takeCandle(c: CandleData): void {
    if (c.start < this.start) return;
    this.start = c.start;
    this.open = c.open;
    this.high = c.high;
    this.low = c.low;
    this.close = c.close;
    this.volume = c.volume;
  }

  /** Without an engine 1m interval: the same rules, kept here (a tick of an older bucket is not counted). */
  addToCandle(ts: number, price: number, volume: number): void {
    const start = ts - (ts % MINUTE_MS);
    if (start < this.start) return;
    if (start !== this.start) {
      this.start = start;
      this.open = this.high = this.low = this.close = price;
      this.openTs = this.closeTs = ts;
      this.volume = volume;
      return;
    }
    if (price > this.high) this.high = price;
    if (price < this.low) this.low = price;
    if (ts < this.openTs) {
      this.open = price;
      this.openTs = ts;
    }
    if (ts >= this.closeTs) {
      this.close = price;
      this.closeTs = ts;
    }
    this.volume += volume;
  }
}

/** One event of `/realtime/ticks`. Ticks are never conflated: a slow client loses some. */
export class RealtimeEvent implements Outgoing {
  readonly stream: { readonly name: string };
  readonly text: string;
  readonly seq = NaN;
  readonly conflationKey = null;

  constructor(stream: { readonly name: string }, text: string) {
    this.stream = stream;
    this.text = text;
  }

  get size(): number {
    return this.text.length;
  }
}

export type RealtimeListener = (event: RealtimeEvent) => void;

/**
 * The earlier Express demo's tick events: `{symbol, price, ts, volume, sma10, candle1m:
 * {bucket_start, open, high, low, close, volume}}`, `ts` and `bucket_start` in epoch seconds as
 * its gateway sent them (its dashboard plots seconds), `sma10` the mean of the symbol's last ten prices
 * (of fewer before ten have come), `candle1m` its open one-minute candle: the engine's when `1m` is
 * a configured interval, else kept here by the same rules. src/main.ts wires `onTick` from the start
 * so the ten prices are there when a client connects, and `onCandleUpdate` (asked for through
 * `wantsCandleUpdates`); an event is built (once, shared) only for a symbol someone listens to.
 */
export class RealtimeFeed {
  readonly #symbols = new Map<string, SymbolTail>();
  readonly #bySymbol = new Map<string, RealtimeListener[]>();
  readonly #engineCandles: boolean;
  #listening = 0;

  /** `intervals`: the engine's interval labels (its `1m` candle is used when there is one). */
  constructor(intervals: readonly { readonly label: string }[]) {
    this.#engineCandles = intervals.some((i) => i.label === '1m');
  }

  /**
   * Whether the engine's open-candle updates are wanted: they cost it a call per interval per
   * tick, so only while someone listens and the engine has a `1m` interval.
   */
  wantsCandleUpdates(): boolean {
    return this.#listening > 0 && this.#engineCandles;
  }

  /** Listens to one symbol (normalized) or all (`*`); returns the remover. */
  subscribe(symbol: string, listener: RealtimeListener): () => void {
    let list = this.#bySymbol.get(symbol);
    if (list === undefined) this.#bySymbol.set(symbol, (list = []));
    list.push(listener);
    this.#listening++;
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      list.splice(list.indexOf(listener), 1);
      if (list.length === 0) this.#bySymbol.delete(symbol);
      this.#listening--;
    };
  }

  /** The engine's `candleUpdate` listener. */
  readonly onCandleUpdate = (candle: CandleData): void => {
    if (this.wantsCandleUpdates() && candle.interval === '1m') this.#tail(candle.symbol).takeCandle(candle);
  };

  /** The engine's `tick` listener. */
  readonly onTick = (e: PortTickEvent): void => {
    const tail = this.#tail(e.symbol);
    tail.push(e.price);
    if (!this.#engineCandles) tail.addToCandle(e.ts, e.price, e.volume);
    if (this.#listening === 0) return;
    const one = this.#bySymbol.get(e.symbol);
    const all = this.#bySymbol.get(ALL_SYMBOLS);
    if (one === undefined && all === undefined) return;
    const text =
      '{"symbol":"' +
      e.symbol +
      '","price":' +
      e.price +
      ',"ts":' +
      Math.floor(e.ts / 1000) +
      ',"volume":' +
      e.volume +
      ',"sma10":' +
      tail.sma() +
      ',"candle1m":{"bucket_start":' +
      tail.start / 1000 +
      ',"open":' +
      tail.open +
      ',"high":' +
      tail.high +
      ',"low":' +
      tail.low +
      ',"close":' +
      tail.close +
      ',"volume":' +
      tail.volume +
      '}}';
    const event = new RealtimeEvent(tail.stream, 'data: ' + text + '\n\n');
    if (one !== undefined) for (const listener of one) listener(event);
    if (all !== undefined) for (const listener of all) listener(event);
  };

  #tail(symbol: string): SymbolTail {
    let tail = this.#symbols.get(symbol);
    if (tail === undefined) this.#symbols.set(symbol, (tail = new SymbolTail(symbol)));
    return tail;
  }
}
