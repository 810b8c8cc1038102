import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { MAX_ID_LENGTH } from '../../core/tick.js';
import { TickColumns } from './tick-columns.js';
import { ringBuffers, RingReader, RingWriter } from './tick-ring.js';

/** Ids of the rows `fullRing` writes, in turn: none, short, the longest kept, one too long. */
const IDS = [undefined, 'T-1', 'x'.repeat(MAX_ID_LENGTH), 'y'.repeat(MAX_ID_LENGTH + 1)];

/** A ring of `capacity` rows with every row written and published. */
function fullRing(capacity: number): { writer: RingWriter; reader: RingReader } {
  const buffers = ringBuffers(capacity);
  const writer = new RingWriter(buffers);
  const reader = new RingReader(buffers, capacity);
  const rows = new TickColumns(capacity);
  for (let k = 0; k < capacity; k++) rows.set(k, k % 3, 1, 100 + k, 1, k, NaN, 0, IDS[k % IDS.length]);
  writer.writeFrom(writer.tail, rows, 0, capacity);
  writer.publish(capacity);
  return { writer, reader };
}

/** Milliseconds until `promise` settles. */
async function msUntil(promise: Promise<unknown>): Promise<number> {
  const started = performance.now();
  await promise;
  return performance.now() - started;
}

describe('tick ring', () => {
  // An Atomics.waitAsync wait does not keep the event loop alive (in the server, its threads do).
  let alive: NodeJS.Timeout;
  before(() => (alive = setInterval(() => {}, 1000)));
  after(() => clearInterval(alive));

  it('wakes a producer waiting for room as soon as the consumer takes rows', async () => {
    const { writer, reader } = fullRing(8);
    assert.equal(writer.free(), 0);
    const waited = writer.waitForRoom(10_000, 2);
    setTimeout(() => reader.take(reader.tail), 20);
    assert.ok((await msUntil(waited)) < 5_000, 'woken by the take, not by the timeout');
    assert.equal(writer.free(), 8);
  });

  it('hands the consumer every row in order with its values and id', () => {
    const { reader } = fullRing(8);
    const rows = reader.take(reader.tail);
    assert.equal(rows.length, 8);
    assert.deepEqual([...rows.price.subarray(0, 8)], [100, 101, 102, 103, 104, 105, 106, 107]);
    assert.deepEqual([...rows.symbol.subarray(0, 8)], [0, 1, 2, 0, 1, 2, 0, 1]);
    // An id longer than the limit arrives as '' (the engine refuses it as invalid).
    const ids = IDS.map((id) => (id !== undefined && id.length > MAX_ID_LENGTH ? '' : id));
    assert.deepEqual(rows.ids.slice(0, 8), [...ids, ...ids]);
    assert.equal(reader.take(reader.tail).length, 0);
  });
});
