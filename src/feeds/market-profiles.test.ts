import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { loadConfig } from '../config.js';
import { Engine } from '../engine/engine.js';
import { resolveSymbols, simulatorOptions } from './market-profiles.js';
import { Simulator } from './simulator.js';

const defaults = () => loadConfig({ env: {} });

describe('market profiles', () => {
  it('the default simulation quotes the real tickers near their real prices', () => {
    const sim = new Simulator({ ...simulatorOptions(defaults().simulation), seed: 5 });
    assert.deepEqual(sim.symbols, ['AAPL', 'GOOGL', 'MSFT', 'TSLA', 'AMZN', 'BTCUSD', 'EURUSD']);
    const first = new Map<string, number>();
    const last = new Map<string, number>();
    for (const t of sim.fill([], 7 * 2000, 0, 60_000)) {
      if (!first.has(t.symbol as string)) first.set(t.symbol as string, t.price as number);
      last.set(t.symbol as string, t.price as number);
    }
    const expected: Record<string, number> = {
      AAPL: 190,
      MSFT: 420,
      GOOGL: 170,
      TSLA: 250,
      AMZN: 185,
      BTCUSD: 60_000,
      EURUSD: 1.08,
    };
    for (const [symbol, price] of Object.entries(expected)) {
      assert.equal(first.get(symbol), price, symbol);
      const moved = last.get(symbol)! / price;
      assert.ok(moved > 0.8 && moved < 1.25, `${symbol} stays in its range over a minute: ${moved}`);
    }
    // Quotes are on the tick size: cents for shares and bitcoin, five decimals for EURUSD.
    for (const t of sim.fill([], 700, 60_000, 61_000)) {
      const decimals = t.symbol === 'EURUSD' ? 5 : 2;
      assert.equal(
        t.price,
        Number((t.price as number).toFixed(decimals)),
        `${String(t.symbol)} ${String(t.price)}`,
      );
    }
  });

  it('bitcoin moves much more than a share, EURUSD much less', () => {
    const [aapl, btc, eur] = resolveSymbols({ symbols: ['AAPL', 'BTCUSD', 'EURUSD'] });
    assert.ok(btc!.volatility! > 3 * aapl!.volatility!);
    assert.ok(eur!.volatility! < aapl!.volatility! / 3);
  });

  it('a default server run has jumps the default spike detector reports within a minute', () => {
    const config = defaults();
    const engine = new Engine({ ...config, partitions: 1 });
    const anomalies: string[] = [];
    engine.on('anomaly', (a) => anomalies.push(a.symbol));
    const sim = new Simulator({ ...simulatorOptions(config.simulation), seed: 11 });
    const start = Date.UTC(2026, 0, 5);
    for (let second = 0; second < 60; second++) {
      const batch = sim.fill(
        [],
        config.simulation.ticksPerSecond,
        start + second * 1000,
        start + (second + 1) * 1000,
      );
      engine.ingest(batch, 'sim', NaN);
    }
    assert.ok(anomalies.length >= 1, 'at least one anomaly in 60 s');
  });

  it('initialPrice is still the one price of every symbol without its own', () => {
    const config = loadConfig({
      env: {},
      flags: { 'simulation.initialPrice': '100' },
    });
    const specs = resolveSymbols(config.simulation);
    assert.ok(specs.every((s) => s.price === 100));
  });

  it('simulation.symbols takes objects with price, volatility and name', () => {
    const config = loadConfig({
      env: {},
      flags: {
        simulation: undefined,
        'simulation.symbols': ['AAPL', { symbol: 'xyz', price: 12.5, volatility: 0.2, name: 'XYZ Corp.' }],
      },
    });
    const specs = resolveSymbols(config.simulation);
    assert.equal(specs[1]!.price, 12.5);
    assert.equal(specs[1]!.volatility, 0.2);
    const sim = new Simulator({ ...simulatorOptions(config.simulation), seed: 1 });
    const [a, x] = sim.fill([], 2, 0, 1);
    assert.equal(a!.price, 190);
    assert.equal(x!.price, 12.5);
    assert.deepEqual(
      specs.map((spec) => [spec.symbol, spec.name]),
      [
        ['AAPL', 'Apple Inc.'],
        ['xyz', 'XYZ Corp.'],
      ],
    );
  });
});
