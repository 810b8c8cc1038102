import { QueryClient } from '@tanstack/react-query';

import { ApiError } from './api-error';

/** Retries what may pass on a second try (network, 5xx, 429); a 4xx answer will not change. */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (failureCount >= 3) return false;
  if (error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429)
    return false;
  return true;
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: shouldRetry, refetchOnWindowFocus: false, staleTime: 5000 },
      mutations: { retry: false },
    },
  });
}
