/** A message a client sends over `/ws` (docs/streams.md). */
export type ClientMessage =
  | {
      readonly op: 'subscribe';
      readonly channels: readonly string[];
      readonly fromSeq: Readonly<Record<string, number>> | undefined;
    }
  | { readonly op: 'unsubscribe'; readonly channels: readonly string[] }
  | { readonly op: 'ping' }
  | { readonly op: 'auth'; readonly token: string };

/** Why a message was refused, for the `error` answer. */
export interface ClientMessageError {
  readonly error: string;
}

const MAX_TOKEN_LENGTH = 8192;

/**
 * Reads one client message. Never throws: anything that is not a well-formed message gives the
 * reason to answer with. Unknown fields are refused, so a typo (`channel` for `channels`) is
 * reported rather than silently ignored.
 */
export function parseClientMessage(text: string, maxChannels: number): ClientMessage | ClientMessageError {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: 'the message is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { error: 'a message is a JSON object with an "op"' };
  const message = value as Record<string, unknown>;
  const op = message.op;
  switch (op) {
    case 'ping':
      return onlyFields(message, ['op']) ?? { op };
    case 'auth': {
      const extra = onlyFields(message, ['op', 'token']);
      if (extra !== undefined) return extra;
      const token = message.token;
      if (typeof token !== 'string' || token === '' || token.length > MAX_TOKEN_LENGTH) {
        return { error: 'auth needs "token": an access token' };
      }
      return { op, token };
    }
    case 'unsubscribe':
    case 'subscribe': {
      const extra = onlyFields(
        message,
        op === 'subscribe' ? ['op', 'channels', 'fromSeq'] : ['op', 'channels'],
      );
      if (extra !== undefined) return extra;
      const channels = message.channels;
      if (
        !Array.isArray(channels) ||
        channels.length === 0 ||
        !channels.every((c) => typeof c === 'string')
      ) {
        return { error: `${op} needs "channels": a non-empty array of channel names` };
      }
      if (channels.length > maxChannels) return { error: `at most ${maxChannels} channels per connection` };
      if (op === 'unsubscribe') return { op, channels };
      const fromSeq = message.fromSeq;
      if (fromSeq === undefined) return { op, channels, fromSeq: undefined };
      if (typeof fromSeq !== 'object' || fromSeq === null || Array.isArray(fromSeq)) {
        return { error: '"fromSeq" maps channel names to the last seq seen' };
      }
      for (const [channel, seq] of Object.entries(fromSeq)) {
        if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) {
          return { error: `fromSeq of ${JSON.stringify(channel)} must be a whole number ≥ 0` };
        }
      }
      return { op, channels, fromSeq: fromSeq as Record<string, number> };
    }
    default:
      return {
        error:
          typeof op === 'string'
            ? `unknown op ${JSON.stringify(op.slice(0, 32))} (subscribe, unsubscribe, ping, auth)`
            : 'a message needs an "op" (subscribe, unsubscribe, ping, auth)',
      };
  }
}

function onlyFields(
  message: Record<string, unknown>,
  allowed: readonly string[],
): ClientMessageError | undefined {
  for (const key of Object.keys(message)) {
    if (!allowed.includes(key))
      return { error: `unknown field ${JSON.stringify(key.slice(0, 32))} in ${String(message.op)}` };
  }
  return undefined;
}
