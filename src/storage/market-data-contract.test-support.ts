import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import fc from 'fast-check';

import type { CandleData } from '../core/candles.js';
import type { Anomaly, Severity } from '../core/spike-detector.js';
import type { SymbolStats } from '../core/symbol-state.js';
import { ErrorCode } from '../errors.js';
import type { Database } from './database.js';
import type { AnomalyRecord, MarketDataStore, SnapshotRound, StoredTick } from './market-data-store.js';
import { TickChunk } from './tick-chunk.js';
import { MS_PER_DAY, TickCopyEncoder } from './tick-copy-encoder.js';
import { partitionName } from './tick-partitions.js';

/**
 * The storage contract suite of market data, migrations and tick partitions (STYLE: one suite,
 * every adapter; the accounts' part is ../auth/account-store-contract.test-support.ts). `open`
 * gives a fresh, migrated database; the suite shares it between its tests, which keep apart by
 * symbol and name.
 */
export function marketDataContract(
  name: string,
  open: () => Promise<Database>,
  skip: string | false = false,
): void {
  describe(`Market data store contract: ${name}`, { skip }, () => {
    let database: Database;
    let store: MarketDataStore;
    before(async () => {
      database = await open();
      store = database.marketData;
    });
    after(async () => {
      await database?.close();
    });

    it('applies each migration once and reports them', async () => {
      const again = await database.migrate();
      assert.deepEqual(
        again.map((m) => [m.version, m.applied]),
        [
          [1, false],
          [2, false],
          [3, false],
        ],
      );
      const rows = await database.driver.query<{ version: number }>('select version from schema_migrations');
      assert.deepEqual(
        rows.map((r) => r.version),
        [1, 2, 3],
      );
    });

    it('stores ticks exactly, and pages through them without duplicates or holes', async () => {
      const T0 = Date.UTC(2024, 0, 2, 23, 59, 58);
      const ticks: TestTick[] = [];
      for (let i = 0; i < 250; i++) {
        ticks.push({
          symbol: i % 5 === 0 ? 'PAGE.B' : 'PAGE.A',
          // Many equal event times, across midnight: ties are broken by arrival.
          ts: T0 + Math.floor(i / 7) * 100,
          price: 100 + i / 3,
          volume: i % 3 === 0 ? 0 : i * 0.1,
          seq: i % 4 === 0 ? null : i,
          id: i % 6 === 0 ? `id-${i}-é✓` : null,
          source: i % 2 === 0 ? 'http' : 'tcp',
          receivedAt: i % 9 === 0 ? null : T0 + 5000 + i,
        });
      }
      const stored = await writeTicks(store, ticks);
      const a = stored.filter((t) => t.symbol === 'PAGE.A');
      const expected = [...a].sort((x, y) => x.ts - y.ts || x.ingestSeq - y.ingestSeq);
      for (const order of ['asc', 'desc'] as const) {
        for (const limit of [1, 7, 50, 1000]) {
          const seen: StoredTick[] = [];
          let cursor: string | undefined;
          for (;;) {
            const page = await store.ticks({
              symbol: 'PAGE.A',
              limit,
              order,
              ...(cursor === undefined ? {} : { cursor }),
            });
            assert.ok(page.ticks.length <= limit);
            seen.push(...page.ticks);
            if (page.nextCursor === null) break;
            cursor = page.nextCursor;
          }
          assert.deepEqual(
            seen,
            order === 'asc' ? expected : [...expected].reverse(),
            `${order} by ${limit}`,
          );
        }
      }
      const ranged = await store.ticks({ symbol: 'PAGE.A', from: T0 + 1000, to: T0 + 2000 });
      assert.deepEqual(
        ranged.ticks,
        expected.filter((t) => t.ts >= T0 + 1000 && t.ts < T0 + 2000),
      );
      assert.equal(ranged.nextCursor, null);
      // The midnight crossing made two daily partitions.
      const days = await database.tickPartitions.list();
      assert.ok(days.includes(Math.floor(T0 / MS_PER_DAY)) && days.includes(Math.floor(T0 / MS_PER_DAY) + 1));
    });

    it('round-trips any tick values (property)', async () => {
      let round = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(tickArbitrary(), { minLength: 1, maxLength: 40 }), async (raw) => {
          const symbol = `PROP${round++}`;
          const ticks = raw.map((t) => ({ ...t, symbol }));
          const stored = await writeTicks(store, ticks);
          const page = await store.ticks({ symbol, limit: 10_000 });
          const expected = stored
            .map((t) => ({ ...t, id: storedId(t.id) }))
            .sort((x, y) => x.ts - y.ts || x.ingestSeq - y.ingestSeq);
          assert.deepEqual(page.ticks, expected);
        }),
        { numRuns: 15 },
      );
    });

    it('refuses a cursor of another query', async () => {
      await writeTicks(store, [tick('CUR.A', 1_700_000_000_000), tick('CUR.A', 1_700_000_000_001)]);
      const page = await store.ticks({ symbol: 'CUR.A', limit: 1 });
      assert.ok(page.nextCursor !== null);
      for (const query of [
        { symbol: 'CUR.B', cursor: page.nextCursor },
        { symbol: 'CUR.A', cursor: page.nextCursor, order: 'desc' as const },
        { symbol: 'CUR.A', cursor: 'not a cursor' },
      ]) {
        await assert.rejects(store.ticks(query), { code: ErrorCode.CursorInvalid });
      }
    });

    it('applies a write at most once, however often it is retried', async () => {
      const point = await store.recoveryPoint();
      const batch = {
        writeNo: point.writeNo + 1,
        ticks: encode([tick('ONCE', 1_700_000_000_000)], point.committedSeq + 1),
        days: new Set([Math.floor(1_700_000_000_000 / MS_PER_DAY)]),
        committedSeq: point.committedSeq + 1,
        candles: [],
        anomalies: [],
      };
      assert.equal(await store.write(batch), true);
      assert.equal(await store.write(batch), false);
      assert.equal((await store.ticks({ symbol: 'ONCE' })).ticks.length, 1);
      const next = await store.recoveryPoint();
      assert.equal(next.writeNo, point.writeNo + 1);
      assert.equal(next.committedSeq, point.committedSeq + 1);
    });

    it('applies writes in the order of their numbers; an overlapping write waits for its predecessor', async () => {
      const point = await store.recoveryPoint();
      const day = new Set([Math.floor(1_700_000_000_000 / MS_PER_DAY)]);
      const batch = (n: number, symbol: string) => ({
        writeNo: point.writeNo + n,
        ticks: encode([tick(symbol, 1_700_000_000_000)], point.committedSeq + n),
        days: day,
        committedSeq: point.committedSeq + n,
        candles: [],
        anomalies: [],
      });
      // Write n + 2 cannot commit before write n + 1.
      await assert.rejects(store.write(batch(2, 'ORDER.B')), { code: ErrorCode.StorageUnavailable });
      // A predecessor that fails before its turn takes its successor down with it.
      const failed = Promise.reject(new Error('predecessor failed'));
      failed.catch(() => {});
      await assert.rejects(store.write(batch(1, 'ORDER.A'), { waitFor: failed }), /predecessor failed/);
      assert.equal((await store.recoveryPoint()).writeNo, point.writeNo);
      // Overlapping: the second starts once the first holds its turn; both commit, in order.
      let locked: () => void = () => {};
      const turn = new Promise<void>((resolve) => (locked = resolve));
      const first = store.write(batch(1, 'ORDER.A'), { locked });
      const second = store.write(batch(2, 'ORDER.B'), { waitFor: turn });
      assert.deepEqual(await Promise.all([first, second]), [true, true]);
      assert.equal((await store.ticks({ symbol: 'ORDER.A' })).ticks.length, 1);
      assert.equal((await store.ticks({ symbol: 'ORDER.B' })).ticks.length, 1);
      assert.equal((await store.recoveryPoint()).writeNo, point.writeNo + 2);
    });

    it('upserts candles: revisions win, a closed candle is never reopened', async () => {
      const base = { symbol: 'CNDL', interval: '1m', end: 60_000, vwap: null, trades: 1, volume: 0 };
      const c = (start: number, close: number, revision: number, closed: boolean): CandleData => ({
        ...base,
        start,
        end: start + 60_000,
        open: 1,
        high: Math.max(1, close),
        low: Math.min(1, close),
        close,
        revision,
        closed,
      });
      await writeEvents(store, { candles: [c(0, 2, 0, false), c(60_000, 5, 0, false)] });
      await writeEvents(store, { candles: [c(0, 3, 0, true)] });
      await writeEvents(store, { candles: [c(0, 9, 0, false)] }); // a stale open copy: ignored
      await writeEvents(store, { candles: [c(60_000, 6, 1, true)] });
      await writeEvents(store, { candles: [c(60_000, 7, 0, true)] }); // an older revision: ignored
      await writeEvents(store, { candles: [{ ...c(120_000, 4, 0, false), vwap: 4.5, volume: 2 }] });
      const all = await store.candles({ symbol: 'CNDL', interval: '1m' });
      assert.deepEqual(
        all.map((x) => [x.start, x.close, x.revision, x.closed, x.vwap]),
        [
          [0, 3, 0, true, null],
          [60_000, 6, 1, true, null],
          [120_000, 4, 0, false, 4.5],
        ],
      );
      assert.deepEqual(all[0], c(0, 3, 0, true));
      const newest = await store.candles({ symbol: 'CNDL', interval: '1m', limit: 2 });
      assert.deepEqual(
        newest.map((x) => x.start),
        [60_000, 120_000],
      );
      const ranged = await store.candles({ symbol: 'CNDL', interval: '1m', from: 60_000, to: 120_000 });
      assert.deepEqual(
        ranged.map((x) => x.start),
        [60_000],
      );
      assert.deepEqual(await store.candles({ symbol: 'CNDL', interval: '5m' }), []);
    });

    it('finds anomalies by symbol, time and severity, newest first', async () => {
      const T0 = 1_800_000_000_000;
      const anomaly = (symbol: string, ts: number, changePercent: number, severity: Severity): Anomaly => ({
        symbol,
        direction: changePercent > 0 ? 'up' : 'down',
        price: 100 + changePercent,
        ts,
        referencePrice: 100,
        referenceTs: ts - 300,
        changePercent,
        severity,
        windowMs: 1000,
        thresholdPercent: 2,
      });
      const list: AnomalyRecord[] = [
        { anomaly: anomaly('AN.X', T0, 2.5, 'medium'), ingestSeq: 10 },
        { anomaly: anomaly('AN.X', T0 + 10, -3.5, 'high'), ingestSeq: 11 },
        { anomaly: anomaly('AN.Y', T0 + 5, 6, 'critical'), ingestSeq: 12 },
        { anomaly: anomaly('AN.X', T0 + 10, 5.5, 'critical'), ingestSeq: 11 },
      ];
      await writeEvents(store, { anomalies: list });
      const x = await store.anomalies({ symbol: 'AN.X' });
      assert.deepEqual(
        x.map((a) => [a.ts - T0, a.changePercent]),
        [
          [10, 5.5],
          [10, -3.5],
          [0, 2.5],
        ],
      );
      assert.deepEqual(x[2], { ...list[0]!.anomaly, id: x[2]!.id, ingestSeq: 10 });
      const critical = await store.anomalies({ from: T0, to: T0 + 11, severity: 'critical' });
      assert.deepEqual(
        critical.map((a) => a.symbol),
        ['AN.X', 'AN.Y'],
      );
      const some = await store.anomalies({ from: T0, to: T0 + 11, severity: ['medium', 'high'], limit: 1 });
      assert.deepEqual(
        some.map((a) => a.changePercent),
        [-3.5],
      );
      assert.deepEqual(await store.anomalies({ from: T0, to: T0 + 11, severity: [] }), []);
      const recent = await store.anomaliesUpTo(11, 2);
      assert.ok(recent.every((a) => a.ingestSeq <= 11));
      assert.deepEqual(
        recent.slice(-2).map((a) => a.changePercent),
        [-3.5, 5.5],
      );
    });

    it('keeps statistics, snapshots (non-finite numbers too) and the symbol list', async () => {
      const T0 = 1_700_000_100_000;
      await writeTicks(store, [
        tick('SNAP.A', T0 + 5, 10),
        tick('SNAP.A', T0, 11),
        tick('SNAP.B', T0 + 7, 20),
      ]);
      const stats = (symbol: string, price: number, ts: number): SymbolStats => ({
        symbol,
        currentPrice: price,
        movingAverage: price,
        updateCount: 2,
        lastUpdateTime: ts,
        minPrice: price,
        maxPrice: price,
        volume: 3,
        changeFromAverage: 0,
      });
      const snapshot = {
        symbol: 'SNAP.A',
        lastArrival: NaN,
        clock: -Infinity,
        nested: [{ v: Infinity }],
        id: 'a\u0000b',
      };
      const point = await store.recoveryPoint();
      await writeEvents(store, {
        snapshot: {
          seq: point.committedSeq,
          symbols: [
            { stats: stats('SNAP.A', 11, T0 + 5), snapshot },
            { stats: stats('SNAP.B', 20, T0 + 7), snapshot: { symbol: 'SNAP.B' } },
          ],
        },
      });
      const recovered = await store.recoveryPoint();
      assert.equal(recovered.snapshotSeq, point.committedSeq);
      assert.deepEqual(
        recovered.snapshots.find((s) => (s as { symbol: string }).symbol === 'SNAP.A'),
        snapshot,
      );
      const [a] = await store.symbolStats('SNAP.A');
      assert.equal(a?.currentPrice, 11);
      assert.equal(a?.lastUpdateTime, T0 + 5);
      assert.equal(a?.snapshotSeq, point.committedSeq);
      const symbols = (await store.symbols()).filter((s) => s.symbol.startsWith('SNAP.'));
      assert.deepEqual(
        symbols.map((s) => [s.symbol, s.firstSeen - T0, s.lastSeen - T0, s.lastPrice]),
        [
          ['SNAP.A', 0, 5, 11],
          ['SNAP.B', 7, 7, 20],
        ],
      );
      // A later round moves last seen and price, never first seen.
      await writeEvents(store, {
        snapshot: { seq: point.committedSeq, symbols: [{ stats: stats('SNAP.A', 12, T0 + 50), snapshot }] },
      });
      assert.deepEqual(await store.latestPrices(['SNAP.A', 'SNAP.B', 'NONE']), [
        { symbol: 'SNAP.A', price: 12, ts: T0 + 50 },
        { symbol: 'SNAP.B', price: 20, ts: T0 + 7 },
      ]);
      const [again] = (await store.symbols()).filter((s) => s.symbol === 'SNAP.A');
      assert.equal(again?.firstSeen, T0);
      assert.ok((await store.knownSymbols()).has('SNAP.B'));
    });

    it('keeps display names, also of symbols not seen yet, without listing those among the seen ones', async () => {
      const names = store.names;
      await names.set('NAME.A', 'Alpha Inc.');
      assert.equal(await names.setDefaults({ 'NAME.A': 'Other', 'NAME.B': 'Beta Corp.' }), 1);
      assert.deepEqual(
        (await names.list()).filter((s) => s.symbol.startsWith('NAME.')).map((s) => [s.symbol, s.name]),
        [
          ['NAME.A', 'Alpha Inc.'],
          ['NAME.B', 'Beta Corp.'],
        ],
      );
      // Named only: not among the symbols with prices.
      assert.ok(!(await store.symbols()).some((s) => s.symbol.startsWith('NAME.')));
      assert.deepEqual(await store.latestPrices(['NAME.A']), []);
      // Its first ticks and stats round fill in the row; the name stays.
      const T0 = 1_700_000_200_000;
      await writeTicks(store, [tick('NAME.A', T0 + 3, 7), tick('NAME.A', T0, 6)]);
      const point = await store.recoveryPoint();
      const stats: SymbolStats = {
        symbol: 'NAME.A',
        currentPrice: 7,
        movingAverage: 6.5,
        updateCount: 2,
        lastUpdateTime: T0 + 3,
        minPrice: 6,
        maxPrice: 7,
        volume: 0,
        changeFromAverage: 0,
      };
      await writeEvents(store, {
        snapshot: { seq: point.committedSeq, symbols: [{ stats, snapshot: { symbol: 'NAME.A' } }] },
      });
      const [seen] = (await store.symbols()).filter((s) => s.symbol === 'NAME.A');
      assert.deepEqual([seen?.firstSeen, seen?.lastSeen, seen?.lastPrice], [T0, T0 + 3, 7]);
      assert.equal((await names.list()).find((s) => s.symbol === 'NAME.A')?.name, 'Alpha Inc.');
      assert.equal((await names.set('NAME.A', 'Alpha Holdings')).name, 'Alpha Holdings');
    });

    it('creates partitions ahead, drops old ones, and recreates a dropped one when a tick needs it', async () => {
      const day = Math.floor(Date.UTC(2030, 5, 1) / MS_PER_DAY);
      await database.tickPartitions.ensure([day, day + 1, day + 2]);
      let days = await database.tickPartitions.list();
      assert.ok([day, day + 1, day + 2].every((d) => days.includes(d)));
      assert.equal(partitionName(day), 'ticks_20300601');
      const dropped = await database.tickPartitions.dropBefore(day + 1);
      assert.ok(dropped.includes(day) && !dropped.includes(day + 1));
      days = await database.tickPartitions.list();
      assert.ok(!days.includes(day) && days.includes(day + 1));
      // Dropped behind the store's back (another process's retention): the write fails once, then works.
      await database.driver.exec(`drop table ${partitionName(day + 2)}`);
      const ts = (day + 2) * MS_PER_DAY + 1;
      const point = await store.recoveryPoint();
      const batch = {
        writeNo: point.writeNo + 1,
        ticks: encode([tick('PART', ts)], point.committedSeq + 1),
        days: new Set([day + 2]),
        committedSeq: point.committedSeq + 1,
        candles: [],
        anomalies: [],
      };
      await assert.rejects(store.write(batch));
      assert.equal(await store.write(batch), true);
      assert.equal((await store.ticks({ symbol: 'PART' })).ticks[0]?.ts, ts);
    });
  });
}

