import { fileURLToPath } from 'node:url';

import { makeGenericClientConstructor, type Client, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';
import { protoPath as HEALTH_PROTO_PATH } from 'grpc-health-check';

/**
 * proto/marketdata.proto loaded for @grpc/grpc-js, for the server and its clients (the load
 * generator, tests, benchmarks).
 *
 * 64-bit integers: nanosecond timestamps (~1.7e18) exceed 2^53, so a JavaScript number cannot
 * hold them exactly. proto-loader is told `longs: String`: messages it decodes carry int64 fields
 * as decimal strings, and the server writes them as strings built exactly from integer ms. Ticks
 * are not decoded by proto-loader at all: `StreamTicks` receives the raw message bytes and parses
 * them with the same hand-written decoder as the TCP ingest (exact ns → ms, no object per field).
 */

export const MARKETDATA_PROTO_PATH = fileURLToPath(
  new URL('../../../proto/marketdata.proto', import.meta.url),
);
export const SERVICE_NAME = 'marketdata.MarketDataService';

/** `keepCase`: field names as in the proto (snake_case), as reflection must describe them. */
export const LOADER_OPTIONS: Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

let loaded: PackageDefinition | undefined;

/** The package definition of marketdata.proto and the gRPC health service (for reflection). */
export function marketDataPackage(): PackageDefinition {
  loaded ??= loadSync([MARKETDATA_PROTO_PATH, HEALTH_PROTO_PATH], LOADER_OPTIONS);
  return loaded;
}

/**
 * The MarketDataService definition with `StreamTicks` messages passed as raw bytes in both
 * directions: a server decodes them itself, a client sends bytes it encoded (tick-encoder.ts).
 * The other methods use proto-loader's (de)serializers.
 */
export function marketDataService(): ServiceDefinition {
  const service = marketDataPackage()[SERVICE_NAME] as ServiceDefinition;
  const streamTicks = service.StreamTicks!;
  return {
    ...service,
    StreamTicks: {
      ...streamTicks,
      requestSerialize: (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      requestDeserialize: (bytes: Buffer) => bytes,
    },
  };
}

/** The Aggregate message as proto-loader reads and writes it (int64 as decimal strings). */
export interface AggregateMessage {
  symbol: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: string;
  /** ns since the epoch. */
  timestamp: string;
  fractional_volume: number;
  trades: string;
  /** ns since the epoch. */
  day_start: string;
  vwap?: number | null;
}

export interface AckMessage {
  success: boolean;
  message: string;
}

/** A MarketDataService client whose `StreamTicks` writes encoded Tick messages (Uint8Array). */
export type MarketDataClient = Client & Record<string, (...args: never[]) => unknown>;

export const MarketDataClient = makeGenericClientConstructor(marketDataService(), 'MarketDataService');
