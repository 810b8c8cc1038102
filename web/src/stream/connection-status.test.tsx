import '../test-support/dom-env';

import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';

import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';

import { ApiClient } from '../api/api-client';
import { ServicesProvider } from '../auth/session-context';
import { SessionManager } from '../auth/session-manager';
import { FakeClock, settle } from '../test-support/fake-clock';
import { socketFactory } from '../test-support/fake-socket';
import { ConnectionBanner, ConnectionPill, secondsUntilRetry } from './connection-status';
import { HubClient, HubStatus, type HubState } from './hub-client';
import { HubProvider } from './hub-context';

function setup() {
  const clock = new FakeClock(Date.now());
  const factory = socketFactory();
  const hub = new HubClient({
    url: 'ws://localhost/ws',
    getToken: () => Promise.resolve('token'),
    renewToken: () => Promise.resolve('token'),
    createSocket: factory.create,
    clock,
    random: () => 1,
  });
  const session = new SessionManager({ fetch: () => Promise.reject(new Error('unused')) });
  render(
    <ServicesProvider services={{ session, api: new ApiClient(session) }}>
      <HubProvider client={hub}>
        <ConnectionPill />
        <ConnectionBanner />
      </HubProvider>
    </ServicesProvider>,
  );
  return { hub, clock, sockets: factory.sockets };
}

describe('connection status', () => {
  afterEach(cleanup);

  it('shows live, then a banner with the next attempt while disconnected, and reconnects on request', async () => {
    const t = setup();
    await act(settle);
    assert.equal(screen.getByTestId('connection-status').textContent, 'Connecting…');
    assert.equal(screen.queryByTestId('disconnected-banner'), null);

    act(() => t.sockets[0]?.open());
    assert.equal(screen.getByTestId('connection-status').textContent, 'Live');

    act(() => t.sockets[0]?.drop(1006));
    const banner = screen.getByTestId('disconnected-banner');
    assert.match(
      banner.textContent ?? '',
      /Live updates paused\. Connection lost\. What you see may be out of date\./,
    );
    assert.match(banner.textContent ?? '', /Retrying in 1 s/);
    assert.equal(screen.getByTestId('connection-status').textContent, 'Reconnecting');

    fireEvent.click(screen.getByRole('button', { name: 'Reconnect now' }));
    await act(settle);
    assert.equal(t.sockets.length, 2);
    act(() => t.sockets[1]?.open());
    assert.equal(screen.queryByTestId('disconnected-banner'), null);
    assert.equal(t.hub.state.reconnects, 1);
  });
});

describe('secondsUntilRetry', () => {
  const state: HubState = {
    status: HubStatus.Reconnecting,
    attempt: 2,
    nextRetryAt: 10_000,
    reconnects: 0,
    connectedAt: null,
    lastError: null,
  };

  it('counts down whole seconds to the next attempt', () => {
    assert.equal(secondsUntilRetry(state, 7_500), 3);
    assert.equal(secondsUntilRetry(state, 10_000), 0);
    assert.equal(secondsUntilRetry(state, 12_000), 0);
    assert.equal(secondsUntilRetry({ ...state, status: HubStatus.Open }, 0), null);
  });
});
