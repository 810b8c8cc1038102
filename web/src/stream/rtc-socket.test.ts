import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { FakeSocket } from '../test-support/fake-socket';
import { RtcSocket, wantsWebRtc, type DataChannelLike, type PeerConnectionLike } from './rtc-socket';

/** The signalling socket carries STOMP text frames, not JSON: keep them as sent. */
class StompSocket extends FakeSocket {
  readonly frames: string[] = [];
  override send(data: string): void {
    this.frames.push(data);
  }
  frame(text: string): void {
    this.onmessage?.({ data: text });
  }
}

class FakeChannel implements DataChannelLike {
  readyState = 'connecting';
  readonly sent: string[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  constructor(
    readonly label: string,
    readonly options: unknown,
  ) {}
  send(data: string): void {
    this.sent.push(data);
  }
  close(): void {
    this.readyState = 'closed';
  }
  open(): void {
    this.readyState = 'open';
    this.onopen?.({});
  }
}

class FakePeer implements PeerConnectionLike {
  readonly channels: FakeChannel[] = [];
  localDescription: { sdp: string } | null = null;
  remote: string | undefined;
  closed = false;
  onicecandidate: ((event: { candidate: { toJSON(): unknown } | null }) => void) | null = null;
  createDataChannel(label: string, options?: unknown): FakeChannel {
    const channel = new FakeChannel(label, options);
    this.channels.push(channel);
    return channel;
  }
  createOffer() {
    return Promise.resolve({ type: 'offer', sdp: 'v=0 offer' });
  }
  setLocalDescription(d: { sdp?: string }) {
    this.localDescription = { sdp: d.sdp ?? '' };
    return Promise.resolve();
  }
  setRemoteDescription(d: { sdp: string }) {
    this.remote = d.sdp;
    return Promise.resolve();
  }
  close(): void {
    this.closed = true;
  }
}

const settle = () => new Promise((r) => setTimeout(r, 0));
const bodyOf = (frame: string) =>
  JSON.parse(frame.slice(frame.indexOf('\n\n') + 2).replace(/\0$/, '')) as Record<string, unknown>;

describe('RtcSocket: the hub protocol over a WebRTC data channel', () => {
  it('signals over STOMP with the token, opens with the control channel, and merges both channels', async () => {
    let stomp: StompSocket | undefined;
    const peer = new FakePeer();
    const socket = new RtcSocket('ws://dash.example/ws?access_token=tok', {
      createWebSocket: (url) => (stomp = new StompSocket(url)),
      createPeerConnection: () => peer,
      clientId: 'me',
    });
    const got: unknown[] = [];
    let opened = false;
    socket.onopen = () => (opened = true);
    socket.onmessage = (event) => got.push(event.data);
    assert.equal(stomp!.url, 'ws://dash.example/stomp');
    assert.deepEqual(
      peer.channels.map((c) => [c.label, c.options]),
      [
        ['tickstream', undefined],
        ['ticks', { ordered: false, maxRetransmits: 0 }],
      ],
    );
    stomp!.open();
    assert.match(stomp!.frames[0]!, /^CONNECT\n[^\0]*Authorization:Bearer tok\n/);
    stomp!.frame('CONNECTED\nversion:1.2\n\n\0');
    await settle();
    assert.match(stomp!.frames[1]!, /^SUBSCRIBE\nid:signaling\ndestination:\/topic\/signaling\n/);
    assert.match(stomp!.frames[2]!, /^SEND\ndestination:\/app\/signal\n/);
    assert.deepEqual(bodyOf(stomp!.frames[2]!), {
      senderId: 'me',
      targetId: 'tickstream',
      sdp: 'v=0 offer',
      candidate: null,
      type: 'OFFER',
    });
    peer.onicecandidate?.({ candidate: { toJSON: () => ({ candidate: 'candidate:1', sdpMid: '0' }) } });
    assert.equal(bodyOf(stomp!.frames[3]!).candidate, '{"candidate":"candidate:1","sdpMid":"0"}');

    // Someone else's answer is not ours.
    stomp!.frame(
      'MESSAGE\ndestination:/topic/signaling\n\n{"type":"ANSWER","senderId":"tickstream","targetId":"other","sdp":"x"}\0',
    );
    stomp!.frame(
      'MESSAGE\ndestination:/topic/signaling\n\n{"type":"ANSWER","senderId":"tickstream","targetId":"me","sdp":"v=0 answer"}\0',
    );
    await settle();
    assert.equal(peer.remote, 'v=0 answer');
    assert.equal(socket.readyState, 0);
    peer.channels[0]!.open();
    assert.ok(opened);
    assert.equal(socket.readyState, 1);
    socket.send('{"op":"subscribe","channels":["ticks.X"]}');
    assert.deepEqual(peer.channels[0]!.sent, ['{"op":"subscribe","channels":["ticks.X"]}']);
    peer.channels[0]!.onmessage?.({ data: '{"op":"subscribed"}' });
    peer.channels[1]!.onmessage?.({ data: '{"channel":"ticks.X","seq":2,"type":"update","data":{}}' });
    assert.deepEqual(got, ['{"op":"subscribed"}', '{"channel":"ticks.X","seq":2,"type":"update","data":{}}']);

    let closed: { code: number; reason: string } | undefined;
    socket.onclose = (event) => (closed = event);
    peer.channels[0]!.onclose?.({});
    assert.deepEqual(closed, { code: 1006, reason: 'data channel closed' });
    assert.ok(peer.closed);
    assert.equal(socket.readyState, 3);
  });

  it('ends with the reason of an ERROR signal (the peer limit)', async () => {
    let stomp: StompSocket | undefined;
    const socket = new RtcSocket('ws://h/ws?access_token=t', {
      createWebSocket: (url) => (stomp = new StompSocket(url)),
      createPeerConnection: () => new FakePeer(),
      clientId: 'me',
    });
    let closed: { code: number; reason: string } | undefined;
    socket.onclose = (event) => (closed = event);
    stomp!.open();
    stomp!.frame(
      'MESSAGE\ndestination:/topic/signaling\n\n{"type":"ERROR","senderId":"tickstream","targetId":"me","sdp":"too many peers (at most 1)"}\0',
    );
    await settle();
    assert.deepEqual(closed, { code: 1013, reason: 'too many peers (at most 1)' });
  });

  it('is chosen by ?transport=webrtc', () => {
    assert.ok(wantsWebRtc('?transport=webrtc'));
    assert.ok(!wantsWebRtc('?transport=ws') && !wantsWebRtc(''));
  });
});
