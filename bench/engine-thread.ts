/**
 * A worker thread of the `engine` scenario's scaling ceiling: one Engine, alone with its share of
 * the ticks (the symbols of one partition), that talks to nobody while it runs. K of them at once
 * show how K threads scale on this machine when nothing is shared: the most partitioning can give.
 *
 * Protocol: `{ share, receivedAt }` (columns) → `ready`; `go` → `{ ticks, seconds }` (the first
 * `share.warm` of the share's ticks untimed).
 */
import { parentPort } from 'node:worker_threads';

import { TickBatch } from '../src/engine/tick-batch.js';
import { timeEngine } from './engine-run.js';

/** A partition's ticks, in columns, cut into batches of `batch` rows. */
export interface EngineShare {
  readonly batch: number;
  /** The share's first ticks fed untimed. */
  readonly warm: number;
  readonly symbols: string[];
  readonly price: Float64Array;
  readonly volume: Float64Array;
  readonly ts: Float64Array;
}

export type EngineThreadResult = { readonly ticks: number; readonly seconds: number };

const port = parentPort;
if (port === null) throw new Error('engine-thread runs on a worker thread');

let batches: TickBatch[] = [];
let receivedAt = 0;
let warmBatches = 0;

port.on('message', (message: 'go' | { share: EngineShare; receivedAt: number }) => {
  if (message !== 'go') {
    const { share } = message;
    receivedAt = message.receivedAt;
    warmBatches = Math.ceil(share.warm / share.batch);
    batches = [];
    // Rows numbered by symbol, as a partition thread's are.
    const numbers = new Map<string, number>();
    for (let from = 0; from < share.symbols.length; from += share.batch) {
      const to = Math.min(from + share.batch, share.symbols.length);
      const batch = new TickBatch(to - from);
      for (let i = from; i < to; i++) {
        const symbol = share.symbols[i]!;
        let number = numbers.get(symbol);
        if (number === undefined) numbers.set(symbol, (number = numbers.size));
        batch.push(symbol, share.price[i]!, share.volume[i]!, share.ts[i]);
        batch.symbolNumbers[i - from] = number;
      }
      batch.numbered = true;
      batches.push(batch);
    }
    port.postMessage('ready');
    return;
  }
  const result: EngineThreadResult = timeEngine(batches, receivedAt, undefined, warmBatches);
  port.postMessage(result);
});
