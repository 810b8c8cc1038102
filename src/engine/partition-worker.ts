/**
 * A partition on a worker thread: one Engine that owns the state of the symbols routed to it.
 * Started by {@link PartitionPool}; it does no I/O but its port.
 */
import { parentPort } from 'node:worker_threads';

import type { CandleData } from '../core/candles.js';
import { Engine } from './engine.js';
import type { FromWorker, ToWorker, WireEvent } from './partition-wire.js';
import { TickBatch } from './tick-batch.js';

const port = parentPort;
if (port === null) throw new Error('partition-worker runs on a worker thread');

let engine: Engine | undefined;
/** Events of the batch being processed, each with the accepted tick's ordinal it came before. */
let events: WireEvent[] = [];
let ordinals: number[] = [];
let acceptedSoFar = 0;
/** Candles closed by `finish` (no row). */
let closing: CandleData[] | undefined;

function post(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

function start(options: Engine['options']): Engine {
  const e = new Engine({ ...options, partitions: 1 });
  // Events of a tick are emitted while it is applied, before its `tick` event.
  e.on('tick', () => acceptedSoFar++);
  e.on('anomaly', (event) => {
    events.push({ type: 'anomaly', event });
    ordinals.push(acceptedSoFar);
  });
  e.on('candle', (candle) => {
    if (closing !== undefined) closing.push(candle.toJSON());
    else {
      events.push({ type: 'candle', event: candle.toJSON() });
      ordinals.push(acceptedSoFar);
    }
  });
  e.on('gap', (event) => {
    events.push({ type: 'gap', event });
    ordinals.push(acceptedSoFar);
  });
  return e;
}

port.on('message', (message: ToWorker) => {
  try {
    if (message.type === 'init') {
      engine = start(message.options);
      return;
    }
    if (engine === undefined) throw new Error('partition worker not initialized');
    if (message.type === 'ping') {
      post({ type: 'ready' });
      return;
    }
    if (message.type === 'finish') {
      closing = [];
      engine.closeAll();
      const candles = closing;
      closing = undefined;
      post({ type: 'finished', candles, stats: engine.allStats() });
      return;
    }
    const wire = message.batch;
    const batch = new TickBatch(Math.max(1, wire.length));
    for (let i = 0; i < wire.length; i++) {
      batch.push(
        wire.symbols[i]!,
        wire.price[i]!,
        wire.volume[i]!,
        wire.ts[i],
        wire.seq[i],
        wire.ids[i],
        wire.sources[i],
      );
    }
    events = [];
    ordinals = [];
    acceptedSoFar = 0;
    const result = engine.ingestBatch(batch, message.source, message.receivedAt);
    // Events of accepted tick number j (0-based) came while `acceptedSoFar` was j: find its row.
    const rejected = result.rejected;
    const refused = new Uint8Array(wire.length);
    for (const x of rejected) refused[x.index] = 1;
    const acceptedRows = new Int32Array(wire.length - rejected.length);
    for (let i = 0, j = 0; i < wire.length; i++) if (refused[i] === 0) acceptedRows[j++] = i;
    const rows = new Int32Array(events.length);
    for (let k = 0; k < events.length; k++) rows[k] = acceptedRows[ordinals[k]!]!;
    const rejectedRows = Int32Array.from(rejected, (x) => x.index);
    post(
      {
        type: 'ingested',
        rows,
        events,
        rejectedRows,
        rejectedReasons: rejected.map((x) => x.reason),
      },
      [rows.buffer, rejectedRows.buffer],
    );
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
});
