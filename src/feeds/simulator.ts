import { normalizeSymbol, type RawTick } from '../core/tick.js';
import { Random } from './random.js';

/**
 * Synthetic ticks (DESIGN §2, `feeds/`). Pure: it takes event times and returns ticks; the caller
 * owns the clock (the server passes the wall clock from a timer, `tickstream simulate` passes
 * synthetic times), so one seed and one sequence of times give the same ticks on every run.
 */

export const SimulationModel = {
  /** The earlier system's walk: each tick multiplies the price by 1 + u·maxJitterPercent/100, u ∈ [−1, 1]. */
  Walk: 'walk',
  /** Geometric Brownian motion over event time, with injected jumps that trip the spike detector. */
  Gbm: 'gbm',
} as const;
export type SimulationModel = (typeof SimulationModel)[keyof typeof SimulationModel];

/**
 * One simulated symbol with its own settings; what it leaves out comes from the simulator's
 * options. `tickSize` (gbm only) rounds the quoted price to a multiple of it (0.01 for a share,
 * 0.00001 for a currency pair); the walk keeps its exact prices, as the earlier system did.
 */
export interface SymbolSpec {
  readonly symbol: string;
  readonly price?: number | undefined;
  readonly volatility?: number | undefined;
  readonly tickSize?: number | undefined;
  /** Display name (the FastAPI-compatible `/symbols` shows it). */
  readonly name?: string | undefined;
}

/** The `simulation.*` options of the config (DESIGN §6), except `enabled`, which is the server's. */
export interface SimulatorOptions {
  /** Tickers, served in rotation. Trimmed and upper-cased; each must be a valid symbol. */
  readonly symbols: readonly (string | SymbolSpec)[];
  /** Total rate across all symbols; each symbol gets ticksPerSecond / symbols.length. */
  readonly ticksPerSecond: number;
  /** Price of each symbol's first tick: one for all, or per symbol (others take the default). */
  readonly initialPrice: number | Readonly<Record<string, number>>;
  /** `walk` only: the largest move of one tick, in percent, in [0, 100). */
  readonly maxJitterPercent: number;
  readonly model: SimulationModel;
  /** Same seed and same times, same ticks. Absent: a random seed, readable as `simulator.seed`. */
  readonly seed: number | string | undefined;
  /**
   * `gbm` only: standard deviation of the log return over one second, in percent per √second
   * (not annualized: an annual figure would leave a live chart flat). 0.05 moves a price about
   * 0.4% in a minute and 3% in an hour.
   */
  readonly volatility: number;
  /** `gbm` only: expected relative change per second, in percent per second (may be negative). */
  readonly drift: number;
  /** `gbm` only: chance that a tick carries a jump, in [0, 1]. */
  readonly jumpProbability: number;
  /** `gbm` only: size of a jump in percent, in [0, 100); up or down with equal chance. */
  readonly jumpPercent: number;
}

/**
 * The earlier system's simulation (five symbols at 100, 2000 ticks/s in total, a 0.01% walk), so
 * its config files behave as before; `model: 'gbm'` turns on the livelier market. With these
 * numbers a gbm jump (3%) always exceeds the default spike threshold (2% within 1 s), and at
 * 2000 ticks/s one comes about every five seconds.
 */
export const SIMULATOR_DEFAULTS: SimulatorOptions = Object.freeze({
  symbols: Object.freeze(['AAPL', 'GOOG', 'MSFT', 'EURUSD', 'BTCUSD']),
  ticksPerSecond: 2000,
  initialPrice: 100,
  maxJitterPercent: 0.01,
  model: SimulationModel.Walk,
  seed: undefined,
  volatility: 0.05,
  drift: 0,
  jumpProbability: 0.0001,
  jumpPercent: 3,
});

/**
 * Prices stay within this factor of their initial price: a move that would leave the band is
 * taken in the other direction. A safety net for extreme options and servers that run for years,
 * since the walk and the gbm both drift down in log space and would otherwise reach 0 one day.
 */
const BAND = 1e6;
/** Volumes are log-normal: median 100, σ of the logarithm 1, rounded to whole units, at least 1. */
const MEDIAN_VOLUME = 100;

export class Simulator {
  readonly symbols: readonly string[];
  readonly ticksPerSecond: number;
  readonly model: SimulationModel;
  /** The seed in use (the given one, or the random one drawn when none was given). */
  readonly seed: number | string;
  readonly #random: Random;
  readonly #walk: boolean;
  readonly #jitter: number;
  readonly #driftPerSecond: Float64Array;
  readonly #sigmaPerSqrtSecond: Float64Array;
  /** 1 / tick size per symbol (gbm), 0 when prices are not rounded. */
  readonly #ticksPerUnit: Float64Array;
  readonly #jumpProbability: number;
  readonly #logJumpUp: number;
  readonly #logJumpDown: number;
  readonly #price: Float64Array;
  readonly #lastTs: Float64Array;
  readonly #low: Float64Array;
  readonly #high: Float64Array;
  readonly #started: Uint8Array;
  #cursor = 0;
  // fillUntil's schedule: tick k is due at #originTs + k · 1000 / ticksPerSecond.
  #originTs = NaN;
  #nextK = 0;

