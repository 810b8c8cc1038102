import type { SessionManager } from '../auth/session-manager';
import { ApiError, apiErrorFrom, networkError } from './api-error';

export type QueryParams = Record<string, string | number | null | undefined>;

/** `path?key=value…`, leaving out empty values. */
export function withQuery(path: string, params: QueryParams = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const query = search.toString();
  return query ? `${path}?${query}` : path;
}

/**
 * Authorized calls to the REST API for TanStack Query's query functions: adds the bearer token,
 * and after a 401 renews the session once and retries.
 */
export class ApiClient {
  readonly #session: SessionManager;
  readonly #fetch: typeof fetch;

  constructor(session: SessionManager, fetchFn?: typeof fetch) {
    this.#session = session;
    this.#fetch = fetchFn ?? ((input, init) => globalThis.fetch(input, init));
  }

  get<T>(path: string, params?: QueryParams, signal?: AbortSignal): Promise<T> {
    return this.#request<T>('GET', withQuery(path, params), undefined, signal);
  }

  post<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    return this.#request<T>('POST', path, body, signal);
  }

  patch<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    return this.#request<T>('PATCH', path, body, signal);
  }

  delete<T>(path: string, signal?: AbortSignal): Promise<T> {
    return this.#request<T>('DELETE', path, undefined, signal);
  }

  async #request<T>(
    method: string,
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    const token = await this.#session.accessToken();
    if (!token) throw new ApiError(401, 'UNAUTHENTICATED', 'Not signed in.');
    let response = await this.#send(method, path, body, token, signal);
    if (response.status === 401) {
      const renewed = await this.#session.renewAfterRejection(token).catch(() => null);
      if (!renewed) throw await apiErrorFrom(response);
      response = await this.#send(method, path, body, renewed.accessToken, signal);
    }
    if (!response.ok) throw await apiErrorFrom(response);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  async #send(
    method: string,
    path: string,
    body: unknown,
    token: string,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await this.#fetch(path, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        signal: signal ?? null,
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw networkError(err);
    }
  }
}
