import { normalizeTimestamp, type RawTick } from '../core/tick.js';
import { readTickBatches, type TickInput } from './read-ticks.js';
import type { TickReader, TickRecord } from './tick-record.js';

/**
 * Replays recorded ticks at N× their recorded pace (DESIGN §1: "simulator / replay"). The class
 * only paces and hands batches to `ingest`; the caller decides where they go (the engine of a
 * server, or a remote server over HTTP). Pacing runs on an injected clock, so tests drive 1×,
 * 10×, pause and seek without waiting.
 *
 * Recorded time: the event time of the ticks. The "play time" of tick i is the largest event
 * time up to i, so a file a little out of order still plays in file order (the engine's lateness
 * rules judge those ticks as they would live ones). At speed s, a wall-clock interval of d ms
 * plays s·d ms of recorded time.
 *
 * A replay yields to everything else: each timer turn hands over at most `batchSize` ticks, and
 * never more than the admission has room for (so a replay waits instead of being refused as
 * `overloaded`); at `max` speed the next turn is a new timer, never a loop.
 */

/** A timer source. Tests pass a fake one. */
export interface ReplayClock {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const SYSTEM_CLOCK: ReplayClock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => {
    // setImmediate for "now": it lets pending I/O (live ingest) run first, and costs no 1 ms floor.
    if (delayMs <= 0) return { immediate: setImmediate(callback) };
    const timer = setTimeout(callback, delayMs);
    timer.unref();
    return { timer };
  },
  clearTimeout: (handle) => {
    const h = handle as { immediate?: NodeJS.Immediate; timer?: NodeJS.Timeout } | undefined;
    if (h?.immediate !== undefined) clearImmediate(h.immediate);
    if (h?.timer !== undefined) clearTimeout(h.timer);
  },
};

/** One recorded tick, its event time already read (`ts`, epoch ms; NaN when it has none). */
export interface ReplayTick {
  readonly symbol: unknown;
  readonly price: unknown;
  readonly volume: unknown;
  readonly seq?: unknown;
  readonly id?: unknown;
  readonly ts: number;
}

export interface LoadedTicks {
  readonly ticks: ReplayTick[];
  /** Records that could not be read (reported through `onBadRecord`). */
  readonly badRecords: number;
  /** True when `maxTicks` cut the input short. */
  readonly truncated: boolean;
}

export interface LoadOptions {
  /** Keep ticks with event time ≥ this (epoch ms). */
  readonly fromTs?: number | undefined;
  /** Keep ticks with event time < this. */
  readonly toTs?: number | undefined;
  /** Stop reading after this many ticks. */
  readonly maxTicks?: number | undefined;
  readonly onBadRecord?: ((record: Extract<TickRecord, { type: 'error' }>) => void) | undefined;
}

/** Reads a CSV or NDJSON input (the `analyze` readers) into memory, for a replay. */
export async function loadReplayTicks(
  input: TickInput,
  reader: TickReader,
  options: LoadOptions = {},
): Promise<LoadedTicks> {
  const ticks: ReplayTick[] = [];
  const from = options.fromTs ?? -Infinity;
  const to = options.toTs ?? Infinity;
  const max = options.maxTicks ?? Infinity;
  let badRecords = 0;
  for await (const records of readTickBatches(input, reader)) {
    for (const record of records) {
      if (record.type === 'error') {
        badRecords++;
        options.onBadRecord?.(record);
        continue;
      }
      const tick = replayTick(record.tick);
      if (tick.ts < from || tick.ts >= to) continue;
      if (ticks.length >= max) return { ticks, badRecords, truncated: true };
      ticks.push(tick);
    }
  }
  return { ticks, badRecords, truncated: false };
}

/** A raw tick as a replay keeps it: its own `source` is dropped (a replay has its own). */
export function replayTick(raw: RawTick): ReplayTick {
  return {
    symbol: raw.symbol,
    price: raw.price,
    volume: raw.volume ?? raw.amount ?? raw.size,
    seq: raw.seq,
    id: raw.id,
    ts: normalizeTimestamp(raw.timestamp, NaN),
  };
}

export const ReplayState = {
  Running: 'running',
  Paused: 'paused',
  Finished: 'finished',
  Stopped: 'stopped',
  Failed: 'failed',
} as const;
export type ReplayState = (typeof ReplayState)[keyof typeof ReplayState];

