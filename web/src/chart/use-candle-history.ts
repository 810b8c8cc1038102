import { useInfiniteQuery } from '@tanstack/react-query';

import type { QueryParams } from '../api/api-client';
import type { CandlesResponse } from '../api-types';
import { useServices } from '../auth/session-context';
import { normalizeCandle, type Candle } from './candle-book';
import { INTERVAL_MS, type Interval } from './intervals';

/** Candles per request. */
export const PAGE_SIZE = 500;

export interface HistoryPage {
  candles: Candle[];
  /** Start of the time window the page covers; null when it is empty and unbounded. */
  windowFrom: number | null;
  /** The page holds the symbol's first candle: there is nothing older. */
  reachedStart: boolean;
}

/**
 * Where the next older page ends, or null when there is none. Older pages ask for a window
 * `[to − PAGE_SIZE × interval, to]` rather than "`limit` candles before `to`": the contract only
 * promises the newest candles for a bare `limit`. A window can be empty (a quiet stretch), so
 * the symbol's `firstSeen` (from `/api/symbols`) says when to stop; without it, an empty window
 * is taken as the beginning.
 */
export function olderPageParam(page: HistoryPage, firstSeen: number | null): number | null {
  if (page.reachedStart || page.windowFrom === null) return null;
  if (firstSeen !== null) return page.windowFrom > firstSeen ? page.windowFrom : null;
  return page.candles.length > 0 ? page.windowFrom : null;
}

export function candlesPath(symbol: string): string {
  return `/api/prices/${encodeURIComponent(symbol)}/candles`;
}

/**
 * Candle history over REST: the newest page first, older pages as the chart scrolls back
 * (`fetchPreviousPage`). Newer candles come from the stream, not from here.
 */
export function useCandleHistory(symbol: string, interval: Interval, firstSeen: number | null) {
  const { api } = useServices();
  return useInfiniteQuery({
    queryKey: ['candles', symbol, interval],
    initialPageParam: null as number | null,
    queryFn: async ({ pageParam, signal }): Promise<HistoryPage> => {
      const params: QueryParams = { interval, limit: PAGE_SIZE };
      let windowFrom: number | null = null;
      if (pageParam !== null) {
        windowFrom = pageParam - PAGE_SIZE * INTERVAL_MS[interval];
        // Both ends may be inclusive: one more than the window's buckets, and overlaps merge away.
        Object.assign(params, { from: windowFrom, to: pageParam, limit: PAGE_SIZE + 1 });
      }
      const body = await api.get<CandlesResponse>(candlesPath(symbol), params, signal);
      const candles: Candle[] = [];
      for (const wire of body.candles ?? []) {
        const candle = normalizeCandle(wire);
        if (candle) candles.push(candle);
      }
      candles.sort((a, b) => a.start - b.start);
      return {
        candles,
        windowFrom: windowFrom ?? candles[0]?.start ?? null,
        reachedStart: pageParam === null && candles.length < PAGE_SIZE,
      };
    },
    getNextPageParam: () => null,
    getPreviousPageParam: (first) => olderPageParam(first, firstSeen),
    // Refetch when the chart comes back to this symbol and interval: while it showed another,
    // the stream of this one was not followed.
    staleTime: 0,
  });
}
