import { TickBatch } from '../engine/tick-batch.js';

/**
 * Accepted ticks in columns, waiting to be written: the batch writer copies each tick's fields in
 * here (the engine reuses its event object), so buffering allocates nothing per tick. Chunks are
 * pooled and reused. The columns are the engine's `TickBatch`, every one filled (event time,
 * source and arrival time included); row `i` has the ingest sequence number `firstSeq + i`.
 */
export class TickChunk extends TickBatch {
  /** Ingest sequence number of row 0. */
  firstSeq = 0;

  /** Ingest sequence number of the last row (firstSeq − 1 when empty). */
  get lastSeq(): number {
    return this.firstSeq + this.length - 1;
  }
}
