import { MessageType, type ChannelMessage } from './hub-messages';

/** What a channel's consumer is told. */
export type ChannelEvent =
  /** Replace all state of the channel. `reset`: the hub could not replay from `fromSeq`. */
  | { type: 'snapshot'; channel: string; seq: number; data: unknown; reset: boolean }
  | { type: 'update'; channel: string; seq: number; data: unknown }
  /** Messages `from`…`to` of the channel will never arrive; state built from updates may be stale. */
  | { type: 'gap'; channel: string; seq: number; from: number; to: number };

/**
 * Tracks the last sequence number of each channel. It drops what was already seen (replays
 * after a resume can overlap), drops updates that arrive before the channel's first snapshot,
 * reports missing ranges as gaps, and gives the `fromSeq` to resume from after a reconnect.
 */
export class ChannelSequencer {
  readonly #lastSeq = new Map<string, number>();

  accept(message: ChannelMessage): ChannelEvent[] {
    const { channel, seq } = message;
    const last = this.#lastSeq.get(channel);
    if (message.type === MessageType.Snapshot || message.type === MessageType.Reset) {
      this.#lastSeq.set(channel, seq);
      return [
        { type: 'snapshot', channel, seq, data: message.data, reset: message.type === MessageType.Reset },
      ];
    }
    // Before the first snapshot there is nothing to apply an update to; the snapshot is coming.
    if (last === undefined || seq <= last) return [];
    this.#lastSeq.set(channel, seq);
    const events: ChannelEvent[] = [];
    if (message.type === MessageType.Gap) {
      const range = gapRange(message.data) ?? { from: last + 1, to: seq - 1 };
      events.push({ type: 'gap', channel, seq, ...range });
      return events;
    }
    if (seq > last + 1) events.push({ type: 'gap', channel, seq, from: last + 1, to: seq - 1 });
    events.push({ type: 'update', channel, seq, data: message.data });
    return events;
  }

  lastSeq(channel: string): number | undefined {
    return this.#lastSeq.get(channel);
  }

  /** `fromSeq` for a resubscribe: the last seq seen of each of `channels` that has one. */
  resumePoints(channels: Iterable<string>): Record<string, number> {
    const points: Record<string, number> = {};
    for (const channel of channels) {
      const seq = this.#lastSeq.get(channel);
      if (seq !== undefined) points[channel] = seq;
    }
    return points;
  }

  forget(channel: string): void {
    this.#lastSeq.delete(channel);
  }
}

function gapRange(data: unknown): { from: number; to: number } | null {
  if (typeof data !== 'object' || data === null) return null;
  const { from, to } = data as { from?: unknown; to?: unknown };
  return typeof from === 'number' && typeof to === 'number' ? { from, to } : null;
}
