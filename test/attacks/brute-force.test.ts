import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  eventStream,
  graphqlSubscription,
  grpcCall,
  stomp,
  wsSubscribe,
  type Outcome,
} from '../support/protocol-clients.js';
import { ADMIN_PASSWORD, errorOf, login, testServer, userWith } from '../support/test-server.js';
import { runningServer } from '../support/running-server.js';
import { ErrorCode } from '../../src/errors.js';

/**
 * Brute force on logins and API keys (issue 15, docs/reliability.md): failed logins limited per
 * client address and per account, API-key guesses per address on every protocol, no user
 * enumeration by answer or by time.
 */

const SECRET = 'test-secret-'.padEnd(48, 'x');
const LIMITS = {
  jwtSecret: SECRET,
  loginFailuresPerAddress: 3,
  loginFailuresPerAccount: 5,
  apiKeyFailuresPerAddress: 3,
  failureWindowMs: 60_000,
};

describe('brute force on logins', () => {
  let server: Awaited<ReturnType<typeof testServer>>;
  before(async () => {
    // The per-request login limit (http.loginRateLimitPerMinute) out of the way: these are the
    // failure limits.
    server = await testServer({ auth: LIMITS, http: { loginRateLimitPerMinute: 100_000 } });
    await userWith(server, 'reader', 'victim');
    await userWith(server, 'reader', 'carol');
    await userWith(server, 'reader', 'dave');
  });
  after(() => server.close());

  const attempt = (remoteAddress: string, username: string, password: string) =>
    server.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress,
      payload: { username, password },
    });

  it('refuses an address after its failures, whatever usernames it tries; other addresses go on', async () => {
    for (const username of ['admin', 'nobody-1', 'nobody-2']) {
      const res = await attempt('10.0.0.1', username, 'wrong-password');
      assert.equal(res.statusCode, 401, res.body);
      assert.equal(errorOf(res).code, ErrorCode.InvalidCredentials);
    }
    // Even the right password: the address is out of guesses until its window ends.
    const limited = await attempt('10.0.0.1', 'admin', ADMIN_PASSWORD);
    assert.equal(limited.statusCode, 429, limited.body);
    assert.equal(errorOf(limited).code, ErrorCode.RateLimited);
    const retryAfter = Number(limited.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${limited.headers['retry-after']}`);
    assert.equal((await attempt('10.0.0.2', 'admin', ADMIN_PASSWORD)).statusCode, 200);
  });

  it('refuses an account after its failures from many addresses, known or not (no enumeration)', async () => {
    for (const username of ['victim', 'ghost-user']) {
      for (let i = 1; i <= LIMITS.loginFailuresPerAccount; i++) {
        const res = await attempt(`10.1.${username.length}.${i}`, username, 'wrong-password');
        assert.equal(res.statusCode, 401, `${username} #${i}: ${res.body}`);
      }
      const limited = await attempt(`10.1.${username.length}.99`, username, 'wrong-password');
      assert.equal(limited.statusCode, 429, `${username}: ${limited.body}`);
      assert.ok(Number(limited.headers['retry-after']) >= 1);
    }
    // The owner is held back too until the window ends: the price of a per-account limit,
    // which is why it is higher than the per-address one (docs/configuration.md).
    assert.equal((await attempt('10.1.9.9', 'victim', 'password-123')).statusCode, 429);
    assert.equal((await attempt('10.1.9.9', 'VICTIM', 'password-123')).statusCode, 429, 'case folded');
  });

  it('a success takes back only its own attempt: another address’s failures stay counted', async () => {
    for (let i = 0; i < 2; i++)
      assert.equal((await attempt('10.2.0.1', 'carol', 'nope-nope')).statusCode, 401);
    assert.equal((await attempt('10.2.0.2', 'carol', 'password-123')).statusCode, 200);
    assert.equal((await attempt('10.2.0.1', 'carol', 'nope-nope')).statusCode, 401, 'third failure');
    assert.equal((await attempt('10.2.0.1', 'carol', 'password-123')).statusCode, 429);
    // Nor its own earlier ones.
    for (let i = 0; i < 2; i++)
      assert.equal((await attempt('10.2.0.3', 'dave', 'nope-nope')).statusCode, 401);
    assert.equal((await attempt('10.2.0.3', 'dave', 'password-123')).statusCode, 200);
    assert.equal((await attempt('10.2.0.3', 'dave', 'nope-nope')).statusCode, 401);
    assert.equal((await attempt('10.2.0.3', 'dave', 'password-123')).statusCode, 429);
  });

  it('30 guesses fired at once get no more password checks than the limit', async () => {
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => attempt('10.3.0.1', `burst-${i}`, 'wrong-password')),
    );
    const counts = new Map<number, number>();
    for (const res of answers) counts.set(res.statusCode, (counts.get(res.statusCode) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries(counts), { 401: LIMITS.loginFailuresPerAddress, 429: 27 });
  });

  /** A new reader API key, made by the admin. */
  const newKey = async (name: string): Promise<string> => {
    const admin = await login(server);
    const created = await server.app.inject({
      method: 'POST',
      url: '/api/auth/api-keys',
      headers: admin.headers,
      payload: { name, role: 'reader' },
    });
    return created.json<{ key: string }>().key;
  };
  const read = (remoteAddress: string, apiKey: string) =>
    server.app.inject({
      method: 'GET',
      url: '/api/prices',
      remoteAddress,
      headers: { 'x-api-key': apiKey },
    });

  it('refuses an address after its unknown API keys; a valid key from elsewhere goes on', async () => {
    const key = await newKey('brute');
    for (let i = 0; i < LIMITS.apiKeyFailuresPerAddress; i++) {
      const res = await read('10.4.0.1', `tsk_00000000_guess${i}`);
      assert.equal(res.statusCode, 401, res.body);
      assert.equal(errorOf(res).code, ErrorCode.AuthRequired);
    }
    const limited = await read('10.4.0.1', 'tsk_00000000_guess-more');
    assert.equal(limited.statusCode, 429, limited.body);
    assert.equal(errorOf(limited).code, ErrorCode.RateLimited);
    assert.ok(Number(limited.headers['retry-after']) >= 1);
    assert.equal((await read('10.4.0.2', key)).statusCode, 200);
    // Keys seen valid before are not looked up again, so they pass even from a refused address.
    assert.equal((await read('10.4.0.1', key)).statusCode, 200);
  });

  it('a valid key on many requests at once is looked up once: its client does not lock itself out', async () => {
    const key = await newKey('busy');
    // Ten times the guard's limit, all before the first lookup answers (as when a busy
    // producer's key leaves the cache with requests in flight).
    const answers = await Promise.all(
      Array.from({ length: LIMITS.apiKeyFailuresPerAddress * 10 }, () => read('10.5.0.1', key)),
    );
    assert.deepEqual(
      answers.map((res) => res.statusCode),
      answers.map(() => 200),
    );
  });
});