  constructor(options: Partial<SimulatorOptions> = {}) {
    const o = { ...SIMULATOR_DEFAULTS, ...definedOnly(options) };
    const specs = o.symbols.map((entry) => (typeof entry === 'string' ? { symbol: entry } : entry));
    this.symbols = Object.freeze(checkSymbols(specs.map((spec) => spec.symbol)));
    this.ticksPerSecond = check('ticksPerSecond', o.ticksPerSecond, o.ticksPerSecond > 0);
    this.model = o.model;
    if (o.model !== SimulationModel.Walk && o.model !== SimulationModel.Gbm) {
      throw new RangeError(`model must be 'walk' or 'gbm', got ${String(o.model)}`);
    }
    this.#walk = o.model === SimulationModel.Walk;
    this.#jitter =
      check('maxJitterPercent', o.maxJitterPercent, o.maxJitterPercent >= 0 && o.maxJitterPercent < 100) /
      100;
    check('volatility', o.volatility, o.volatility >= 0);
    const mu = check('drift', o.drift, o.drift > -100) / 100;
    this.#jumpProbability = check(
      'jumpProbability',
      o.jumpProbability,
      o.jumpProbability >= 0 && o.jumpProbability <= 1,
    );
    const jump = check('jumpPercent', o.jumpPercent, o.jumpPercent >= 0 && o.jumpPercent < 100) / 100;
    this.#logJumpUp = Math.log1p(jump);
    this.#logJumpDown = Math.log1p(-jump);
    this.seed = o.seed ?? Math.floor(Math.random() * 4_294_967_296);
    this.#random = new Random(this.seed);

