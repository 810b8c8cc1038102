/**
 * The embedded database's thread (see ./pglite-thread-driver.ts): opens PGlite and answers the
 * driver's requests in the order they arrive. PGlite itself runs one statement at a time; while a
 * transaction is open, statements outside it wait for it, as they do in one thread.
 */
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';

import { PgliteDriver } from './pglite-driver.js';
import {
  flattenError,
  OPENED,
  type FromPgliteThread,
  type PgliteThreadInit,
  type ToPgliteThread,
} from './pglite-thread-driver.js';
import type { SqlSession } from './sql-driver.js';

const port = parentPort;
if (port === null) throw new Error('pglite-thread runs as a worker thread');

const init = workerData as PgliteThreadInit;

interface OpenTransaction {
  readonly session: SqlSession;
  /** Ends the transaction: committed, or rolled back; answers request `id` when done. */
  end(commit: boolean, id: number): void;
}

const transactions = new Map<number, OpenTransaction>();
let nextTx = 1;
/** Thrown inside PGlite's transaction to roll it back on request (not a failure). */
const ROLLBACK = new Error('rolled back on request');

function answer(id: number, value: unknown): void {
  port!.postMessage({ id, ok: true, value } satisfies FromPgliteThread);
}

function fail(id: number, err: unknown): void {
  port!.postMessage({ id, ok: false, error: flattenError(err) } satisfies FromPgliteThread);
}

let driver!: PgliteDriver;
try {
  driver = await PgliteDriver.open({
    path: init.path,
    lock: false,
    ...(init.loadDataDir === undefined ? {} : { loadDataDir: new Blob([init.loadDataDir]) }),
  });
  answer(OPENED, null);
} catch (err) {
  // Answered; the driver ends this thread.
  fail(OPENED, err);
}

function sessionFor(tx: number | undefined): SqlSession {
  if (tx === undefined) return driver;
  const open = transactions.get(tx);
  if (open === undefined) throw new Error(`transaction ${tx} is not open`);
  return open.session;
}

function begin(id: number): void {
  const tx = nextTx++;
  let end!: (outcome: { commit: boolean; id: number }) => void;
  const ended = new Promise<{ commit: boolean; id: number }>((resolve) => (end = resolve));
  let endId = -1;
  driver
    .transaction(async (session) => {
      transactions.set(tx, { session, end: (commit, requestId) => end({ commit, id: requestId }) });
      answer(id, tx);
      const outcome = await ended;
      endId = outcome.id;
      transactions.delete(tx);
      if (!outcome.commit) throw ROLLBACK;
    })
    .then(
      () => answer(endId, null),
      (err: unknown) => {
        transactions.delete(tx);
        if (err === ROLLBACK) answer(endId, null);
        else fail(endId === -1 ? id : endId, err);
      },
    );
}

async function run(request: ToPgliteThread): Promise<unknown> {
  switch (request.op) {
    case 'query':
      return sessionFor(request.tx).query(request.text, request.params);
    case 'exec':
      return sessionFor(request.tx).exec(request.script);
    case 'copy':
      return sessionFor(request.tx).copyBinary(request.target, request.data);
    case 'memory':
      return { wasmBytes: driver.wasmBytes(), threadHeapBytes: getHeapStatistics().used_heap_size };
    case 'close':
      await driver.close();
      return null;
    case 'begin':
    case 'end':
      throw new Error(`${request.op} is answered apart`);
  }
}

port.on('message', (request: ToPgliteThread) => {
  if (request.op === 'begin') return begin(request.id);
  if (request.op === 'end') {
    const open = transactions.get(request.tx);
    if (open === undefined) return fail(request.id, new Error(`transaction ${request.tx} is not open`));
    return open.end(request.commit, request.id);
  }
  run(request).then(
    (value) => answer(request.id, value ?? null),
    (err: unknown) => fail(request.id, err),
  );
});
