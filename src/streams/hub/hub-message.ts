import type { Channel } from './channel.js';

/** The `type` of a channel message (docs/streams.md). */
export const MessageType = { Snapshot: 'snapshot', Update: 'update', Gap: 'gap', Reset: 'reset' } as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/**
 * Something a connection's send buffer holds: a hub message, or a message of an earlier system's
 * feed. While the connection is behind, messages with a `conflationKey` replace the pending one of
 * the same stream and key; the others are dropped, and the dropped sequence range is reported as a
 * gap when the stream has sequence numbers.
 */
export interface Outgoing {
  /** The stream (a channel, a symbol's feed) the message belongs to. */
  readonly stream: { readonly name: string };
  /** Sequence number within the stream; NaN when the stream has none. */
  readonly seq: number;
  /** Null: dropped when the connection is behind. Otherwise replaced by a later message with the same key. */
  readonly conflationKey: string | null;
  /** Bytes the message takes, roughly (for the send buffer's accounting). */
  readonly size: number;
}

/** Conflation key of a snapshot: never dropped, replaced only by a later snapshot of its channel. */
export const SNAPSHOT_KEY = '#snapshot';

/**
 * One message of a channel. The data is serialized once when the message is made; the envelope
 * (`{channel, seq, type, data}`) and its UTF-8 bytes are built at most once, on first use, and
 * shared by every subscriber.
 */
export class HubMessage implements Outgoing {
  readonly channel: Channel;
  readonly seq: number;
  readonly type: MessageType;
  /** The data as JSON. */
  readonly data: string;
  readonly conflationKey: string | null;
  #json: string | undefined = undefined;
  #bytes: Buffer | undefined = undefined;
  #value: unknown = undefined;
  #parsed = false;

  constructor(channel: Channel, seq: number, type: MessageType, data: string, conflationKey: string | null) {
    this.channel = channel;
    this.seq = seq;
    this.type = type;
    this.data = data;
    this.conflationKey = conflationKey;
  }

  get stream(): Channel {
    return this.channel;
  }

  get size(): number {
    return this.data.length + 64;
  }

  /** The envelope as JSON. */
  get json(): string {
    return (this.#json ??=
      '{"channel":' +
      this.channel.nameJson +
      ',"seq":' +
      this.seq +
      ',"type":"' +
      this.type +
      '","data":' +
      this.data +
      '}');
  }

  /** The envelope as UTF-8, what a WebSocket sends. */
  get bytes(): Buffer {
    return (this.#bytes ??= Buffer.from(this.json, 'utf8'));
  }

  /** The data as a value, parsed once (GraphQL resolves fields of it). Shared: never change it. */
  get value(): unknown {
    if (!this.#parsed) {
      this.#value = JSON.parse(this.data) as unknown;
      this.#parsed = true;
    }
    return this.#value;
  }

  /**
   * Drops the envelope and bytes built for delivery. Messages stay in a channel's history for a
   * while (for `fromSeq`): keeping only the data there halves what they hold, and a replay builds
   * the envelope again.
   */
  compact(): void {
    this.#json = undefined;
    this.#bytes = undefined;
    this.#value = undefined;
    this.#parsed = false;
  }

  /** The same data at the same seq, as another type (a snapshot sent as `reset`). */
  as(type: MessageType): HubMessage {
    return type === this.type
      ? this
      : new HubMessage(this.channel, this.seq, type, this.data, this.conflationKey);
  }
}

/** The envelope of a gap: messages `from`…`to` of `channel` were dropped. It carries seq `to`. */
export function gapJson(channelNameJson: string, from: number, to: number): string {
  return (
    '{"channel":' +
    channelNameJson +
    ',"seq":' +
    to +
    ',"type":"gap","data":{"from":' +
    from +
    ',"to":' +
    to +
    '}}'
  );
}

/** An `error` message as `/ws` answers it, and as an SSE stream's last event before it ends. */
export function errorJson(code: string, message: string): string {
  return JSON.stringify({ op: 'error', code, message });
}
