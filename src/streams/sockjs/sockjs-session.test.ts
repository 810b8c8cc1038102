import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { SockJsSession, type Receiver } from './sockjs-session.js';

/** A receiver that records frames; polling ones take one frame, streaming ones up to `limit`. */
class Recorder implements Receiver {
  readonly frames: string[] = [];
  ended = false;
  constructor(readonly limit: number) {}
  write(frame: string): boolean {
    assert.ok(!this.ended, 'written after the end');
    this.frames.push(frame);
    return this.frames.length < this.limit;
  }
  end(): void {
    this.ended = true;
  }
  bufferedBytes(): number {
    return 0;
  }
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
const timings = { heartbeatMs: 60_000, disconnectDelayMs: 60_000 };

describe('SockJsSession', () => {
  it('delivers every message once, in order, whatever receivers come and go (against concatenation)', async () => {
    const step = fc.oneof(
      fc.record({ send: fc.array(fc.string(), { minLength: 1, maxLength: 4 }) }),
      fc.record({ receiver: fc.integer({ min: 1, max: 3 }) }), // 1: polling, more: streaming
      fc.constant({ drop: true as const }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 30 }), async (steps) => {
        const session = new SockJsSession('s', timings, () => {});
        const recorders: Recorder[] = [];
        let current: Recorder | undefined;
        const sent: string[] = [];
        for (const s of steps) {
          if ('send' in s) {
            for (const m of s.send) session.send(m);
            sent.push(...s.send);
          } else if ('receiver' in s) {
            const r = new Recorder(s.receiver);
            recorders.push(r);
            session.attach(r);
            if (!r.ended) current = r;
          } else if (current !== undefined) {
            current.end();
            session.detach(current);
            current = undefined;
          }
          await flush();
          if (current?.ended) current = undefined;
        }
        // Poll until everything came out.
        for (let i = 0; i < sent.length + 2; i++) {
          const r = new Recorder(1);
          recorders.push(r);
          session.attach(r);
          await flush();
          if (!r.ended) {
            r.end();
            session.detach(r);
          }
        }
        const frames = recorders.flatMap((r) => r.frames);
        const got = frames
          .filter((f) => f.startsWith('a['))
          .flatMap((f) => JSON.parse(f.slice(1)) as string[]);
        assert.deepEqual(got, sent);
        assert.equal(frames.filter((f) => f === 'o').length, recorders.length > 0 ? 1 : 0);
        assert.ok(frames.every((f) => f === 'o' || f.startsWith('a[') || f.startsWith('c[2010,')));
        session.terminate();
      }),
      { numRuns: 200 },
    );
  });

  it('after close: what was queued, then the close frame to every later request', async () => {
    const session = new SockJsSession('s', timings, () => {});
    const first = new Recorder(1);
    session.attach(first);
    session.send('last words');
    session.close(4400, 'BAD_REQUEST');
    const second = new Recorder(1);
    session.attach(second);
    const third = new Recorder(5);
    session.attach(third);
    assert.deepEqual(first.frames, ['o']);
    assert.deepEqual(second.frames, ['a["last words"]']);
    assert.deepEqual(third.frames, ['c[4400,"BAD_REQUEST"]']);
    assert.ok(third.ended);
  });
});
