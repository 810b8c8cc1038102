/**
 * The SockJS protocol's frames (sockjs-protocol 0.3.3, as Spring's SockJS service writes them).
 * Every transport carries the same frames and wraps them its own way (sockjs-transport.ts):
 * `o` the session opened, `h` a heart-beat, `a[...]` a JSON array of messages, `c[code,"reason"]`
 * the session closed. Pure: values in, values out.
 */

export const OPEN_FRAME = 'o';
export const HEARTBEAT_FRAME = 'h';

/** What SockJS clients understand as a server's close frame codes (sockjs-protocol). */
export const SockJsClose = {
  /** The session closed; a request for it is answered with this until it is forgotten. */
  GoAway: { code: 3000, reason: 'Go away!' },
  /** A second receiving request came while one was still open for the session. */
  AnotherConnection: { code: 2010, reason: 'Another connection still open' },
} as const;

/**
 * Characters a SockJS server must escape beyond JSON (the list of Spring's SockJS codec): JSON's
 * control characters, lone surrogates, and the invisible and format characters some browsers
 * drop or rewrite in a streamed response (zero-width joiners, line and paragraph separators,
 * specials). Escaped, the frame is still valid JSON and decodes to the same string.
 */
// eslint-disable-next-line no-control-regex
const SPECIAL = /[\u0000-\u001f\u200c-\u200f\u2028-\u202f\u2060-\u206f\ufff0-\uffff\ud800-\udfff]/g;

function escapeChar(ch: string): string {
  return '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0');
}

/** A JSON string literal of `text` with the SockJS special characters escaped. */
export function quote(text: string): string {
  // JSON.stringify leaves lone surrogates and the other specials as they are (only U+0000–U+001F,
  // quote and backslash are escaped), so a second pass escapes them; it never touches escapes
  // JSON.stringify wrote, which are plain ASCII.
  return JSON.stringify(text).replace(SPECIAL, escapeChar);
}

/** `a[...]`: one frame carrying `messages` in order. */
export function messageFrame(messages: readonly string[]): string {
  let frame = 'a[';
  for (let i = 0; i < messages.length; i++) {
    if (i > 0) frame += ',';
    frame += quote(messages[i]!);
  }
  return frame + ']';
}

/** `c[code,"reason"]`. */
export function closeFrame(code: number, reason: string): string {
  return 'c[' + String(code) + ',' + quote(reason) + ']';
}

/** What a client sent, or why it cannot be read (the text Spring answers with, status 500). */
export type ClientMessages = { readonly messages: string[] } | { readonly error: string };

export const PAYLOAD_EXPECTED = 'Payload expected.';
export const BROKEN_JSON = 'Broken JSON encoding.';

/**
 * The messages of a client's frame: a JSON array of strings (what every SockJS client sends), or
 * one JSON string (some clients' WebSocket transport). Anything else is broken.
 */
export function parseClientMessages(payload: string): ClientMessages {
  if (payload.length === 0) return { error: PAYLOAD_EXPECTED };
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return { error: BROKEN_JSON };
  }
  if (typeof value === 'string') return { messages: [value] };
  if (!Array.isArray(value)) return { error: BROKEN_JSON };
  for (const item of value) if (typeof item !== 'string') return { error: BROKEN_JSON };
  return { messages: value as string[] };
}

/** JSONP callback names a browser may be told to call: no markup, no code. */
const CALLBACK = /^[a-zA-Z0-9_.-]{1,128}$/;

export function isCallbackName(name: string): boolean {
  return CALLBACK.test(name);
}

/** The SockJS path segments for server and session: anything but empty, `.` or `/`. */
export function isSessionPart(part: string): boolean {
  return part.length > 0 && part.length <= 128 && !part.includes('.') && !part.includes('/');
}
