import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'src/cli.ts');
const BTC = join(ROOT, 'test/fixtures/btc_trades.csv');
const NASDAQ = join(ROOT, 'test/fixtures/nasdaq_trades.csv');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI from source (so the test never sees a stale build), optionally feeding stdin. */
function cli(args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

function lines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function tempFile(name: string, content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'tickstream-cli-')), name);
  writeFileSync(path, content);
  return path;
}

describe('tickstream --help', () => {
  it('lists the commands', async () => {
    const run = await cli(['--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /analyze/);
    assert.match(run.stdout, /simulate/);
  });

  for (const command of ['analyze', 'simulate']) {
    it(`explains every option of ${command}`, async () => {
      const run = await cli([command, '--help']);
      assert.equal(run.code, 0);
      const options = [...run.stdout.matchAll(/^\s+(--[a-z-]+)/gm)].map((m) => m[1]);
      assert.ok(options.length >= 5, run.stdout);
      for (const line of run.stdout.split('\n').filter((l) => /^\s+--[a-z]/.test(l))) {
        assert.match(line, /--[a-z-]+.*\s{2,}\S/, `option without an explanation: ${line}`);
      }
    });
  }

  it('fails with a usage message on an unknown command', async () => {
    const run = await cli(['frobnicate']);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /unknown command/);
  });
});

describe('tickstream analyze', () => {
  it('analyzes the real BTC-USD hour: 60 one-minute candles that match the data', async () => {
    const run = await cli(['analyze', BTC, '--intervals', '1m']);
    assert.equal(run.code, 0, run.stderr);
    const out = lines(run.stdout);
    const candles = out.filter((l) => l.type === 'candle');
    assert.equal(candles.length, 60);
    // Recomputed by hand from the file's rows 16:00:01–16:00:59 (docs/analyze.md).
    assert.deepEqual(candles[0], {
      type: 'candle',
      symbol: 'BTC-USD',
      interval: '1m',
      start: Date.parse('2023-09-05T16:00:00Z'),
      end: Date.parse('2023-09-05T16:01:00Z'),
      open: 25741.02,
      high: 25745.72,
      low: 25735.62,
      close: 25741.54,
      volume: candles[0]!.volume,
      trades: 83,
      vwap: candles[0]!.vwap,
    });
    assert.ok(Math.abs((candles[0].volume as number) - 3.273878) < 1e-9);
    assert.ok(Math.abs((candles[0].vwap as number) - 25738.165670703784) < 1e-6);
    assert.equal(
      candles.reduce((n, c) => n + (c.trades as number), 0),
      5882,
    );
    const stats = out.filter((l) => l.type === 'stats');
    assert.equal(stats.length, 1);
    assert.equal(stats[0]!.updateCount, 5882);
    assert.equal(out.at(-1)!.type, 'stats');
    assert.equal(out.filter((l) => l.type === 'anomaly').length, 0, 'the real hour has no 2 % move');
  });

  it('analyzes the NASDAQ hour with --map symbol=id and finds real moves at 0.05 %', async () => {
    const run = await cli([
      'analyze',
      NASDAQ,
      '--map',
      'symbol=id',
      '--threshold-percent',
      '0.05',
      '--intervals',
      '5m',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const out = lines(run.stdout);
    const stats = out.filter((l) => l.type === 'stats');
    assert.deepEqual(
      stats.map((s) => s.symbol),
      ['AAPL', 'AMD', 'AMZN', 'AVGO', 'GOOGL', 'META', 'MSFT', 'NVDA', 'TSLA'],
    );
    assert.equal(
      stats.reduce((n, s) => n + (s.updateCount as number), 0),
      14_842,
    );
    const anomalies = out.filter((l) => l.type === 'anomaly');
    assert.ok(anomalies.length > 0);
    for (const a of anomalies) assert.ok(Math.abs(a.changePercent as number) > 0.05);
    assert.equal(out.filter((l) => l.type === 'candle').length, 9 * 12);
  });

  it('is deterministic', async () => {
    const a = await cli(['analyze', NASDAQ, '--map', 'symbol=id', '--threshold-percent', '0.05']);
    const b = await cli(['analyze', NASDAQ, '--map', 'symbol=id', '--threshold-percent', '0.05']);
    assert.equal(a.stdout, b.stdout);
  });

  it('reports rejected ticks by index, gaps, and unreadable lines on stderr with their line number', async () => {
    const input = [
      '{"symbol":"X","price":10,"timestamp":1000,"seq":1}',
      '{"symbol":"X","price":-1,"timestamp":1001}',
      'not json',
      '{"symbol":"X","price":10,"timestamp":1002,"seq":4}',
      '{"symbol":"X","price":10,"timestamp":1}',
      '{"symbol":"X","price":10}',
      '',
    ].join('\n');
    const run = await cli(['analyze', '-', '--intervals', '1s'], input);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(lines(run.stdout).slice(0, 4), [
      { type: 'rejected', index: 1, reason: 'invalid_price' },
      { type: 'gap', symbol: 'X', source: 'file', from: 2, to: 3 },
      { type: 'rejected', index: 3, reason: 'late' },
      { type: 'rejected', index: 4, reason: 'invalid_timestamp' },
    ]);
    assert.match(run.stderr, /line 3: .*\(skipped\)/);
    assert.match(run.stderr, /1 record\(s\) could not be read/);
  });

  it('reads CSV with quoted fields, CRLF and the amount alias', async () => {
    const path = tempFile('t.csv', 'time,symbol,amount,price\r\n"1000","a,b",2,10\r\n1000,AB,"3",12\r\n');
    const run = await cli(['analyze', path, '--intervals', '1s']);
    assert.equal(run.code, 0, run.stderr);
    const out = lines(run.stdout);
    assert.deepEqual(out[0], { type: 'rejected', index: 0, reason: 'invalid_symbol' });
    assert.equal(out.find((l) => l.type === 'candle')?.volume, 3);
  });

  it('fails clearly on a missing file, a CSV without a price column and a bad option', async () => {
    const missing = await cli(['analyze', '/nonexistent.csv']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /tickstream: cannot read \/nonexistent\.csv/);

    const noPrice = await cli(['analyze', tempFile('t.csv', 'symbol,size\nA,1\n')]);
    assert.equal(noPrice.code, 1);
    assert.match(noPrice.stderr, /price/);

    const badMap = await cli(['analyze', BTC, '--map', 'colour=side']);
    assert.equal(badMap.code, 2);
    assert.match(badMap.stderr, /--map/);

    const badConfig = await cli(['analyze', BTC, '--ma-window', 'zero']);
    assert.equal(badConfig.code, 2);
    assert.match(badConfig.stderr, /movingAverageWindow/);
  });
});

describe('tickstream simulate', () => {
  it('writes reproducible NDJSON ticks at the rate asked', async () => {
    const args = [
      'simulate',
      '--rate',
      '100',
      '--duration',
      '2',
      '--seed',
      '7',
      '--start',
      '2024-01-02T00:00:00Z',
    ];
    const a = await cli(args);
    const b = await cli(args);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stdout, b.stdout);
    const ticks = lines(a.stdout);
    assert.equal(ticks.length, 200);
    const start = Date.parse('2024-01-02T00:00:00Z');
    assert.equal(ticks[0]!.timestamp, start);
    assert.ok((ticks.at(-1)!.timestamp as number) < start + 2000);
  });

  it('pipes into analyze', async () => {
    const sim = await cli([
      'simulate',
      '--model',
      'gbm',
      '--rate',
      '2000',
      '--duration',
      '30',
      '--seed',
      '1',
      '--start',
      '0',
    ]);
    const run = await cli(['analyze', '-', '--intervals', '1m'], sim.stdout);
    assert.equal(run.code, 0, run.stderr);
    const out = lines(run.stdout);
    const stats = out.filter((l) => l.type === 'stats');
    assert.equal(stats.length, 7); // the default simulation.symbols
    assert.equal(
      stats.reduce((n, s) => n + (s.updateCount as number), 0),
      60_000,
    );
    assert.equal(out.filter((l) => l.type === 'rejected').length, 0);
  });

  it('refuses a bad duration or start', async () => {
    assert.equal((await cli(['simulate', '--duration', '-1'])).code, 2);
    const badStart = await cli(['simulate', '--start', 'soon']);
    assert.equal(badStart.code, 2);
    assert.match(badStart.stderr, /--start/);
  });
});
