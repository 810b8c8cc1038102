import type { Anomaly } from '../core/spike-detector.js';
import { REJECT_REASONS, type RejectReason } from '../core/tick.js';
import type { EngineCounters } from './engine.js';
import { RecentAnomalies } from './recent-anomalies.js';

interface SourceCounts {
  accepted: number;
  rejected: number;
}

/**
 * The bookkeeping every engine shape keeps the same way (Engine on one thread, ParallelEngine over
 * worker threads): what was accepted and refused (by reason and by source), the anomalies, gaps and
 * closed candles, listener failures, and the last anomalies. Plain fields: the hot path bumps them.
 */
export class EngineCounts {
  accepted = 0;
  readonly rejected: Record<RejectReason, number>;
  anomalies = 0;
  gaps = 0;
  candlesClosed = 0;
  listenerErrors = 0;
  readonly recent: RecentAnomalies;
  readonly #bySource = new Map<string, SourceCounts>();
  #lastSource = '';
  #lastCounts: SourceCounts | undefined;

  constructor(recentAnomaliesCapacity: number) {
    this.recent = new RecentAnomalies(recentAnomaliesCapacity);
    this.rejected = Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>;
  }

  /** A counted anomaly, also kept among the recent ones. */
  anomaly(anomaly: Anomaly): void {
    this.anomalies++;
    this.recent.add(anomaly);
  }

  /** A refused tick of `source`. */
  reject(source: string, reason: RejectReason): void {
    this.rejected[reason]++;
    this.countSource(source, 0, 1);
  }

  /** Adds to a source's counts (not to the totals). */
  countSource(source: string, accepted: number, rejected: number): void {
    // Nearly every call has the source of the one before.
    let counts = source === this.#lastSource ? this.#lastCounts : this.#bySource.get(source);
    if (counts === undefined) this.#bySource.set(source, (counts = { accepted: 0, rejected: 0 }));
    this.#lastSource = source;
    this.#lastCounts = counts;
    counts.accepted += accepted;
    counts.rejected += rejected;
  }

  /**
   * Keeps the totals a replay must not move (accepted, rejected, anomalies, gaps, candles closed);
   * the function answered puts them back. Per-source counts and the recent anomalies are not held.
   */
  hold(): () => void {
    const { accepted, anomalies, gaps, candlesClosed } = this;
    const rejected = { ...this.rejected };
    return () => {
      this.accepted = accepted;
      this.anomalies = anomalies;
      this.gaps = gaps;
      this.candlesClosed = candlesClosed;
      Object.assign(this.rejected, rejected);
    };
  }

  /** A copy, with the number of symbols that have state. */
  snapshot(activeSymbols: number): EngineCounters {
    return {
      accepted: this.accepted,
      rejected: { ...this.rejected },
      anomalies: this.anomalies,
      gaps: this.gaps,
      candlesClosed: this.candlesClosed,
      activeSymbols,
      listenerErrors: this.listenerErrors,
      bySource: Object.fromEntries([...this.#bySource].map(([source, c]) => [source, { ...c }])),
    };
  }
}