describe('API-key guessing on every protocol', () => {
  let server: Awaited<ReturnType<typeof runningServer>>;
  before(async () => {
    server = await runningServer({ auth: { ...LIMITS, apiKeyFailuresPerAddress: 2 } });
  });
  after(() => server.close());

  // Each protocol from its own loopback address, so each starts with its own count.
  const protocols: Array<[string, string, (key: string, from: string) => Promise<Outcome>]> = [
    ['WebSocket /ws', '127.0.0.11', (k, from) => wsSubscribe(server.wsUrl, { apiKey: k }, ['stats.*'], from)],
    [
      'STOMP',
      '127.0.0.12',
      (k, from) =>
        stomp(server.wsUrl, { apiKey: k }, { command: 'SUBSCRIBE', destination: '/topic/stats/*' }, from),
    ],
    [
      'GraphQL subscription',
      '127.0.0.13',
      (k, from) =>
        graphqlSubscription(server.wsUrl, { apiKey: k }, 'subscription { anomalies { symbol } }', from),
    ],
    [
      'SSE',
      '127.0.0.14',
      (k, from) =>
        eventStream(server.url, '/api/stream?channels=stats.*', { apiKey: k }, { localAddress: from }),
    ],
    [
      'gRPC',
      '127.0.0.1',
      (k) =>
        grpcCall(
          server.grpcClient,
          { name: 'GetAggregate', requestStream: false, responseStream: false },
          { apiKey: k },
          'BRUTE',
        ),
    ],
  ];
  for (const [name, from, call] of protocols) {
    it(`${name}: unknown keys are refused, then the address is rate limited`, async () => {
      const reasons: string[] = [];
      for (let i = 0; i < 3; i++) {
        const outcome = await call(`tsk_00000000_${name.length}guess${i}`, from);
        assert.equal(outcome.ok, false, `${name} let a guessed key in`);
        reasons.push((outcome as { reason: string }).reason);
      }
      assert.doesNotMatch(reasons[0]!, /RATE_LIMITED|RESOURCE_EXHAUSTED|4429|429/, reasons.join(' | '));
      assert.doesNotMatch(reasons[1]!, /RATE_LIMITED|RESOURCE_EXHAUSTED|4429|429/, reasons.join(' | '));
      assert.match(reasons[2]!, /RATE_LIMITED|RESOURCE_EXHAUSTED|4429|http 429/, reasons.join(' | '));
    });
  }
});

