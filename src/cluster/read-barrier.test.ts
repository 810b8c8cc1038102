import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { JetStreamManager } from 'nats';

import { ClusterNames } from './cluster-names.js';
import type { LiveFeed } from './live-feed.js';
import { ReadBarrier } from './read-barrier.js';

const PARTITIONS = 3;

/** A barrier over a fake JetStream (`answer` decides each request) and a fake copy. */
function barrier(answer: () => Promise<{ seq: number }>, waitMs = 1000) {
  let requests = 0;
  const jsm = {
    streams: {
      getMessage: () => {
        requests++;
        return answer();
      },
    },
  } as unknown as JetStreamManager;
  const waits: Array<{ seq: number; release: () => void }> = [];
  const live = {
    applied: (_partition: number, seq: number) =>
      new Promise<void>((release) => waits.push({ seq, release })),
  } as unknown as LiveFeed;
  return {
    barrier: new ReadBarrier(jsm, new ClusterNames('t'), live, PARTITIONS, waitMs),
    waits,
    requests: () => requests,
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('ReadBarrier', () => {
  it("waits until the copy has applied every partition's last message", async () => {
    const b = barrier(() => Promise.resolve({ seq: 7 }));
    let done = false;
    const read = b.barrier.wait().then(() => (done = true));
    await tick();
    assert.deepEqual(
      b.waits.map((w) => w.seq),
      [7, 7, 7],
    );
    b.waits[0]!.release();
    b.waits[1]!.release();
    await tick();
    assert.equal(done, false, 'one partition not applied yet');
    b.waits[2]!.release();
    await read;
  });

  it('lets reads that come during a round share the next one', async () => {
    const b = barrier(() => Promise.resolve({ seq: 1 }));
    const first = b.barrier.wait();
    const later = [b.barrier.wait(), b.barrier.wait(), b.barrier.wait()];
    await tick();
    for (const w of b.waits.splice(0)) w.release();
    await first;
    await tick();
    assert.equal(b.requests(), 2 * PARTITIONS, 'the first round and one shared round');
    for (const w of b.waits.splice(0)) w.release();
    await Promise.all(later);
  });

  it('does not wait for a partition without messages', async () => {
    const b = barrier(() => Promise.reject(new Error('no message found')));
    await b.barrier.wait();
    assert.equal(b.waits.length, 0);
  });

  it('answers at once for a while after JetStream did not answer in time', async () => {
    const b = barrier(() => new Promise(() => {}), 50);
    let started = Date.now();
    await b.barrier.wait();
    assert.ok(Date.now() - started >= 45, 'the first read waited for the bound');
    started = Date.now();
    await b.barrier.wait();
    assert.ok(Date.now() - started < 30, 'the next one did not');
    assert.equal(b.requests(), PARTITIONS, 'and asked nothing');
  });
});
