import type { DayAggregate, DayAggregates } from '../../engine/day-aggregates.js';
import { ALL_SYMBOLS } from '../hub/channel-name.js';
import type { Outgoing } from '../hub/hub-message.js';
import { nanosText } from '../../compat/cpp/wire-time.js';

/**
 * One update of a symbol's current UTC day, as the earlier C++/Java system's live routes send it:
 * `{symbol, open, high, low, close, volume, timestamp}`, `timestamp` being the event time of the
 * day's latest tick in epoch nanoseconds (its producers' `exchange_timestamp`, exact). Serialized at most once per shape and shared by every connection.
 * A slow connection keeps only the latest one per symbol.
 */
export class DayMessage implements Outgoing {
  readonly stream: { readonly name: string };
  readonly aggregate: DayAggregate;
  readonly seq = NaN;
  readonly conflationKey = '';
  #json: string | undefined = undefined;
  #bytes: Buffer | undefined = undefined;
  #stringsJson: string | undefined = undefined;

  constructor(stream: { readonly name: string }, aggregate: DayAggregate) {
    this.stream = stream;
    this.aggregate = aggregate;
  }

  get size(): number {
    return 160;
  }

  /** Numbers throughout (`/ws/marketdata`). */
  get json(): string {
    return (this.#json ??= aggregateJson(this.aggregate, ''));
  }

  get bytes(): Buffer {
    return (this.#bytes ??= Buffer.from(this.json, 'utf8'));
  }

  /** Volume and timestamp as strings (STOMP `/topic/market-data/{SYMBOL}`, GraphQL `Aggregate`). */
  get stringsJson(): string {
    return (this.#stringsJson ??= aggregateJson(this.aggregate, '"'));
  }
}

/** The aggregate as JSON, with volume and timestamp between `quote`s (`''`: as numbers). */
function aggregateJson(a: DayAggregate, quote: '' | '"'): string {
  return (
    '{"symbol":"' +
    a.symbol +
    '","open":' +
    a.open +
    ',"high":' +
    a.high +
    ',"low":' +
    a.low +
    ',"close":' +
    a.close +
    ',"volume":' +
    quote +
    a.volume +
    quote +
    ',"timestamp":' +
    quote +
    nanosText(a.lastTs) +
    quote +
    '}'
  );
}

export type DayListener = (message: DayMessage) => void;

/**
 * The day aggregates (src/engine/day-aggregates.ts) fanned out to connections: one listener on the
 * aggregates per symbol with subscribers (one for `*`), one message per update shared by all.
 */
export class DayFeed {
  readonly aggregates: DayAggregates;
  readonly #bySymbol = new Map<string, { listeners: DayListener[]; stop: () => void }>();
  readonly #streams = new Map<string, { readonly name: string }>();

  constructor(aggregates: DayAggregates) {
    this.aggregates = aggregates;
  }

  /** The symbol's current day as a message, or undefined before its first tick. */
  current(symbol: string): DayMessage | undefined {
    const aggregate = this.aggregates.get(symbol);
    return aggregate === undefined ? undefined : new DayMessage(this.#stream(symbol), aggregate);
  }

  /** Every symbol's current day, by symbol. */
  all(): DayMessage[] {
    const out: DayMessage[] = [];
    for (const symbol of this.aggregates.symbols()) {
      const message = this.current(symbol);
      if (message !== undefined) out.push(message);
    }
    return out;
  }

  /** Calls `listener` with each update of `symbol` (normalized, or `*` for all). Returns the remover. */
  subscribe(symbol: string, listener: DayListener): () => void {
    let entry = this.#bySymbol.get(symbol);
    if (entry === undefined) {
      const listeners: DayListener[] = [];
      const fan = (aggregate: DayAggregate): void => {
        const message = new DayMessage(this.#stream(aggregate.symbol), aggregate);
        for (const l of [...listeners]) l(message);
      };
      const stop =
        symbol === ALL_SYMBOLS ? this.aggregates.subscribeAll(fan) : this.aggregates.subscribe(symbol, fan);
      entry = { listeners, stop };
      this.#bySymbol.set(symbol, entry);
    }
    const { listeners } = entry;
    listeners.push(listener);
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      const at = listeners.indexOf(listener);
      if (at >= 0) listeners.splice(at, 1);
      if (listeners.length === 0 && this.#bySymbol.get(symbol)?.listeners === listeners) {
        this.#bySymbol.delete(symbol);
        entry.stop();
      }
    };
  }

  #stream(symbol: string): { readonly name: string } {
    let stream = this.#streams.get(symbol);
    if (stream === undefined) this.#streams.set(symbol, (stream = { name: `marketdata.${symbol}` }));
    return stream;
  }
}
