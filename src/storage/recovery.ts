import { pickFields } from '../core/record-fields.js';
import { ANOMALY_FIELDS, type Anomaly } from '../core/spike-detector.js';
import type { SymbolSnapshot } from '../core/symbol-state.js';
import type { RawTick } from '../core/tick.js';
import type { IngestResult } from '../engine/engine.js';
import type { EnginePort } from '../engine/engine-port.js';
import type { Logger } from '../observability/logger.js';
import type { MarketDataStore, StoredAnomaly, StoredTick } from './market-data-store.js';

export interface RecoveryReport {
  /** Symbols put back from their snapshots. */
  readonly symbols: number;
  /** The snapshots were valid at this ingest sequence number. */
  readonly snapshotSeq: number;
  /** Every stored tick is at or below this ingest sequence number: the writer continues after it. */
  readonly committedSeq: number;
  /** Number of the last committed write: the writer continues after it. */
  readonly writeNo: number;
  /** Ticks stored after the snapshot, fed through the engine again. */
  readonly replayed: number;
  /** Replayed ticks the engine refused (0 unless the analytics options changed between runs). */
  readonly replayRefused: number;
  readonly anomalies: number;
  readonly durationMs: number;
}

const PAGE = 10_000;

/**
 * Rebuilds the engine's state from storage, so a restarted process continues the same series
 * (DESIGN §4): puts back every symbol's last snapshot (statistics, moving-average prices, spike
 * window, open candles, sequence and id memory), the recent anomalies up to it, and then feeds the
 * ticks committed after the snapshot through the engine again, in their arrival order with their
 * arrival times, as if they arrived now. They were counted when they first arrived: replaying them
 * moves no engine counter (`Engine.replay`), so metrics after a restart start from zero.
 *
 * Call it before anything listens to the engine: the replayed ticks emit events again, and what
 * they produced (candles, anomalies) is already stored with them. The engine must be new, and
 * configured like the run that wrote the snapshots.
 */
export async function recover(
  engine: EnginePort,
  store: MarketDataStore,
  log: Logger,
): Promise<RecoveryReport> {
  const started = performance.now();
  const point = await store.recoveryPoint();
  // Opaque to storage: the engine wrote them (SymbolState.snapshot) and reads them back.
  await engine.restore(point.snapshots as SymbolSnapshot[]);
  const anomalies = await store.anomaliesUpTo(point.snapshotSeq, engine.options.recentAnomaliesCapacity);
  engine.restoreAnomalies(anomalies.map(withoutStorageFields));

  let replayed = 0;
  let refused = 0;
  let after = point.snapshotSeq;
  while (after < point.committedSeq) {
    const ticks = await store.ticksAfter(after, point.committedSeq, PAGE);
    if (ticks.length === 0) break; // the rest was dropped by retention
    refused += await replay(engine, ticks);
    replayed += ticks.length;
    after = ticks[ticks.length - 1]!.ingestSeq;
  }
  const report: RecoveryReport = {
    symbols: point.snapshots.length,
    snapshotSeq: point.snapshotSeq,
    committedSeq: point.committedSeq,
    writeNo: point.writeNo,
    replayed,
    replayRefused: refused,
    anomalies: anomalies.length,
    durationMs: Math.round(performance.now() - started),
  };
  if (refused > 0)
    log.warn({ refused, replayed }, 'recovery: the engine refused replayed ticks (changed options?)');
  log.info(report, 'engine state recovered from storage');
  return report;
}

/**
 * Ingests stored ticks in runs of equal arrival time (one ingest call each, as originally every
 * call had one receive time). Answers how many the engine refused.
 */
async function replay(engine: EnginePort, ticks: readonly StoredTick[]): Promise<number> {
  // Handed in without waiting (a threaded engine keeps their order), answers counted at the end.
  const answers: Array<IngestResult | Promise<IngestResult>> = [];
  let i = 0;
  while (i < ticks.length) {
    const receivedAt = ticks[i]!.receivedAt;
    const run: RawTick[] = [];
    while (i < ticks.length && ticks[i]!.receivedAt === receivedAt) {
      const t = ticks[i++]!;
      run.push({
        symbol: t.symbol,
        price: t.price,
        volume: t.volume,
        timestamp: t.ts,
        seq: t.seq ?? undefined,
        id: t.id ?? undefined,
        source: t.source,
      });
    }
    answers.push(engine.replay(run, run[0]!.source as string, receivedAt ?? NaN));
  }
  let refused = 0;
  for (const answer of answers) refused += (await answer).rejected.length;
  return refused;
}

function withoutStorageFields(a: StoredAnomaly): Anomaly {
  return pickFields(a, ANOMALY_FIELDS);
}
