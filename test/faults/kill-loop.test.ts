import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';

import { analyze } from '../../src/commands/analyze.js';
import { openDatabase } from '../../src/storage/database.js';
import { T0 } from '../../src/storage/test-ticks.test-support.js';
import { faultParameter, reportFigures } from './fault-report.js';

/**
 * Fault: SIGKILL at random moments, again and again. A producer-and-server process
 * (test/support/storage-crash-child.ts, embedded storage, ack=persisted) is killed at a random
 * point of its stream in each round and started again from the first unacknowledged tick.
 * FAULT_KILL_ROUNDS rounds (3 in CI; `npm run bench -- faults` runs 20). Checked: every
 * restart recovers, the series go on (no tick refused as late or duplicate, none stored twice),
 * and the stored candles equal what `analyze` makes of the whole stream.
 */
const CHILD = join(import.meta.dirname, '..', 'support', 'storage-crash-child.ts');
const ROUNDS = faultParameter('KILL_ROUNDS', 3);
const BATCH = 50;
const TOTAL = (ROUNDS + 2) * 8 * BATCH;
const SEED = faultParameter('SEED', Date.now() % 1_000_000);

/** The child's tick `k` (the same formula as storage-crash-child.ts). */
function crashTick(k: number) {
  return {
    symbol: `S${k % 7}`,
    price: 100 + Math.sin(k / 10) * 5 + (k % 13) / 100,
    volume: k % 5,
    timestamp: T0 + k * 10,
    seq: k,
    source: 'crash',
  };
}

/** mulberry32: a seeded generator, so a failing kill sequence can be run again (FAULT_SEED). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Run {
  acked: number;
  started: string | undefined;
  done: string | undefined;
  signal: NodeJS.Signals | null;
  startMs: number;
}

function run(dataDir: string, from: number, killAfter?: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const begun = performance.now();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        CHILD,
        '--data-dir',
        dataDir,
        '--from',
        String(from),
        '--total',
        String(TOTAL),
        '--batch',
        String(BATCH),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const result: Run = { acked: from - 1, started: undefined, done: undefined, signal: null, startMs: 0 };
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('started ')) {
        result.started = line;
        result.startMs = performance.now() - begun;
      }
      if (line.startsWith('done ')) result.done = line;
      const m = /^ack (\d+)$/.exec(line);
      if (m !== null) {
        result.acked = Number(m[1]);
        if (killAfter !== undefined && result.acked >= killAfter) child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      result.signal = signal;
      if (killAfter === undefined && code !== 0) reject(new Error(`child failed (${code}): ${stderr}`));
      else resolve(result);
    });
  });
}

function candleKey(c: { symbol: string; interval: string; start: number }): string {
  return `${c.symbol} ${c.interval} ${c.start}`;
}

describe('fault: SIGKILL at random moments, in a loop', () => {
  it(
    `every restart recovers and the stored data equals analyze (${ROUNDS} rounds)`,
    { timeout: 60_000 + ROUNDS * 20_000 },
    async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'tickstream-kill-loop-'));
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      const next = random(SEED);
      let from = 0;
      const kills: number[] = [];
      const restartMs: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const killAfter = from + Math.floor(1 + next() * 6) * BATCH + Math.floor(next() * BATCH);
        const r = await run(dir, from, Math.min(killAfter, TOTAL - BATCH - 1));
        assert.equal(r.signal, 'SIGKILL', `round ${round} (seed ${SEED}) was killed`);
        assert.ok(r.started !== undefined, `round ${round} (seed ${SEED}) recovered and started`);
        assert.ok(r.acked >= from - 1);
        kills.push(r.acked);
        restartMs.push(Math.round(r.startMs));
        from = r.acked + 1;
      }
      const last = await run(dir, from);
      // The child stops on any refusal other than overloaded/duplicate; no duplicate may be refused
      // either: what was not acknowledged was not stored (or the resend would be a duplicate).
      assert.equal(last.done, 'done 0', `the last run finished with no duplicate refused (seed ${SEED})`);

      const database = await openDatabase({ dataDir: dir });
      try {
        const store = database.marketData;
        const ticks = (await store.ticksAfter(0, Number.MAX_SAFE_INTEGER, 10_000_000)).filter(
          (x) => x.source === 'crash',
        );
        const seqs = ticks.map((x) => x.seq!).sort((a, b) => a - b);
        assert.deepEqual(
          seqs,
          Array.from({ length: TOTAL }, (_, k) => k),
          'every tick stored once',
        );

        // What analyze makes of the whole stream, without any crash.
        const lines: string[] = [];
        const sink = new Writable({
          write(chunk: Buffer, _encoding, done) {
            lines.push(
              ...chunk
                .toString()
                .split('\n')
                .filter((l) => l !== ''),
            );
            done();
          },
        });
        const input = (async function* () {
          for (let k = 0; k < TOTAL; k++) yield `${JSON.stringify(crashTick(k))}\n`;
        })();
        await analyze(
          '-',
          {
            intervals: '1s,5s,1m',
            windowMs: '1000',
            thresholdPercent: '1',
            maWindow: '8',
            latenessMs: '500',
            anomalyMode: 'episode',
            source: 'crash',
          },
          sink,
          process.stderr,
          input,
        );
        const events = lines.map((l) => JSON.parse(l) as Record<string, unknown> & { type: string });
        const expected = new Map<string, Record<string, unknown>>();
        for (const e of events) if (e.type === 'candle') expected.set(candleKey(e as never), e);
        let candles = 0;
        let mismatched = 0;
        for (const symbol of [...new Set(ticks.map((x) => x.symbol))]) {
          for (const interval of ['1s', '5s', '1m']) {
            const stored = await store.candles({ symbol, interval, limit: 10_000 });
            for (const c of stored) {
              candles++;
              const e = expected.get(candleKey(c));
              const bar = {
                open: c.open,
                high: c.high,
                low: c.low,
                close: c.close,
                volume: c.volume,
                trades: c.trades,
              };
              if (
                e === undefined ||
                JSON.stringify(bar) !==
                  JSON.stringify({
                    open: e.open,
                    high: e.high,
                    low: e.low,
                    close: e.close,
                    volume: e.volume,
                    trades: e.trades,
                  })
              )
                mismatched++;
            }
          }
        }
        const anomaliesExpected = events.filter((e) => e.type === 'anomaly').length;
        const anomaliesStored = (await store.anomalies({ limit: 100_000 })).length;
        reportFigures('kill-loop', {
          seed: SEED,
          rounds: ROUNDS,
          sent: TOTAL,
          acknowledged: TOTAL,
          stored: ticks.length,
          lost: TOTAL - new Set(seqs).size,
          duplicated: ticks.length - new Set(seqs).size,
          killedAfterAck: kills,
          restartMs,
          candles,
          candlesExpected: expected.size,
          mismatched,
          anomaliesExpected,
          anomaliesStored,
        });
        assert.equal(candles, expected.size, `as many candles as analyze makes (seed ${SEED})`);
        assert.equal(mismatched, 0, `stored candles equal analyze's (seed ${SEED})`);
        assert.equal(anomaliesStored, anomaliesExpected, `as many anomalies as analyze finds (seed ${SEED})`);
      } finally {
        await database.close();
      }
    },
  );
});
