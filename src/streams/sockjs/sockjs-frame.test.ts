import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { closeFrame, messageFrame, parseClientMessages, quote } from './sockjs-frame.js';

/** The code points sockjs-protocol wants escaped, listed one by one (the oracle). */
function mustEscape(code: number): boolean {
  return (
    code <= 0x1f ||
    (code >= 0x200c && code <= 0x200f) ||
    (code >= 0x2028 && code <= 0x202f) ||
    (code >= 0x2060 && code <= 0x206f) ||
    (code >= 0xfff0 && code <= 0xffff) ||
    (code >= 0xd800 && code <= 0xdfff)
  );
}

describe('SockJS frames', () => {
  it('quote() is JSON that decodes to the same string and holds none of the special characters raw', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const quoted = quote(text);
        assert.equal(JSON.parse(quoted), text);
        for (let i = 0; i < quoted.length; i++)
          assert.ok(!mustEscape(quoted.charCodeAt(i)), `raw U+${quoted.charCodeAt(i).toString(16)}`);
      }),
      { numRuns: 2000 },
    );
  });

  it('a[...] carries the messages in order; c[...] the code and reason', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' })), (messages) => {
        const frame = messageFrame(messages);
        assert.ok(frame.startsWith('a['));
        assert.deepEqual(JSON.parse(frame.slice(1)), messages);
      }),
    );
    assert.equal(closeFrame(3000, 'Go away!'), 'c[3000,"Go away!"]');
    assert.equal(messageFrame(['CONNECTED\n\n\0']), 'a["CONNECTED\\n\\n\\u0000"]');
  });

  it('reads a client payload: an array of strings or one string; anything else is broken', () => {
    assert.deepEqual(parseClientMessages('["a","b"]'), { messages: ['a', 'b'] });
    assert.deepEqual(parseClientMessages('"a"'), { messages: ['a'] });
    assert.deepEqual(parseClientMessages(''), { error: 'Payload expected.' });
    for (const bad of ['[', '{}', '[1]', 'null', '["a",null]'])
      assert.deepEqual(parseClientMessages(bad), { error: 'Broken JSON encoding.' }, bad);
  });
});
