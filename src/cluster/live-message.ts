import { checkColumns, type TickColumns } from './tick-message.js';

/**
 * What a partition owner publishes live per stream message it applied: the ticks its engine
 * accepted, under the message's stream sequence, and the sequence of the message it applied
 * before (`prev`), so a reader sees at once whether it missed one.
 *
 * A clock message (`clock` set, no ticks, `seq` = `prev` = the last sequence applied) says the
 * owner moved its quiet symbols' watermarks with the wall clock there: every node does the same at
 * the same point of the partition's order, so candles close alike everywhere.
 */
export interface LiveMessage {
  readonly partition: number;
  readonly seq: number;
  readonly prev: number;
  readonly ticks: TickColumns;
  /** The owner's wall clock (epoch ms) for a clock message; absent on a message of ticks. */
  readonly clock?: number;
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
    !Number.isSafeInteger(value.prev) ||
    (value.clock !== undefined && !Number.isFinite(value.clock))
  )
    throw new Error('not a live message');
  const ticks = checkColumns(value.ticks);
  const message = { partition: value.partition!, seq: value.seq!, prev: value.prev!, ticks };
  return value.clock === undefined ? message : { ...message, clock: value.clock };
}
