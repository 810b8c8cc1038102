import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { FakeClock, settle } from '../test-support/fake-clock';
import { socketFactory, type FakeSocket } from '../test-support/fake-socket';
import type { ChannelEvent } from './channel-sequencer';
import { HubClient, HubStatus, type HubClientOptions } from './hub-client';

function setup(options: Partial<HubClientOptions> = {}) {
  const clock = new FakeClock();
  const factory = socketFactory();
  let token = 'token-1';
  const renewals: string[] = [];
  const hub = new HubClient({
    url: 'ws://dash.example/ws',
    getToken: () => Promise.resolve(token),
    renewToken: () => {
      token = `token-${renewals.length + 2}`;
      renewals.push(token);
      return Promise.resolve(token);
    },
    createSocket: factory.create,
    clock,
    random: () => 0.5,
    ...options,
  });
  const events: ChannelEvent[] = [];
  const latest = (): FakeSocket => {
    const socket = factory.sockets[factory.sockets.length - 1];
    assert.ok(socket, 'a socket was opened');
    return socket;
  };
  return {
    hub,
    clock,
    sockets: factory.sockets,
    latest,
    events,
    renewals,
    setToken: (next: string) => (token = next),
    record: (event: ChannelEvent) => events.push(event),
  };
}

function seqs(events: ChannelEvent[]): string[] {
  return events.map((event) => `${event.type}:${event.seq}`);
}

