// The hub's WebSocket protocol (docs/streams.md).

export type ClientMessage =
  | { op: 'subscribe'; channels: string[]; fromSeq?: Record<string, number> }
  | { op: 'unsubscribe'; channels: string[] }
  | { op: 'ping' }
  | { op: 'auth'; token: string };

export const MessageType = { Snapshot: 'snapshot', Update: 'update', Gap: 'gap', Reset: 'reset' } as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export interface ChannelMessage {
  channel: string;
  seq: number;
  type: MessageType;
  data: unknown;
}

export type ControlMessage =
  | { op: 'subscribed'; channels: string[] }
  | { op: 'pong' }
  | { op: 'error'; code: string; message?: string }
  | { op: string };

export type ServerMessage = ChannelMessage | ControlMessage;

/** Close codes the hub uses (docs/streams.md). */
export const CloseCode = {
  /** The access token expired and no fresh one came in time. */
  TokenExpired: 4401,
  /** The client fell too far behind (send buffer past its hard limit). */
  SlowConsumer: 4008,
} as const;

export const TOKEN_EXPIRED = 'TOKEN_EXPIRED';

const messageTypes = new Set<string>(Object.values(MessageType));

export function isChannelMessage(message: ServerMessage): message is ChannelMessage {
  return 'channel' in message;
}

function isServerMessage(value: unknown): value is ServerMessage {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  if (typeof record.op === 'string') return true;
  return (
    typeof record.channel === 'string' &&
    typeof record.seq === 'number' &&
    Number.isSafeInteger(record.seq) &&
    typeof record.type === 'string' &&
    messageTypes.has(record.type)
  );
}

/**
 * The messages in one WebSocket frame: one JSON object, or (tolerated) an array of them.
 * Anything unreadable is left out rather than thrown, so one bad frame cannot stop the stream.
 */
export function parseServerMessages(text: string): ServerMessage[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [];
  }
  const items = Array.isArray(value) ? (value as unknown[]) : [value];
  return items.filter(isServerMessage);
}
