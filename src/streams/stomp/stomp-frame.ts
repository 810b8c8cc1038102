import type { StompEscaping } from './stomp-parser.js';

/** STOMP versions the server speaks, preferred first. */
export const STOMP_VERSIONS = ['1.2', '1.1', '1.0'] as const;
export type StompVersion = (typeof STOMP_VERSIONS)[number];

/** The version both sides speak: the highest in the client's `accept-version` (absent: 1.0). */
export function negotiateVersion(acceptVersion: string | undefined): StompVersion | undefined {
  if (acceptVersion === undefined) return '1.0';
  const offered = new Set(acceptVersion.split(',').map((v) => v.trim()));
  return STOMP_VERSIONS.find((v) => offered.has(v));
}

export function escapingOf(version: StompVersion): StompEscaping {
  return version === '1.0' ? 'none' : version;
}

/** Escapes a header name or value (STOMP 1.1/1.2; 1.0 and CONNECTED frames take text as is). */
export function escapeHeader(text: string, escaping: StompEscaping): string {
  if (escaping === 'none' || !/[\\\n:\r]/.test(text)) return text;
  let out = text.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll(':', '\\c');
  if (escaping === '1.2') out = out.replaceAll('\r', '\\r');
  return out;
}

/**
 * A frame as text, ready for a WebSocket text message. A non-empty body gets `content-length`
 * (its UTF-8 length), so bodies never depend on the NUL terminator.
 */
export function encodeFrame(
  command: string,
  headers: ReadonlyArray<readonly [string, string]>,
  body: string,
  escaping: StompEscaping,
): string {
  const escape = command === 'CONNECTED' ? 'none' : escaping;
  let frame = command + '\n';
  for (const [name, value] of headers)
    frame += escapeHeader(name, escape) + ':' + escapeHeader(value, escape) + '\n';
  if (body !== '') frame += 'content-length:' + Buffer.byteLength(body, 'utf8') + '\n';
  return frame + '\n' + body + '\0';
}

/** A heart-beat header `cx,cy`, as two non-negative numbers of ms; undefined when malformed. */
export function parseHeartBeat(value: string | undefined): readonly [number, number] | undefined {
  if (value === undefined) return [0, 0];
  const m = /^\s*(\d{1,9})\s*,\s*(\d{1,9})\s*$/.exec(value);
  return m === null ? undefined : [Number(m[1]), Number(m[2])];
}
