import type { RawTick } from '../../core/tick.js';
import { ErrorCode, TickstreamError } from '../../errors.js';

/**
 * Where `tickstream simulate --target` sends ticks: one connection to a server, speaking one of
 * its ingest protocols. Each adapter turns raw ticks into its wire format and honours the
 * protocol's backpressure, so the load generator never floods a server that cannot keep up.
 */
export interface LoadTarget {
  /** Sends ticks, in order; resolves when the connection can take more. */
  send(ticks: readonly RawTick[]): Promise<void>;
  /** Sends what is buffered and waits for the last answers. */
  close(): Promise<void>;
  /** Ticks the server said it accepted; undefined when the protocol has no answers (TCP). */
  readonly accepted: number | undefined;
  /** Ticks the server refused, per reason (empty when the protocol has no answers). */
  readonly rejected: Readonly<Record<string, number>>;
}

/** Credentials for targets that check them (HTTP, gRPC). */
export interface TargetAuth {
  /** A JWT access token, sent as `authorization: Bearer …`. */
  readonly token?: string | undefined;
  /** An API key, sent as `x-api-key`. */
  readonly apiKey?: string | undefined;
}

export const TargetProtocol = { Tcp: 'tcp', Grpc: 'grpc', Http: 'http' } as const;
export type TargetProtocol = (typeof TargetProtocol)[keyof typeof TargetProtocol];

export interface TargetAddress {
  readonly protocol: TargetProtocol;
  readonly host: string;
  readonly port: number;
  /** The address as given, for messages. */
  readonly text: string;
}

const DEFAULT_PORT: Readonly<Record<TargetProtocol, number>> = { tcp: 50_050, grpc: 50_051, http: 8080 };

/** Parses `tcp://HOST:PORT`, `grpc://HOST:PORT` or `http://HOST:PORT` (port optional). */
export function parseTarget(text: string): TargetAddress {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usage(text);
  }
  const protocol = url.protocol.replace(/:$/, '');
  if (protocol !== 'tcp' && protocol !== 'grpc' && protocol !== 'http') throw usage(text);
  if (url.hostname === '' || (url.pathname !== '' && url.pathname !== '/')) throw usage(text);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { protocol, host, port: url.port === '' ? DEFAULT_PORT[protocol] : Number(url.port), text };
}

/** `host:port`, bracketing an IPv6 address. */
export function hostPort(address: TargetAddress): string {
  return `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
}

function usage(text: string): TickstreamError {
  return new TickstreamError(
    ErrorCode.UsageInvalid,
    `--target must be tcp://HOST:PORT, grpc://HOST:PORT or http://HOST:PORT, got "${text}"`,
  );
}
