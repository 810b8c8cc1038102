/** Quote currencies recognised at the end of an unseparated symbol (BTCUSDT → BTC / USDT), longest first. */
const QUOTES = ['USDT', 'USDC', 'BUSD', 'USD', 'EUR', 'GBP', 'JPY', 'BTC', 'ETH'] as const;

/**
 * The base and quote of a symbol the Express demo never had upserted (one tickstream learned
 * from ticks): split at a separator (`BTC-USD`, `EUR/USD`), else at a known quote suffix, else the
 * whole symbol with an empty quote (an equity such as AAPL).
 */
export function symbolPair(symbol: string): { base: string; quote: string } {
  const separated = /^([^-/_:.]+)[-/_:.](.+)$/.exec(symbol);
  if (separated !== null) return { base: separated[1]!, quote: separated[2]! };
  for (const quote of QUOTES) {
    if (symbol.length > quote.length && symbol.endsWith(quote)) {
      return { base: symbol.slice(0, -quote.length), quote };
    }
  }
  return { base: symbol, quote: '' };
}