// -------------------------------------------------------------------------------------------------

/** A tick as the suite writes it: stored, it gets its ingest number. */
export type TestTick = Omit<StoredTick, 'ingestSeq'>;

export function tick(symbol: string, ts: number, price = 100): TestTick {
  return { symbol, ts, price, volume: 1, seq: null, id: null, source: 'test', receivedAt: ts };
}

/** A few days, the extreme ones included (the epoch, beyond 2255, the last day a tick may carry). */
const DAYS = [0, 19_724, 104_000, 99_999_999];

function tickArbitrary(): fc.Arbitrary<Omit<TestTick, 'symbol'>> {
  return fc.record({
    ts: fc
      .tuple(fc.constantFrom(...DAYS), fc.integer({ min: 0, max: MS_PER_DAY - 1 }))
      .map(([day, ms]) => day * MS_PER_DAY + ms),
    price: fc.double({ min: Number.MIN_VALUE, max: 1e300, noNaN: true }),
    volume: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e12, noNaN: true })),
    seq: fc.option(fc.maxSafeNat(), { nil: null }),
    // Any text up to 128 UTF-16 units (the engine's limit), NUL and lone surrogates included.
    id: fc.option(
      fc
        .string({
          minLength: 1,
          maxLength: 128,
          unit: fc.oneof(
            fc.constant('\u0000'),
            fc.constant('\ud800'),
            fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
          ),
        })
        .filter((s) => s.length <= 128),
      { nil: null },
    ),
    source: fc.constantFrom('http', 'tcp', 'sim', 'ünï'),
    receivedAt: fc.option(fc.integer({ min: 0, max: 4_102_444_800_000 }), { nil: null }),
  });
}

