import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { candidateAddress, filterCandidates, firstMid, isLoopback } from './sdp-candidates.js';

const SDP = [
  'v=0',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'a=mid:0',
  'a=candidate:1 1 udp 2116026367 127.0.0.1 59341 typ host generation 0',
  'a=candidate:2 1 udp 2116026367 192.0.2.2 38072 typ host generation 0',
  'a=candidate:3 1 udp 2116026367 0b1c-4d.local 40000 typ host',
  'a=end-of-candidates',
  '',
].join('\r\n');

describe('sdp candidates', () => {
  it('reads the address of a candidate line, with or without a=', () => {
    assert.equal(candidateAddress('a=candidate:1 1 udp 1 127.0.0.1 5 typ host'), '127.0.0.1');
    assert.equal(candidateAddress('candidate:1 1 udp 1 ::1 5 typ host'), '::1');
    assert.equal(candidateAddress('a=mid:0'), undefined);
    assert.equal(candidateAddress('candidate:1 1 udp'), undefined);
  });

  it('keeps only the candidates asked for, and every other line as it was', () => {
    const out = filterCandidates(SDP, isLoopback);
    assert.deepEqual(
      out.split('\r\n').filter((l) => l.startsWith('a=candidate')),
      ['a=candidate:1 1 udp 2116026367 127.0.0.1 59341 typ host generation 0'],
    );
    assert.equal(out.split('\r\n').length, SDP.split('\r\n').length - 2);
    assert.ok(out.endsWith('a=end-of-candidates\r\n'));
  });

  it('knows loopback addresses and the first mid', () => {
    assert.ok(isLoopback('127.0.0.1') && isLoopback('127.5.0.1') && isLoopback('::1'));
    assert.ok(!isLoopback('192.0.2.2') && !isLoopback('x.local') && !isLoopback('::2'));
    assert.equal(firstMid(SDP), '0');
  });
});
