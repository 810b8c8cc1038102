import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { ChannelSequencer, type ChannelEvent } from './channel-sequencer';
import type { ChannelMessage, MessageType } from './hub-messages';

function message(
  seq: number,
  type: MessageType = 'update',
  data: unknown = seq,
  channel = 'stats.*',
): ChannelMessage {
  return { channel, seq, type, data };
}

function kinds(events: ChannelEvent[]): string[] {
  return events.map((event) =>
    event.type === 'gap' ? `gap ${event.from}-${event.to}` : `${event.type} ${event.seq}`,
  );
}

describe('ChannelSequencer', () => {
  it('passes a snapshot and the updates that follow it', () => {
    const sequencer = new ChannelSequencer();
    assert.deepEqual(kinds(sequencer.accept(message(41, 'snapshot'))), ['snapshot 41']);
    assert.deepEqual(kinds(sequencer.accept(message(42))), ['update 42']);
    assert.deepEqual(kinds(sequencer.accept(message(43))), ['update 43']);
    assert.equal(sequencer.lastSeq('stats.*'), 43);
  });

  it('drops updates before the first snapshot, and repeats', () => {
    const sequencer = new ChannelSequencer();
    assert.deepEqual(sequencer.accept(message(5)), []);
    sequencer.accept(message(10, 'snapshot'));
    assert.deepEqual(sequencer.accept(message(9)), []);
    assert.deepEqual(sequencer.accept(message(10)), []);
    assert.deepEqual(kinds(sequencer.accept(message(11))), ['update 11']);
    assert.deepEqual(sequencer.accept(message(11)), []);
  });

  it('reports a jump in sequence numbers as a gap before the update', () => {
    const sequencer = new ChannelSequencer();
    sequencer.accept(message(1, 'snapshot'));
    assert.deepEqual(kinds(sequencer.accept(message(5))), ['gap 2-4', 'update 5']);
  });

  it('passes the hub’s gap messages with their range', () => {
    const sequencer = new ChannelSequencer();
    sequencer.accept(message(870, 'snapshot', null, 'ticks.AAPL'));
    const events = sequencer.accept(message(900, 'gap', { from: 871, to: 899 }, 'ticks.AAPL'));
    assert.deepEqual(events, [{ type: 'gap', channel: 'ticks.AAPL', seq: 900, from: 871, to: 899 }]);
    assert.deepEqual(kinds(sequencer.accept(message(901, 'update', 1, 'ticks.AAPL'))), ['update 901']);
  });

  it('marks a reset snapshot and continues from its sequence', () => {
    const sequencer = new ChannelSequencer();
    sequencer.accept(message(10, 'snapshot'));
    const [event] = sequencer.accept(message(1500, 'reset', { fresh: true }));
    assert.deepEqual(event, {
      type: 'snapshot',
      channel: 'stats.*',
      seq: 1500,
      data: { fresh: true },
      reset: true,
    });
    assert.deepEqual(sequencer.accept(message(1499)), []);
    assert.deepEqual(kinds(sequencer.accept(message(1501))), ['update 1501']);
  });

  it('keeps channels apart and gives resume points only for channels it has seen', () => {
    const sequencer = new ChannelSequencer();
    sequencer.accept(message(3, 'snapshot', null, 'a'));
    sequencer.accept(message(4, 'update', null, 'a'));
    sequencer.accept(message(100, 'snapshot', null, 'b'));
    assert.deepEqual(sequencer.resumePoints(['a', 'b', 'c']), { a: 4, b: 100 });
    sequencer.forget('a');
    assert.deepEqual(sequencer.resumePoints(['a', 'b']), { b: 100 });
    assert.deepEqual(sequencer.accept(message(5, 'update', null, 'a')), []);
  });

  it('delivers each update once and in order, whatever overlap a resume replays', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 60 }),
        (start, replays) => {
          // A stream of updates start+1…, where the hub sometimes replays from an earlier point
          // (a resume whose fromSeq was behind what already arrived).
          const sequencer = new ChannelSequencer();
          sequencer.accept(message(start, 'snapshot'));
          const delivered: number[] = [];
          let next = start + 1;
          for (const back of replays) {
            for (let seq = Math.max(start + 1, next - back); seq <= next; seq++) {
              for (const event of sequencer.accept(message(seq))) {
                assert.equal(event.type, 'update');
                delivered.push(event.seq);
              }
            }
            next++;
          }
          const expected = Array.from({ length: next - start - 1 }, (_, i) => start + 1 + i);
          assert.deepEqual(delivered, expected);
        },
      ),
    );
  });
});
