import type { SymbolNames } from '../../storage/symbol-names.js';

/** The FastAPI service's five symbols and the names it gave them (its ingestion defaults). */
export const WELL_KNOWN_NAMES: Readonly<Record<string, string>> = {
  AAPL: 'Apple Inc.',
  GOOGL: 'Alphabet Inc.',
  MSFT: 'Microsoft Corporation',
  TSLA: 'Tesla Inc.',
  AMZN: 'Amazon.com Inc.',
};

/**
 * Gives the listed symbols (e.g. the simulator's) a display name where they have none: the name
 * configured with the symbol, else a well-known one. Names already stored, set by an operator
 * through the API, are kept. Call at start; returns how many were named.
 */
export function nameSymbols(
  names: SymbolNames,
  symbols: ReadonlyArray<string | { readonly symbol: string; readonly name?: string | undefined }>,
): Promise<number> {
  const defaults: Record<string, string> = {};
  for (const entry of symbols) {
    const symbol = (typeof entry === 'string' ? entry : entry.symbol).trim().toUpperCase();
    const name = (typeof entry === 'string' ? undefined : entry.name) ?? WELL_KNOWN_NAMES[symbol];
    if (name !== undefined) defaults[symbol] = name;
  }
  return names.setDefaults(defaults);
}
