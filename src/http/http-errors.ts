import type { IncomingMessage } from 'node:http';

import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

import { ErrorCode, isTickstreamError } from '../errors.js';
import type { Logger } from '../observability/logger.js';

/** The one place error codes become HTTP statuses (STYLE: only in src/api). */
const STATUS: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.BadRequest]: 400,
  [ErrorCode.ValidationError]: 400,
  [ErrorCode.UsageInvalid]: 400,
  [ErrorCode.TickRejected]: 400,
  [ErrorCode.CursorInvalid]: 400,
  [ErrorCode.AuthRequired]: 401,
  [ErrorCode.TokenInvalid]: 401,
  [ErrorCode.TokenExpired]: 401,
  [ErrorCode.InvalidCredentials]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.RegistrationDisabled]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.ReplayPathRefused]: 403,
  [ErrorCode.ReplayLimit]: 409,
  [ErrorCode.InputUnreadable]: 422,
  [ErrorCode.PayloadTooLarge]: 413,
  [ErrorCode.UnsupportedMediaType]: 415,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.Internal]: 500,
  [ErrorCode.Overloaded]: 503,
  [ErrorCode.NotReady]: 503,
  [ErrorCode.StorageUnavailable]: 503,
  [ErrorCode.StorageClosed]: 503,
  [ErrorCode.ClusterUnavailable]: 503,
  // Misdirected Request: this server cannot produce the answer; another node of the cluster can.
  [ErrorCode.ClusterRole]: 421,
};

/** Retry-After (seconds) of a 503 CLUSTER_UNAVAILABLE: a NATS reconnect takes about this long. */
export const CLUSTER_RETRY_AFTER_S = 2;

export function statusOf(code: ErrorCode): number {
  return STATUS[code] ?? 500;
}

export interface ErrorBody {
  error: { code: string; message: string; [extra: string]: unknown };
}

export function errorBody(
  code: ErrorCode,
  message: string,
  extra: Readonly<Record<string, unknown>> = {},
): ErrorBody {
  return { error: { code, message, ...extra } };
}

/** Fastify's own errors (body parsing, validation, limits) mapped to registry codes. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ErrorCode.PayloadTooLarge,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ErrorCode.UnsupportedMediaType,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ErrorCode.BadRequest,
  FST_ERR_CTP_EMPTY_JSON_BODY: ErrorCode.BadRequest,
  FST_ERR_CTP_INVALID_JSON_BODY: ErrorCode.BadRequest,
  FST_ERR_VALIDATION: ErrorCode.BadRequest,
};

/**
 * Every error response is `{"error":{"code","message"}}` with a registry code: never a stack
 * trace, never the raw payload. Unexpected errors are logged in full and answered as INTERNAL.
 */
export function errorHandler(log: Logger) {
  return (err: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    if (isTickstreamError(err)) {
      const retryAfterMs = err.details?.retryAfterMs;
      if (err.code === ErrorCode.RateLimited && typeof retryAfterMs === 'number')
        void reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
      // The cluster's message bus is down or behind: the client retries (docs/scaling.md).
      if (err.code === ErrorCode.ClusterUnavailable)
        void reply.header('retry-after', String(CLUSTER_RETRY_AFTER_S));
      void reply.status(statusOf(err.code)).send(errorBody(err.code, err.message, err.details));
      return;
    }
    if (err.validation !== undefined) {
      const where = err.validationContext ?? 'request';
      void reply.status(400).send(errorBody(ErrorCode.BadRequest, `${where}: ${validationMessage(err)}`));
      return;
    }
    if (err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      void reply.status(400).send(errorBody(ErrorCode.BadRequest, 'the body is not valid JSON'));
      return;
    }
    const code = err.code === undefined ? undefined : FASTIFY_CODES[err.code];
    if (code === ErrorCode.PayloadTooLarge) {
      afterBody(request.raw, () => void reply.status(413).send(errorBody(code, err.message)));
      return;
    }
    if (code !== undefined) {
      void reply.status(statusOf(code)).send(errorBody(code, err.message));
      return;
    }
    if (err.statusCode === 429) {
      void reply.status(429).send(errorBody(ErrorCode.RateLimited, err.message));
      return;
    }
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      void reply.status(err.statusCode).send(errorBody(ErrorCode.BadRequest, err.message));
      return;
    }
    log.error({ err, method: request.method, route: request.routeOptions.url }, 'request failed');
    void reply.status(500).send(errorBody(ErrorCode.Internal, 'internal error'));
  };
}

/** Most bytes read and dropped after a body went over its limit, and for how long. */
const DRAIN_MAX_BYTES = 64 * 1024 * 1024;
const DRAIN_MAX_MS = 10_000;

/**
 * Calls `then` once the client has sent the rest of its body (read and dropped, bounded). Answering
 * a body over the limit while the client still sends it and closing (Fastify closes after a 413)
 * cuts the client off mid-write: it sees EPIPE or a reset, never the answer.
 */
function afterBody(request: IncomingMessage, then: () => void): void {
  if (request.complete || request.readableEnded || request.destroyed) return then();
  let bytes = 0;
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    request.off('data', onData).off('end', finish).off('error', finish).off('close', finish);
    then();
  };
  const onData = (chunk: Buffer): void => {
    bytes += chunk.length;
    if (bytes > DRAIN_MAX_BYTES) finish();
  };
  const timer = setTimeout(finish, DRAIN_MAX_MS);
  timer.unref();
  request.on('data', onData).once('end', finish).once('error', finish).once('close', finish);
  request.resume();
}

function validationMessage(err: FastifyError): string {
  const first = err.validation?.[0];
  if (first === undefined) return err.message;
  const path = first.instancePath.replace(/^\//, '').replaceAll('/', '.');
  if (first.keyword === 'additionalProperties') {
    const extra = (first.params as { additionalProperty?: string }).additionalProperty;
    return `unknown field ${path === '' ? '' : path + '.'}${extra ?? ''}`;
  }
  return `${path === '' ? '' : path + ' '}${first.message ?? 'is invalid'}`;
}
