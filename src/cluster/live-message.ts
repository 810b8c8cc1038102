import type { Engine } from '../engine/engine.js';
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
  /**
   * The partition's event totals after this message (`Engine.eventTotal`, every symbol of the
   * partition): accepted ticks, anomalies, then the candle events of each configured interval.
   * Every node numbers the channels of every symbol (`ticks.*`, …) from them (live-feed.ts).
   */
  readonly totals?: readonly number[];
  /**
   * The same totals before this message, as its owner had them: a copy numbers the message's
   * events only if it held exactly these (a new owner replaying from an older commit has others).
   */
  readonly before?: readonly number[];
}

/** The `totals` of an engine (every symbol it holds), in the order `LiveMessage.totals` has. */
export function eventTotals(engine: Pick<Engine, 'intervals' | 'eventTotal'>): number[] {
  return [
    engine.eventTotal('ticks'),
    engine.eventTotal('anomalies'),
    ...engine.intervals.map((i) => engine.eventTotal('candles', i.label)),
  ];
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
    (value.clock !== undefined && !Number.isFinite(value.clock)) ||
    !isTotals(value.totals) ||
    !isTotals(value.before)
  )
    throw new Error('not a live message');
  const ticks = checkColumns(value.ticks);
  return {
    partition: value.partition!,
    seq: value.seq!,
    prev: value.prev!,
    ticks,
    ...(value.clock === undefined ? {} : { clock: value.clock }),
    ...(value.totals === undefined ? {} : { totals: value.totals }),
    ...(value.before === undefined ? {} : { before: value.before }),
  };
}

/** Absent, or event totals: counts (safe integers ≥ 0). */
function isTotals(value: unknown): boolean {
  return (
    value === undefined || (Array.isArray(value) && value.every((n) => Number.isSafeInteger(n) && n >= 0))
  );
}
