import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * The one way to make a logger (STYLE: pino, in the shell only). Structured fields plus a constant
 * message; credentials are redacted wherever they appear under the usual names, so a logged
 * request or metadata object cannot leak them.
 */
export interface LoggerOptions {
  readonly level?: string;
  /** Default: standard output. Tests pass a stream that collects the lines. */
  readonly destination?: DestinationStream;
}

export const REDACTED_PATHS = [
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  'password',
  '*.password',
  'token',
  '*.token',
  'apiKey',
  '*.apiKey',
  '*["x-api-key"]',
];

export function createLogger(options: LoggerOptions = {}): Logger {
  const config = {
    level: options.level ?? 'info',
    base: { service: 'tickstream' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return options.destination === undefined ? pino(config) : pino(config, options.destination);
}
