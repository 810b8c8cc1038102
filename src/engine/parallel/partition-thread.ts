/**
 * A partition on a worker thread: one Engine that owns the state of the symbols routed to it. It
 * takes rows from its ring (tick-ring.ts), feeds them to the engine a run at a time, and posts one
 * `done` message per chunk with every event the chunk made. Started by ParallelEngine; no I/O but
 * its ports.
 */
import { parentPort, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

import type { Candle } from '../../core/candles.js';
import { parseIntervals } from '../../core/interval.js';
import { REJECT_REASONS, type RawTick } from '../../core/tick.js';
import { Engine } from '../engine.js';
import { TickBatch } from '../tick-batch.js';
import type { SnapshotRecord } from '../engine-port.js';
import { CandleColumnWriter, candleBuffers } from './candle-columns.js';
import {
  CANDLE_EVENT,
  OBJECT_EVENT,
  type FromThread,
  type NameEntry,
  type ReplayRows,
  type SerializedState,
  stateSnapshots,
  type SymbolView,
  type ThreadEvent,
  type ThreadInit,
  type ToThread,
} from './thread-wire.js';
import { reorder, rowOrder } from './row-order.js';
import { RingReader, type RingRows } from './tick-ring.js';

const port = parentPort;
if (port === null) throw new Error('partition-thread runs on a worker thread');

const REASON_CODE = new Map(REJECT_REASONS.map((r, i) => [r, i + 1]));
/** Status of a row the producer dropped before it was processed (drop-oldest). */
const SKIPPED = 255;
/** The rows of the message being made that were not accepted (in order), and their statuses. */
const refusedRows: number[] = [];
const refusedStatus: number[] = [];
/** The longest the loop keeps the thread's messages waiting while rows keep coming, ms. */
const TURN_MS = 2;

let init: ThreadInit;
let engine: Engine;
let reader: RingReader;
let batch: TickBatch;
const symbols: string[] = [];
const sources: string[] = [];
let namesPort: MessagePort;

// The events of the message being made, in order: their kinds, their rows (the row whose tick made
// them, as Engine.row tells while a run is processed; −1 outside a run), the object events and the
// candles.
let kinds: number[] = [];
let eventRows: number[] = [];
let objects: ThreadEvent[] = [];
const candles = new CandleColumnWriter();
let inRun = false;
/** The row of `rows` the run being processed starts at. */
let runStart = 0;
let replaying = false;
const symbolIds = new Map<string, number>();
let intervalIndex: Map<string, number>;
// Symbols (by number) whose stats or open candles changed since the last views: a flag per number
// and the list of those flagged, so a tick costs a byte read, not a set insertion.
let dirtyFlag = new Uint8Array(1024);
const dirty: number[] = [];
let lastViews = 0;
let ticksSinceSnapshot = 0;
let crashNext = false;

/**
 * Set once the thread has thrown: it takes and sends nothing more until it ends. What it made since
 * its last message (events of rows it will never answer) would otherwise go out with the next one,
 * and the thread that replaces it makes them again from the same rows.
 */
let dead = false;

function post(message: FromThread, transfer: ArrayBuffer[] = []): void {
  if (dead) return;
  port!.postMessage(message, transfer);
}

function learnNames(entries: readonly NameEntry[]): void {
  for (const e of entries) {
    if (e.kind === 'symbol') {
      symbols[e.id] = e.name;
      symbolIds.set(e.name, e.id);
    } else sources[e.id] = e.name;
  }
}

/**
 * What `find` finds in the name tables, reading the names port until it does: the producer sends
 * every name it numbers there before publishing a row or a state that uses it.
 */
function named<T>(find: () => T | undefined, what: string): T {
  let found = find();
  while (found === undefined) {
    const received = receiveMessageOnPort(namesPort);
    if (received === undefined) throw new Error(`partition ${init.partition}: ${what} never arrived`);
    learnNames(received.message as NameEntry[]);
    found = find();
  }
  return found;
}

/** A name by number. */
function nameOf(table: string[], id: number): string {
  return table[id] ?? named(() => table[id], `name ${id}`);
}

/** The number of a symbol. */
function symbolId(name: string): number {
  return symbolIds.get(name) ?? named(() => symbolIds.get(name), `the number of symbol ${name}`);
}

function markDirty(id: number): void {
  if (id >= dirtyFlag.length) {
    const grown = new Uint8Array(Math.max(id + 1, dirtyFlag.length * 2));
    grown.set(dirtyFlag);
    dirtyFlag = grown;
  }
  if (dirtyFlag[id] === 1) return;
  dirtyFlag[id] = 1;
  dirty.push(id);
}

function startEngine(): Engine {
  const e = new Engine({ ...init.options, partitions: 1 });
  e.demandCandleUpdates(() => !replaying && reader.wantsCandleUpdates);
  const note = (kind: number, symbol: number): void => {
    // A clock step changes open candles too: their symbol's view is sent again.
    markDirty(symbol);
    kinds.push(kind);
    eventRows.push(inRun ? runStart + e.row : -1);
  };
  // An event's symbol is its row's (rows are numbered by normalized symbol): read from the batch
  // while a run is processed, looked up by name for clock steps.
  const numberOf = (symbol: string): number => (inRun ? batch.symbolNumbers[e.row]! : symbolId(symbol));
  const push = (event: ThreadEvent): void => {
    if (replaying) return;
    objects.push(event);
    note(OBJECT_EVENT, numberOf(event.event.symbol));
  };
  const pushCandle = (candle: Candle): void => {
    if (replaying) return;
    const symbol = numberOf(candle.symbol);
    candles.push(candle, symbol, intervalIndex.get(candle.interval)!);
    note(CANDLE_EVENT, symbol);
  };
  e.on('anomaly', (event) => push({ type: 'anomaly', event }));
  e.on('gap', (event) => push({ type: 'gap', event }));
  e.on('candle', pushCandle);
  e.on('candleUpdate', pushCandle);
  return e;
}

/** Posts a `done` message with the events made since the last one. */
function postDone(
  fields: Omit<
    Extract<FromThread, { type: 'done' }>,
    'type' | 'kinds' | 'eventRows' | 'events' | 'candles' | 'refusedRows' | 'refusedStatus'
  >,
): void {
  // Few or none: copied with the message, not transferred (a buffer of its own costs more).
  const rowsRefused = Int32Array.from(refusedRows);
  const statusRefused = Uint8Array.from(refusedStatus);
  refusedRows.length = 0;
  refusedStatus.length = 0;
  const kindsOut = Uint8Array.from(kinds);
  const rowsOut = Int32Array.from(eventRows);
  const candlesOut = candles.take();
  const events = objects;
  kinds = [];
  eventRows = [];
  objects = [];
  post(
    {
      type: 'done',
      ...fields,
      refusedRows: rowsRefused,
      refusedStatus: statusRefused,
      kinds: kindsOut,
      eventRows: rowsOut,
      events,
      candles: candlesOut,
    },
    [
      kindsOut.buffer,
      rowsOut.buffer,
      ...candleBuffers(candlesOut),
      // A buffer of its own (SnapshotPacker.take): moved, not copied.
      ...(fields.snapshot === undefined ? [] : [fields.snapshot.numbers.buffer as ArrayBuffer]),
    ],
  );
}

/**
 * Processes `n` rows as the engine's ingest does, up to a batch's capacity at a time, a symbol at
 * a time (each row with its own source and receive time), and posts what they made in row order
 * (`skip[k]` marks rows dropped before they were processed).
 */
function processRows(rows: RingRows | ReplayRows, from: number, n: number, skip?: Uint8Array): void {
  const firstEvent = kinds.length;
  const firstObject = objects.length;
  const firstCandle = candles.length;
  let start = 0;
  while (start < n) {
    if (skip !== undefined && skip[start] === 1) {
      refusedRows.push(start++);
      refusedStatus.push(SKIPPED);
      continue;
    }
    // A row with no receive time (NaN) takes the batch's: such rows go in a batch of their own.
    const timed = rows.receivedAt[start] === rows.receivedAt[start];
    let end = start + 1;
    while (
      end < n &&
      end - start < batch.capacity &&
      (skip === undefined || skip[end] !== 1) &&
      (rows.receivedAt[end] === rows.receivedAt[end]) === timed
    )
      end++;
    batch.clear();
    let sourceId = -1;
    let source = '';
    for (let k = start; k < end; k++) {
      if (rows.source[k] !== sourceId) source = nameOf(sources, (sourceId = rows.source[k]!));
      batch.symbolNumbers[k - start] = rows.symbol[k]!;
      batch.push(
        nameOf(symbols, rows.symbol[k]!),
        rows.price[k]!,
        rows.volume[k]!,
        rows.ts[k],
        rows.seq[k],
        rows.ids[k],
        source,
        rows.receivedAt[k],
      );
    }
    // Rows carry their symbol's number here: the engine finds the symbol's state by it.
    batch.numbered = true;
    runStart = start;
    inRun = true;
    let result: ReturnType<Engine['ingestBatch']>;
    try {
      // A symbol at a time: its state stays in the cache for all its rows of the batch. Every row
      // has its source ('' stays '': no batch source).
      result = engine.ingestBatchBySymbol(batch, '', rows.receivedAt[start]!);
    } finally {
      inRun = false;
    }
    for (const r of result.rejected) {
      refusedRows.push(start + r.index);
      refusedStatus.push(REASON_CODE.get(r.reason)!);
    }
    // A refused tick's symbol too: its view is sent again unchanged (or not, having no state).
    for (let k = start; k < end; k++) markDirty(rows.symbol[k]!);
    start = end;
  }
  eventsInRowOrder(firstEvent, firstObject, firstCandle);
  ticksSinceSnapshot += n;
  if (crashNext) {
    crashNext = false;
    throw new Error(`partition ${init.partition}: crash requested (test hook)`);
  }
  postDone({
    from,
    count: n,
    views: views(false),
    snapshot: snapshotDue() ? takeSnapshot() : undefined,
  });
}

/**
 * Puts the events made from `firstEvent` on (their objects from `firstObject`, their candles from
 * `firstCandle`) back in the order of their rows, as the main thread answers them: the engine made
 * them a symbol at a time. Events of one row stay in the order they were made.
 */
function eventsInRowOrder(firstEvent: number, firstObject: number, firstCandle: number): void {
  const order = rowOrder(eventRows, firstEvent, kinds.length);
  if (order === undefined) return;
  // Each event's object or candle, then those in the events' new order.
  const slot = new Int32Array(order.length);
  for (let k = 0, o = firstObject, c = firstCandle; k < order.length; k++)
    slot[k] = kinds[firstEvent + k] === CANDLE_EVENT ? c++ : o++;
  const objectOrder: number[] = [];
  const candleOrder: number[] = [];
  for (const k of order) (kinds[k] === CANDLE_EVENT ? candleOrder : objectOrder).push(slot[k - firstEvent]!);
  reorder(kinds, firstEvent, order);
  reorder(eventRows, firstEvent, order);
  if (objectOrder.length > 1) reorder(objects, firstObject, Int32Array.from(objectOrder));
  if (candleOrder.length > 1) candles.reorder(firstCandle, Int32Array.from(candleOrder));
}

/**
 * Whether the state goes back now: after `snapshotEveryTicks`, and after `snapshotTicksPerSymbol`
 * for each symbol numbered here. A snapshot's cost grows with the symbols (about 60 µs each with
 * the six default intervals), so a fixed period made it the partition's main cost with 10,000.
 */
function snapshotDue(): boolean {
  return (
    ticksSinceSnapshot >= init.snapshotEveryTicks &&
    ticksSinceSnapshot >= init.snapshotTicksPerSymbol * symbols.length
  );
}

function takeSnapshot(): SerializedState {
  ticksSinceSnapshot = 0;
  return engine.packSnapshot();
}

/** Stats and open candles of the symbols changed since the last views (at most every viewsEveryMs). */
function views(force: boolean): SymbolView[] | undefined {
  if (dirty.length === 0) return undefined;
  const now = performance.now();
  if (!force && (!reader.wantsViews || now - lastViews < init.viewsEveryMs)) return undefined;
  lastViews = now;
  const out: SymbolView[] = [];
  for (const id of dirty) {
    dirtyFlag[id] = 0;
    const symbol = nameOf(symbols, id);
    const stats = engine.stats(symbol);
    // A symbol whose ticks were all refused has no state, and no view.
    if (stats === undefined) continue;
    out.push({ stats, open: engine.openCandleInits(symbol), activity: engine.activity(symbol)! });
  }
  dirty.length = 0;
  return out.length === 0 ? undefined : out;
}

/** Events of a clock step or of the end (made since the last message), posted as a `done` of no rows. */
function postSteps(
  extra: { advanced?: number; closedAll?: boolean; viewsAnswer?: boolean; round?: SnapshotRecord[] },
  ready = views(kinds.length > 0 || extra.viewsAnswer === true),
): void {
  postDone({
    from: 0,
    count: 0,
    views: ready,
    ...extra,
  });
}

/**
 * Processes the rows published by now: not those published meanwhile, or under steady input it
 * would never return to let a message in.
 */
function drain(): void {
  const until = reader.tail;
  for (;;) {
    const rows = reader.take(until);
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
  engine.restore(stateSnapshots(restore.snapshot));
  const { replay, redo } = restore;
  replaying = true;
  let a = 0;
  for (let k = 0; k <= replay.length; k++) {
    while (a < replay.advanceAt.length && replay.advanceAt[a] === k) engine.advance(replay.advanceNow[a++]!);
    if (k === replay.length) break;
    if (replay.symbol[k] === -1) continue;
    markDirty(replay.symbol[k]!);
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
  let turned = performance.now();
  while (!reader.closed && !dead) {
    drain();
    const pending = views(false);
    if (pending !== undefined) postSteps({}, pending);
    // While rows keep coming the wait below never waits, and messages (clock steps, requests) are
    // handled only when the event loop turns: it is let turn at least every TURN_MS.
    if (performance.now() - turned >= TURN_MS) {
      await new Promise(setImmediate);
      turned = performance.now();
    }
    await reader.waitForRows(dirty.length > 0 && reader.wantsViews ? init.viewsEveryMs : 1000);
  }
}

function crash(err: unknown): void {
  dead = true;
  // Thrown outside any handler, so the thread dies and its owner restarts it.
  setImmediate(() => {
    throw err;
  });
}

port.on('message', (message: ToThread) => {
  if (dead) return;
  if (message.type === 'init') {
    init = message;
    namesPort = message.names;
    symbols.push(...message.symbols);
    message.symbols.forEach((name, id) => symbolIds.set(name, id));
    sources.push(...message.sources);
    intervalIndex = new Map(
      parseIntervals(message.options.intervals).map((interval, k) => [interval.label, k]),
    );
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
      for (const x of message.snapshots) markDirty(symbolId(x.symbol));
    } else if (message.type === 'views') {
      drain();
      postSteps({ viewsAnswer: true });
    } else if (message.type === 'round') {
      drain();
      postSteps({ round: engine.snapshotRecords(message.all) });
    } else if (message.type === 'advance') {
      // The rows published before the step come first, as on one thread.
      drain();
      engine.advance(message.now);
      postSteps({ advanced: message.now });
    } else {
      drain();
      engine.closeAll();
      postSteps({ closedAll: true });
    }
  } catch (err) {
    crash(err);
  }
});
