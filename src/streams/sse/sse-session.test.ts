import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseEventId } from './sse-session.js';

describe('parseEventId', () => {
  it('reads one position per channel', () => {
    assert.deepEqual(parseEventId('1732170000000042,7', 2), [1732170000000042, 7]);
    assert.deepEqual(parseEventId('0', 1), [0]);
  });

  it('ignores an id that does not fit the channel list', () => {
    const cases: Array<[string | undefined, number]> = [
      [undefined, 1],
      ['', 1],
      ['1,2', 3],
      ['1,x', 2],
      ['1,-2', 2],
      ['1,', 2],
      ['1.5', 1],
      ['99999999999999999', 1],
    ];
    for (const [id, channels] of cases) assert.equal(parseEventId(id, channels), undefined, String(id));
  });
});
