import type { RawTick } from '../../core/tick.js';
import { ErrorCode, TickstreamError } from '../../errors.js';
import { hostPort, type LoadTarget, type TargetAddress, type TargetAuth } from './load-target.js';

/** Ticks per request: the batch size the HTTP ingest is measured with (DESIGN §7). */
const REQUEST_TICKS = 1000;
/** Waits after a 429 or 503 without Retry-After, doubling up to the last. */
const FIRST_RETRY_MS = 100;
const LONGEST_RETRY_MS = 5000;

/**
 * `POST /api/prices/batch` (docs/api.md): JSON arrays of up to 1,000 ticks, one request at a time
 * per connection, answered with `{accepted, rejected: [{index, reason}]}`. When the server is rate
 * limiting (429) or overloaded (503) nothing of the request was accepted: it is sent again after
 * `Retry-After`. Missing or refused credentials (401, 403) and any other error end the run.
 */
export class HttpTarget implements LoadTarget {
  accepted = 0;
  readonly rejected: Record<string, number> = {};
  /** Requests sent again after a 429 or 503. */
  retries = 0;
  readonly #url: string;
  readonly #headers: Record<string, string>;
  readonly #address: TargetAddress;

  constructor(address: TargetAddress, auth: TargetAuth) {
    this.#address = address;
    this.#url = `http://${hostPort(address)}/api/prices/batch`;
    this.#headers = { 'content-type': 'application/json' };
    if (auth.token !== undefined) this.#headers.authorization = `Bearer ${auth.token}`;
    if (auth.apiKey !== undefined) this.#headers['x-api-key'] = auth.apiKey;
  }

  static open(address: TargetAddress, auth: TargetAuth): Promise<HttpTarget> {
    return Promise.resolve(new HttpTarget(address, auth));
  }

  async send(ticks: readonly RawTick[]): Promise<void> {
    for (let at = 0; at < ticks.length; at += REQUEST_TICKS) {
      await this.#post(JSON.stringify(ticks.slice(at, at + REQUEST_TICKS)));
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  async #post(body: string): Promise<void> {
    let wait = FIRST_RETRY_MS;
    for (;;) {
      let response: Response;
      try {
        response = await fetch(this.#url, { method: 'POST', headers: this.#headers, body });
      } catch (err) {
        throw new TickstreamError(
          ErrorCode.TargetUnreachable,
          `http target ${this.#where()}: ${describe(err)}`,
          {
            cause: err,
          },
        );
      }
      if (response.status === 429 || response.status === 503) {
        await response.arrayBuffer();
        const retryAfter = Number(response.headers.get('retry-after'));
        const ms = retryAfter > 0 ? retryAfter * 1000 : wait;
        wait = Math.min(wait * 2, LONGEST_RETRY_MS);
        this.retries++;
        await new Promise((resolve) => setTimeout(resolve, ms));
        continue;
      }
      const text = await response.text();
      if (!response.ok) {
        throw new TickstreamError(
          ErrorCode.TargetRefused,
          `http target ${this.#where()}: ${response.status} ${errorOf(text)}`,
        );
      }
      const answer = JSON.parse(text) as { accepted?: number; rejected?: Array<{ reason?: string }> };
      this.accepted += answer.accepted ?? 0;
      for (const { reason = 'unknown' } of answer.rejected ?? [])
        this.rejected[reason] = (this.rejected[reason] ?? 0) + 1;
      return;
    }
  }

  #where(): string {
    return hostPort(this.#address);
  }
}

/** The `{"error":{"code","message"}}` of a response, or its status text. */
function errorOf(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (parsed.error?.code !== undefined) return `${parsed.error.code}: ${parsed.error.message ?? ''}`;
  } catch {
    // not JSON
  }
  return text.slice(0, 200);
}

function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}
