import { checkColumns, type TickColumns } from './tick-message.js';

/**
 * What a partition owner publishes live per stream message it applied: the ticks its engine
 * accepted, under the message's stream sequence, and the sequence of the message it applied
 * before (`prev`), so a reader sees at once whether it missed one.
 */
export interface LiveMessage {
  readonly partition: number;
  readonly seq: number;
  readonly prev: number;
  readonly ticks: TickColumns;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeLive(message: LiveMessage): Uint8Array {
  return encoder.encode(JSON.stringify(message));
}

export function decodeLive(data: Uint8Array): LiveMessage {
  const value = JSON.parse(decoder.decode(data)) as Partial<LiveMessage> | null;
  if (
    value === null ||
    typeof value !== 'object' ||
    !Number.isSafeInteger(value.partition) ||
    !Number.isSafeInteger(value.seq) ||
    !Number.isSafeInteger(value.prev)
  )
    throw new Error('not a live message');
  const ticks = checkColumns(value.ticks);
  return { partition: value.partition!, seq: value.seq!, prev: value.prev!, ticks };
}
