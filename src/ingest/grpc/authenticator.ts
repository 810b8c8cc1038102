import { Metadata, status, type StatusObject } from '@grpc/grpc-js';

import { hasCredentials, parseCredentials, type Credentials } from '../../auth/credentials.js';
import { roleAllows, type Role } from '../../auth/roles.js';
import { ErrorCode, isTickstreamError } from '../../errors.js';

/**
 * Authentication of gRPC calls, as a port: the server issue's auth service (JWT access tokens,
 * API keys, roles) implements {@link Authenticator}; the gRPC server only reads the metadata and
 * checks the role. Without an authenticator, auth is off.
 */

export interface Authenticator {
  /**
   * Who the credentials belong to, or undefined when they are not valid. It may also reject with
   * a TickstreamError (expired token, revoked key, …): that is a failed authentication as well.
   * Any other rejection means authentication is unavailable.
   */
  authenticate(credentials: Credentials): Promise<{ readonly role: Role } | undefined>;
}

/** A failed check, as the status a call ends with. */
export type AuthFailure = Partial<StatusObject> & { code: status; details: string };

/**
 * Checks a call's metadata against `required` (writer for StreamTicks, reader for the rest).
 * Resolves undefined when the call may proceed, else the status to end it with:
 * UNAUTHENTICATED (no or bad credentials), PERMISSION_DENIED (a role below `required`),
 * RESOURCE_EXHAUSTED (the peer's address presented too many bad API keys) or UNAVAILABLE (the
 * authenticator failed).
 */
export async function authorize(
  call: { readonly metadata: Metadata; getPeer?(): string },
  authenticator: Authenticator | undefined,
  required: Role,
): Promise<AuthFailure | undefined> {
  if (authenticator === undefined) return undefined;
  const credentials = credentialsOf(call.metadata);
  if (credentials === undefined) {
    return fail(status.UNAUTHENTICATED, 'send "authorization: Bearer <token>" or "x-api-key" metadata');
  }
  let principal: { readonly role: Role } | undefined;
  try {
    const address = call.getPeer === undefined ? undefined : peerAddress(call.getPeer());
    principal = await authenticator.authenticate({ ...credentials, address });
  } catch (err) {
    if (isTickstreamError(err) && err.code === ErrorCode.RateLimited)
      return fail(status.RESOURCE_EXHAUSTED, err.message);
    if (isTickstreamError(err)) return fail(status.UNAUTHENTICATED, err.message);
    return fail(status.UNAVAILABLE, 'authentication is unavailable, retry later');
  }
  if (principal === undefined) return fail(status.UNAUTHENTICATED, 'invalid credentials');
  if (!roleAllows(principal.role, required)) {
    return fail(status.PERMISSION_DENIED, `this call needs the ${required} role`);
  }
  return undefined;
}

/** The credentials in `authorization` (Bearer scheme) or `x-api-key`; undefined when neither. */
export function credentialsOf(metadata: Metadata): Credentials | undefined {
  const credentials = parseCredentials({
    authorization: first(metadata, 'authorization'),
    apiKey: first(metadata, 'x-api-key'),
  });
  return hasCredentials(credentials) ? credentials : undefined;
}

/** The IP of a grpc-js peer (`127.0.0.1:5000`, `[::1]:5000`, also with an `ipv4:`/`ipv6:` scheme), or undefined. */
export function peerAddress(peer: string): string | undefined {
  const text = peer.replace(/^ipv[46]:/, '');
  const v6 = /^\[([^\]]+)\]:\d+$/.exec(text);
  if (v6 !== null) return v6[1];
  const v4 = /^([\d.]+):\d+$/.exec(text);
  return v4 === null ? undefined : v4[1];
}

function first(metadata: Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === 'string' ? value : undefined;
}

function fail(code: status, details: string): AuthFailure {
  return { code, details, metadata: new Metadata() };
}
