import { SlidingMinMax } from './sliding-window.js';
import { recordFields } from './record-fields.js';

/**
 * Price spike detection (DESIGN §3.4): a move of more than `thresholdPercent` between the tick's
 * price and the minimum (up) or maximum (down) of the last `windowMs`, the tick included.
 */

export const AnomalyMode = {
  /** Fire once when the condition becomes true, then stay quiet until it is false again. */
  Episode: 'episode',
  /** Fire on every tick where the condition holds (the earlier system's behaviour). */
  Every: 'every',
} as const;
export type AnomalyMode = (typeof AnomalyMode)[keyof typeof AnomalyMode];

export const Direction = { Up: 'up', Down: 'down' } as const;
export type Direction = (typeof Direction)[keyof typeof Direction];

export const Severity = { Medium: 'medium', High: 'high', Critical: 'critical' } as const;
export type Severity = (typeof Severity)[keyof typeof Severity];

export interface Anomaly {
  readonly symbol: string;
  readonly direction: Direction;
  readonly price: number;
  /** Event time of the tick that made the move. */
  readonly ts: number;
  readonly referencePrice: number;
  readonly referenceTs: number;
  /** Signed: positive for up, negative for down. */
  readonly changePercent: number;
  readonly severity: Severity;
  readonly windowMs: number;
  readonly thresholdPercent: number;
}

/** Every field of {@link Anomaly}, in output order (analyze lines, the API, the stored row). */
export const ANOMALY_FIELDS = recordFields<Anomaly>()([
  'symbol',
  'direction',
  'price',
  'ts',
  'referencePrice',
  'referenceTs',
  'changePercent',
  'severity',
  'windowMs',
  'thresholdPercent',
]);

/** `critical` above 5 %, `high` above 3 %, else `medium` (on the absolute change). */
export function severityOf(changePercent: number): Severity {
  const magnitude = Math.abs(changePercent);
  if (magnitude > 5) return Severity.Critical;
  if (magnitude > 3) return Severity.High;
  return Severity.Medium;
}

/** Bit set by {@link SpikeDetector.push} when an up spike fires. */
export const SPIKE_UP = 1;
/** Bit set by {@link SpikeDetector.push} when a down spike fires. */
export const SPIKE_DOWN = 2;

export interface SpikeDetectorOptions {
  readonly windowMs: number;
  readonly thresholdPercent: number;
  readonly mode: AnomalyMode;
}

/**
 * One symbol's detector. `push` returns which directions fired as bits, and the change and
 * reference of each fired direction stay readable until the next push, so the hot path allocates
 * nothing unless a spike fires.
 */
export class SpikeDetector {
  readonly windowMs: number;
  readonly thresholdPercent: number;
  readonly mode: AnomalyMode;
  readonly #window: SlidingMinMax;
  readonly #every: boolean;
  #upActive = false;
  #downActive = false;
  #upChange = NaN;
  #downChange = NaN;

  constructor(options: SpikeDetectorOptions) {
    this.windowMs = options.windowMs;
    this.thresholdPercent = options.thresholdPercent;
    this.mode = options.mode;
    this.#window = new SlidingMinMax(options.windowMs);
    this.#every = options.mode === AnomalyMode.Every;
  }

  /** Adds a sample at effective time `t` and returns SPIKE_UP | SPIKE_DOWN bits of what fired. */
  push(t: number, price: number): number {
    const window = this.#window;
    window.push(t, price);
    const m = window.min;
    const M = window.max;
    // These exact expressions, in this order, in float64: thresholds are compared bit for bit.
    const up = ((price - m) / m) * 100;
    const down = ((price - M) / M) * 100;
    const isUp = up > this.thresholdPercent;
    const isDown = down < -this.thresholdPercent;
    let fired = 0;
    if (isUp && (this.#every || !this.#upActive)) fired |= SPIKE_UP;
    if (isDown && (this.#every || !this.#downActive)) fired |= SPIKE_DOWN;
    this.#upActive = isUp;
    this.#downActive = isDown;
    this.#upChange = up;
    this.#downChange = down;
    return fired;
  }

  /** Change of the last push against the window minimum, in percent. */
  get upChangePercent(): number {
    return this.#upChange;
  }
  /** Change of the last push against the window maximum, in percent (≤ 0). */
  get downChangePercent(): number {
    return this.#downChange;
  }
  /** Most recent sample holding the window minimum: the reference of an up spike. */
  get minPrice(): number {
    return this.#window.min;
  }
  get minTime(): number {
    return this.#window.minTime;
  }
  /** Most recent sample holding the window maximum: the reference of a down spike. */
  get maxPrice(): number {
    return this.#window.max;
  }
  get maxTime(): number {
    return this.#window.maxTime;
  }

  /** Whether an episode is open in each direction (for snapshots and recovery). */
  get episodes(): { up: boolean; down: boolean } {
    return { up: this.#upActive, down: this.#downActive };
  }

  /** The window samples that still matter, oldest first (see {@link SlidingMinMax.samples}). */
  samples(): Array<{ t: number; price: number }> {
    return this.#window.samples();
  }

  /** Rebuilds the window and episode state from a snapshot without firing anything. */
  restore(
    samples: ReadonlyArray<{ t: number; price: number }>,
    episodes: { up: boolean; down: boolean },
  ): void {
    for (const s of samples) this.#window.push(s.t, s.price);
    this.#upActive = episodes.up;
    this.#downActive = episodes.down;
  }

  /** Builds the anomaly record of a fired direction from the state of the last push. */
  anomaly(symbol: string, direction: Direction, price: number, ts: number): Anomaly {
    const up = direction === Direction.Up;
    const changePercent = up ? this.#upChange : this.#downChange;
    return {
      symbol,
      direction,
      price,
      ts,
      referencePrice: up ? this.#window.min : this.#window.max,
      referenceTs: up ? this.#window.minTime : this.#window.maxTime,
      changePercent,
      severity: severityOf(changePercent),
      windowMs: this.windowMs,
      thresholdPercent: this.thresholdPercent,
    };
  }
}
