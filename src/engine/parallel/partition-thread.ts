/**
 * A partition on a worker thread: one Engine that owns the state of the symbols routed to it. It
 * takes rows from its ring (tick-ring.ts), feeds them to the engine a run at a time, and posts one
 * `done` message per chunk with every event the chunk made. Started by ParallelEngine; no I/O but
 * its ports.
 */
import { parentPort, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

import { REJECT_REASONS, type RawTick } from '../../core/tick.js';
import { Engine } from '../engine.js';
import { TickBatch } from '../tick-batch.js';
import type { SnapshotRecord } from '../engine-port.js';
import type {
  FromThread,
  NameEntry,
  ReplayRows,
  SymbolView,
  ThreadEvent,
  ThreadInit,
  ToThread,
} from './thread-wire.js';
import { RingReader, type RingRows } from './tick-ring.js';

const port = parentPort;
if (port === null) throw new Error('partition-thread runs on a worker thread');

const REASON_CODE = new Map(REJECT_REASONS.map((r, i) => [r, i + 1]));
/** Status of a row the producer dropped before it was processed (drop-oldest). */
const SKIPPED = 255;

let init: ThreadInit;
let engine: Engine;
let reader: RingReader;
let batch: TickBatch;
const symbols: string[] = [];
const sources: string[] = [];
let namesPort: MessagePort;

// Per chunk: events, with the ordinal (among the accepted ticks of the run) they came before.
let events: ThreadEvent[] = [];
let ordinals: number[] = [];
let acceptedTs: number[] = [];
let replaying = false;
let closing: ThreadEvent[] | undefined;
const dirty = new Set<string>();
let lastViews = 0;
let ticksSinceSnapshot = 0;
let crashNext = false;

function post(message: FromThread, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

function learnNames(entries: readonly NameEntry[]): void {
  for (const e of entries) (e.kind === 'symbol' ? symbols : sources)[e.id] = e.name;
}

/** A name by number: one the producer sent on the names port before publishing its first row. */
function nameOf(table: string[], id: number): string {
  let name = table[id];
  while (name === undefined) {
    const received = receiveMessageOnPort(namesPort);
    if (received === undefined) throw new Error(`partition ${init.partition}: name ${id} never arrived`);
    learnNames(received.message as NameEntry[]);
    name = table[id];
  }
  return name;
}

function startEngine(): Engine {
  const e = new Engine({ ...init.options, partitions: 1 });
  e.demandCandleUpdates(() => !replaying && reader.wantsCandleUpdates);
  e.on('tick', (tick) => {
    dirty.add(tick.symbol);
    if (!replaying) acceptedTs.push(tick.ts);
  });
  const push = (event: ThreadEvent): void => {
    if (replaying) return;
    // A clock step changes open candles too: their symbol's view is sent again.
    dirty.add(event.event.symbol);
    if (closing !== undefined) closing.push(event);
    else {
      events.push(event);
      ordinals.push(acceptedTs.length);
    }
  };
  e.on('anomaly', (event) => push({ type: 'anomaly', event }));
  e.on('gap', (event) => push({ type: 'gap', event }));
  e.on('candle', (candle) => push({ type: 'candle', event: candle.toJSON() }));
  e.on('candleUpdate', (candle) => push({ type: 'candleUpdate', event: candle.toJSON() }));
  return e;
}

/**
 * Processes `n` rows as the engine's ingest does, a run of rows with one source and receive time
 * at a time, and posts what they made (`skip[k]` marks rows dropped before they were processed).
 */
function processRows(rows: RingRows | ReplayRows, from: number, n: number, skip?: Uint8Array): void {
  const status = new Uint8Array(n);
  const ts = new Float64Array(n);
  const eventRows: number[] = [];
  const chunkEvents: ThreadEvent[] = [];
  let start = 0;
  while (start < n) {
    if (skip !== undefined && skip[start] === 1) {
      status[start++] = SKIPPED;
      continue;
    }
    const source = rows.source[start]!;
    const receivedAt = rows.receivedAt[start]!;
    let end = start + 1;
    while (
      end < n &&
      end - start < batch.capacity &&
      rows.source[end] === source &&
      Object.is(rows.receivedAt[end], receivedAt) &&
      (skip === undefined || skip[end] !== 1)
    )
      end++;
    batch.clear();
    for (let k = start; k < end; k++) {
      batch.push(
        nameOf(symbols, rows.symbol[k]!),
        rows.price[k]!,
        rows.volume[k]!,
        rows.ts[k],
        rows.seq[k],
        rows.ids[k],
      );
    }
    events = [];
    ordinals = [];
    acceptedTs = [];
    const result = engine.ingestBatch(batch, nameOf(sources, source), receivedAt);
    for (const r of result.rejected) status[start + r.index] = REASON_CODE.get(r.reason)!;
    const acceptedRows: number[] = [];
    for (let k = start; k < end; k++) {
      if (status[k] !== 0) continue;
      ts[k] = acceptedTs[acceptedRows.length]!;
      acceptedRows.push(k);
    }
    for (let e = 0; e < events.length; e++) {
      chunkEvents.push(events[e]!);
      eventRows.push(acceptedRows[ordinals[e]!]!);
    }
    start = end;
  }
  ticksSinceSnapshot += n;
  if (crashNext) {
    crashNext = false;
    throw new Error(`partition ${init.partition}: crash requested (test hook)`);
  }
  const rowsOfEvents = Int32Array.from(eventRows);
  post(
    {
      type: 'done',
      from,
      count: n,
      status,
      ts,
      events: chunkEvents,
      eventRows: rowsOfEvents,
      views: views(false),
      snapshot: ticksSinceSnapshot >= init.snapshotEveryTicks ? takeSnapshot() : undefined,
    },
    [status.buffer, ts.buffer, rowsOfEvents.buffer],
  );
}

function takeSnapshot(): ReturnType<Engine['snapshot']> {
  ticksSinceSnapshot = 0;
  return engine.snapshot();
}

/** Stats and open candles of the symbols changed since the last views (at most every viewsEveryMs). */
function views(force: boolean): SymbolView[] | undefined {
  if (dirty.size === 0) return undefined;
  const now = performance.now();
  if (!force && (!reader.wantsViews || now - lastViews < init.viewsEveryMs)) return undefined;
  lastViews = now;
  const out: SymbolView[] = [];
  for (const symbol of dirty)
    out.push({
      stats: engine.stats(symbol)!,
      open: engine.openCandleInits(symbol),
      activity: engine.activity(symbol)!,
    });
  dirty.clear();
  return out;
}

/** Events of a clock step or of the end, posted as a `done` of no rows. */
function postSteps(
  stepEvents: ThreadEvent[],
  extra: { advanced?: number; closedAll?: boolean; viewsAnswer?: boolean; round?: SnapshotRecord[] },
  ready = views(stepEvents.length > 0 || extra.viewsAnswer === true),
): void {
  const eventRows = new Int32Array(stepEvents.length).fill(-1);
  post({
    type: 'done',
    from: 0,
    count: 0,
    status: new Uint8Array(0),
    ts: new Float64Array(0),
    events: stepEvents,
    eventRows,
    views: ready,
    ...extra,
  });
}

function drain(): void {
  for (;;) {
    const rows = reader.take();
    if (rows.length === 0) return;
    processRows(rows, rows.from, rows.length);
  }
}

function rawOf(rows: ReplayRows, k: number): RawTick {
  const ts = rows.ts[k]!;
  const seq = rows.seq[k]!;
  return {
    symbol: nameOf(symbols, rows.symbol[k]!),
    price: rows.price[k],
    volume: rows.volume[k],
    timestamp: ts !== ts ? undefined : ts,
    seq: seq !== seq ? undefined : seq,
    id: rows.ids[k],
  };
}

/** A restart: the last snapshot, the rows answered since (no events), then the unanswered ones. */
function restore(restore: NonNullable<ThreadInit['restore']>): void {
  engine.restore(restore.snapshot);
  const { replay, redo } = restore;
  replaying = true;
  let a = 0;
  for (let k = 0; k <= replay.length; k++) {
    while (a < replay.advanceAt.length && replay.advanceAt[a] === k) engine.advance(replay.advanceNow[a++]!);
    if (k === replay.length) break;
    if (replay.symbol[k] === -1) continue;
    engine.replay([rawOf(replay, k)], nameOf(sources, replay.source[k]!), replay.receivedAt[k]!);
  }
  replaying = false;
  if (redo.length > 0) processRows(redo, restore.redoFrom, redo.length, redoSkip(redo));
}

function redoSkip(rows: ReplayRows): Uint8Array {
  const skip = new Uint8Array(rows.length);
  for (let k = 0; k < rows.length; k++) if (rows.symbol[k] === -1) skip[k] = 1;
  return skip;
}

async function loop(): Promise<void> {
  while (!reader.closed) {
    drain();
    const pending = views(false);
    if (pending !== undefined) postSteps([], {}, pending);
    await reader.waitForRows(dirty.size > 0 && reader.wantsViews ? init.viewsEveryMs : 1000);
  }
}

function crash(err: unknown): void {
  // Thrown outside any handler, so the thread dies and its owner restarts it.
  setImmediate(() => {
    throw err;
  });
}

port.on('message', (message: ToThread) => {
  if (message.type === 'init') {
    init = message;
    namesPort = message.names;
    symbols.push(...message.symbols);
    sources.push(...message.sources);
    reader = new RingReader(message.ring, message.chunkRows);
    batch = new TickBatch(message.chunkRows);
    engine = startEngine();
    try {
      if (message.restore !== undefined) restore(message.restore);
    } catch (err) {
      crash(err);
      return;
    }
    post({ type: 'ready' });
    loop().catch(crash);
    return;
  }
  try {
    if (message.type === 'crash') crashNext = true;
    else if (message.type === 'restore') {
      drain();
      engine.restore(message.snapshots);
      for (const x of message.snapshots) dirty.add(x.symbol);
    } else if (message.type === 'views') {
      drain();
      postSteps([], { viewsAnswer: true });
    } else if (message.type === 'round') {
      drain();
      postSteps([], { round: engine.snapshotRecords(message.all) });
    } else if (message.type === 'advance') {
      // The rows published before the step come first, as on one thread.
      drain();
      closing = [];
      engine.advance(message.now);
      const stepEvents = closing;
      closing = undefined;
      postSteps(stepEvents, { advanced: message.now });
    } else {
      drain();
      closing = [];
      engine.closeAll();
      const stepEvents = closing;
      closing = undefined;
      postSteps(stepEvents, { closedAll: true });
    }
  } catch (err) {
    crash(err);
  }
});
