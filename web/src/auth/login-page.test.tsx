import '../test-support/dom-env';

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';

import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';

import { ApiClient } from '../api/api-client';
import { settle } from '../test-support/fake-clock';
import { apiError, fakeFetch, json, MemoryStorage, type FakeRequest } from '../test-support/fake-fetch';
import { LoginPage } from './login-page';
import { ServicesProvider } from './session-context';
import { SessionManager } from './session-manager';

const user = {
  id: 1,
  username: 'ada',
  email: 'ada@example.com',
  firstName: null,
  lastName: null,
  role: 'reader',
};

function tokens() {
  return json(200, {
    accessToken: 'access-1',
    refreshToken: 'refresh-1',
    expiresAt: new Date(Date.now() + 900_000).toISOString(),
    user,
  });
}

// Refresh timers and query caches would keep the test process alive: end them after each test.
const disposers: (() => void)[] = [];

function renderPage(session: SessionManager) {
  // gcTime 0: finished mutations would otherwise hold a 5-minute timer each.
  const queryClient = new QueryClient({ defaultOptions: { mutations: { gcTime: 0 } } });
  render(
    <QueryClientProvider client={queryClient}>
      <ServicesProvider services={{ session, api: new ApiClient(session) }}>
        <LoginPage />
      </ServicesProvider>
    </QueryClientProvider>,
  );
}

function renderLogin(handler: (request: FakeRequest) => Response) {
  const { fetch, requests } = fakeFetch(handler);
  const session = new SessionManager({ fetch, storage: new MemoryStorage() });
  disposers.push(() => session.dispose());
  renderPage(session);
  return { session, requests };
}

/**
 * Clicks and lets the request it starts, and the renders after it, finish (TanStack Query
 * batches its notifications on a 0 ms timer).
 */
async function press(name: string) {
  await act(async () => {
    fireEvent.click(screen.getByRole('button', { name }));
    await settle();
    await new Promise((resolve) => setTimeout(resolve, 10));
  });
}

function fill(label: string, value: string) {
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
}

describe('LoginPage', () => {
  beforeEach(() => window.sessionStorage.clear());
  afterEach(() => {
    cleanup();
    for (const dispose of disposers.splice(0)) dispose();
  });

  it('signs in with what was typed', async () => {
    const { session, requests } = renderLogin(() => tokens());
    fill('Username', ' ada ');
    fill('Password', 'correct horse');
    await press('Sign in');
    assert.deepEqual(requests[0]?.body, { username: 'ada', password: 'correct horse' });
    assert.equal(session.session?.user.username, 'ada');
  });

  it('says so when the credentials are wrong, or the server is away', async () => {
    let answer = () => apiError(401, 'INVALID_CREDENTIALS', 'invalid username or password');
    renderLogin(() => answer());
    fill('Username', 'ada');
    fill('Password', 'nope');
    await press('Sign in');
    assert.equal(screen.getByRole('alert').textContent, 'Wrong username or password.');

    answer = () => {
      throw new TypeError('fetch failed');
    };
    await press('Sign in');
    assert.match(screen.getByRole('alert').textContent ?? '', /The server cannot be reached/);
  });

  it('signs up with the extra fields when self-registration is on', async () => {
    const { session, requests } = renderLogin(() => tokens());
    fireEvent.click(screen.getByRole('button', { name: 'Create one' }));
    assert.ok(screen.getByRole('heading', { name: 'Create an account' }));
    fill('Username', 'ada');
    fill('Email', 'ada@example.com');
    fill('First name (optional)', 'Ada');
    fill('Password', 'long enough');
    await press('Create account');
    assert.equal(requests[0]?.path, '/api/auth/register');
    assert.deepEqual(requests[0]?.body, {
      username: 'ada',
      email: 'ada@example.com',
      password: 'long enough',
      firstName: 'Ada',
    });
    assert.equal(session.session?.user.username, 'ada');
  });

  it('hides sign-up once the server says it is turned off, also after a reload', async () => {
    renderLogin(() => apiError(403, 'REGISTRATION_DISABLED', 'self-registration is turned off'));
    fireEvent.click(screen.getByRole('button', { name: 'Create one' }));
    fill('Username', 'ada');
    fill('Email', 'ada@example.com');
    fill('Password', 'long enough');
    await press('Create account');
    assert.ok(screen.getByText(/Sign-up is turned off on this server/));
    assert.ok(screen.getByRole('heading', { name: 'Sign in' }));
    assert.equal(screen.queryByRole('button', { name: 'Create one' }), null);

    cleanup();
    renderLogin(() => tokens());
    assert.equal(screen.queryByRole('button', { name: 'Create one' }), null);
  });

  it('tells why the previous session ended', async () => {
    const { session } = renderLogin((request) =>
      request.path === '/api/auth/refresh' ? apiError(401, 'REFRESH_TOKEN_REUSED') : tokens(),
    );
    await act(async () => {
      await session.login('ada', 'pw');
      await session.refresh();
    });
    cleanup();
    renderPage(session);
    assert.match(screen.getByRole('status').textContent ?? '', /session has ended/);
  });
});
