import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';

import { openDatabase } from '../src/storage/database.js';
import {
  createTestDatabase,
  postgresSkip,
  type TestDatabase,
} from '../src/storage/postgres-test-database.test-support.js';

/**
 * The crash test (issue 3): ingest with ack=persisted, SIGKILL the process mid-stream, start it
 * again from the first unacknowledged tick: every acknowledged tick is stored, and every tick of
 * the stream exactly once.
 */
const CHILD = join(import.meta.dirname, 'support', 'storage-crash-child.ts');
const TOTAL = 6000;

interface Run {
  readonly acked: number;
  readonly lines: string[];
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Runs the child from `from`; kills it with SIGKILL once it acknowledged `killAfter` (if given). */
function run(target: string[], from: number, killAfter?: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        CHILD,
        ...target,
        '--from',
        String(from),
        '--total',
        String(TOTAL),
        '--batch',
        '50',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let acked = from - 1;
    const lines: string[] = [];
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      const m = /^ack (\d+)$/.exec(line);
      if (m !== null) {
        acked = Number(m[1]);
        if (killAfter !== undefined && acked >= killAfter) child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (killAfter === undefined && code !== 0) reject(new Error(`child failed (${code}): ${stderr}`));
      else resolve({ acked, lines, code, signal });
    });
  });
}

async function crashAndRestart(target: string[], location: { dataDir: string; databaseUrl?: string }) {
  const first = await run(target, 0, 2000);
  assert.equal(first.signal, 'SIGKILL');
  assert.ok(first.acked >= 2000 && first.acked < TOTAL - 1, `killed after ack ${first.acked}`);
  const second = await run(target, first.acked + 1);
  assert.match(second.lines.at(-1) ?? '', /^done \d+$/);

  const database = await openDatabase(location);
  const store = database.marketData;
  try {
    const ticks = await store.ticksAfter(0, Number.MAX_SAFE_INTEGER, 1_000_000);
    const seqs = ticks.filter((t) => t.source === 'crash').map((t) => t.seq);
    assert.equal(seqs.length, TOTAL, 'every tick of the stream stored once');
    assert.deepEqual(
      [...seqs].sort((a, b) => a! - b!),
      Array.from({ length: TOTAL }, (_, k) => k),
    );
    const point = await store.recoveryPoint();
    assert.equal(point.committedSeq, ticks.length);
  } finally {
    await database.close();
  }
}

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('crash (SIGKILL) with ack=persisted', () => {
  it('embedded database: every acknowledged tick is stored, none twice', { timeout: 180_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickstream-crash-'));
    dirs.push(dir);
    await crashAndRestart(['--data-dir', dir], { dataDir: dir });
  });

  const skip = postgresSkip();
  let database: TestDatabase | undefined;
  after(async () => database?.drop());
  it(
    'PostgreSQL server: every acknowledged tick is stored, none twice',
    { skip, timeout: 180_000 },
    async () => {
      database = await createTestDatabase();
      await crashAndRestart(['--database-url', database.url], {
        dataDir: 'unused',
        databaseUrl: database.url,
      });
    },
  );
});
