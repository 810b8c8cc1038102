import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnomalyMode, SpikeDetector } from '../core/spike-detector.js';
import type { RawTick } from '../core/tick.js';
import { SIMULATOR_DEFAULTS, Simulator, type SimulatorOptions } from './simulator.js';

interface SimTick {
  symbol: string;
  price: number;
  volume: number;
  timestamp: number;
}

const take = (sim: Simulator, n: number, startTs = 0): SimTick[] => {
  const out: SimTick[] = [];
  for (const t of sim.ticks(startTs)) {
    out.push(t as SimTick);
    if (out.length === n) break;
  }
  return out;
};

const bySymbol = (ticks: readonly SimTick[]): Map<string, SimTick[]> => {
  const map = new Map<string, SimTick[]>();
  for (const t of ticks) {
    const series = map.get(t.symbol);
    if (series === undefined) map.set(t.symbol, [t]);
    else series.push(t);
  }
  return map;
};

describe('Simulator', () => {
  it('has the earlier system’s defaults', () => {
    assert.deepEqual(
      { ...SIMULATOR_DEFAULTS },
      {
        symbols: ['AAPL', 'GOOG', 'MSFT', 'EURUSD', 'BTCUSD'],
        ticksPerSecond: 2000,
        initialPrice: 100,
        maxJitterPercent: 0.01,
        model: 'walk',
        seed: undefined,
        volatility: 0.05,
        drift: 0,
        jumpProbability: 0.0001,
        jumpPercent: 3,
      },
    );
    const sim = new Simulator();
    assert.deepEqual(sim.symbols, SIMULATOR_DEFAULTS.symbols);
    assert.equal(sim.model, 'walk');
  });

  for (const model of ['walk', 'gbm'] as const) {
    it(`${model}: repeats every tick for the same seed, differs for another`, () => {
      const a = take(new Simulator({ model, seed: 42 }), 5000);
      assert.deepEqual(take(new Simulator({ model, seed: 42 }), 5000), a);
      assert.deepEqual(take(new Simulator({ model, seed: '42' }), 5000), a);
      assert.notDeepEqual(take(new Simulator({ model, seed: 43 }), 5000), a);
    });
  }

  it('draws a seed when none is given, and that seed replays the run', () => {
    const sim = new Simulator({ model: 'gbm', seed: undefined });
    assert.equal(typeof sim.seed, 'number');
    const first = take(sim, 1000);
    assert.deepEqual(take(new Simulator({ model: 'gbm', seed: sim.seed }), 1000), first);
  });

  it('produces ticksPerSecond ticks per second, symbols in rotation, integer ms times', () => {
    const sim = new Simulator({ ticksPerSecond: 400, symbols: ['a', 'b', 'c'], seed: 1 });
    assert.deepEqual(sim.symbols, ['A', 'B', 'C']);
    const ticks = take(sim, 4000, 1_700_000_000_000);
    ticks.forEach((t, k) => {
      assert.equal(t.timestamp, 1_700_000_000_000 + Math.floor(k * 2.5));
      assert.equal(t.symbol, ['A', 'B', 'C'][k % 3]);
      assert.ok(Number.isInteger(t.volume) && t.volume >= 1);
    });
    const perSecond = new Map<number, number>();
    for (const t of ticks)
      perSecond.set(Math.floor(t.timestamp / 1000), (perSecond.get(Math.floor(t.timestamp / 1000)) ?? 0) + 1);
    assert.deepEqual([...perSecond.values()], new Array(10).fill(400));
  });

  it('fill spreads a batch evenly over [fromTs, toTs)', () => {
    const batch: RawTick[] = [];
    const sim = new Simulator({ seed: 1 });
    assert.equal(sim.fill(batch, 4, 1000, 1010), batch);
    assert.deepEqual(
      batch.map((t) => t.timestamp),
      [1000, 1002, 1005, 1007],
    );
    sim.fill(batch, 3, 2000, 2000);
    assert.deepEqual(
      batch.slice(4).map((t) => [t.symbol, t.timestamp]),
      [
        ['BTCUSD', 2000],
        ['AAPL', 2000],
        ['GOOG', 2000],
      ],
    );
  });

  it('fillUntil keeps the rate whatever the timer period, without drift', () => {
    const sim = new Simulator({ ticksPerSecond: 1000, seed: 1 });
    const batch: RawTick[] = [];
    let now = 5000;
    let total = sim.fillUntil(batch, now);
    assert.equal(total, 1);
    for (const step of [3, 17, 0, 250, 1, 729]) {
      now += step;
      total += sim.fillUntil(batch, now);
    }
    assert.equal(now, 6000);
    assert.equal(total, 1001);
    assert.equal(batch.length, 1001);
    assert.deepEqual(
      batch.map((t) => t.timestamp),
      Array.from({ length: 1001 }, (_, k) => 5000 + k),
    );
    // Same ticks as generated in one go.
    assert.deepEqual(batch, take(new Simulator({ ticksPerSecond: 1000, seed: 1 }), 1001, 5000));
  });

  it('fillUntil skips a backlog beyond maxCount and restarts after the clock steps back', () => {
    const sim = new Simulator({ ticksPerSecond: 100, seed: 1 });
    const batch: RawTick[] = [];
    sim.fillUntil(batch, 0);
    assert.equal(sim.fillUntil(batch, 10_000, 50), 50);
    assert.deepEqual(
      batch.slice(1).map((t) => t.timestamp),
      Array.from({ length: 50 }, (_, k) => 9510 + k * 10),
    );
    assert.equal(sim.fillUntil(batch, 10_015), 1);
    assert.equal(batch.at(-1)!.timestamp, 10_010);
    // Back by under a second: nothing due yet. By more: a new schedule from there.
    assert.equal(sim.fillUntil(batch, 9500), 0);
    assert.equal(sim.fillUntil(batch, 5000), 1);
    assert.equal(batch.at(-1)!.timestamp, 5000);
  });

  it('starts each symbol at its initial price, from a number or a per-symbol map', () => {
    const ticks = take(
      new Simulator({ symbols: ['AAPL', 'BTCUSD', 'X'], initialPrice: { BTCUSD: 30_000, aapl: 190 } }),
      3,
    );
    assert.deepEqual(
      ticks.map((t) => t.price),
      [190, 30_000, 100],
    );
    assert.deepEqual(
      take(new Simulator({ model: 'gbm', initialPrice: 7 }), 5).map((t) => t.price),
      [7, 7, 7, 7, 7],
    );
  });

  it('walk: every step stays within maxJitterPercent and uses its range', () => {
    const sim = new Simulator({ model: 'walk', seed: 3, maxJitterPercent: 0.5 });
    let largest = 0;
    for (const series of bySymbol(take(sim, 50_000)).values()) {
      for (let i = 1; i < series.length; i++) {
        const move = Math.abs(series[i]!.price / series[i - 1]!.price - 1) * 100;
        assert.ok(move <= 0.5 * (1 + 1e-12), `move ${move}%`);
        largest = Math.max(largest, move);
      }
    }
    assert.ok(largest > 0.49, `largest move ${largest}%`);
  });

  it('gbm: without jumps, moves have the configured volatility and never trip the detector', () => {
    const sim = new Simulator({
      model: 'gbm',
      seed: 5,
      symbols: ['X'],
      ticksPerSecond: 10,
      jumpProbability: 0,
    });
    const ticks = take(sim, 36_000);
    const returns = ticks.slice(1).map((t, i) => Math.log(t.price / ticks[i]!.price));
    const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
    const sd = Math.sqrt(returns.reduce((a, r) => a + (r - mean) ** 2, 0) / returns.length);
    // 0.05% per √second over 0.1 s ticks.
    const expected = 0.0005 * Math.sqrt(0.1);
    assert.ok(Math.abs(sd / expected - 1) < 0.03, `sd ${sd} vs ${expected}`);
    assert.equal(countSpikes(ticks), 0);
  });

  it('gbm: drift is the expected relative change per second', () => {
    const sim = new Simulator({
      model: 'gbm',
      seed: 9,
      symbols: ['X'],
      ticksPerSecond: 1,
      volatility: 0.01,
      drift: 0.5,
    });
    const ticks = take(sim, 1001);
    const growth = (ticks[1000]!.price / ticks[0]!.price) ** (1 / 1000);
    assert.ok(Math.abs(growth - 1.005) < 0.0001, `growth per second ${growth}`);
  });

  it('gbm: jumps make > 2% moves that the default spike detector reports', () => {
    // One simulated minute at the defaults: about twelve jumps.
    const ticks = take(new Simulator({ model: 'gbm', seed: 11 }), 120_000);
    let bigMoves = 0;
    for (const series of bySymbol(ticks).values()) {
      for (let i = 1; i < series.length; i++) {
        if (Math.abs(series[i]!.price / series[i - 1]!.price - 1) > 0.02) bigMoves++;
      }
    }
    assert.ok(bigMoves >= 3, `${bigMoves} moves above 2%`);
    assert.ok(countSpikes(ticks) >= 3);
  });

  it('keeps prices positive and finite over millions of extreme steps', () => {
    const extremes: Array<Partial<SimulatorOptions>> = [
      { model: 'walk', maxJitterPercent: 99.9, symbols: ['X'] },
      { model: 'gbm', volatility: 500, drift: -99, jumpProbability: 0.5, jumpPercent: 99.9, symbols: ['X'] },
      { model: 'gbm', volatility: 1e6, drift: 1e6, symbols: ['X'] },
      { model: 'gbm', volatility: 1e200, symbols: ['X'] },
    ];
    for (const options of extremes) {
      const sim = new Simulator({ ...options, seed: 1, initialPrice: 1e-3 });
      let min = Infinity;
      let max = 0;
      let ts = 0;
      for (let i = 0; i < 1_000_000; i++) {
        const price = sim.next((ts += 7)).price as number;
        if (!(price > 0 && price < Infinity))
          assert.fail(`price ${price} at step ${i} with ${JSON.stringify(options)}`);
        if (price < min) min = price;
        if (price > max) max = price;
      }
      // The safety band is the reason they stay: the extremes reach it.
      assert.ok(min <= (1e-3 / 1e6) * 1.0001 || max >= 1e-3 * 1e6 * 0.9999, `${min}..${max}`);
    }
  });

  it('refuses invalid options', () => {
    const bad: Array<[Partial<SimulatorOptions>, RegExp]> = [
      [{ ticksPerSecond: 0 }, /ticksPerSecond/],
      [{ ticksPerSecond: Infinity }, /ticksPerSecond/],
      [{ maxJitterPercent: 100 }, /maxJitterPercent/],
      [{ maxJitterPercent: -1 }, /maxJitterPercent/],
      [{ volatility: -1 }, /volatility/],
      [{ drift: NaN }, /drift/],
      [{ jumpProbability: 1.5 }, /jumpProbability/],
      [{ jumpPercent: 100 }, /jumpPercent/],
      [{ initialPrice: 0 }, /initialPrice/],
      [{ initialPrice: { AAPL: -1 } }, /initialPrice.AAPL/],
      [{ symbols: [] }, /at least one symbol/],
      [{ symbols: ['ok', 'not ok'] }, /invalid symbol "not ok"/],
      [{ symbols: ['a', 'A'] }, /A is listed twice/],
      [{ model: 'brownian' as 'gbm' }, /model must be 'walk' or 'gbm'/],
    ];
    for (const [options, message] of bad) assert.throws(() => new Simulator(options), message);
  });
});

/** Anomalies the core detector reports at its defaults (2% within 1 s, episodes). */
function countSpikes(ticks: readonly SimTick[]): number {
  const detectors = new Map<string, SpikeDetector>();
  let fired = 0;
  for (const t of ticks) {
    let detector = detectors.get(t.symbol);
    if (detector === undefined) {
      detector = new SpikeDetector({ windowMs: 1000, thresholdPercent: 2, mode: AnomalyMode.Episode });
      detectors.set(t.symbol, detector);
    }
    if (detector.push(t.timestamp, t.price) !== 0) fired++;
  }
  return fired;
}
