import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ErrorCode, isTickstreamError } from '../errors.js';
import { BruteForceGuard, LocalAttemptCounter } from './brute-force-guard.js';

const LIMITS = {
  loginFailuresPerAddress: 3,
  loginFailuresPerAccount: 5,
  apiKeyFailuresPerAddress: 2,
  failureWindowMs: 60_000,
};

function guard(now: { t: number }) {
  return new BruteForceGuard(new LocalAttemptCounter(100, () => now.t), LIMITS);
}

async function refusal(attempt: Promise<unknown>): Promise<number> {
  try {
    await attempt;
  } catch (err) {
    assert.ok(isTickstreamError(err) && err.code === ErrorCode.RateLimited, String(err));
    return err.details!.retryAfterMs as number;
  }
  assert.fail('not refused');
}

describe('BruteForceGuard', () => {
  it('refuses an address after its failures, until the window ends', async () => {
    const now = { t: 1_000 };
    const g = guard(now);
    for (let i = 0; i < 3; i++) (await g.login('a', `user-${i}`)).failed();
    now.t += 10_000;
    assert.equal(await refusal(g.login('a', 'other')), 50_000);
    await g.login('b', 'other'); // another address goes on
    now.t += 50_000;
    (await g.login('a', 'other')).failed(); // a new window
  });

  it('refuses an account after failures from any addresses, case folded', async () => {
    const g = guard({ t: 0 });
    for (let i = 0; i < 5; i++) (await g.login(`10.0.0.${i}`, i % 2 === 0 ? 'Victim' : 'victim')).failed();
    await refusal(g.login('10.0.0.99', 'VICTIM'));
  });

  it('a success takes back its own attempt only', async () => {
    const g = guard({ t: 0 });
    (await g.login('a', 'u')).failed();
    (await g.login('a', 'u')).failed();
    await (await g.login('a', 'u')).succeeded();
    (await g.login('a', 'u')).failed();
    await refusal(g.login('a', 'u'));
  });

  it('counts attempts in flight: parallel guesses get no more than the limit', async () => {
    const g = guard({ t: 0 });
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => g.login('a', `u${i}`)));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 3);
  });

  it('limits API keys per address; in-process callers (no address) are not limited', async () => {
    const g = guard({ t: 0 });
    (await g.apiKey('a')).failed();
    (await g.apiKey('a')).failed();
    await refusal(g.apiKey('a'));
    for (let i = 0; i < 10; i++) (await g.apiKey(undefined)).failed();
  });
});

describe('LocalAttemptCounter', () => {
  it('never starts a window to take an attempt back, nor goes below zero', async () => {
    const now = { t: 0 };
    const counter = new LocalAttemptCounter(2, () => now.t);
    assert.deepEqual(await counter.add('k', -1, 1000), { count: 0, ttlMs: 0 });
    assert.deepEqual(await counter.add('k', 1, 1000), { count: 1, ttlMs: 1000 });
    now.t = 400;
    assert.deepEqual(await counter.add('k', -1, 1000), { count: 0, ttlMs: 600 });
    assert.deepEqual(await counter.add('k', -1, 1000), { count: 0, ttlMs: 600 });
    now.t = 1000;
    assert.deepEqual(await counter.add('k', 1, 1000), { count: 1, ttlMs: 1000 });
  });

  it('is bounded: the oldest keys go first', () => {
    const counter = new LocalAttemptCounter(2, () => 0);
    counter.addNow('a', 1, 1000);
    counter.addNow('b', 1, 1000);
    counter.addNow('c', 1, 1000);
    assert.equal(counter.addNow('a', 1, 1000).count, 1, 'a was forgotten');
    assert.equal(counter.addNow('c', 1, 1000).count, 2);
  });
});
