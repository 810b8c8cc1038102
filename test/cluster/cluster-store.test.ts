import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import postgres from 'postgres';

import { validateConfig } from '../../src/config.js';
import { ClusterStore, restorePartition, type PartitionCommit } from '../../src/cluster/cluster-store.js';
import { Engine } from '../../src/engine/engine.js';
import { openDatabase, type Database } from '../../src/storage/database.js';
import {
  createTestDatabase,
  postgresSkip,
  type TestDatabase,
} from '../../src/storage/postgres-test-database.test-support.js';

/**
 * What a partition owner commits and what a reader (a node's copy, a new owner) gets back, on a
 * PostgreSQL server: the snapshots, and the owner's last clock with the symbols it moved since
 * their own commit.
 */
const skip = postgresSkip();
let testDatabase: TestDatabase | undefined;
let database: Database | undefined;

after(async () => {
  await database?.close();
  await testDatabase?.drop();
});

const T0 = 1_700_000_000_000;
const OPTIONS = { ...validateConfig({}), partitions: 1, intervals: ['1s'], allowedLatenessMs: 500 };

describe('ClusterStore', { skip }, () => {
  it("gives a partition back with its owner's last clock, for the symbols committed before it", async () => {
    testDatabase = await createTestDatabase();
    database = await openDatabase({ databaseUrl: testDatabase.url, dataDir: 'unused', poolSize: 2 });
    await database.migrate();
    const store = new ClusterStore(database, 'store-test');
    await store.ensureSchema();
    await store.ensureSchema(); // idempotent (every node runs it)

    const claimed = await store.claim(0, 'node-a');
    assert.deepEqual({ lastSeq: claimed.lastSeq, clock: claimed.clock }, { lastSeq: 0, clock: undefined });

    const owner = new Engine(OPTIONS);
    const commit = (lastSeq: number, symbols: string[], clock?: number): Promise<void> => {
      const batch: PartitionCommit = {
        partition: 0,
        epoch: claimed.epoch,
        lastSeq,
        ticks: [],
        candles: [],
        anomalies: [],
        snapshots: symbols.map((s) => owner.state(s)!.snapshot()),
        ...(clock === undefined ? {} : { clock }),
      };
      return store.commit(batch);
    };
    owner.ingest([{ symbol: 'A', price: 10, timestamp: T0 + 100 }], 'test', T0 + 100);
    owner.ingest([{ symbol: 'B', price: 20, timestamp: T0 + 100 }], 'test', T0 + 100);
    await commit(2, ['A', 'B']);
    // A clock that closes nothing: both watermarks move, neither symbol is written.
    owner.advance(T0 + 600);
    await commit(2, [], T0 + 600);
    // Then B ticks again (committed after the clock).
    owner.ingest([{ symbol: 'B', price: 21, timestamp: T0 + 700 }], 'test', T0 + 700);
    await commit(3, ['B']);

    const read = await store.read(0);
    assert.equal(read.lastSeq, 3);
    assert.equal(read.clock?.now, T0 + 600);
    assert.deepEqual([...read.clock.symbols], ['A'], 'B was written after the clock');
    // Restored and moved to the clock, a copy is the owner.
    const copy = new Engine(OPTIONS);
    restorePartition(copy, read);
    for (const s of ['A', 'B']) assert.deepEqual(copy.state(s)!.snapshot(), owner.state(s)!.snapshot(), s);
    // Without the clock, A's watermark would be behind the owner's.
    const unmoved = new Engine(OPTIONS);
    unmoved.restore(read.snapshots);
    assert.notDeepEqual(unmoved.state('A')!.snapshot(), owner.state('A')!.snapshot());

    // A new owner gets the same, under a new epoch; the old one is fenced.
    const next = await store.claim(0, 'node-b');
    assert.equal(next.epoch, claimed.epoch + 1);
    assert.deepEqual([...next.clock!.symbols], ['A']);
    await assert.rejects(commit(4, []), /superseded/);
  });

  it("joins a running cluster without waiting for the owners' open commits (no table lock)", async () => {
    assert.ok(testDatabase !== undefined && database !== undefined, 'the test above made the database');
    // An owner's commit in progress: row locks on both tables, held open.
    const owner = postgres(testDatabase.url, { max: 1, onnotice: () => {} });
    try {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const lockedNow = new Promise<void>((resolve) => (locked = resolve));
      const commit = owner.begin(async (tx) => {
        await tx`update cluster_snapshots set seq = seq where cluster = 'store-test'`;
        await tx`update cluster_partitions set last_seq = last_seq where cluster = 'store-test'`;
        locked();
        await held;
      });
      await lockedNow;
      // A node joining meanwhile: before, its `alter table` waited for the commit (and, with the
      // commit waiting for it in turn, PostgreSQL ended one of them as a deadlock).
      const joined = new ClusterStore(database, 'another-cluster').ensureSchema().then(() => 'joined');
      const waited = new Promise((resolve) => setTimeout(() => resolve('waited'), 3000).unref());
      const outcome = await Promise.race([joined, waited]);
      release();
      await commit;
      assert.equal(outcome, 'joined');
    } finally {
      await owner.end();
    }
  });
});
