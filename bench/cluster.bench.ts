import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { connect } from 'nats';
import postgres from 'postgres';

import {
  ADMIN,
  deleteClusterStreams,
  startNode,
  stopNode,
  type NodeProcess,
} from '../test/cluster/cluster-node.js';
import { printTable, writeResult, type BenchRow } from './report.js';

/**
 * `npm run bench -- cluster`: ticks/s through one and three cluster nodes (processes on this
 * machine, one NATS JetStream, one PostgreSQL), beside the single-process server on the same
 * PostgreSQL in the same run, and the parts alone (JetStream publishes, PostgreSQL inserts of the
 * same batches) to show where the time goes. Needs NATS_URL and DATABASE_URL (a server where a
 * database per measurement may be created), e.g. nats://127.0.0.1:4222 and
 * postgres://postgres@127.0.0.1:5432/postgres.
 */

const BATCH = 1000;
const SYMBOLS = 200;
const CONCURRENCY = 4;

function batchOf(n: number, base: number): string {
  const ticks = [];
  for (let i = 0; i < BATCH; i++) {
    const k = n * BATCH + i;
    ticks.push({
      symbol: `S${k % SYMBOLS}`,
      price: 100 + (k % 97) / 10,
      volume: 1,
      timestamp: base + Math.floor(k / SYMBOLS),
    });
  }
  return JSON.stringify(ticks);
}