describe('no user enumeration by time', () => {
  let server: Awaited<ReturnType<typeof testServer>>;
  before(async () => {
    server = await testServer({
      auth: { jwtSecret: SECRET, loginFailuresPerAddress: 100_000, loginFailuresPerAccount: 100_000 },
      http: { loginRateLimitPerMinute: 100_000 },
      logLevel: 'warn',
    });
    await userWith(server, 'reader', 'known-user');
  });
  after(() => server.close());

  it('an unknown user costs what a wrong password costs (medians, p90, Mann–Whitney U)', async (t) => {
    const samples = Number(process.env.TIMING_SAMPLES ?? 200);
    const timed = async (username: string): Promise<number> => {
      const started = process.hrtime.bigint();
      const res = await server.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        remoteAddress: `10.9.${samples % 250}.1`,
        payload: { username, password: 'wrong-password' },
      });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      assert.equal(res.statusCode, 401, res.body);
      return ms;
    };
    // Warm-up: the dummy hash of the unknown-user path is made on first use.
    await Promise.all([timed('nobody-warm'), timed('known-user')]);
    const unknown: number[] = [];
    const known: number[] = [];
    // In pairs, at the same time: both sides see the same load on a busy machine; which of the
    // two starts first alternates.
    for (let i = 0; i < samples; i++) {
      if (i % 2 === 0) {
        const [u, k] = await Promise.all([timed(`nobody-${i}`), timed('known-user')]);
        unknown.push(u);
        known.push(k);
      } else {
        const [k, u] = await Promise.all([timed('known-user'), timed(`nobody-${i}`)]);
        unknown.push(u);
        known.push(k);
      }
    }
    const stats = {
      samples,
      unknownMedianMs: quantile(unknown, 0.5),
      knownMedianMs: quantile(known, 0.5),
      unknownP90Ms: quantile(unknown, 0.9),
      knownP90Ms: quantile(known, 0.9),
      ...mannWhitney(unknown, known),
    };
    t.diagnostic(JSON.stringify(stats));
    const relative = Math.abs(stats.unknownMedianMs - stats.knownMedianMs) / stats.knownMedianMs;
    // Generous bounds: a missing hash check would make unknown users 10× faster (a user lookup
    // against ~20 ms of argon2id); scheduling noise on a shared machine stays far below these.
    assert.ok(
      relative < 0.25,
      `medians differ by ${(relative * 100).toFixed(1)} %: ${JSON.stringify(stats)}`,
    );
    assert.ok(Math.abs(stats.probabilityUnknownSlower - 0.5) < 0.2, `effect size: ${JSON.stringify(stats)}`);
  });
});

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return Number((sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo)).toFixed(2));
}

/**
 * The Mann–Whitney U test of two samples (normal approximation, ties averaged): `z`, the two-sided
 * `p`, and the probability that a draw of `a` exceeds a draw of `b` (0.5: no difference).
 */
function mannWhitney(
  a: readonly number[],
  b: readonly number[],
): { z: number; p: number; probabilityUnknownSlower: number } {
  const all = [...a.map((v) => ({ v, from: 0 })), ...b.map((v) => ({ v, from: 1 }))].sort(
    (x, y) => x.v - y.v,
  );
  const ranks = new Array<number>(all.length);
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]!.v === all[i]!.v) j++;
    for (let k = i; k <= j; k++) ranks[k] = (i + j) / 2 + 1;
    i = j + 1;
  }
  let rankSumA = 0;
  all.forEach((x, i) => {
    if (x.from === 0) rankSumA += ranks[i]!;
  });
  const n1 = a.length;
  const n2 = b.length;
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const sd = Math.sqrt((n1 * n2 * (n1 + n2 + 1)) / 12);
  const z = (u - mean) / sd;
  return {
    z: Number(z.toFixed(3)),
    p: Number((2 * (1 - normalCdf(Math.abs(z)))).toFixed(4)),
    probabilityUnknownSlower: Number((u / (n1 * n2)).toFixed(3)),
  };
}

/** The standard normal CDF (Abramowitz–Stegun 7.1.26, error < 1.5e-7). */
function normalCdf(x: number): number {
  const t = 1 / (1 + 0.3275911 * (x / Math.SQRT2));
  const erf =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-(x * x) / 2);
  return 0.5 * (1 + erf);
}