/** What `ingest` answers (the engine's IngestResult, or a remote server's answer). */
export interface ReplayIngestResult {
  readonly accepted: number;
  readonly rejected: ReadonlyArray<{ readonly reason: string }>;
}

/** Where a batch goes: synchronously (an engine) or not (a server over HTTP). */
export type ReplayIngest = (
  ticks: readonly RawTick[],
  receivedAt: number,
) => ReplayIngestResult | Promise<ReplayIngestResult>;

export interface ReplayOptions {
  readonly ticks: readonly ReplayTick[];
  readonly ingest: ReplayIngest;
  /** Recorded ms per wall-clock ms; Infinity: as fast as taken ("max"). */
  readonly speed: number;
  /**
   * Shift event times to the wall clock: a tick's event time becomes the moment it is played.
   * At N× the recorded intervals shrink N-fold, so the analytics see the faster market.
   */
  readonly rebase: boolean;
  /** Start again at the end, forever (without rebase, each round is shifted past the last). */
  readonly loop: boolean;
  /** Most ticks handed over per timer turn (default 5000). */
  readonly batchSize?: number | undefined;
  /** Room downstream: a replay waits for it instead of being refused. */
  readonly admission?: { available(): number } | undefined;
  readonly clock?: ReplayClock | undefined;
  /** Called after every batch and every change of state. */
  readonly onProgress?: ((status: ReplayStatus) => void) | undefined;
}

export interface ReplayStatus {
  readonly state: ReplayState;
  /** Recorded ms per wall-clock ms, or `max`. */
  readonly speed: number | 'max';
  readonly rebase: boolean;
  readonly loop: boolean;
  /** Recorded time of the first and last tick (null when there are none). */
  readonly startTs: number | null;
  readonly endTs: number | null;
  /** Where the replay is in recorded time. */
  readonly positionTs: number | null;
  /** Ticks played, of `total` per round. */
  readonly played: number;
  readonly total: number;
  readonly sent: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly rejectedByReason: Readonly<Record<string, number>>;
  /** Rounds completed (loop). */
  readonly rounds: number;
  /** Why it failed (state `failed`). */
  readonly error: string | null;
}

/** Polls for room downstream at this period while the admission has none. */
const ADMISSION_WAIT_MS = 10;
/** Longest timer: a long gap in the recording is waited for in steps. */
const MAX_WAIT_MS = 1000;

export class Replay {
  readonly #ticks: readonly ReplayTick[];
  /** Play time of each tick: the running maximum of the event times (NaN ones take the previous). */
  readonly #playTs: Float64Array;
  readonly #ingest: ReplayIngest;
  readonly #clock: ReplayClock;
  readonly #batchSize: number;
  readonly #admission: { available(): number } | undefined;
  readonly #onProgress: ((status: ReplayStatus) => void) | undefined;
  readonly #rebase: boolean;
  readonly #loop: boolean;
  readonly #startTs: number;
  readonly #endTs: number;
  #speed: number;
  #state: ReplayState = ReplayState.Paused;
  #cursor = 0;
  #rounds = 0;
  /** Recorded time at wall time `#wallAnchor`. */
  #recordedAnchor: number;
  #wallAnchor = NaN;
  /** Recorded position while paused. */
  #position: number;
  #timer: unknown;
  #busy = false;
  #sent = 0;
  #accepted = 0;
  #rejected = 0;
  readonly #byReason: Record<string, number> = {};
  #error: string | null = null;
  #started = false;
  readonly #done: Promise<ReplayStatus>;
  #resolveDone: (status: ReplayStatus) => void = () => {};