    const n = this.symbols.length;
    this.#price = new Float64Array(n);
    this.#lastTs = new Float64Array(n);
    this.#low = new Float64Array(n);
    this.#high = new Float64Array(n);
    this.#started = new Uint8Array(n);
    this.#sigmaPerSqrtSecond = new Float64Array(n);
    this.#driftPerSecond = new Float64Array(n);
    this.#ticksPerUnit = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const spec = specs[i]!;
      const symbol = this.symbols[i]!;
      const volatility = spec.volatility ?? o.volatility;
      const sigma = check(`volatility.${symbol}`, volatility, volatility >= 0) / 100;
      this.#sigmaPerSqrtSecond[i] = sigma;
      // Itô: a log return with mean (μ − σ²/2)·dt gives the price an expected growth of μ per second.
      this.#driftPerSecond[i] = Math.log1p(mu) - (sigma * sigma) / 2;
      if (spec.tickSize !== undefined && !this.#walk) {
        const perUnit = 1 / check(`tickSize.${symbol}`, spec.tickSize, spec.tickSize > 0);
        // 1 / 0.00001 is 99999.99999999999: snap to the whole number, so quotes divide exactly.
        const whole = Math.round(perUnit);
        this.#ticksPerUnit[i] = Math.abs(perUnit - whole) < 1e-9 * perUnit ? whole : perUnit;
      }
      const price =
        spec.price === undefined
          ? initialPriceOf(o.initialPrice, symbol)
          : check(`price.${symbol}`, spec.price, spec.price > 0);
      this.#price[i] = price;
      this.#low[i] = price / BAND;
      this.#high[i] = price * BAND;
    }
  }

  /**
   * One tick at event time `ts` (epoch ms) for the next symbol in rotation. A symbol's first tick
   * carries its initial price; each later one moves from the previous price.
   */
  next(ts: number): RawTick {
    const i = this.#cursor;
    this.#cursor = i + 1 === this.symbols.length ? 0 : i + 1;
    const random = this.#random;
    let price = this.#price[i]!;
    if (this.#walk) {
      const u = 2 * random.next() - 1;
      if (this.#started[i] === 1)
        price = this.#bounded(i, price * (1 + u * this.#jitter), price * (1 - u * this.#jitter));
    } else {
      // Draw the same numbers on every tick, whatever happens, so the sequence depends only on
      // the seed and the number of ticks.
      const z = random.normal();
      const isJump = random.next() < this.#jumpProbability;
      const isUp = random.next() < 0.5;
      if (this.#started[i] === 1) {
        const dt = Math.max(0, ts - this.#lastTs[i]!) / 1000;
        let r = this.#driftPerSecond[i]! * dt + this.#sigmaPerSqrtSecond[i]! * Math.sqrt(dt) * z;
        if (isJump) r += isUp ? this.#logJumpUp : this.#logJumpDown;
        price = this.#bounded(i, price * Math.exp(r), price * Math.exp(-r));
      }
      if (this.#started[i] === 0 || ts > this.#lastTs[i]!) this.#lastTs[i] = ts;
    }
    this.#started[i] = 1;
    this.#price[i] = price;
    const volume = Math.max(1, Math.round(MEDIAN_VOLUME * Math.exp(random.normal())));
    const perUnit = this.#ticksPerUnit[i]!;
    // The exact price walks on; the quote is rounded to the tick size (never to 0).
    const quoted = perUnit === 0 ? price : Math.max(1, Math.round(price * perUnit)) / perUnit;
    return { symbol: this.symbols[i], price: quoted, volume, timestamp: ts };
  }

  /**
   * Appends `count` ticks with event times spread evenly over [fromTs, toTs) (integer ms: tick j
   * at fromTs + ⌊j · (toTs − fromTs) / count⌋). Returns `batch`.
   */
  fill(batch: RawTick[], count: number, fromTs: number, toTs: number): RawTick[] {
    const span = toTs - fromTs;
    for (let j = 0; j < count; j++) batch.push(this.next(fromTs + Math.floor((j * span) / count)));
    return batch;
  }

  /**
   * Endless ticks at the configured rate from `startTs`: tick k at startTs + ⌊k · 1000 /
   * ticksPerSecond⌋ ms (integer ms, so at more than 1000 ticks/s several share a millisecond).
   * For `tickstream simulate`: take as many as wanted, then stop iterating.
   */
  *ticks(startTs: number): Generator<RawTick, never, undefined> {
    const msPerTick = 1000 / this.ticksPerSecond;
    for (let k = 0; ; k++) yield this.next(startTs + Math.floor(k * msPerTick));
  }

  /**
   * Paced generation for a live server: appends every tick due at or before `nowMs` on a fixed
   * schedule (the first call starts it at `nowMs`, with one tick), so calling this from a timer
   * of any period keeps the configured rate without drift. When more than `maxCount` are due
   * (the process was stalled), only the latest `maxCount` are produced and the rest are skipped,
   * never caught up. If the clock steps back more than a second the schedule restarts at `nowMs`.
   * Returns how many ticks were appended.
   */
  fillUntil(batch: RawTick[], nowMs: number, maxCount = Infinity): number {
    const msPerTick = 1000 / this.ticksPerSecond;
    if (Number.isNaN(this.#originTs) || nowMs < this.#originTs + (this.#nextK - 1) * msPerTick - 1000) {
      this.#originTs = nowMs;
      this.#nextK = 0;
    }
    const lastK = Math.floor((nowMs - this.#originTs) / msPerTick);
    let k = Math.max(this.#nextK, lastK - maxCount + 1);
    const from = k;
    for (; k <= lastK; k++) batch.push(this.next(this.#originTs + Math.floor(k * msPerTick)));
    this.#nextK = Math.max(this.#nextK, k);
    return Math.max(0, k - from);
  }

  /** `next` unless it leaves the band of this symbol, then `other` (the opposite move), clamped. */
  #bounded(i: number, next: number, other: number): number {
    const low = this.#low[i]!;
    const high = this.#high[i]!;
    if (next >= low && next <= high) return next;
    // Written so that NaN (from absurd options: σ² overflowing) lands on the band too.
    return other > high ? high : other >= low ? other : low;
  }
}

function check(name: string, value: number, ok: boolean): number {
  if (!ok || !Number.isFinite(value))
    throw new RangeError(`simulation option ${name} is out of range: ${value}`);
  return value;
}

function checkSymbols(symbols: readonly string[]): string[] {
  if (!Array.isArray(symbols) || symbols.length === 0) {
    throw new RangeError('simulation option symbols must name at least one symbol');
  }
  const out: string[] = [];
  for (const raw of symbols) {
    const symbol = normalizeSymbol(raw);
    if (symbol === undefined)
      throw new RangeError(`simulation option symbols: invalid symbol ${JSON.stringify(raw)}`);
    if (out.includes(symbol)) throw new RangeError(`simulation option symbols: ${symbol} is listed twice`);
    out.push(symbol);
  }
  return out;
}

function initialPriceOf(initial: SimulatorOptions['initialPrice'], symbol: string): number {
  if (typeof initial === 'number') return check('initialPrice', initial, initial > 0);
  const own = Object.entries(initial).find(([key]) => normalizeSymbol(key) === symbol)?.[1];
  const price = own ?? (SIMULATOR_DEFAULTS.initialPrice as number);
  return check(`initialPrice.${symbol}`, price, price > 0);
}

/** Drops keys whose value is undefined, so `{ seed: undefined }` keeps the default. */
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
