import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { RawTick } from '../core/tick.js';
import { CsvReader } from './csv-reader.js';
import {
  loadReplayTicks,
  parseSpeed,
  Replay,
  ReplayState,
  type ReplayClock,
  type ReplayTick,
} from './replay.js';

/** Time moves only when the test says so; timers fire in time order as it passes them. */
class FakeClock implements ReplayClock {
  #now: number;
  #id = 0;
  #timers: Array<{ id: number; at: number; callback: () => void }> = [];

  constructor(now: number) {
    this.#now = now;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, delayMs: number): unknown {
    const timer = { id: ++this.#id, at: this.#now + Math.max(0, delayMs), callback };
    this.#timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  }

  /** Moves time by `ms`, firing every timer due on the way (and those they set that fall due). */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (let guard = 0; guard < 1_000_000; guard++) {
      this.#timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.#timers[0];
      if (next === undefined || next.at > end) break;
      this.#timers.shift();
      this.#now = Math.max(this.#now, next.at);
      next.callback();
    }
    this.#now = end;
  }

  get pending(): number {
    return this.#timers.length;
  }
}

const WALL = 1_800_000_000_000;
const T0 = 1_700_000_000_000;

/** Ten ticks of symbol A, one a second from T0, priced 1, 2, … */
const tenTicks = (): ReplayTick[] =>
  Array.from({ length: 10 }, (_, i) => ({ symbol: 'A', price: i + 1, volume: 1, ts: T0 + i * 1000 }));

function setUp(options: {
  speed: number;
  rebase?: boolean;
  loop?: boolean;
  batchSize?: number;
  room?: () => number;
  onIngest?: (count: number) => void;
}) {
  const clock = new FakeClock(WALL);
  const got: RawTick[] = [];
  const batches: number[] = [];
  const replay = new Replay({
    ticks: tenTicks(),
    speed: options.speed,
    rebase: options.rebase ?? false,
    loop: options.loop ?? false,
    batchSize: options.batchSize,
    clock,
    admission: options.room === undefined ? undefined : { available: options.room },
    ingest: (ticks) => {
      options.onIngest?.(ticks.length);
      got.push(...ticks);
      batches.push(ticks.length);
      return { accepted: ticks.length, rejected: [] };
    },
  });
  return { clock, got, batches, replay };
}

describe('Replay', () => {
  it('1×: plays each tick when its recorded time comes, keeping its event time', async () => {
    const { clock, got, replay } = setUp({ speed: 1 });
    replay.start();
    clock.advance(0);
    assert.equal(got.length, 1);
    clock.advance(999);
    assert.equal(got.length, 1);
    clock.advance(1);
    assert.equal(got.length, 2);
    clock.advance(4000);
    assert.equal(got.length, 6);
    assert.equal(replay.status().positionTs, T0 + 5000);
    clock.advance(4000);
    assert.equal(got.length, 10);
    assert.deepEqual(
      got.map((t) => t.timestamp),
      tenTicks().map((t) => t.ts),
    );
    const final = await replay.done;
    assert.equal(final.state, ReplayState.Finished);
    assert.equal(final.sent, 10);
    assert.equal(final.accepted, 10);
    assert.equal(clock.pending, 0);
  });

  it('10×: the same recording in a tenth of the time; rebased event times follow the wall clock', () => {
    const { clock, got, replay } = setUp({ speed: 10, rebase: true });
    replay.start();
    clock.advance(0);
    clock.advance(450);
    assert.equal(got.length, 5);
    clock.advance(450);
    assert.equal(got.length, 10);
    assert.equal(replay.state, ReplayState.Finished);
    assert.deepEqual(
      got.map((t) => t.timestamp),
      Array.from({ length: 10 }, (_, i) => WALL + i * 100),
    );
  });

  it('pause holds the position, resume goes on from it, speed changes apply from now', () => {
    const { clock, got, replay } = setUp({ speed: 1 });
    replay.start();
    clock.advance(2500);
    assert.equal(got.length, 3);
    replay.pause();
    assert.equal(replay.status().state, ReplayState.Paused);
    assert.equal(replay.status().positionTs, T0 + 2500);
    clock.advance(60_000);
    assert.equal(got.length, 3);
    replay.resume();
    clock.advance(499);
    assert.equal(got.length, 3);
    clock.advance(1);
    assert.equal(got.length, 4);
    replay.setSpeed(2);
    clock.advance(500);
    assert.equal(got.length, 5);
    assert.equal(replay.status().speed, 2);
  });

  it('seek skips to a recorded time, forwards and back', () => {
    const { clock, got, replay } = setUp({ speed: 1 });
    replay.start();
    clock.advance(1000);
    assert.deepEqual(
      got.map((t) => t.price),
      [1, 2],
    );
    replay.seek(T0 + 7000);
    clock.advance(0);
    assert.deepEqual(
      got.map((t) => t.price),
      [1, 2, 8],
    );
    replay.seek(T0 + 3000);
    clock.advance(1000);
    assert.deepEqual(
      got.map((t) => t.price),
      [1, 2, 8, 4, 5],
    );
    replay.pause();
    replay.seek(T0 + 9000);
    assert.equal(replay.status().positionTs, T0 + 9000);
    clock.advance(10_000);
    assert.equal(got.length, 5, 'a paused replay plays nothing after a seek');
  });

  it('max: hands over at most batchSize ticks per timer turn, and waits for room downstream', () => {
    let room = 0;
    // Like the storage writer's buffer: what is handed over takes room until it is written.
    const { clock, batches, replay } = setUp({
      speed: Infinity,
      batchSize: 3,
      room: () => room,
      onIngest: (count) => (room -= count),
    });
    replay.start();
    clock.advance(0);
    clock.advance(100);
    assert.deepEqual(batches, [], 'no room: nothing sent, nothing refused');
    room = 2;
    clock.advance(10);
    assert.deepEqual(batches, [2]);
    clock.advance(100);
    assert.deepEqual(batches, [2]);
    room = 100;
    clock.advance(10);
    assert.deepEqual(batches, [2, 3, 3, 2]);
    assert.equal(replay.state, ReplayState.Finished);
  });

  it('loop: without rebase, each round is shifted past the previous one', () => {
    const { clock, got, replay } = setUp({ speed: 10, loop: true });
    replay.start();
    clock.advance(0);
    clock.advance(2000);
    assert.ok(got.length > 10);
    assert.equal(got[10]!.timestamp, T0 + 9000 + 1000);
    assert.ok(replay.status().rounds >= 1);
    replay.stop();
    assert.equal(replay.state, ReplayState.Stopped);
    const sent = got.length;
    clock.advance(10_000);
    assert.equal(got.length, sent);
  });

  it('loads a CSV with a time range', async () => {
    const csv = 'symbol,price,timestamp\nA,1,1000\nA,2,2000\nA,3,3000\n';
    const loaded = await loadReplayTicks([csv], new CsvReader(), { fromTs: 2000, toTs: 3000 });
    assert.deepEqual(
      loaded.ticks.map((t) => t.ts),
      [2000],
    );
  });

  it('parses speeds', () => {
    assert.equal(parseSpeed('max'), Infinity);
    assert.equal(parseSpeed('10'), 10);
    assert.equal(parseSpeed('10x'), 10);
    assert.equal(parseSpeed('0'), undefined);
    assert.equal(parseSpeed('fast'), undefined);
  });
});
