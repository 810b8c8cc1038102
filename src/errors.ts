/**
 * The one registry of error codes. Codes are stable: never renamed or reused, each documented in
 * docs/errors.md (a test checks both). Map codes to HTTP statuses only in src/api.
 */
export const ErrorCode = {
  /** A configuration file, variable or flag has an unknown key or a bad value. */
  ConfigInvalid: 'CONFIG_INVALID',
  /** The configuration file cannot be read or is not JSON. */
  ConfigUnreadable: 'CONFIG_UNREADABLE',
  /** A command-line argument is missing or malformed. */
  UsageInvalid: 'USAGE_INVALID',
  /** An input file cannot be read or has an unusable header. */
  InputUnreadable: 'INPUT_UNREADABLE',
  /** The database cannot be reached or failed; the operation may succeed later. */
  StorageUnavailable: 'STORAGE_UNAVAILABLE',
  /** The embedded database directory is in use by another process. */
  StorageLocked: 'STORAGE_LOCKED',
  /** The storage writer is closed: nothing more can be written or awaited. */
  StorageClosed: 'STORAGE_CLOSED',
  /** A schema migration failed; the database stays at the version before it. */
  MigrationFailed: 'MIGRATION_FAILED',
  /** The database was migrated by a newer tickstream than this one. */
  StorageSchemaNewer: 'STORAGE_SCHEMA_NEWER',
  /** A pagination cursor is malformed or belongs to another query. */
  CursorInvalid: 'CURSOR_INVALID',
  /** A server (TCP ingest, gRPC) cannot listen on its address: in use, or not permitted. */
  ListenFailed: 'LISTEN_FAILED',
  /** The load generator cannot connect to its target, or lost the connection. */
  TargetUnreachable: 'TARGET_UNREACHABLE',
  /** The load generator's target refused the load: credentials, permission or a bad request. */
  TargetRefused: 'TARGET_REFUSED',
  /** A request is malformed: bad JSON, a field or parameter that breaks its schema, an unknown field. */
  BadRequest: 'BAD_REQUEST',
  /** A body the Express demo's webhooks cannot use: empty, not JSON, or breaking their schema (docs/compat.md). */
  ValidationError: 'VALIDATION_ERROR',
  /** The thing asked for does not exist (a route, a symbol, a user, a key). */
  NotFound: 'NOT_FOUND',
  /** No credentials, or credentials that are not valid. */
  AuthRequired: 'AUTH_REQUIRED',
  /** The access token is malformed, tampered with, of the wrong algorithm, or revoked. */
  TokenInvalid: 'TOKEN_INVALID',
  /** The access token has expired: refresh it. */
  TokenExpired: 'TOKEN_EXPIRED',
  /** Login failed: unknown user, wrong password or a deactivated account (deliberately one answer). */
  InvalidCredentials: 'INVALID_CREDENTIALS',
  /** The credentials are valid but their role does not allow this. */
  Forbidden: 'FORBIDDEN',
  /** The username or email is taken. */
  Conflict: 'CONFLICT',
  /** Self-registration is turned off (`auth.registration`). */
  RegistrationDisabled: 'REGISTRATION_DISABLED',
  /** The request body is larger than the route allows. */
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  /** The request body has a content type the route does not take. */
  UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  /** Too many requests from this client: wait for Retry-After. */
  RateLimited: 'RATE_LIMITED',
  /** A tick was refused; the `reason` field says why (invalid_price, late, …). */
  TickRejected: 'TICK_REJECTED',
  /** Storage cannot keep up: nothing was accepted, retry later. */
  Overloaded: 'OVERLOADED',
  /** A dependency the server needs is not available yet. */
  NotReady: 'NOT_READY',
  /** A replay names a file outside the allowed data directories (`replay.allowedDirs`); it was not read. */
  ReplayPathRefused: 'REPLAY_PATH_REFUSED',
  /** As many replays as `replay.maxConcurrent` are running: stop one first. */
  ReplayLimit: 'REPLAY_LIMIT',
  /** NATS JetStream did not take the ticks (a cluster node, `NATS_URL`): nothing acknowledged, retry. */
  ClusterUnavailable: 'CLUSTER_UNAVAILABLE',
  /** This node's cluster settings contradict the cluster's (another `cluster.partitions`): it does not join. */
  ClusterMismatch: 'CLUSTER_MISMATCH',
  /** A cluster node without the `api` role was asked for a read or a live stream: ask a node with it. */
  ClusterRole: 'CLUSTER_ROLE',
  /** An unexpected failure; the server log has the details. */
  Internal: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** An error with a stable code. Wrap lower errors with `{ cause }`; never put secrets or raw payloads in the message. */
export class TickstreamError extends Error {
  readonly code: ErrorCode;
  /** Safe, structured facts for the client (e.g. a tick's rejection `reason`). */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options);
    this.name = 'TickstreamError';
    this.code = code;
    this.details = options?.details;
  }
}

export function isTickstreamError(err: unknown): err is TickstreamError {
  return err instanceof TickstreamError;
}
