/**
 * The one reading of a caller's credentials, whatever carries them: HTTP headers and query
 * parameters, STOMP CONNECT headers, gRPC metadata. Each transport hands over the raw values it
 * has; which of them may be used is its policy (the REST API reads headers only).
 */

/** Credentials to authenticate: a JWT access token, or an API key. Empty strings never appear. */
export interface Credentials {
  readonly bearer?: string | undefined;
  readonly apiKey?: string | undefined;
  /** The client address that presents them (the API-key guessing limit counts per address). */
  readonly address?: string | undefined;
}

/** The raw values a request carries, each undefined when absent. */
export interface CredentialSources {
  /** `Authorization` header: only the `Bearer` scheme counts. */
  readonly authorization?: string | undefined;
  /** `x-api-key` header. */
  readonly apiKey?: string | undefined;
  /** STOMP `passcode`: an access token when it is shaped like a JWT, else an API key. */
  readonly passcode?: string | undefined;
  /** A bare access token: `?access_token=` (browsers' WebSocket and EventSource cannot set headers), graphql-ws `{token}`. */
  readonly accessToken?: string | undefined;
  /** `?api_key=`, for the same browsers. */
  readonly apiKeyParam?: string | undefined;
  /** The client's address (IP), when the transport knows it. */
  readonly address?: string | undefined;
}

const BEARER = /^bearer\s+/i;
const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/**
 * The bearer token and API key of a request. A token comes from `Authorization: Bearer`, else a
 * JWT-shaped passcode, else `access_token`; a key from `x-api-key`, else any other passcode, else
 * `api_key`. Both may be present: the token is tried first.
 */
export function parseCredentials(sources: CredentialSources): Credentials {
  const passcode = nonEmpty(sources.passcode);
  const passcodeIsToken = passcode !== undefined && JWT.test(passcode);
  const bearer =
    bearerOf(sources.authorization) ??
    (passcodeIsToken ? passcode : undefined) ??
    nonEmpty(sources.accessToken);
  const apiKey =
    nonEmpty(sources.apiKey) ??
    (passcode !== undefined && !passcodeIsToken ? passcode : undefined) ??
    nonEmpty(sources.apiKeyParam);
  return sources.address === undefined ? { bearer, apiKey } : { bearer, apiKey, address: sources.address };
}

export function hasCredentials(credentials: Credentials): boolean {
  return credentials.bearer !== undefined || credentials.apiKey !== undefined;
}

/** The token of an `Authorization: Bearer …` value; undefined for another scheme or no token. */
function bearerOf(authorization: string | undefined): string | undefined {
  const scheme = authorization === undefined ? null : BEARER.exec(authorization);
  return scheme === null ? undefined : nonEmpty(authorization!.slice(scheme[0].length).trim());
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
