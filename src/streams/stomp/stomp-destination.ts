import { normalizeSymbol } from '../../core/tick.js';
import { ALL_SYMBOLS } from '../hub/channel-name.js';

/** What a STOMP destination maps to: a symbol's day aggregate, or a hub channel. */
export type StompTarget =
  { readonly kind: 'day'; readonly symbol: string } | { readonly kind: 'channel'; readonly channel: string };

/**
 * The earlier system's topics, `/topic/market-data/{SYMBOL}`, `/topic/anomalies` and
 * `/topic/candles/{INTERVAL}/{SYMBOL}`, plus the other hub channels in the same style:
 * `/topic/anomalies/{SYMBOL}`, `/topic/ticks/{SYMBOL}`, `/topic/stats/{SYMBOL}` (`*` for all
 * symbols). Returns a reason when the destination is none of them; the channel name is checked
 * by the hub.
 */
export function parseDestination(destination: string): StompTarget | string {
  const parts = destination.split('/');
  if (parts.length < 3 || parts[0] !== '' || parts[1] !== 'topic') {
    return `unknown destination ${JSON.stringify(destination.slice(0, 80))}: destinations start with /topic/`;
  }
  const [, , kind, ...rest] = parts;
  // Symbols may hold a slash (EUR/USD): everything after the fixed parts is the symbol.
  const symbolOf = (from: number): string | undefined => {
    const text = rest.slice(from).join('/');
    return text === ALL_SYMBOLS ? ALL_SYMBOLS : normalizeSymbol(text);
  };
  switch (kind) {
    case 'market-data': {
      const symbol = symbolOf(0);
      return symbol === undefined ? 'use /topic/market-data/{SYMBOL}' : { kind: 'day', symbol };
    }
    case 'anomalies': {
      if (rest.length === 0) return { kind: 'channel', channel: 'anomalies' };
      const symbol = symbolOf(0);
      return symbol === undefined
        ? 'use /topic/anomalies or /topic/anomalies/{SYMBOL}'
        : { kind: 'channel', channel: `anomalies.${symbol}` };
    }
    case 'candles': {
      const symbol = rest.length >= 2 ? symbolOf(1) : undefined;
      return symbol === undefined
        ? 'use /topic/candles/{INTERVAL}/{SYMBOL}'
        : { kind: 'channel', channel: `candles.${rest[0]}.${symbol}` };
    }
    case 'ticks':
    case 'stats': {
      const symbol = symbolOf(0);
      return symbol === undefined
        ? `use /topic/${kind}/{SYMBOL}`
        : { kind: 'channel', channel: `${kind}.${symbol}` };
    }
    default:
      return `unknown destination ${JSON.stringify(destination.slice(0, 80))}`;
  }
}