  constructor(options: ReplayOptions) {
    checkSpeed(options.speed);
    this.#ticks = options.ticks;
    this.#ingest = options.ingest;
    this.#clock = options.clock ?? SYSTEM_CLOCK;
    this.#batchSize = Math.max(1, options.batchSize ?? 5000);
    this.#admission = options.admission;
    this.#onProgress = options.onProgress;
    this.#rebase = options.rebase;
    this.#loop = options.loop;
    this.#speed = options.speed;
    const n = options.ticks.length;
    this.#playTs = new Float64Array(n);
    let play = NaN;
    for (let i = 0; i < n; i++) {
      const ts = options.ticks[i]!.ts;
      if (ts === ts && !(ts <= play)) play = ts;
      this.#playTs[i] = play;
    }
    // Ticks before the first timestamp play with the first one.
    let first = 0;
    while (first < n && this.#playTs[first] !== this.#playTs[first]) first++;
    for (let i = 0; i < first && first < n; i++) this.#playTs[i] = this.#playTs[first]!;
    this.#startTs = n > 0 && first < n ? this.#playTs[0]! : NaN;
    this.#endTs = n > 0 && first < n ? this.#playTs[n - 1]! : NaN;
    this.#recordedAnchor = this.#startTs;
    this.#position = this.#startTs;
    this.#done = new Promise((resolve) => (this.#resolveDone = resolve));
  }

  /** Resolves with the final status once the replay finishes, stops or fails. */
  get done(): Promise<ReplayStatus> {
    return this.#done;
  }

  get state(): ReplayState {
    return this.#state;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#state = ReplayState.Running;
    this.#anchor(this.#startTs);
    this.#schedule(0);
    this.#report();
  }

  pause(): void {
    if (this.#state !== ReplayState.Running) return;
    this.#position = this.#positionAt(this.#clock.now());
    this.#state = ReplayState.Paused;
    this.#cancel();
    this.#report();
  }

  resume(): void {
    if (this.#state !== ReplayState.Paused || !this.#started) return;
    this.#state = ReplayState.Running;
    this.#anchor(this.#position);
    this.#schedule(0);
    this.#report();
  }

  /** Changes the pace from now on (Infinity: max). */
  setSpeed(speed: number): void {
    checkSpeed(speed);
    if (this.#isOver()) return;
    const position =
      this.#state === ReplayState.Running ? this.#positionAt(this.#clock.now()) : this.#position;
    this.#speed = speed;
    this.#position = position;
    if (this.#state === ReplayState.Running) {
      this.#anchor(position);
      this.#cancel();
      this.#schedule(0);
    }
    this.#report();
  }

  /**
   * Moves to recorded time `ts` (clamped to the recording): ticks before it are skipped, the next
   * played is the first at or after it. Backwards without rebase, the engine refuses the replayed
   * ticks as `late` (their symbols have newer ones), as it would any producer's.
   */
  seek(ts: number): void {
    if (this.#isOver() || this.#ticks.length === 0 || !Number.isFinite(ts)) return;
    const target = Math.min(Math.max(ts, this.#startTs), this.#endTs);
    this.#cursor = lowerBound(this.#playTs, target);
    this.#position = target;
    if (this.#state === ReplayState.Running) {
      this.#anchor(target);
      this.#cancel();
      this.#schedule(0);
    }
    this.#report();
  }

  stop(): void {
    if (this.#isOver()) return;
    this.#cancel();
    if (this.#state === ReplayState.Running) this.#position = this.#positionAt(this.#clock.now());
    this.#end(ReplayState.Stopped);
  }

  status(): ReplayStatus {
    const position =
      this.#state === ReplayState.Running && this.#started
        ? Math.min(this.#positionAt(this.#clock.now()), this.#endTs)
        : this.#position;
    return {
      state: this.#state,
      speed: this.#speed === Infinity ? 'max' : this.#speed,
      rebase: this.#rebase,
      loop: this.#loop,
      startTs: finiteOrNull(this.#startTs),
      endTs: finiteOrNull(this.#endTs),
      positionTs: finiteOrNull(position),
      played: this.#cursor,
      total: this.#ticks.length,
      sent: this.#sent,
      accepted: this.#accepted,
      rejected: this.#rejected,
      rejectedByReason: { ...this.#byReason },
      rounds: this.#rounds,
      error: this.#error,
    };
  }

  #isOver(): boolean {
    return (
      this.#state === ReplayState.Finished ||
      this.#state === ReplayState.Stopped ||
      this.#state === ReplayState.Failed
    );
  }

  #anchor(recorded: number): void {
    this.#recordedAnchor = recorded;
    this.#wallAnchor = this.#clock.now();
  }

  #positionAt(now: number): number {
    if (this.#speed === Infinity) {
      const next = this.#playTs[this.#cursor];
      return next === undefined ? this.#endTs : next;
    }
    return this.#recordedAnchor + (now - this.#wallAnchor) * this.#speed;
  }

  #schedule(delayMs: number): void {
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#turn();
    }, delayMs);
  }

  #cancel(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #turn(): void {
    if (this.#state !== ReplayState.Running || this.#busy) return;
    const n = this.#ticks.length;
    if (this.#cursor >= n) {
      this.#roundDone();
      return;
    }
    const now = this.#clock.now();
    const due = this.#speed === Infinity ? Infinity : this.#positionAt(now);
    let room = this.#batchSize;
    if (this.#admission !== undefined) room = Math.min(room, this.#admission.available());
    if (room <= 0) {
      this.#schedule(ADMISSION_WAIT_MS);
      return;
    }
    const batch: RawTick[] = [];
    const offset = this.#loop && !this.#rebase ? this.#rounds * (this.#endTs - this.#startTs + 1000) : 0;
    let i = this.#cursor;
    for (; i < n && batch.length < room && this.#playTs[i]! <= due; i++) {
      const tick = this.#ticks[i]!;
      let ts = tick.ts;
      if (this.#rebase) {
        // The moment this tick is due on the wall clock, never later than now.
        ts =
          this.#speed === Infinity
            ? now
            : Math.min(
                now,
                Math.floor(this.#wallAnchor + (this.#playTs[i]! - this.#recordedAnchor) / this.#speed),
              );
      } else if (ts === ts) ts += offset;
      batch.push({
        symbol: tick.symbol,
        price: tick.price,
        volume: tick.volume,
        seq: tick.seq,
        id: tick.id,
        timestamp: ts === ts ? ts : undefined,
      });
    }
    this.#cursor = i;
    if (batch.length === 0) {
      this.#scheduleNext(now);
      return;
    }
    this.#sent += batch.length;
    let result: ReplayIngestResult | Promise<ReplayIngestResult>;
    try {
      result = this.#ingest(batch, now);
    } catch (err) {
      this.#fail(err);
      return;
    }
    if (result instanceof Promise) {
      this.#busy = true;
      result.then(
        (answer) => {
          this.#busy = false;
          this.#count(answer);
          if (this.#state === ReplayState.Running) this.#scheduleNext(this.#clock.now());
        },
        (err: unknown) => {
          this.#busy = false;
          this.#fail(err);
        },
      );
      return;
    }
    this.#count(result);
    this.#scheduleNext(now);
  }

  #count(result: ReplayIngestResult): void {
    this.#accepted += result.accepted;
    this.#rejected += result.rejected.length;
    for (const r of result.rejected) this.#byReason[r.reason] = (this.#byReason[r.reason] ?? 0) + 1;
    this.#report();
  }

  #scheduleNext(now: number): void {
    if (this.#state !== ReplayState.Running || this.#timer !== undefined) return;
    const next = this.#playTs[this.#cursor];
    if (next === undefined) {
      this.#schedule(0);
      return;
    }
    if (this.#speed === Infinity) {
      this.#schedule(0);
      return;
    }
    const dueAt = this.#wallAnchor + (next - this.#recordedAnchor) / this.#speed;
    this.#schedule(Math.min(MAX_WAIT_MS, Math.max(0, Math.ceil(dueAt - now))));
  }

  #roundDone(): void {
    if (!this.#loop || this.#ticks.length === 0) {
      this.#position = this.#endTs;
      this.#end(ReplayState.Finished);
      return;
    }
    this.#rounds++;
    this.#cursor = 0;
    this.#anchor(this.#startTs);
    this.#schedule(0);
    this.#report();
  }

  #fail(err: unknown): void {
    this.#cancel();
    this.#error = err instanceof Error ? err.message : String(err);
    this.#end(ReplayState.Failed);
  }

  #end(state: ReplayState): void {
    this.#state = state;
    this.#report();
    this.#resolveDone(this.status());
  }

  #report(): void {
    this.#onProgress?.(this.status());
  }
}

function checkSpeed(speed: number): void {
  if (!(speed > 0)) throw new RangeError(`replay speed must be > 0 (or max), got ${speed}`);
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/** First index whose value is ≥ `target` in an ascending array. */
function lowerBound(values: Float64Array, target: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** `"max"` → Infinity, a number > 0 → itself (and up to 1e6), otherwise undefined. */
export function parseSpeed(text: string | number): number | undefined {
  if (typeof text === 'string' && text.trim().toLowerCase() === 'max') return Infinity;
  const n = typeof text === 'number' ? text : Number(String(text).replace(/x$/i, ''));
  return n > 0 && n <= 1_000_000 && Number.isFinite(n) ? n : undefined;
}
