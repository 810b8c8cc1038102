export interface FakeRequest {
  path: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

export type FakeHandler = (request: FakeRequest) => Response | Promise<Response>;

export function json(status: number, body?: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

export function apiError(status: number, code: string, message = code): Response {
  return json(status, { error: { code, message } });
}

/** A fetch that answers from `handler` and records every request. */
export function fakeFetch(handler: FakeHandler): { fetch: typeof fetch; requests: FakeRequest[] } {
  const requests: FakeRequest[] = [];
  const fetchFn = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, key) => (headers[key] = value));
    const raw = init?.body;
    const request: FakeRequest = {
      path:
        typeof input === 'string' ? input : input instanceof URL ? input.pathname + input.search : input.url,
      method: init?.method ?? 'GET',
      headers,
      body: typeof raw === 'string' ? (JSON.parse(raw) as unknown) : undefined,
    };
    requests.push(request);
    return handler(request);
  };
  return { fetch: fetchFn, requests };
}

/** An in-memory Storage. */
export class MemoryStorage implements Storage {
  readonly #items = new Map<string, string>();
  get length(): number {
    return this.#items.size;
  }
  clear(): void {
    this.#items.clear();
  }
  getItem(key: string): string | null {
    return this.#items.get(key) ?? null;
  }
  key(index: number): string | null {
    return [...this.#items.keys()][index] ?? null;
  }
  removeItem(key: string): void {
    this.#items.delete(key);
  }
  setItem(key: string, value: string): void {
    this.#items.set(key, value);
  }
}
