/**
 * A producer and a tickstream process in one, for test/storage-crash.test.ts: ingests a
 * deterministic tick stream from index --from with ack=persisted, printing `ack <index>` once
 * every tick up to that index is committed, and `done` after a graceful close. The parent kills
 * it with SIGKILL mid-stream and starts it again from the first unacknowledged index, as a
 * producer that resends what was not acknowledged would.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import type { RawTick } from '../../src/core/tick.js';
import { Engine } from '../../src/engine/engine.js';
import { createLogger } from '../../src/observability/logger.js';
import { pgliteTemplate } from '../../src/storage/pglite-template.test-support.js';
import { startStorageService } from '../../src/storage/storage-service.js';
import { T0, TEST_ENGINE_OPTIONS } from '../../src/storage/test-ticks.test-support.js';
import { wireWriter } from '../../src/storage/wire-writer.test-support.js';

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string', default: 'memory://' },
    'database-url': { type: 'string' },
    from: { type: 'string', default: '0' },
    total: { type: 'string', default: '1000' },
    batch: { type: 'string', default: '50' },
  },
});
const from = Number(values.from);
const total = Number(values.total);
const batch = Number(values.batch);
const dataDir = values['data-dir'];
const databaseUrl = values['database-url'];

/** Tick `k` of the stream: the same on every run. */
function crashTick(k: number): RawTick {
  return {
    symbol: `S${k % 7}`,
    price: 100 + Math.sin(k / 10) * 5 + (k % 13) / 100,
    volume: k % 5,
    timestamp: T0 + k * 10,
    seq: k,
    source: 'crash',
  };
}

const engine = new Engine(TEST_ENGINE_OPTIONS);
const fresh = databaseUrl === undefined && !existsSync(join(dataDir, 'pglite'));
const storage = await startStorageService(
  engine,
  {
    dataDir,
    storage: {
      batchSize: 200,
      flushIntervalMs: 5,
      bufferCapacity: 5000,
      openCandleFlushMs: 100,
      statsIntervalMs: 150,
      embeddedThread: true,
      embeddedCheckpointWalBytes: 536_870_912,
      poolSize: 2,
      connectTimeoutMs: 5000,
      retryInitialDelayMs: 10,
      retryMaxDelayMs: 100,
      breakerFailures: 5,
      breakerHalfOpenMs: 200,
      writeConcurrency: 2,
      partitionsAheadDays: 0,
      closeTimeoutMs: 10_000,
    },
    retention: { ticksDays: 0 },
  },
  createLogger({ level: 'silent' }),
  { databaseUrl, ...(fresh ? { loadDataDir: await pgliteTemplate() } : {}) },
);
wireWriter(engine, storage.writer);
process.stdout.write(`started ${JSON.stringify(storage.recovery)}\n`);

let duplicates = 0;
for (let i = from; i < total; i += batch) {
  let pending = Array.from({ length: Math.min(batch, total - i) }, (_, j) => crashTick(i + j));
  while (pending.length > 0) {
    const receivedAt = (pending[pending.length - 1]!.timestamp as number) + 1;
    const result = engine.ingest(pending, 'crash', receivedAt);
    const overloaded = new Set(result.rejected.filter((r) => r.reason === 'overloaded').map((r) => r.index));
    duplicates += result.rejected.filter((r) => r.reason === 'duplicate').length;
    const other = result.rejected.filter((r) => r.reason !== 'overloaded' && r.reason !== 'duplicate');
    if (other.length > 0) throw new Error(`unexpected rejections ${JSON.stringify(other)}`);
    pending = pending.filter((_, j) => overloaded.has(j));
    if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await storage.writer.persisted();
  process.stdout.write(`ack ${Math.min(i + batch, total) - 1}\n`);
}
await storage.close();
process.stdout.write(`done ${duplicates}\n`);