/** What storage makes of a tick id: PostgreSQL text holds valid UTF-8 without NUL. */
export function storedId(id: string | null): string | null {
  return id === null ? null : Buffer.from(id.replaceAll('\u0000', '\uFFFD'), 'utf8').toString('utf8');
}

function encode(ticks: readonly TestTick[], firstSeq: number): Uint8Array {
  const chunk = new TickChunk(Math.max(1, ticks.length));
  chunk.firstSeq = firstSeq;
  for (const t of ticks) {
    const i = chunk.length++;
    chunk.symbols[i] = t.symbol;
    chunk.ts[i] = t.ts;
    chunk.price[i] = t.price;
    chunk.volume[i] = t.volume;
    chunk.seq[i] = t.seq ?? NaN;
    chunk.ids[i] = t.id ?? undefined;
    chunk.sources[i] = t.source;
    chunk.receivedAt[i] = t.receivedAt ?? NaN;
  }
  return new TickCopyEncoder().encode([chunk], new Set());
}

/** Writes ticks as the batch writer would; answers them as stored (with their ingest numbers). */
export async function writeTicks(store: MarketDataStore, ticks: readonly TestTick[]): Promise<StoredTick[]> {
  const point = await store.recoveryPoint();
  const firstSeq = point.committedSeq + 1;
  const days = new Set(ticks.map((t) => Math.floor(t.ts / MS_PER_DAY)));
  const written = await store.write({
    writeNo: point.writeNo + 1,
    ticks: encode(ticks, firstSeq),
    days,
    committedSeq: point.committedSeq + ticks.length,
    candles: [],
    anomalies: [],
  });
  assert.equal(written, true);
  return ticks.map((t, i) => ({ ...t, id: t.id, ingestSeq: firstSeq + i }));
}

async function writeEvents(
  store: MarketDataStore,
  events: { candles?: CandleData[]; anomalies?: AnomalyRecord[]; snapshot?: SnapshotRound },
): Promise<void> {
  const point = await store.recoveryPoint();
  await store.write({
    writeNo: point.writeNo + 1,
    committedSeq: point.committedSeq,
    candles: events.candles ?? [],
    anomalies: events.anomalies ?? [],
    ...(events.snapshot === undefined ? {} : { snapshot: events.snapshot }),
  });
}
