import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { TickColumns } from './tick-columns.js';
import { ringBuffers, RingReader, RingWriter } from './tick-ring.js';

/** A ring of `capacity` rows with every row written and published. */
function fullRing(capacity: number): { writer: RingWriter; reader: RingReader } {
  const buffers = ringBuffers(capacity);
  const writer = new RingWriter(buffers);
  const reader = new RingReader(buffers, capacity);
  const rows = new TickColumns(capacity);
  for (let k = 0; k < capacity; k++) rows.set(k, 0, 0, 100 + k, 1, k, NaN, 0, undefined);
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

  it('hands the consumer every row in order with its values', () => {
    const { reader } = fullRing(8);
    const rows = reader.take(reader.tail);
    assert.equal(rows.length, 8);
    assert.deepEqual([...rows.price.subarray(0, 8)], [100, 101, 102, 103, 104, 105, 106, 107]);
    assert.equal(reader.take(reader.tail).length, 0);
  });
});
