import { toEpochMs, type WireStats } from '../api-types';

/** Live statistics of one symbol (docs/api.md `stats`), times in epoch ms. */
export interface SymbolStats {
  symbol: string;
  currentPrice: number;
  movingAverage: number;
  updateCount: number;
  lastUpdateTime: number;
  minPrice: number;
  maxPrice: number;
  changeFromAverage: number;
  volume: number;
}

export type PriceMove = 'up' | 'down' | null;

/** A row of the board: the stats, and the last price move for the flash. */
export interface BoardRow {
  stats: SymbolStats;
  move: PriceMove;
  /** Increases with every price move, so the flash restarts even when the direction repeats. */
  moveSeq: number;
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : Number.NaN;
}

export function normalizeStats(wire: WireStats): SymbolStats | null {
  if (typeof wire.symbol !== 'string' || wire.symbol === '') return null;
  const currentPrice = num(wire.currentPrice);
  const movingAverage = num(wire.movingAverage);
  const changeFromAverage =
    typeof wire.changeFromAverage === 'number'
      ? wire.changeFromAverage
      : ((currentPrice - movingAverage) / movingAverage) * 100;
  return {
    symbol: wire.symbol,
    currentPrice,
    movingAverage,
    updateCount: num(wire.updateCount),
    lastUpdateTime: toEpochMs(wire.lastUpdateTime),
    minPrice: num(wire.minPrice),
    maxPrice: num(wire.maxPrice),
    changeFromAverage,
    volume: num(wire.volume),
  };
}

/** A stats snapshot of a wildcard channel is an array; of a symbol channel, one object or null. */
export function normalizeStatsList(data: unknown): SymbolStats[] {
  const items = Array.isArray(data) ? (data as unknown[]) : data ? [data] : [];
  const out: SymbolStats[] = [];
  for (const item of items) {
    const stats = typeof item === 'object' && item !== null ? normalizeStats(item as WireStats) : null;
    if (stats) out.push(stats);
  }
  return out;
}

export function priceMove(previous: number | undefined, next: number): PriceMove {
  if (previous === undefined || !Number.isFinite(previous) || !Number.isFinite(next) || previous === next) {
    return null;
  }
  return next > previous ? 'up' : 'down';
}

export const SORT_KEYS = [
  'symbol',
  'currentPrice',
  'changeFromAverage',
  'movingAverage',
  'minPrice',
  'maxPrice',
  'updateCount',
  'volume',
] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortDirection = 'asc' | 'desc';

export interface SortState {
  key: SortKey;
  direction: SortDirection;
}

export const DEFAULT_SORT: SortState = { key: 'symbol', direction: 'asc' };

/** Clicking a header: the same column flips; a new one starts A→Z for names, largest first for numbers. */
export function nextSort(current: SortState, key: SortKey): SortState {
  if (current.key === key) return { key, direction: current.direction === 'asc' ? 'desc' : 'asc' };
  return { key, direction: key === 'symbol' ? 'asc' : 'desc' };
}

/** Terms of a filter: `btc, eur` or `btc eur` matches symbols containing either. */
export function filterTerms(filter: string): string[] {
  return filter
    .toUpperCase()
    .split(/[\s,]+/)
    .filter((term) => term !== '');
}

export function matchesFilter(symbol: string, terms: readonly string[]): boolean {
  return terms.length === 0 || terms.some((term) => symbol.includes(term));
}

function compareValues(a: number | string, b: number | string): number {
  if (typeof a === 'string' || typeof b === 'string') return String(a).localeCompare(String(b));
  const aMissing = !Number.isFinite(a);
  const bMissing = !Number.isFinite(b);
  if (aMissing || bMissing) return aMissing === bMissing ? 0 : aMissing ? 1 : -1;
  return a - b;
}

/** The rows to show: filtered by symbol, sorted, ties and missing values (always last) by symbol. */
export function visibleRows(rows: Iterable<BoardRow>, filter: string, sort: SortState): BoardRow[] {
  const terms = filterTerms(filter);
  const sign = sort.direction === 'asc' ? 1 : -1;
  const out = [...rows].filter((row) => matchesFilter(row.stats.symbol, terms));
  return out.sort((a, b) => {
    const av = a.stats[sort.key];
    const bv = b.stats[sort.key];
    const missing =
      typeof av === 'number' && typeof bv === 'number' && (!Number.isFinite(av) || !Number.isFinite(bv));
    const order = missing ? compareValues(av, bv) : sign * compareValues(av, bv);
    return order !== 0 ? order : a.stats.symbol.localeCompare(b.stats.symbol);
  });
}
