import type { RawTick } from '../../core/tick.js';
import { partitionOf } from '../../engine/partition.js';
import type { TickRecord } from '../../feeds/tick-record.js';
import type { Simulator } from '../../feeds/simulator.js';
import { GrpcTarget } from './grpc-target.js';
import { HttpTarget } from './http-target.js';
import type { LoadTarget, TargetAddress, TargetAuth } from './load-target.js';
import { TcpTarget } from './tcp-target.js';

/**
 * The load generator behind `tickstream simulate --target`: sends simulated or replayed ticks to a
 * server over `connections` connections at `ratePerSecond` (or as fast as the server takes them),
 * for `durationMs` or until the input ends. A symbol always goes over the same connection, so its
 * ticks arrive in order.
 */

export interface TickSource {
  /** Up to `count` ticks; fewer, or none, once a finite input ends. `now` is the wall clock (ms). */
  next(count: number, now: number): Promise<RawTick[]>;
}

/** Simulated ticks with event times on the wall clock, spread over the time since the last call. */
export class SimulatedTicks implements TickSource {
  readonly #simulator: Simulator;
  #last = NaN;

  constructor(simulator: Simulator) {
    this.#simulator = simulator;
  }

  next(count: number, now: number): Promise<RawTick[]> {
    const from = Number.isNaN(this.#last) ? now : Math.min(this.#last, now);
    this.#last = now;
    return Promise.resolve(this.#simulator.fill([], count, from, Math.max(from + 1, now)));
  }
}

/** Ticks of a replayed file (its own event times), in file order. */
export class ReplayedTicks implements TickSource {
  readonly #records: AsyncIterator<TickRecord[]>;
  readonly #onBadRecord: (record: Extract<TickRecord, { type: 'error' }>) => void;
  #buffer: RawTick[] = [];
  #done = false;

  constructor(
    records: AsyncIterable<TickRecord[]>,
    onBadRecord: (record: Extract<TickRecord, { type: 'error' }>) => void,
  ) {
    this.#records = records[Symbol.asyncIterator]();
    this.#onBadRecord = onBadRecord;
  }

  async next(count: number): Promise<RawTick[]> {
    while (this.#buffer.length < count && !this.#done) {
      const step = await this.#records.next();
      if (step.done === true) this.#done = true;
      else {
        for (const record of step.value) {
          if (record.type === 'tick') this.#buffer.push(record.tick);
          else this.#onBadRecord(record);
        }
      }
    }
    return this.#buffer.splice(0, count);
  }
}

export interface LoadOptions {
  readonly target: TargetAddress;
  readonly auth?: TargetAuth | undefined;
  readonly connections: number;
  /** Ticks per second over all connections; Infinity: as fast as the server takes them. */
  readonly ratePerSecond: number;
  /** Wall-clock run time; undefined: until the source ends. */
  readonly durationMs?: number | undefined;
  readonly source: TickSource;
  readonly onProgress?: ((progress: LoadProgress) => void) | undefined;
  /** Default 1000. */
  readonly progressEveryMs?: number | undefined;
  /** Stops sending (Ctrl-C); what was sent is still closed properly and summarized. */
  readonly signal?: AbortSignal | undefined;
}

export interface LoadProgress {
  readonly sent: number;
  /** Confirmed by the server; undefined when the protocol has no answers (TCP). */
  readonly accepted: number | undefined;
  readonly rejected: number;
  readonly elapsedMs: number;
  /** Ticks sent per second since the start. */
  readonly ratePerSecond: number;
}

export interface LoadSummary extends LoadProgress {
  readonly rejectedByReason: Readonly<Record<string, number>>;
}

/** Most ticks handed to the connections at once. */
const MAX_CHUNK = 5000;

export async function runLoad(options: LoadOptions): Promise<LoadSummary> {
  const { connections, ratePerSecond: rate, durationMs, source, signal } = options;
  if (!Number.isInteger(connections) || connections < 1) throw new RangeError('connections must be ≥ 1');
  const targets = await openAll(options);
  const start = Date.now();
  const everyMs = options.progressEveryMs ?? 1000;
  let nextProgress = start + everyMs;
  let sent = 0;
  const parts: RawTick[][] = Array.from({ length: connections }, () => []);
  const progress = (): LoadSummary => summarize(targets, sent, Date.now() - start);
  try {
    for (;;) {
      if (signal?.aborted === true) break;
      const now = Date.now();
      const elapsed = now - start;
      const ending = durationMs !== undefined && elapsed >= durationMs;
      let due = MAX_CHUNK;
      if (rate !== Infinity) {
        const allowed = Math.floor((rate * Math.min(elapsed, durationMs ?? Infinity)) / 1000);
        due = Math.min(MAX_CHUNK, allowed - sent);
      } else if (ending) due = 0;
      if (due <= 0) {
        if (ending) break;
        const nextDueMs = Math.ceil(((sent + 1) * 1000) / rate) - elapsed;
        await sleep(Math.max(1, Math.min(20, nextDueMs)));
        continue;
      }
      const ticks = await source.next(due, now);
      if (ticks.length === 0) break;
      if (connections === 1) await targets[0]!.send(ticks);
      else {
        for (const tick of ticks) parts[partitionOf(String(tick.symbol), connections)]!.push(tick);
        await Promise.all(
          parts.map((part, k) => (part.length === 0 ? Promise.resolve() : targets[k]!.send(part))),
        );
        for (const part of parts) part.length = 0;
      }
      sent += ticks.length;
      if (options.onProgress !== undefined && Date.now() >= nextProgress) {
        nextProgress += everyMs;
        options.onProgress(progress());
      }
    }
  } catch (err) {
    await Promise.allSettled(targets.map((t) => t.close()));
    throw err;
  }
  const closed = await Promise.allSettled(targets.map((t) => t.close()));
  const failed = closed.find((c): c is PromiseRejectedResult => c.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return progress();
}

async function openAll(options: LoadOptions): Promise<LoadTarget[]> {
  const open = (): Promise<LoadTarget> => {
    const auth = options.auth ?? {};
    switch (options.target.protocol) {
      case 'tcp':
        return TcpTarget.open(options.target);
      case 'grpc':
        return GrpcTarget.open(options.target, auth);
      case 'http':
        return HttpTarget.open(options.target, auth);
    }
  };
  const opened = await Promise.allSettled(Array.from({ length: options.connections }, open));
  const targets = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  const failed = opened.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed !== undefined) {
    await Promise.allSettled(targets.map((t) => t.close()));
    throw failed.reason;
  }
  return targets;
}

function summarize(targets: readonly LoadTarget[], sent: number, elapsedMs: number): LoadSummary {
  let accepted: number | undefined = 0;
  const rejectedByReason: Record<string, number> = {};
  for (const t of targets) {
    accepted = accepted === undefined || t.accepted === undefined ? undefined : accepted + t.accepted;
    for (const [reason, n] of Object.entries(t.rejected))
      rejectedByReason[reason] = (rejectedByReason[reason] ?? 0) + n;
  }
  const rejected = Object.values(rejectedByReason).reduce((a, b) => a + b, 0);
  return {
    sent,
    accepted,
    rejected,
    rejectedByReason,
    elapsedMs,
    ratePerSecond: elapsedMs > 0 ? (sent * 1000) / elapsedMs : 0,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