describe('HubClient', () => {
  it('connects with the access token and subscribes every channel in one message', async () => {
    const t = setup();
    t.hub.subscribe('stats.*', t.record);
    t.hub.subscribe('anomalies', t.record);
    t.hub.start();
    await settle();
    const socket = t.latest();
    assert.equal(socket.url, 'ws://dash.example/ws?access_token=token-1');
    assert.equal(t.hub.state.status, HubStatus.Connecting);
    socket.open();
    assert.deepEqual(socket.sent, [{ op: 'subscribe', channels: ['stats.*', 'anomalies'] }]);
    assert.equal(t.hub.state.status, HubStatus.Open);
  });

  it('batches subscriptions made while open, and routes messages to their channel', async () => {
    const t = setup();
    t.hub.start();
    await settle();
    t.latest().open();
    const other: ChannelEvent[] = [];
    t.hub.subscribe('candles.1m.AAPL', t.record);
    t.hub.subscribe('anomalies', (event) => other.push(event));
    await settle();
    assert.deepEqual(t.latest().sent, [{ op: 'subscribe', channels: ['candles.1m.AAPL', 'anomalies'] }]);
    t.latest().receive({ channel: 'candles.1m.AAPL', seq: 42, type: 'snapshot', data: { open: 1 } });
    t.latest().receive({ channel: 'anomalies', seq: 7, type: 'snapshot', data: [] });
    t.latest().receive({ channel: 'candles.1m.AAPL', seq: 43, type: 'update', data: { open: 2 } });
    assert.deepEqual(seqs(t.events), ['snapshot:42', 'update:43']);
    assert.deepEqual(seqs(other), ['snapshot:7']);
  });

  it('reconnects with backoff and resumes each channel from the last sequence it saw', async () => {
    const t = setup();
    t.hub.subscribe('stats.*', t.record);
    t.hub.subscribe('anomalies', t.record);
    t.hub.start();
    await settle();
    t.latest().open();
    t.latest().receive({ channel: 'stats.*', seq: 10, type: 'snapshot', data: [] });
    t.latest().receive({ channel: 'stats.*', seq: 11, type: 'update', data: {} });
    t.latest().drop(1006);

    assert.equal(t.hub.state.status, HubStatus.Reconnecting);
    assert.equal(t.hub.state.attempt, 1);
    assert.equal(t.hub.state.lastError, 'connection lost');
    // First retry: 500 ms base, half of it jittered; random 0.5 gives 375 ms.
    assert.deepEqual(t.clock.pending(), [375]);
    assert.equal(t.hub.state.nextRetryAt, t.clock.now() + 375);
    t.clock.advance(374);
    assert.equal(t.sockets.length, 1);
    t.clock.advance(1);
    await settle();
    assert.equal(t.sockets.length, 2);

    t.latest().open();
    assert.deepEqual(t.latest().sent, [
      { op: 'subscribe', channels: ['stats.*', 'anomalies'], fromSeq: { 'stats.*': 11 } },
    ]);
    // The replay overlaps what arrived before the drop: the repeat is dropped, the rest passes.
    t.latest().receive({ channel: 'stats.*', seq: 11, type: 'update', data: {} });
    t.latest().receive({ channel: 'stats.*', seq: 12, type: 'update', data: {} });
    t.latest().receive({ channel: 'anomalies', seq: 3, type: 'snapshot', data: [] });
    assert.deepEqual(seqs(t.events), ['snapshot:10', 'update:11', 'update:12', 'snapshot:3']);
    assert.equal(t.hub.state.attempt, 0);
    assert.equal(t.hub.state.reconnects, 1);
  });

  it('backs off further on every failed attempt, up to the cap', async () => {
    const t = setup({ random: () => 0 });
    t.hub.start();
    await settle();
    const delays: number[] = [];
    for (let i = 0; i < 9; i++) {
      t.latest().drop(1006); // refused before it opened
      const [delay] = t.clock.pending();
      assert.ok(delay !== undefined);
      delays.push(delay);
      t.clock.advance(delay);
      await settle();
    }
    assert.deepEqual(delays, [250, 500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000]);
    assert.equal(t.hub.state.attempt, 9);
    t.latest().open();
    t.latest().receive({ op: 'subscribed', channels: [] });
    assert.equal(t.hub.state.attempt, 0);
  });

  it('takes the hub’s word for a resume it cannot serve: a reset replaces the state', async () => {
    const t = setup();
    t.hub.subscribe('candles.1m.AAPL', t.record);
    t.hub.start();
    await settle();
    t.latest().open();
    t.latest().receive({ channel: 'candles.1m.AAPL', seq: 5, type: 'snapshot', data: null });
    t.latest().drop();
    t.clock.advance(1000);
    await settle();
    t.latest().open();
    t.latest().receive({ channel: 'candles.1m.AAPL', seq: 900, type: 'reset', data: { open: 3 } });
    const last = t.events[t.events.length - 1];
    assert.deepEqual(last, {
      type: 'snapshot',
      channel: 'candles.1m.AAPL',
      seq: 900,
      data: { open: 3 },
      reset: true,
    });
  });

  it('renews an expired token and reconnects at once', async () => {
    const t = setup();
    t.hub.subscribe('stats.*', t.record);
    t.hub.start();
    await settle();
    t.latest().open();
    t.latest().receive({ op: 'error', code: 'TOKEN_EXPIRED', message: 'token expired' });
    t.latest().drop(4401, 'token expired');
    await settle();
    assert.deepEqual(t.renewals, ['token-2']);
    assert.equal(t.sockets.length, 2);
    assert.equal(t.latest().url, 'ws://dash.example/ws?access_token=token-2');
    assert.deepEqual(t.clock.pending(), []);
  });

  it('stops when the token cannot be renewed (signed out)', async () => {
    const t = setup({ renewToken: () => Promise.resolve(null) });
    t.hub.start();
    await settle();
    t.latest().open();
    t.latest().drop(4401);
    await settle();
    assert.equal(t.hub.state.status, HubStatus.Stopped);
    assert.equal(t.sockets.length, 1);
    assert.deepEqual(t.clock.pending(), []);
  });

  it('backs off when the hub refuses fresh tokens again and again', async () => {
    const t = setup();
    t.hub.start();
    await settle();
    t.latest().open();
    t.latest().drop(4401);
    await settle();
    assert.equal(t.sockets.length, 2);
    t.latest().drop(4401);
    await settle();
    assert.equal(t.sockets.length, 2, 'no immediate third attempt');
    assert.equal(t.hub.state.attempt, 2);
    assert.deepEqual(t.clock.pending(), [750]);
  });

  it('hands a refreshed token to the open connection', async () => {
    const t = setup();
    t.hub.start();
    await settle();
    t.latest().open();
    t.hub.updateToken('token-9');
    assert.deepEqual(t.latest().sent, [{ op: 'auth', token: 'token-9' }]);
  });

  it('unsubscribes when the last listener leaves, and asks again for a snapshot when one comes back', async () => {
    const t = setup();
    const stop = t.hub.subscribe('stats.*', t.record);
    t.hub.start();
    await settle();
    t.latest().open();
    t.latest().receive({ channel: 'stats.*', seq: 1, type: 'snapshot', data: [] });
    const sent = t.latest().sent;
    sent.length = 0;

    // React's strict mode: unmount and mount again in the same tick.
    stop();
    const stopAgain = t.hub.subscribe('stats.*', t.record);
    await settle();
    assert.deepEqual(sent, [
      { op: 'unsubscribe', channels: ['stats.*'] },
      { op: 'subscribe', channels: ['stats.*'] },
    ]);
    // Updates still in flight from before are dropped until the new snapshot.
    t.latest().receive({ channel: 'stats.*', seq: 2, type: 'update', data: {} });
    t.latest().receive({ channel: 'stats.*', seq: 5, type: 'snapshot', data: [] });
    assert.deepEqual(seqs(t.events), ['snapshot:1', 'snapshot:5']);

    sent.length = 0;
    stopAgain();
    await settle();
    assert.deepEqual(sent, [{ op: 'unsubscribe', channels: ['stats.*'] }]);
    t.latest().receive({ channel: 'stats.*', seq: 6, type: 'update', data: {} });
    assert.equal(t.events.length, 2);
  });

  it('keeps a channel while any listener remains', async () => {
    const t = setup();
    t.hub.start();
    await settle();
    t.latest().open();
    const stopA = t.hub.subscribe('anomalies', (event) => t.record(event));
    t.hub.subscribe('anomalies', (event) => t.record(event));
    await settle();
    stopA();
    await settle();
    assert.deepEqual(t.latest().sent, [{ op: 'subscribe', channels: ['anomalies'] }]);
  });

  it('reconnects when an open connection goes silent', async () => {
    const t = setup({ pingIntervalMs: 20_000, idleTimeoutMs: 60_000 });
    t.hub.start();
    await settle();
    t.latest().open();
    t.clock.advance(20_000);
    assert.deepEqual(t.latest().sent, [{ op: 'ping' }]);
    t.latest().receive({ op: 'pong' });
    t.clock.advance(40_000);
    assert.equal(t.hub.state.status, HubStatus.Open);
    t.clock.advance(40_000);
    assert.equal(t.hub.state.status, HubStatus.Reconnecting);
    assert.equal(t.sockets[0]?.closedWith?.code, 4000);
  });

  it('retries at once on request, and only while waiting', async () => {
    const t = setup();
    t.hub.start();
    await settle();
    t.hub.retryNow(); // connecting: nothing to skip
    await settle();
    assert.equal(t.sockets.length, 1);
    t.latest().drop();
    t.hub.retryNow();
    await settle();
    assert.equal(t.sockets.length, 2);
    assert.deepEqual(t.clock.pending(), []);
  });

  it('stops cleanly, also when stopped while waiting for a token', async () => {
    let release: (token: string) => void = () => undefined;
    const t = setup({ getToken: () => new Promise<string>((resolve) => (release = resolve)) });
    t.hub.start();
    t.hub.stop();
    t.hub.start();
    release('late');
    await settle();
    release('fresh');
    await settle();
    assert.equal(t.sockets.length, 1, 'the connect from before stop() gave up');

    t.latest().open();
    t.hub.stop();
    assert.deepEqual(t.latest().closedWith, { code: 1000, reason: 'client stopped' });
    assert.equal(t.hub.state.status, HubStatus.Stopped);
    assert.deepEqual(t.clock.pending(), []);
  });

  it('stops when there is no session to connect with', async () => {
    const t = setup({ getToken: () => Promise.resolve(null) });
    t.hub.start();
    await settle();
    assert.equal(t.sockets.length, 0);
    assert.equal(t.hub.state.status, HubStatus.Stopped);
  });

  it('ignores frames it cannot read and survives a failing listener', async () => {
    const t = setup();
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      t.hub.subscribe('anomalies', () => {
        throw new Error('boom');
      });
      t.hub.subscribe('anomalies', t.record);
      t.hub.start();
      await settle();
      t.latest().open();
      t.latest().onmessage?.({ data: 'not json' });
      t.latest().receive({ channel: 'anomalies', seq: 'x', type: 'update' });
      t.latest().receive({ channel: 'anomalies', seq: 1, type: 'snapshot', data: [] });
    } finally {
      console.error = original;
    }
    assert.deepEqual(seqs(t.events), ['snapshot:1']);
    assert.equal(errors.length, 1);
  });
});