async function createDatabase(base: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `tickstream_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const sql = postgres(base, { max: 1, onnotice: () => {} });
      await sql.unsafe(`drop database if exists ${name} with (force)`);
      await sql.end();
    },
  };
}

/** Sends `batches` batches with ack=persisted over `nodes` (round robin), answers the acked ticks/s and the stored ticks/s. */
async function load(
  nodes: NodeProcess[],
  databaseUrl: string,
  batches: number,
): Promise<{ acked: number; stored: number }> {
  const login = await fetch(`${nodes[0]!.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN }),
  });
  const { accessToken } = (await login.json()) as { accessToken: string };
  const base = Date.now();
  const bodies = Array.from({ length: batches }, (_v, n) => batchOf(n, base));
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (;;) {
        const n = next++;
        if (n >= batches) return;
        const node = nodes[n % nodes.length]!;
        const res = await fetch(`${node.url}/api/prices/batch?ack=persisted`, {
          method: 'POST',
          headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
          body: bodies[n],
        });
        if (res.status !== 200) throw new Error(`batch ${n}: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
      }
    }),
  );
  const ackedSeconds = (performance.now() - started) / 1000;
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    for (;;) {
      const [row] = await sql<Array<{ n: number }>>`select count(*)::int as n from ticks`;
      if (row!.n >= batches * BATCH) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await sql.end();
  }
  const storedSeconds = (performance.now() - started) / 1000;
  return { acked: (batches * BATCH) / ackedSeconds, stored: (batches * BATCH) / storedSeconds };
}

async function measure(
  count: number,
  clustered: boolean,
  natsUrl: string,
  baseUrl: string,
  batches: number,
  /** Each node's `cluster.roles` (default: all); the load goes to the nodes with `ingest`. */
  roles?: ReadonlyArray<readonly string[]>,
): Promise<{ acked: number; stored: number }> {
  const database = await createDatabase(baseUrl);
  const dir = mkdtempSync(join(tmpdir(), 'tickstream-bench-'));
  const cluster = `b${process.pid}${randomBytes(3).toString('hex')}`;
  const nodes: NodeProcess[] = [];
  try {
    for (let i = 0; i < count; i++)
      nodes.push(
        await startNode({
          nodeId: `b${i}`,
          cluster,
          natsUrl,
          databaseUrl: database.url,
          dataDir: join(dir, String(i)),
          leaseTtlMs: 5000,
          clustered,
          ...(roles?.[i] === undefined ? {} : { roles: roles[i] }),
        }),
      );
    // Let the partitions settle on their owners.
    if (clustered) await new Promise((r) => setTimeout(r, count > 1 ? 8000 : 2000));
    const ingest = nodes.filter((_n, i) => roles?.[i]?.includes('ingest') ?? true);
    return await load(ingest, database.url, batches);
  } finally {
    await Promise.all(nodes.map((n) => stopNode(n, 5000)));
    if (clustered) {
      await deleteClusterStreams(natsUrl, cluster);
    }
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** JetStream alone: the same 1,000-tick batches published and acknowledged, from one process. */
async function natsCeiling(natsUrl: string, batches: number): Promise<number> {
  const nc = await connect({ servers: natsUrl });
  const jsm = await nc.jetstreamManager();
  const stream = `bench_ceiling_${process.pid}`;
  await jsm.streams.add({ name: stream, subjects: [`${stream}.*`] });
  const js = nc.jetstream();
  const data = new TextEncoder().encode(batchOf(0, Date.now()));
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < batches) await js.publish(`${stream}.${next % 16}`, data);
    }),
  );
  const rate = (batches * BATCH) / ((performance.now() - started) / 1000);
  await jsm.streams.delete(stream);
  await nc.close();
  return rate;
}

/** PostgreSQL alone: the same rows inserted as the owners insert them, 1,000 a transaction. */
async function postgresCeiling(baseUrl: string, batches: number): Promise<number> {
  const database = await createDatabase(baseUrl);
  const sql = postgres(database.url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(
      'create table t (symbol text, ts timestamptz, price float8, volume float8, seq int8, id text, source text, received_at timestamptz, ingest_seq int8)',
    );
    const now = Date.now();
    const rows = JSON.stringify(
      Array.from({ length: BATCH }, (_v, i) => ({
        symbol: `S${i % SYMBOLS}`,
        ts: new Date(now + i).toISOString(),
        price: 100,
        volume: 1,
        seq: null,
        id: null,
        source: 'http',
        received_at: new Date(now).toISOString(),
        ingest_seq: i,
      })),
    );
    const started = performance.now();
    for (let b = 0; b < batches; b++) {
      await sql.begin(async (tx) => {
        await tx.unsafe(
          `insert into t select * from json_to_recordset($1::text::json) as x(symbol text, ts timestamptz, price float8, volume float8, seq int8, id text, source text, received_at timestamptz, ingest_seq int8)`,
          [rows],
        );
      });
    }
    return (batches * BATCH) / ((performance.now() - started) / 1000);
  } finally {
    await sql.end();
    await database.drop();
  }
}

export async function run(options: string[]): Promise<void> {
  const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  const baseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const batches = options.includes('--quick') ? 30 : 200;
  const single = await measure(1, false, natsUrl, baseUrl, batches);
  const one = await measure(1, true, natsUrl, baseUrl, batches);
  const three = await measure(3, true, natsUrl, baseUrl, batches);
  // Reads and streams on a node of their own: only it keeps a copy of every partition.
  const split = await measure(3, true, natsUrl, baseUrl, batches, [
    ['api'],
    ['ingest', 'engine'],
    ['ingest', 'engine'],
  ]);
  const nats = await natsCeiling(natsUrl, batches);
  const pg = await postgresCeiling(baseUrl, batches);
  const rows: BenchRow[] = [
    { name: 'single process, acked (persisted)', value: single.acked, unit: 'ticks/s' },
    { name: '1 node, acked by JetStream', value: one.acked, unit: 'ticks/s', ceiling: nats },
    { name: '1 node, stored by its owners', value: one.stored, unit: 'ticks/s', ceiling: pg },
    { name: '3 nodes, acked by JetStream', value: three.acked, unit: 'ticks/s', ceiling: nats },
    { name: '3 nodes, stored by their owners', value: three.stored, unit: 'ticks/s', ceiling: pg },
    {
      name: '3 nodes (api | ingest,engine ×2), acked',
      value: split.acked,
      unit: 'ticks/s',
      ceiling: nats,
    },
    {
      name: '3 nodes (api | ingest,engine ×2), stored',
      value: split.stored,
      unit: 'ticks/s',
      ceiling: pg,
    },
    { name: 'JetStream publish alone', value: nats, unit: 'ticks/s', note: '1,000-tick messages' },
    { name: 'PostgreSQL insert alone', value: pg, unit: 'ticks/s', note: '1,000 rows a transaction' },
  ];
  printTable('cluster', rows);
  writeResult('cluster', {
    batches,
    batchTicks: BATCH,
    single,
    oneNode: one,
    threeNodes: three,
    threeNodesSplitRoles: split,
    natsCeiling: nats,
    postgresCeiling: pg,
  });
}
