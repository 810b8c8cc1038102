import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleAll,
  retry,
  wrap,
} from 'cockatiel';

import type { CandleData } from '../core/candles.js';
import type { Anomaly } from '../core/spike-detector.js';
import type { Admission } from '../engine/engine.js';
import { ownCandle, type EnginePort, type PortTickEvent } from '../engine/engine-port.js';
import { ErrorCode, TickstreamError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type {
  AnomalyRecord,
  MarketDataStore,
  SnapshotRecord,
  SnapshotRound,
  WriteBatch,
} from './market-data-store.js';
import { TickChunk } from './tick-chunk.js';
import { TickCopyEncoder } from './tick-copy-encoder.js';

/** The writer's slice of the configuration (`storage.*`). */
export interface BatchWriterOptions {
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly bufferCapacity: number;
  readonly openCandleFlushMs: number;
  readonly statsIntervalMs: number;
  readonly retryInitialDelayMs: number;
  readonly retryMaxDelayMs: number;
  readonly breakerFailures: number;
  readonly breakerHalfOpenMs: number;
  /** Writes in flight at once on a PostgreSQL server (their COPYs overlap; commits stay in order). 1 on PGlite. */
  readonly writeConcurrency: number;
}

/** Where the writer starts (from recovery): the last ingest sequence number and write number used. */
export interface WriterStart {
  readonly seq: number;
  readonly writeNo: number;
}

export interface WriterCounters {
  /** Ingest sequence number of the last accepted tick. */
  readonly acceptedSeq: number;
  /** Every tick up to this ingest sequence number is committed. */
  readonly committedSeq: number;
  /** Accepted ticks not yet committed. */
  readonly buffered: number;
  readonly capacity: number;
  readonly ticksWritten: number;
  readonly candlesWritten: number;
  readonly anomaliesWritten: number;
  readonly snapshotsWritten: number;
  /** Committed writes (transactions). */
  readonly writes: number;
  /** Write attempts that failed (each is retried). */
  readonly writeFailures: number;
  /** Retries scheduled after a failure or while the circuit was open. */
  readonly retries: number;
  /** Times the circuit breaker opened. */
  readonly breakerOpens: number;
  readonly circuit: 'closed' | 'open' | 'half-open';
  /** Ticks buffered beyond the capacity (only when a producer ignored the admission; never dropped). */
  readonly overCapacity: number;
  /** Duration of the last committed write, ms. */
  readonly lastWriteMs: number;
  /** Message of the last failure, null once a write succeeds again. */
  readonly lastError: string | null;
  /** Accepted ticks whose raw row was not stored (a replay without storage, the disk guard). */
  readonly ticksNotStored: number;
}

/** Writes that collect behind a slow one are merged into one transaction of at most this many batches. */
const MAX_MERGED_BATCHES = 8;

/** The accepted ticks and engine events of one stretch of time, written in one transaction. */
interface Pending {
  chunk: TickChunk | undefined;
  readonly candles: Map<string, CandleData>;
  readonly anomalies: AnomalyRecord[];
  snapshot: SnapshotRound | undefined;
  /** Ingest sequence number of the last tick accepted before this batch was sealed. */
  upToSeq: number;
  /** When the first item arrived (performance.now()), NaN while empty. */
  openedAt: number;
}

interface Waiter {
  readonly target: number;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

function candleKey(c: CandleData): string {
  return `${c.symbol}\u0000${c.interval}\u0000${c.start}`;
}

/**
 * Persists what the engine accepts (DESIGN §4): raw ticks by binary COPY in batches flushed at a
 * size or age bound, candles as they close or are revised (and the open ones about once a second),
 * anomalies as they fire, and every few seconds the statistics and recovery snapshot of the symbols
 * that changed. Everything derived from a tick is written in the same transaction as the tick, so
 * storage always reflects a prefix of the accepted ticks.
 *
 * The buffer is bounded: the writer is the engine's admission, so once `bufferCapacity` accepted
 * ticks wait for their commit the engine answers `overloaded`. A failed write is retried forever
 * with exponential backoff behind a circuit breaker (cockatiel); nothing accepted is dropped, and
 * every failure and retry is counted and logged.
 *
 * The tick listener copies the engine's reused event into column chunks: no allocation per tick.
 */
export class BatchWriter {
  readonly options: BatchWriterOptions;
  /** The engine's admission: room left in the buffer. Also for producers that pause instead of refusing. */
  readonly admission: Admission;
  readonly #engine: EnginePort;
  readonly #store: MarketDataStore;
  readonly #log: Logger;
  readonly #chunkSize: number;
  /** One per write that may be in flight at once (each write's bytes live in its encoder's buffer). */
  readonly #encoders: TickCopyEncoder[];
  readonly #pool: TickChunk[] = [];
  #open: Pending;
  readonly #sealed: Pending[] = [];
  /** persisted() callers, by ingest sequence number (in call order, so targets never decrease). */
  readonly #waiters: Waiter[] = [];
  /** flush() callers, by count of sealed batches. */
  readonly #flushWaiters: Waiter[] = [];
  #sealedCount = 0;
  #committedCount = 0;
  /** Open candles as last written (trades count), so unchanged ones are not written again. */
  readonly #openWritten = new Map<string, number>();
  readonly #timers: NodeJS.Timeout[] = [];
  /** The one close() in progress or done. */
  #closeCall: Promise<boolean> | undefined;
  readonly #abort = new AbortController();
  readonly #policy;
  readonly #breaker;

  #seq: number;
  #committed: number;
  #writeNo: number;
  #buffered = 0;
  #urgent = false;
  #closing = false;
  #closed = false;
  #wake: (() => void) | undefined;
  /** Ingest sequence number of the last snapshot round. */
  #lastSnapshotSeq = -1;
  #loop: Promise<void> | undefined;

  #ticksWritten = 0;
  #candlesWritten = 0;
  #anomaliesWritten = 0;
  #snapshotsWritten = 0;
  #writes = 0;
  #writeFailures = 0;
  #retries = 0;
  #breakerOpens = 0;
  #overCapacity = 0;
  #lastWriteMs = 0;
  #onCommit: ((rows: number, seconds: number) => void) | undefined;
  #lastError: string | null = null;
  #storesTick: ((source: string, receivedAt: number) => boolean) | undefined;
  #ticksNotStored = 0;

  constructor(
    engine: EnginePort,
    store: MarketDataStore,
    options: BatchWriterOptions,
    log: Logger,
    start: WriterStart,
  ) {
    this.options = Object.freeze({ ...options });
    this.#engine = engine;
    this.#store = store;
    this.#log = log;
    this.#chunkSize = Math.max(1, Math.min(options.batchSize, options.bufferCapacity));
    this.#seq = start.seq;
    this.#committed = start.seq;
    this.#writeNo = start.writeNo;
    this.#open = this.#pending();
    this.admission = { available: () => this.available() };
    // PGlite runs one statement at a time: overlapping writes would only queue.
    const concurrency = store.kind === 'pglite' ? 1 : Math.max(1, options.writeConcurrency);
    this.#encoders = Array.from({ length: concurrency }, () => new TickCopyEncoder());

    const retryPolicy = retry(handleAll, {
      maxAttempts: Infinity,
      backoff: new ExponentialBackoff({
        initialDelay: options.retryInitialDelayMs,
        maxDelay: options.retryMaxDelayMs,
      }),
    });
    this.#breaker = circuitBreaker(handleAll, {
      halfOpenAfter: options.breakerHalfOpenMs,
      breaker: new ConsecutiveBreaker(options.breakerFailures),
    });
    retryPolicy.onRetry(({ delay, attempt, ...reason }) => {
      this.#retries++;
      const err = 'error' in reason ? reason.error : undefined;
      if (!(err instanceof BrokenCircuitError))
        this.#log.warn(
          { attempt, delayMs: Math.round(delay), err: errorMessage(err) },
          'storage write failed, retrying',
        );
    });
    this.#breaker.onBreak(() => {
      this.#breakerOpens++;
      this.#log.error(
        {
          failures: options.breakerFailures,
          buffered: this.#buffered,
          halfOpenMs: options.breakerHalfOpenMs,
        },
        'storage circuit opened: writes paused',
      );
    });
    this.#breaker.onHalfOpen(() => this.#log.info('storage circuit half-open: probing'));
    this.#breaker.onReset(() =>
      this.#log.info({ buffered: this.#buffered }, 'storage circuit closed: writes resumed'),
    );
    this.#policy = wrap(retryPolicy, this.#breaker);
  }

  /**
   * Starts writing. The engine's events come through `onTick`, `onCandle` and `onAnomaly`, and
   * `admission` is set on the engine: src/main.ts wires them.
   */
  start(): void {
    if (this.#loop !== undefined) return;
    this.#timers.push(
      setInterval(() => this.#collectOpenCandles(), this.options.openCandleFlushMs).unref(),
      setInterval(() => void this.#collectSnapshot(false), this.options.statsIntervalMs).unref(),
    );
    this.#loop = this.#run().catch((err: unknown) => {
      // Not a storage failure (those are retried): a defect. Ticks stay buffered; ingest turns to overloaded.
      this.#lastError = errorMessage(err);
      this.#log.fatal({ err }, 'storage writer stopped');
    });
  }

  /** Calls `observer` after every committed write with its tick rows and duration (for metrics). */
  observeCommits(observer: ((rows: number, seconds: number) => void) | undefined): void {
    this.#onCommit = observer;
  }

  /**
   * Decides per accepted tick whether its raw row is stored; the engine's candles, anomalies and
   * statistics are stored either way. Absent: every tick is.
   */
  setTickFilter(filter: ((source: string, receivedAt: number) => boolean) | undefined): void {
    this.#storesTick = filter;
  }

  /** Room left in the buffer (0 once closing). */
  available(): number {
    if (this.#closing) return 0;
    const room = this.options.bufferCapacity - this.#buffered;
    return room > 0 ? room : 0;
  }

  /**
   * Resolves once every tick accepted before the call is committed (`ack=persisted`); rejects with
   * STORAGE_CLOSED if the writer closes first. Asks for an early write instead of waiting for the
   * age bound, so a durable acknowledgement costs about one commit.
   */
  persisted(): Promise<void> {
    const target = this.#seq;
    if (this.#committed >= target) return Promise.resolve();
    if (this.#closed) return Promise.reject(closedError());
    this.#urgent = true;
    this.#wakeUp();
    return new Promise((resolve, reject) => this.#waiters.push({ target, resolve, reject }));
  }

  /**
   * Writes everything accepted so far (and the open candles) and resolves when it is committed.
   * A threaded engine's ticks handed in and not yet answered are waited for first.
   */
  async flush(): Promise<void> {
    if (this.#loop === undefined || this.#closed) return;
    if (this.#engine.queriesLag) {
      // And its views of the open candles brought up to date.
      await this.#engine.flush();
      await this.#engine.refreshViews();
      if (this.#closed) return;
    }
    this.#collectOpenCandles();
    if (!isEmpty(this.#open)) {
      this.#seal();
      this.#wakeUp();
    }
    const target = this.#sealedCount;
    if (this.#committedCount >= target) return;
    return new Promise((resolve, reject) => this.#flushWaiters.push({ target, resolve, reject }));
  }

  /**
   * Writes a recovery snapshot of the symbols that changed now, instead of at the next stats
   * interval, and resolves when it and everything before it is committed. A restart then replays
   * only what comes after (e.g. before a planned stop that may not be graceful).
   */
  async checkpoint(): Promise<void> {
    if (this.#loop === undefined || this.#closed) return;
    await this.#collectSnapshot(false);
    return this.flush();
  }

  counters(): WriterCounters {
    const state = this.#breaker.state;
    return {
      acceptedSeq: this.#seq,
      committedSeq: this.#committed,
      buffered: this.#buffered,
      capacity: this.options.bufferCapacity,
      ticksWritten: this.#ticksWritten,
      candlesWritten: this.#candlesWritten,
      anomaliesWritten: this.#anomaliesWritten,
      snapshotsWritten: this.#snapshotsWritten,
      writes: this.#writes,
      writeFailures: this.#writeFailures,
      retries: this.#retries,
      breakerOpens: this.#breakerOpens,
      circuit:
        state === CircuitState.Closed ? 'closed' : state === CircuitState.HalfOpen ? 'half-open' : 'open',
      overCapacity: this.#overCapacity,
      lastWriteMs: this.#lastWriteMs,
      lastError: this.#lastError,
      ticksNotStored: this.#ticksNotStored,
    };
  }

  /**
   * Stops taking ticks (the engine answers `overloaded` from now on), writes the open candles and a
   * snapshot of every symbol (so a restart continues exactly here), and waits until everything is
   * committed, at most `timeoutMs`. Then, if storage is still failing, gives up and says so: it
   * logs the number of ticks not written, rejects their `persisted()` waiters, and answers false.
   */
  close(timeoutMs = 30_000): Promise<boolean> {
    return (this.#closeCall ??= this.#close(timeoutMs));
  }

  async #close(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    // A threaded engine may still be answering ticks handed in: they are the writer's too.
    const threaded = this.#loop !== undefined && this.#engine.queriesLag;
    if (threaded) await Promise.race([this.#engine.flush(), timedOut]);
    this.#closing = true;
    for (const t of this.#timers) clearInterval(t);
    if (this.#loop !== undefined) {
      if (threaded) await Promise.race([this.#engine.refreshViews(), timedOut]);
      this.#collectOpenCandles();
      await Promise.race([this.#collectSnapshot(true), timedOut]);
    }
    this.#wakeUp();
    await Promise.race([this.#loop ?? Promise.resolve(), timedOut]);
    clearTimeout(timer);
    if (this.#loop !== undefined && (this.#sealed.length > 0 || !isEmpty(this.#open))) {
      this.#abort.abort();
      // A write in flight cannot be cancelled; do not wait for a hung one.
      await Promise.race([this.#loop, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
    }
    this.#closed = true;
    const lost = this.#buffered;
    if (lost > 0 || !isEmpty(this.#open) || this.#sealed.length > 0) {
      this.#log.error(
        { unwrittenTicks: lost, committedSeq: this.#committed, acceptedSeq: this.#seq, err: this.#lastError },
        'storage closed with ticks not written',
      );
    }
    for (const waiter of this.#waiters.splice(0)) waiter.reject(closedError());
    for (const waiter of this.#flushWaiters.splice(0)) waiter.reject(closedError());
    return lost === 0;
  }

  // -- engine events (synchronous, inside the engine's ingest) -------------------------------------

  /**
   * The engine's `tick` listener. The writer's row is its own copy of the tick (into column
   * chunks, no allocation): the engine reuses its event, and the row waits for its commit.
   */
  readonly onTick = (e: PortTickEvent): void => {
    if (this.#closing) return;
    if (this.#storesTick !== undefined && !this.#storesTick(e.source, e.receivedAt)) {
      this.#ticksNotStored++;
      return;
    }
    let chunk = this.#open.chunk;
    if (chunk === undefined) chunk = this.#newChunk();
    const i = chunk.length;
    chunk.symbols[i] = e.symbol;
    chunk.ts[i] = e.ts;
    chunk.price[i] = e.price;
    chunk.volume[i] = e.volume;
    chunk.seq[i] = e.seq ?? NaN;
    chunk.ids[i] = e.id;
    chunk.sources[i] = e.source;
    chunk.receivedAt[i] = e.receivedAt;
    chunk.length = i + 1;
    this.#seq++;
    if (++this.#buffered > this.options.bufferCapacity) this.#overCapacity++;
    if (chunk.length === chunk.capacity) {
      this.#seal();
      this.#wakeUp();
    }
  };

  /** The engine's `candle` listener (closed and revised candles). */
  readonly onCandle = (candle: CandleData): void => {
    if (this.#closing) return;
    const key = candleKey(candle);
    this.#openWritten.delete(key);
    // Kept past the event, so a plain copy (the engine may reuse the Candle it emitted).
    this.#touch().candles.set(key, ownCandle(candle));
  };

  /**
   * The engine's `anomaly` listener. It relies on the engine's order: an anomaly is emitted while
   * the tick that fired it is applied, before that tick's `tick` event, so it takes the next
   * ingest sequence number, the one its tick is about to get.
   */
  readonly onAnomaly = (anomaly: Anomaly): void => {
    if (this.#closing) return;
    this.#touch().anomalies.push({ anomaly, ingestSeq: this.#seq + 1 });
  };

  #touch(): Pending {
    const open = this.#open;
    if (open.openedAt !== open.openedAt) {
      open.openedAt = performance.now();
      this.#wakeUp();
    }
    return open;
  }

  #newChunk(): TickChunk {
    const chunk = this.#pool.pop() ?? new TickChunk(this.#chunkSize);
    chunk.firstSeq = this.#seq + 1;
    this.#touch().chunk = chunk;
    return chunk;
  }

  #pending(): Pending {
    return {
      chunk: undefined,
      candles: new Map(),
      anomalies: [],
      snapshot: undefined,
      upToSeq: this.#seq,
      openedAt: NaN,
    };
  }

  #seal(): void {
    const open = this.#open;
    open.upToSeq = this.#seq;
    this.#sealed.push(open);
    this.#sealedCount++;
    this.#open = this.#pending();
  }

  // -- periodic collections ------------------------------------------------------------------------

  /** Adds the open candles that changed since they were last written. */
  #collectOpenCandles(): void {
    const engine = this.#engine;
    for (const symbol of engine.symbols()) {
      for (const candle of engine.openCandles(symbol)) {
        const key = candleKey(candle);
        if (this.#openWritten.get(key) === candle.trades) continue;
        this.#openWritten.set(key, candle.trades);
        const open = this.#touch();
        if (!open.candles.get(key)?.closed) open.candles.set(key, candle);
      }
    }
  }

  /**
   * Adds a snapshot round: statistics and engine state of the symbols that changed since their last
   * snapshot (all of them when `all`), valid at the current ingest sequence number.
   */
  #collectSnapshot(all: boolean): Promise<void> {
    // The engine calls back between its events (at once on one thread, once every partition has
    // answered on the threaded engine), where the records hold exactly the ticks counted in #seq.
    return new Promise((resolve) =>
      this.#engine.snapshotRound(all, (records) => {
        resolve();
        if (records.length === 0 && !all && this.#seq === this.#lastSnapshotSeq) return;
        this.#lastSnapshotSeq = this.#seq;
        const open = this.#touch();
        open.snapshot = mergeSnapshots(open.snapshot, { seq: this.#seq, symbols: records });
      }),
    );
  }

  // -- the write loop ------------------------------------------------------------------------------

  #wakeUp(): void {
    const wake = this.#wake;
    if (wake !== undefined) {
      this.#wake = undefined;
      wake();
    }
  }

  #sleep(ms: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(done, Math.max(0, ms));
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  async #run(): Promise<void> {
    for (;;) {
      if (this.#sealed.length === 0 && !this.#sealIfDue()) {
        if (isEmpty(this.#open)) {
          this.#urgent = false;
          if (this.#closing) return;
          await this.#sleep(undefined);
        } else await this.#sleep(this.options.flushIntervalMs - (performance.now() - this.#open.openedAt));
        continue;
      }
      if (this.#breaker.state !== CircuitState.Closed) {
        // Storage is failing: one write at a time, through the retries and the breaker.
        const parts = this.#sealed.slice(0, MAX_MERGED_BATCHES);
        const batch = this.#prepare(parts, this.#encoders[0]!);
        if (!(await this.#writeWithRetries(batch))) return; // a close that timed out
        this.#commitDone(parts, batch);
        continue;
      }
      if (!(await this.#pipeline())) return;
    }
  }

  /** Seals the open batch if it is due (age bound, persisted() waiting, closing); true if it did. */
  #sealIfDue(): boolean {
    const open = this.#open;
    if (isEmpty(open)) return false;
    const due =
      this.#urgent || this.#closing || performance.now() - open.openedAt >= this.options.flushIntervalMs;
    if (!due) return false;
    this.#seal();
    this.#urgent = false;
    return true;
  }

  /**
   * Writes sealed batches while there are any, up to `writeConcurrency` at once, each in its own
   * transaction on its own connection: their COPYs overlap, and each commits only after the one
   * before it (see MarketDataStore.write), so storage still holds a prefix of the accepted ticks. After a
   * failure, the writes in flight are retried one at a time, in order. False when a close gave up.
   */
  async #pipeline(): Promise<boolean> {
    const free = [...this.#encoders];
    const inFlight: Array<{
      parts: Pending[];
      batch: WriteBatch;
      attempt: Promise<boolean>;
      /** Resolves once the write holds its turn (see MarketDataStore.write): the next may start. */
      locked: Promise<void>;
      encoder: TickCopyEncoder;
      started: number;
    }> = [];
    let taken = 0; // sealed batches already in flight (at the front of #sealed)
    for (;;) {
      while (free.length > 0 && (taken < this.#sealed.length || this.#sealIfDue())) {
        const parts = this.#sealed.slice(taken, taken + MAX_MERGED_BATCHES);
        taken += parts.length;
        const encoder = free.pop()!;
        const batch = this.#prepare(parts, encoder);
        const previous = inFlight[inFlight.length - 1]?.locked;
        let onLocked: () => void = () => {};
        let onFailed: (err: unknown) => void = () => {};
        const locked = new Promise<void>((resolve, reject) => {
          onLocked = resolve;
          onFailed = reject;
        });
        locked.catch(() => {}); // a failure is observed through `attempt`
        const attempt = this.#store.write(batch, {
          locked: onLocked,
          ...(previous === undefined ? {} : { waitFor: previous }),
        });
        attempt.catch(onFailed); // observed below, in order; a successor waiting to start gives up
        inFlight.push({ parts, batch, attempt, locked, encoder, started: performance.now() });
      }
      const head = inFlight[0];
      if (head === undefined) return true;
      try {
        await head.attempt;
      } catch (err) {
        this.#writeFailures++;
        this.#lastError = errorMessage(err);
        this.#log.warn({ err: this.#lastError, inFlight: inFlight.length }, 'storage write failed, retrying');
        // The later writes in flight depend on this one: none of them can have committed.
        await Promise.allSettled(inFlight.map((w) => w.attempt));
        for (const w of inFlight) {
          if (!(await this.#writeWithRetries(w.batch))) return false;
          this.#commitDone(w.parts, w.batch);
        }
        return true;
      }
      this.#lastWriteMs = performance.now() - head.started;
      this.#lastError = null;
      inFlight.shift();
      taken -= head.parts.length;
      free.push(head.encoder);
      this.#commitDone(head.parts, head.batch);
    }
  }

  /** Writes one batch, retrying through the circuit breaker until it commits; false when a close gave up. */
  async #writeWithRetries(batch: WriteBatch): Promise<boolean> {
    const started = performance.now();
    try {
      await this.#policy.execute(async () => {
        try {
          await this.#store.write(batch);
        } catch (err) {
          this.#writeFailures++;
          this.#lastError = errorMessage(err);
          throw err;
        }
      }, this.#abort.signal);
    } catch (err) {
      // Only a close that timed out stops the retries.
      if (this.#abort.signal.aborted) return false;
      throw err;
    }
    this.#lastWriteMs = performance.now() - started;
    this.#lastError = null;
    return true;
  }

  #prepare(parts: readonly Pending[], encoder: TickCopyEncoder): WriteBatch {
    const chunks: TickChunk[] = [];
    const candles = new Map<string, CandleData>();
    const anomalies: AnomalyRecord[] = [];
    let snapshot: SnapshotRound | undefined;
    for (const part of parts) {
      if (part.chunk !== undefined && part.chunk.length > 0) chunks.push(part.chunk);
      for (const [key, candle] of part.candles) candles.set(key, candle);
      for (const a of part.anomalies) anomalies.push(a);
      if (part.snapshot !== undefined) snapshot = mergeSnapshots(snapshot, part.snapshot);
    }
    const days = new Set<number>();
    // A view of the encoder's buffer: it stays as it is until this encoder's next use, which comes
    // only after this write (and all its retries) committed.
    const ticks = chunks.length > 0 ? encoder.encode(chunks, days) : undefined;
    return {
      writeNo: ++this.#writeNo,
      ticks,
      days,
      committedSeq: parts[parts.length - 1]!.upToSeq,
      candles: [...candles.values()],
      anomalies,
      snapshot,
    };
  }

  /** Bookkeeping of a committed write: its parts leave the buffer, waiters whose ticks it holds are released. */
  #commitDone(parts: readonly Pending[], batch: WriteBatch): void {
    this.#sealed.splice(0, parts.length);
    let ticks = 0;
    for (const part of parts) {
      const chunk = part.chunk;
      if (chunk === undefined) continue;
      ticks += chunk.length;
      chunk.clear();
      this.#pool.push(chunk);
    }
    this.#buffered -= ticks;
    this.#ticksWritten += ticks;
    this.#candlesWritten += batch.candles.length;
    this.#anomaliesWritten += batch.anomalies.length;
    if (batch.snapshot !== undefined) this.#snapshotsWritten++;
    this.#writes++;
    this.#onCommit?.(ticks, this.#lastWriteMs / 1000);
    this.#committed = batch.committedSeq;
    this.#committedCount += parts.length;
    release(this.#waiters, this.#committed);
    release(this.#flushWaiters, this.#committedCount);
  }
}

/** Resolves the waiters (ordered by target) whose target is reached. */
function release(waiters: Waiter[], reached: number): void {
  let n = 0;
  while (n < waiters.length && waiters[n]!.target <= reached) waiters[n++]!.resolve();
  if (n > 0) waiters.splice(0, n);
}

function isEmpty(p: Pending): boolean {
  return p.openedAt !== p.openedAt;
}

/** `later` over `earlier`: per symbol the later record wins; valid at the later sequence number. */
function mergeSnapshots(earlier: SnapshotRound | undefined, later: SnapshotRound): SnapshotRound {
  if (earlier === undefined) return later;
  const bySymbol = new Map<string, SnapshotRecord>();
  for (const r of earlier.symbols) bySymbol.set(r.stats.symbol, r);
  for (const r of later.symbols) bySymbol.set(r.stats.symbol, r);
  return { seq: Math.max(earlier.seq, later.seq), symbols: [...bySymbol.values()] };
}

function closedError(): TickstreamError {
  return new TickstreamError(ErrorCode.StorageClosed, 'storage closed before these ticks were committed');
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
