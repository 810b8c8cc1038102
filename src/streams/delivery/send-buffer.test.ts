import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DrainWatch } from './drain-watch.js';
import type { Outgoing } from '../hub/hub-message.js';
import { SendBuffer, type SendTarget } from './send-buffer.js';
import { StreamCounters } from '../hub/stream-counters.js';

interface Msg extends Outgoing {
  readonly label: string;
}

const ticks = { name: 'ticks.A' };
const stats = { name: 'stats.*' };

function tick(seq: number): Msg {
  return { stream: ticks, seq, conflationKey: null, size: 100, label: `t${seq}` };
}
function stat(seq: number, symbol: string): Msg {
  return { stream: stats, seq, conflationKey: symbol, size: 100, label: `${symbol}${seq}` };
}

/** A socket whose backlog the test sets. */
class FakeTarget implements SendTarget<Msg> {
  backlog = 0;
  written: string[] = [];
  closed: string | undefined;
  bufferedBytes(): number {
    return this.backlog;
  }
  write(message: Msg): void {
    this.written.push(message.label);
  }
  writeGap(stream: { name: string }, from: number, to: number): void {
    this.written.push(`gap ${stream.name} ${from}-${to}`);
  }
  closeSlow(reason: string): void {
    this.closed = reason;
  }
}

function setup(
  limits: Partial<{ sendBufferBytes: number; maxBufferBytes: number; maxStallMs: number }> = {},
) {
  const target = new FakeTarget();
  const counters = new StreamCounters();
  const watch = new DrainWatch();
  const buffer = new SendBuffer<Msg>(
    target,
    { sendBufferBytes: 1000, maxBufferBytes: 10_000, maxStallMs: 5000, ...limits },
    counters,
    watch,
  );
  return { target, counters, watch, buffer };
}

describe('SendBuffer', () => {
  it('writes straight through while the socket keeps up', () => {
    const { target, buffer, counters, watch } = setup();
    buffer.send(tick(1));
    buffer.send(stat(1, 'A'));
    assert.deepEqual(target.written, ['t1', 'A1']);
    assert.equal(counters.sent, 2);
    assert.equal(buffer.behind, false);
    assert.equal(watch.size, 0);
  });

  it('when behind: conflates per key, drops ticks as one gap, and flushes in order once drained', () => {
    const { target, buffer, counters, watch } = setup();
    buffer.send(tick(1));
    target.backlog = 2000;
    buffer.send(stat(5, 'A'));
    buffer.send(tick(2));
    buffer.send(stat(6, 'B'));
    buffer.send(tick(3));
    buffer.send(stat(7, 'A'));
    buffer.send(tick(4));
    assert.equal(buffer.behind, true);
    assert.equal(watch.size, 1);
    assert.deepEqual(target.written, ['t1']);
    buffer.pump(Date.now());
    assert.deepEqual(target.written, ['t1'], 'nothing leaves while the socket is full');
    target.backlog = 0;
    buffer.pump(Date.now());
    // B6 before A7: held messages leave in the order of their latest update, so seqs only grow.
    assert.deepEqual(target.written, ['t1', 'gap ticks.A 2-4', 'B6', 'A7']);
    assert.equal(buffer.behind, false);
    assert.equal(watch.size, 0);
    assert.deepEqual([counters.conflated, counters.dropped, counters.gaps, counters.sent], [1, 3, 1, 3]);
    buffer.send(tick(5));
    assert.equal(target.written.at(-1), 't5');
  });

  it('flushes while sending once the socket drained, before the new message', () => {
    const { target, buffer } = setup();
    target.backlog = 2000;
    buffer.send(tick(1));
    buffer.send(stat(1, 'A'));
    target.backlog = 400;
    buffer.send(tick(2));
    assert.deepEqual(target.written, ['gap ticks.A 1-1', 'A1', 't2']);
  });

  it('stops flushing when the socket fills again, and keeps the rest', () => {
    const { target, buffer } = setup();
    target.backlog = 2000;
    buffer.send(stat(1, 'A'));
    buffer.send(stat(2, 'B'));
    target.backlog = 0;
    target.write = function (this: FakeTarget, message: Msg) {
      this.written.push(message.label);
      this.backlog = 5000;
    };
    buffer.pump(Date.now());
    assert.deepEqual(target.written, ['A1']);
    assert.equal(buffer.behind, true);
  });

  it('forgets what it holds for a stream', () => {
    const { target, buffer } = setup();
    target.backlog = 2000;
    buffer.send(tick(1));
    buffer.send(stat(1, 'A'));
    buffer.forget(ticks);
    target.backlog = 0;
    buffer.pump(Date.now());
    assert.deepEqual(target.written, ['A1']);
  });

  it('closes past maxBufferBytes of held messages', () => {
    const { target, buffer, counters } = setup({ maxBufferBytes: 2250 });
    target.backlog = 2000;
    buffer.send(stat(1, 'A'));
    buffer.send(stat(2, 'A'));
    buffer.send(stat(3, 'B'));
    assert.equal(target.closed, undefined, '2000 waiting in the socket and 200 held');
    buffer.send(stat(4, 'C'));
    assert.equal(target.closed, 'slow consumer: more than 2250 bytes waiting');
    assert.equal(counters.slowConsumerCloses, 1);
    buffer.send(stat(6, 'E'));
    assert.deepEqual(target.written, []);
  });

  it('closes a connection stuck behind for maxStallMs', () => {
    const { target, buffer, watch } = setup({ maxStallMs: 1000 });
    target.backlog = 2000;
    buffer.send(tick(1));
    const start = Date.now();
    buffer.pump(start + 500);
    assert.equal(target.closed, undefined);
    buffer.pump(start + 1500);
    assert.equal(target.closed, 'slow consumer: behind for more than 1000 ms');
    assert.equal(watch.size, 0);
  });

  it('restarts the stall clock while the socket drains, even if slowly', () => {
    const { target, buffer } = setup({ maxStallMs: 1000 });
    target.backlog = 2000;
    buffer.send(tick(1));
    const start = Date.now();
    target.backlog = 900; // below the limit, not yet below half of it
    buffer.pump(start + 800);
    target.backlog = 2000;
    buffer.pump(start + 1500);
    assert.equal(target.closed, undefined);
    buffer.pump(start + 1900);
    assert.notEqual(target.closed, undefined);
  });

  it('drops without a gap on streams without sequence numbers', () => {
    const { target, buffer, counters } = setup();
    target.backlog = 2000;
    buffer.send({ stream: ticks, seq: NaN, conflationKey: null, size: 10, label: 'x' });
    target.backlog = 0;
    buffer.pump(Date.now());
    assert.deepEqual(target.written, []);
    assert.equal(counters.dropped, 1);
  });
});
