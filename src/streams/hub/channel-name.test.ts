import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseChannel } from './channel-name.js';
import { parseClientMessage } from '../ws/client-message.js';
import { parseDestination } from '../stomp/stomp-destination.js';

const intervals = new Set(['1s', '1m']);

describe('parseChannel', () => {
  it('takes every channel form, upper-cases symbols and keeps dots in them', () => {
    const cases: Array<[string, string, string, string, string | undefined]> = [
      ['ticks.aapl', 'ticks.AAPL', 'ticks', 'AAPL', undefined],
      ['stats.*', 'stats.*', 'stats', '*', undefined],
      ['candles.1m.BRK.B', 'candles.1m.BRK.B', 'candles', 'BRK.B', '1m'],
      ['candles.1s.*', 'candles.1s.*', 'candles', '*', '1s'],
      ['anomalies', 'anomalies', 'anomalies', '*', undefined],
      ['anomalies.*', 'anomalies.*', 'anomalies', '*', undefined],
      ['anomalies.eur/usd', 'anomalies.EUR/USD', 'anomalies', 'EUR/USD', undefined],
    ];
    for (const [raw, name, kind, symbol, interval] of cases) {
      assert.deepEqual(parseChannel(raw, intervals), { name, kind, symbol, interval }, raw);
    }
  });

  it('explains what is wrong with anything else', () => {
    const bad: Array<[string, RegExp]> = [
      ['', /1 to 64 characters/],
      ['ticks', /is not a symbol/],
      ['ticks.', /is not a symbol/],
      ['ticks. A', /is not a symbol/],
      ['prices.A', /is not a channel/],
      ['candles.A', /candles\.\{INTERVAL\}\.\{SYMBOL\}/],
      ['candles.5m.A', /unknown interval "5m" \(configured: 1s, 1m\)/],
      ['candles.1m.**', /is not a symbol/],
      [`ticks.${'A'.repeat(60)}`, /1 to 64 characters/],
    ];
    for (const [raw, reason] of bad) {
      const result = parseChannel(raw, intervals);
      assert.equal(typeof result, 'string', raw);
      assert.match(result as string, reason, raw);
    }
  });
});

describe('parseClientMessage', () => {
  it('reads the four ops', () => {
    assert.deepEqual(parseClientMessage('{"op":"ping"}', 10), { op: 'ping' });
    assert.deepEqual(parseClientMessage('{"op":"auth","token":"t"}', 10), { op: 'auth', token: 't' });
    assert.deepEqual(parseClientMessage('{"op":"unsubscribe","channels":["a"]}', 10), {
      op: 'unsubscribe',
      channels: ['a'],
    });
    assert.deepEqual(parseClientMessage('{"op":"subscribe","channels":["a"],"fromSeq":{"a":4}}', 10), {
      op: 'subscribe',
      channels: ['a'],
      fromSeq: { a: 4 },
    });
  });

  it('refuses malformed messages with a reason', () => {
    const bad: Array<[string, RegExp]> = [
      ['nope', /not valid JSON/],
      ['null', /JSON object/],
      ['{}', /needs an "op"/],
      ['{"op":"x"}', /unknown op "x"/],
      ['{"op":"ping","x":1}', /unknown field "x"/],
      ['{"op":"auth"}', /needs "token"/],
      ['{"op":"subscribe","channels":"a"}', /non-empty array/],
      ['{"op":"subscribe","channels":[1]}', /non-empty array/],
      ['{"op":"subscribe","channels":["a","b","c"]}', /at most 2 channels/],
      ['{"op":"subscribe","channels":["a"],"fromSeq":[]}', /maps channel names/],
      ['{"op":"subscribe","channels":["a"],"fromSeq":{"a":1.5}}', /whole number/],
    ];
    for (const [text, reason] of bad) {
      const result = parseClientMessage(text, 2);
      assert.ok('error' in result, text);
      assert.match(result.error, reason, text);
    }
  });
});

describe('parseDestination', () => {
  it('maps the earlier topics and the hub channels', () => {
    assert.deepEqual(parseDestination('/topic/market-data/aapl'), { kind: 'day', symbol: 'AAPL' });
    assert.deepEqual(parseDestination('/topic/market-data/EUR/USD'), { kind: 'day', symbol: 'EUR/USD' });
    assert.deepEqual(parseDestination('/topic/anomalies'), { kind: 'channel', channel: 'anomalies' });
    assert.deepEqual(parseDestination('/topic/anomalies/X'), { kind: 'channel', channel: 'anomalies.X' });
    assert.deepEqual(parseDestination('/topic/candles/1m/BRK.B'), {
      kind: 'channel',
      channel: 'candles.1m.BRK.B',
    });
    assert.deepEqual(parseDestination('/topic/ticks/*'), { kind: 'channel', channel: 'ticks.*' });
    for (const bad of [
      '/queue/a',
      '/topic/market-data/',
      '/topic/candles/1m',
      '/topic/other/A',
      'topic/ticks/A',
    ]) {
      assert.equal(typeof parseDestination(bad), 'string', bad);
    }
  });
});
