import type { ErrorBody } from '../api-types';

/** A failed API call: the HTTP status and the error code from the body (docs/errors.md). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly reason: string | undefined;

  constructor(status: number, code: string, message: string, options?: { reason?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.reason = options?.reason;
  }

  /** The server could not be reached at all (status 0). */
  get isNetwork(): boolean {
    return this.status === 0;
  }
}

export const NETWORK_ERROR = 'NETWORK_ERROR';

function isErrorBody(body: unknown): body is ErrorBody {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const error = body.error;
  return (
    typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string'
  );
}

/** Builds the error for a non-2xx response, reading `{"error":{"code","message"}}` when present. */
export async function apiErrorFrom(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy's error page, an empty body): the status alone has to do.
  }
  if (isErrorBody(body)) {
    const { code, message, reason } = body.error;
    return new ApiError(
      response.status,
      code,
      message || response.statusText,
      reason ? { reason } : undefined,
    );
  }
  return new ApiError(
    response.status,
    `HTTP_${response.status}`,
    response.statusText || `HTTP ${response.status}`,
  );
}

/** Wraps a fetch rejection (offline, DNS, connection refused) as an ApiError with status 0. */
export function networkError(cause: unknown): ApiError {
  return new ApiError(0, NETWORK_ERROR, 'The server cannot be reached.', { cause });
}
