import { normalizeSymbol } from '../../core/tick.js';

/** What a hub channel carries (docs/streams.md, "Channels"). */
export const ChannelKind = {
  Ticks: 'ticks',
  Stats: 'stats',
  Candles: 'candles',
  Anomalies: 'anomalies',
  /** State and progress of the server's replays (`/api/replays`). */
  Replays: 'replays',
} as const;
export type ChannelKind = (typeof ChannelKind)[keyof typeof ChannelKind];

/** The symbol position of a channel that covers every symbol. */
export const ALL_SYMBOLS = '*';

/** A channel name taken apart. `name` is canonical: symbols upper-cased, `anomalies` as written. */
export interface ChannelSpec {
  readonly name: string;
  readonly kind: ChannelKind;
  /** A normalized symbol, or `*` for all symbols. */
  readonly symbol: string;
  /** Candle interval label (`1m`), for candle channels only. */
  readonly interval: string | undefined;
}

/** Longest channel name accepted (the longest symbol is 32 characters). */
export const MAX_CHANNEL_NAME_LENGTH = 64;

/**
 * Parses a channel name: `ticks.{SYMBOL}`, `stats.{SYMBOL}`, `candles.{INTERVAL}.{SYMBOL}`,
 * `anomalies`, `anomalies.{SYMBOL}`, with `*` for all symbols. Symbols may contain dots
 * (`BRK.B`), so the symbol is everything after the kind (and the interval). `intervals` are the
 * configured candle interval labels. Returns a reason string when the name is not a channel.
 */
export function parseChannel(raw: string, intervals: ReadonlySet<string>): ChannelSpec | string {
  if (raw.length === 0 || raw.length > MAX_CHANNEL_NAME_LENGTH)
    return `channel names have 1 to ${MAX_CHANNEL_NAME_LENGTH} characters`;
  if (raw === 'anomalies')
    return { name: raw, kind: ChannelKind.Anomalies, symbol: ALL_SYMBOLS, interval: undefined };
  if (raw === ChannelKind.Replays)
    return { name: raw, kind: ChannelKind.Replays, symbol: ALL_SYMBOLS, interval: undefined };
  const dot = raw.indexOf('.');
  const kind = dot < 0 ? raw : raw.slice(0, dot);
  let rest = dot < 0 ? '' : raw.slice(dot + 1);
  let interval: string | undefined;
  switch (kind) {
    case ChannelKind.Ticks:
    case ChannelKind.Stats:
    case ChannelKind.Anomalies:
      break;
    case ChannelKind.Candles: {
      const next = rest.indexOf('.');
      if (next < 0) return `"${raw}": a candle channel is candles.{INTERVAL}.{SYMBOL}`;
      interval = rest.slice(0, next);
      if (!intervals.has(interval)) {
        return `"${raw}": unknown interval "${interval}" (configured: ${[...intervals].join(', ')})`;
      }
      rest = rest.slice(next + 1);
      break;
    }
    default:
      return `"${raw}" is not a channel (ticks.{SYMBOL}, stats.{SYMBOL}, candles.{INTERVAL}.{SYMBOL}, anomalies, anomalies.{SYMBOL}, replays)`;
  }
  let symbol: string | undefined;
  if (rest === ALL_SYMBOLS) symbol = ALL_SYMBOLS;
  else {
    symbol = normalizeSymbol(rest);
    if (symbol === undefined || symbol !== rest.toUpperCase()) return `"${raw}": "${rest}" is not a symbol`;
  }
  const name = interval === undefined ? `${kind}.${symbol}` : `${kind}.${interval}.${symbol}`;
  return { name, kind, symbol, interval };
}
