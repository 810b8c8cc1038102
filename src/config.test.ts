import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { withTable } from '../scripts/config-docs.js';
import { configKeys, envName, flagName, loadConfig } from './config.js';

function file(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'tickstream-config-'));
  const path = join(dir, 'config.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('loadConfig', () => {
  it('has the documented defaults, with the earlier system option names', () => {
    const c = loadConfig();
    assert.equal(c.partitions, availableParallelism());
    assert.equal(c.channelCapacity, 100_000);
    assert.equal(c.overflowPolicy, 'reject');
    assert.equal(c.movingAverageWindow, 64);
    assert.equal(c.anomalyThresholdPercent, 2);
    assert.equal(c.slidingWindowMilliseconds, 1000);
    assert.equal(c.recentAnomaliesCapacity, 10_000);
    assert.deepEqual(c.intervals, ['1s', '1m', '5m', '15m', '1h', '1d']);
    assert.equal(c.allowedLatenessMs, 1000);
    assert.equal(c.anomalyMode, 'episode');
    assert.equal(c.maxFutureSkewMs, 300_000);
    assert.equal(c.dedupeCapacity, 10_000);
    assert.deepEqual(c.simulation.symbols, ['AAPL', 'GOOGL', 'MSFT', 'TSLA', 'AMZN', 'BTCUSD', 'EURUSD']);
    assert.equal(c.simulation.ticksPerSecond, 2000);
    assert.equal(c.simulation.model, 'gbm');
    // Absent: every known ticker starts near its real price (src/feeds/market-profiles.ts).
    assert.equal(c.simulation.initialPrice, undefined);
    assert.equal(c.simulation.maxJitterPercent, 0.01);
    assert.equal(c.simulation.enabled, true);
  });

  it('layers file < environment < flags', () => {
    const path = file({
      movingAverageWindow: 10,
      anomalyThresholdPercent: 3,
      simulation: { ticksPerSecond: 5, model: 'gbm' },
    });
    const c = loadConfig({
      file: path,
      env: {
        TICKSTREAM_ANOMALY_THRESHOLD_PERCENT: '4',
        TICKSTREAM_SIMULATION_TICKS_PER_SECOND: '6',
        TICKSTREAM_INTERVALS: '1s, 5m',
      },
      flags: { 'simulation.ticksPerSecond': '7', partitions: 3 },
    });
    assert.equal(c.movingAverageWindow, 10);
    assert.equal(c.anomalyThresholdPercent, 4);
    assert.equal(c.simulation.ticksPerSecond, 7);
    assert.equal(c.simulation.model, 'gbm');
    assert.equal(c.simulation.enabled, true);
    assert.deepEqual(c.intervals, ['1s', '5m']);
    assert.equal(c.partitions, 3);
  });

  it('finds the file through TICKSTREAM_CONFIG', () => {
    assert.equal(loadConfig({ env: { TICKSTREAM_CONFIG: file({ dedupeCapacity: 7 }) } }).dedupeCapacity, 7);
  });

  it('reads the Redis key prefix from TICKSTREAM_REDIS_PREFIX, tickstream: by default', () => {
    assert.equal(loadConfig().redis.prefix, 'tickstream:');
    assert.equal(loadConfig({ env: { TICKSTREAM_REDIS_PREFIX: 'ts-a:' } }).redis.prefix, 'ts-a:');
  });

  it('reads booleans and lists from strings', () => {
    const c = loadConfig({
      env: { TICKSTREAM_SIMULATION_ENABLED: 'false', TICKSTREAM_SIMULATION_SYMBOLS: 'A,B' },
    });
    assert.equal(c.simulation.enabled, false);
    assert.deepEqual(c.simulation.symbols, ['A', 'B']);
  });

  it('is frozen', () => {
    const c = loadConfig();
    assert.throws(() => {
      (c as { movingAverageWindow: number }).movingAverageWindow = 1;
    }, TypeError);
    assert.ok(Object.isFrozen(c.simulation));
  });

  const failures: Array<[string, Parameters<typeof loadConfig>[0], RegExp]> = [
    ['an unknown overflow policy', { env: { TICKSTREAM_OVERFLOW_POLICY: 'DropOldest' } }, /overflowPolicy/],
    [
      'an unknown top-level key in the file',
      { file: file({ movingAverageWindowz: 1 }) },
      /config movingAverageWindowz: unknown key/,
    ],
    [
      'an unknown nested key',
      { file: file({ simulation: { rate: 1 } }) },
      /config simulation\.rate: unknown key/,
    ],
    [
      'a value out of range',
      { file: file({ movingAverageWindow: 0 }) },
      /config movingAverageWindow: expected integer/,
    ],
    ['a wrong type', { file: file({ partitions: 'many' }) }, /config partitions: expected integer/],
    [
      'a bad enum value',
      { file: file({ anomalyMode: 'sometimes' }) },
      /config anomalyMode: must be one of episode, every/,
    ],
    [
      'a bad interval',
      { file: file({ intervals: ['1m', '90x'] }) },
      /config intervals: invalid interval "90x"/,
    ],
    [
      'a repeated interval',
      { file: file({ intervals: ['1m', '60s'] }) },
      /config intervals: interval "60s" repeats 1m/,
    ],
    [
      'an unknown environment variable',
      { env: { TICKSTREAM_MOVING_AVERAGE: '3' } },
      /TICKSTREAM_MOVING_AVERAGE is not a configuration key/,
    ],
    [
      'a non-numeric environment value',
      { env: { TICKSTREAM_PARTITIONS: 'four' } },
      /config partitions: expected a number, got "four"/,
    ],
    [
      'a non-boolean value',
      { env: { TICKSTREAM_SIMULATION_ENABLED: 'maybe' } },
      /config simulation\.enabled: expected true or false/,
    ],
    ['an unreadable file', { file: '/nonexistent/tickstream.json' }, /cannot read config file/],
    ['a file that is not JSON', { file: file('{ nope') }, /is not valid JSON/],
    ['a file that is not an object', { file: file('[1]') }, /must hold a JSON object/],
  ];
  for (const [what, sources, message] of failures) {
    it(`fails at start on ${what}, naming it`, () => {
      assert.throws(
        () => loadConfig(sources),
        (err: Error & { code?: string }) => {
          assert.match(err.message, message);
          assert.match(err.code ?? '', /^CONFIG_(INVALID|UNREADABLE)$/);
          return true;
        },
      );
    });
  }

  it('ignores reserved TICKSTREAM_ variables that are not configuration keys', () => {
    assert.doesNotThrow(() => loadConfig({ env: { TICKSTREAM_ADMIN_PASSWORD: 'x' } }));
  });
});

describe('configuration names', () => {
  it('map keys to environment variables and flags', () => {
    assert.equal(envName('simulation.ticksPerSecond'), 'TICKSTREAM_SIMULATION_TICKS_PER_SECOND');
    assert.equal(envName('anomalyThresholdPercent'), 'TICKSTREAM_ANOMALY_THRESHOLD_PERCENT');
    assert.equal(flagName('simulation.ticksPerSecond'), 'simulation-ticks-per-second');
  });

  it('are all distinct', () => {
    const keys = configKeys().map((k) => k.key);
    assert.equal(new Set(keys.map(envName)).size, keys.length);
    assert.equal(new Set(keys.map(flagName)).size, keys.length);
  });

  it('are documented in docs/configuration.md, exactly as the schema says', () => {
    const doc = readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8');
    assert.equal(doc, withTable(doc), 'docs/configuration.md is out of date: run npm run docs:config');
    for (const { key } of configKeys()) assert.ok(doc.includes(`\`${key}\``), `${key} is not documented`);
  });
});
