import type { RawTick } from '../core/tick.js';
import type { Simulator } from './simulator.js';

interface Answer {
  accepted: number;
  rejected: readonly unknown[];
}

/** Where simulated ticks go: the engine's ingest (now or later), or anything with its shape. */
export type Ingest = (
  ticks: readonly RawTick[],
  source: string,
  receivedAt: number,
) => Answer | Promise<Answer>;

/**
 * Runs a simulator against the wall clock in a live server: every `periodMs` it produces the
 * ticks due by now (at the simulator's rate, without drift) and ingests them as one batch from
 * source `sim`. A stalled process skips what it missed rather than flooding the engine.
 */
export class LiveSimulation {
  readonly #simulator: Simulator;
  readonly #ingest: Ingest;
  readonly #periodMs: number;
  readonly #batch: RawTick[] = [];
  #timer: NodeJS.Timeout | undefined;
  #generated = 0;
  #accepted = 0;

  constructor(simulator: Simulator, ingest: Ingest, periodMs = 50) {
    this.#simulator = simulator;
    this.#ingest = ingest;
    this.#periodMs = periodMs;
  }

  get generated(): number {
    return this.#generated;
  }

  get accepted(): number {
    return this.#accepted;
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.step(Date.now()), this.#periodMs);
    this.#timer.unref();
  }

  /** Produces and ingests what is due by `now` (the timer calls this; tests may too). */
  step(now: number): void {
    const batch = this.#batch;
    batch.length = 0;
    // At most a second's worth per step: after a long stall, skip rather than catch up.
    const produced = this.#simulator.fillUntil(
      batch,
      now,
      Math.max(1, Math.ceil(this.#simulator.ticksPerSecond)),
    );
    if (produced === 0) return;
    this.#generated += produced;
    // The batch is reused: the engine has read it when ingest returns, even if it answers later.
    const answer = this.#ingest(batch, 'sim', now);
    if (answer instanceof Promise) void answer.then((a) => (this.#accepted += a.accepted));
    else this.#accepted += answer.accepted;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
