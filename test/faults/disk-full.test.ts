import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { reportFigures } from './fault-report.js';
import { startFaultServer } from './fault-server.js';

/**
 * PGlite with its data directory's disk full (issue 15): the embedded database on a small tmpfs,
 * ticks streamed over HTTP with `ack=persisted` until the disk guard finds the disk full. Every
 * acknowledged tick is stored once; what is refused is 503 STORAGE_UNAVAILABLE with Retry-After;
 * the server does not crash; once a filler file made before the server started is deleted,
 * ingest resumes. Needs root (mount); skipped with the reason elsewhere.
 */

const MOUNT_MB = Number(process.env.FAULT_DISK_MB ?? 96);
const FILLER_BYTES = 8 * 1024 * 1024;
const FLOOR_BYTES = 24 * 1024 * 1024;
const BATCH = 500;
const ANSWER_TIMEOUT_MS = 15_000;

function tryMount(dir: string): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${MOUNT_MB}m`, 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return `cannot mount a tmpfs (needs root): ${(err as Error).message.split('\n')[0]}`;
  }
}

const mountDir = mkdtempSync(join(tmpdir(), 'tickstream-diskfull-'));
const skip = tryMount(mountDir);

it(
  'PGlite on a full disk: acknowledged ticks stored, 503 with Retry-After, ingest again once space is freed',
  { skip, timeout: 240_000 },
  async () => {
    const filler = join(mountDir, 'filler');
    writeFileSync(filler, Buffer.alloc(FILLER_BYTES, 1));
    const dataDir = join(mountDir, 'data');
    mkdirSync(dataDir);
    const free = (): number => {
      const s = statfsSync(mountDir);
      return s.bavail * s.bsize;
    };
    const server = await startFaultServer({
      dataDir,
      storage: { minFreeDiskBytes: FLOOR_BYTES, diskCheckIntervalMs: 200 },
    });
    const freeAtStart = free();
    const acknowledged = new Set<string>();
    const counts = {
      sent: 0,
      acknowledged: 0,
      refused503: 0,
      withoutRetryAfter: 0,
      otherCodes: new Map<string, number>(),
    };
    let seq = 0;
    const post = async (): Promise<'ok' | 'refused'> => {
      const ids: string[] = [];
      const ticks = [];
      for (let i = 0; i < BATCH; i++) {
        const id = `d${seq++}`;
        ids.push(id);
        ticks.push({ symbol: `DISK${seq % 20}`, price: 100 + (seq % 50) / 10, volume: 1, id });
      }
      counts.sent += BATCH;
      const res = await fetch(`${server.url}/api/prices/batch?ack=persisted`, {
        method: 'POST',
        headers: { ...server.headers, 'content-type': 'application/json' },
        body: JSON.stringify(ticks),
        signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
      }).catch((err: unknown) => {
        throw new Error(
          `no answer in ${ANSWER_TIMEOUT_MS} ms (${(err as Error).message}); storage ${JSON.stringify(server.storage.writer.counters())}; last log lines:\n${server.logs.lines
            .slice(-8)
            .map((line) => JSON.stringify(line).slice(0, 400))
            .join('\n')}`,
        );
      });
      const body = (await res.json()) as {
        accepted?: number;
        rejected?: Array<{ index: number; reason: string }>;
        error?: { code: string };
      };
      if (res.status === 200) {
        const rejected = new Set((body.rejected ?? []).map((r) => r.index));
        ids.forEach((id, i) => rejected.has(i) || acknowledged.add(id));
        return rejected.size === ids.length ? 'refused' : 'ok';
      }
      if (res.status === 503 && body.error?.code === 'STORAGE_UNAVAILABLE') {
        counts.refused503++;
        if (res.headers.get('retry-after') === null) counts.withoutRetryAfter++;
        return 'refused';
      }
      const key = `${res.status} ${body.error?.code ?? ''}`;
      counts.otherCodes.set(key, (counts.otherCodes.get(key) ?? 0) + 1);
      return 'refused';
    };
    try {
      // Fill the disk: until the guard refuses (or the time runs out).
      const started = Date.now();
      let refusals = 0;
      while (refusals < 5 && Date.now() - started < 120_000) {
        if ((await post()) === 'refused') refusals++;
        if (process.env.FAULT_VERBOSE === '1')
          process.stderr.write(
            `# ${Date.now() - started} ms sent ${counts.sent} acknowledged ${acknowledged.size} free ${free()}\n`,
          );
      }
      const fillMs = Date.now() - started;
      const freeWhenFull = free();
      assert.ok(refusals >= 5, `the disk never filled in 120 s (free ${freeWhenFull} bytes)`);
      assert.equal(counts.withoutRetryAfter, 0, 'every 503 carries Retry-After');
      assert.deepEqual([...counts.otherCodes], [], 'no answer but 200 and 503 STORAGE_UNAVAILABLE');
      const ackedWhenFull = acknowledged.size;

      // Free space: delete the filler; ingest must resume.
      rmSync(filler);
      const freedAt = Date.now();
      let resumedMs: number | undefined;
      while (Date.now() - freedAt < 20_000) {
        if ((await post()) === 'ok') {
          resumedMs = Date.now() - freedAt;
          break;
        }
        await sleep(100);
      }
      assert.ok(resumedMs !== undefined, 'ingest did not resume within 20 s of freeing space');

      await server.storage.writer.persisted();
      const stored = (
        await server.storage.database.marketData.ticksAfter(0, Number.MAX_SAFE_INTEGER, 10_000_000)
      ).filter((tick) => tick.id !== null);
      const seen = new Map<string, number>();
      for (const tick of stored) seen.set(tick.id!, (seen.get(tick.id!) ?? 0) + 1);
      let lost = 0;
      for (const id of acknowledged) if (!seen.has(id)) lost++;
      let duplicated = 0;
      for (const n of seen.values()) if (n > 1) duplicated += n - 1;
      const figures = {
        tmpfsMB: MOUNT_MB,
        fillerBytes: FILLER_BYTES,
        floorBytes: FLOOR_BYTES,
        freeAtStart,
        freeWhenFull,
        fillMs,
        sent: counts.sent,
        acknowledged: acknowledged.size,
        acknowledgedWhenFull: ackedWhenFull,
        stored: stored.length,
        lost,
        duplicated,
        refused503: counts.refused503,
        resumedMs,
      };
      console.log(`# disk full: ${JSON.stringify(figures)}`);
      reportFigures('disk-full', figures);
      assert.equal(lost, 0, 'no acknowledged tick lost');
      assert.equal(duplicated, 0, 'no tick stored twice');
      assert.ok(counts.refused503 > 0, 'refused with 503 while the disk was full');
      // The server still answers.
      assert.equal((await fetch(`${server.url}/health`)).status, 200);
    } finally {
      await server.close();
    }
  },
);

process.on('exit', () => {
  if (skip === undefined) {
    try {
      execFileSync('umount', [mountDir]);
    } catch {
      // already unmounted
    }
  }
  rmSync(mountDir, { recursive: true, force: true });
});
