import { normalizeSymbol } from '../core/tick.js';
import type { SimulatorOptions, SymbolSpec } from './simulator.js';

/**
 * What the default simulation quotes, so a first `npm start` looks like a market: starting prices
 * near where these traded in 2024, each symbol's tick size, and a volatility per √second (percent)
 * in proportion to how much each moves (a share about 0.02–0.05, bitcoin several times that, a
 * major currency pair a fraction). The figures are chosen for a lively chart, not fitted to data.
 */
export interface MarketProfile {
  readonly name: string;
  readonly price: number;
  readonly volatility: number;
  readonly tickSize: number;
}

export const MARKET_PROFILES: Readonly<Record<string, MarketProfile>> = Object.freeze({
  AAPL: { name: 'Apple Inc.', price: 190, volatility: 0.02, tickSize: 0.01 },
  GOOGL: { name: 'Alphabet Inc. Class A', price: 170, volatility: 0.025, tickSize: 0.01 },
  GOOG: { name: 'Alphabet Inc. Class C', price: 171, volatility: 0.025, tickSize: 0.01 },
  MSFT: { name: 'Microsoft Corporation', price: 420, volatility: 0.02, tickSize: 0.01 },
  TSLA: { name: 'Tesla, Inc.', price: 250, volatility: 0.045, tickSize: 0.01 },
  AMZN: { name: 'Amazon.com, Inc.', price: 185, volatility: 0.025, tickSize: 0.01 },
  NVDA: { name: 'NVIDIA Corporation', price: 120, volatility: 0.04, tickSize: 0.01 },
  META: { name: 'Meta Platforms, Inc.', price: 500, volatility: 0.03, tickSize: 0.01 },
  AMD: { name: 'Advanced Micro Devices, Inc.', price: 150, volatility: 0.04, tickSize: 0.01 },
  BTCUSD: { name: 'Bitcoin / US Dollar', price: 60_000, volatility: 0.08, tickSize: 0.01 },
  'BTC-USD': { name: 'Bitcoin / US Dollar', price: 60_000, volatility: 0.08, tickSize: 0.01 },
  ETHUSD: { name: 'Ether / US Dollar', price: 3000, volatility: 0.1, tickSize: 0.01 },
  EURUSD: { name: 'Euro / US Dollar', price: 1.08, volatility: 0.004, tickSize: 0.00001 },
});

/** Price of a symbol with no profile and no configured price (the earlier system's only price). */
export const FALLBACK_PRICE = 100;
/** Volatility of a symbol with no profile and none configured (percent per √second). */
export const FALLBACK_VOLATILITY = 0.05;

/** An entry of `simulation.symbols`: a ticker, or a ticker with its own settings. */
export type SimulationSymbol = string | SymbolSpec;

/** The `simulation.*` settings that decide each symbol's price, volatility and name. */
export interface SimulationSettings {
  readonly symbols: readonly SimulationSymbol[];
  /** One price for every symbol without its own (the earlier system's setting); absent: the profiles. */
  readonly initialPrice?: number | undefined;
  /** One volatility for every symbol without its own; absent: the profiles. */
  readonly volatility?: number | undefined;
}

/**
 * Each configured symbol with every setting resolved, most specific first: the entry's own
 * `price` / `volatility` / `name`, then `simulation.initialPrice` / `simulation.volatility` (one
 * value for all), then the symbol's market profile, then the fallbacks.
 */
export function resolveSymbols(settings: SimulationSettings): SymbolSpec[] {
  return settings.symbols.map((entry) => {
    const spec: SymbolSpec = typeof entry === 'string' ? { symbol: entry } : entry;
    const profile = MARKET_PROFILES[normalizeSymbol(spec.symbol) ?? ''];
    return {
      symbol: spec.symbol,
      price: spec.price ?? settings.initialPrice ?? profile?.price ?? FALLBACK_PRICE,
      volatility: spec.volatility ?? settings.volatility ?? profile?.volatility ?? FALLBACK_VOLATILITY,
      tickSize: spec.tickSize ?? profile?.tickSize,
      name: spec.name ?? profile?.name,
    };
  });
}

/** The simulator's options from the `simulation.*` config. */
export function simulatorOptions(
  config: SimulationSettings &
    Omit<SimulatorOptions, 'symbols' | 'initialPrice' | 'volatility' | 'seed'> & {
      readonly seed?: string | undefined;
    },
): SimulatorOptions {
  return {
    symbols: resolveSymbols(config),
    ticksPerSecond: config.ticksPerSecond,
    initialPrice: config.initialPrice ?? FALLBACK_PRICE,
    maxJitterPercent: config.maxJitterPercent,
    model: config.model,
    seed: config.seed,
    volatility: config.volatility ?? FALLBACK_VOLATILITY,
    drift: config.drift,
    jumpProbability: config.jumpProbability,
    jumpPercent: config.jumpPercent,
  };
}
