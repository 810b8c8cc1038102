import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { createLogger } from '../observability/logger.js';
import { PgliteDriver } from './pglite-driver.js';
import { EmbeddedUpkeep } from './embedded-upkeep.js';

const MB = 1_048_576;
const walSinceCheckpoint = async (driver: PgliteDriver): Promise<number> => {
  const [row] = await driver.query<{ bytes: string }>(
    `select (pg_current_wal_lsn() - checkpoint_lsn)::text as bytes from pg_control_checkpoint()`,
  );
  return Number(row!.bytes);
};

describe('upkeep of the embedded database: WAL checkpoints', () => {
  it('takes a checkpoint once enough WAL was written, so the WAL directory stops growing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickstream-wal-'));
    const driver = await PgliteDriver.open({ path: dir });
    try {
      const checkpoints = new EmbeddedUpkeep(
        driver,
        { maxWalBytes: 24 * MB, checkEveryMs: 60_000 },
        createLogger({ level: 'silent' }),
      );
      await driver.exec('create table t (a int, b text)');
      const write = () =>
        driver.exec(`insert into t select g, repeat('x', 100) from generate_series(1, 100000) g`);
      // Single-user PostgreSQL takes no checkpoint of its own however much WAL there is.
      for (let i = 0; i < 2; i++) await write();
      const before = await walSinceCheckpoint(driver);
      assert.ok(before > 24 * MB, `${before} bytes of WAL`);
      const segmentsBefore = readdirSync(join(dir, 'pg_wal')).length;

      assert.equal(await checkpoints.check(), true);
      assert.ok((await walSinceCheckpoint(driver)) < MB);
      assert.equal(await checkpoints.check(), false, 'nothing written since');
      // Written and checkpointed again and again, the WAL directory reuses its segments.
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 2; i++) await write();
        assert.equal(await checkpoints.check(), true);
      }
      assert.equal(checkpoints.taken, 4);
      const segmentsAfter = readdirSync(join(dir, 'pg_wal')).length;
      assert.ok(segmentsAfter <= segmentsBefore + 2, `${segmentsBefore} → ${segmentsAfter} files in pg_wal`);
      // A round also summarizes the BRIN ranges written since the last.
      await driver.exec('create index t_a on t using brin (a)');
      await write();
      await checkpoints.runOnce();
      const [left] = await driver.query<{ n: number }>(
        `select brin_summarize_new_values('t_a'::regclass)::int8 as n`,
      );
      assert.equal(Number(left!.n), 0);
    } finally {
      await driver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
