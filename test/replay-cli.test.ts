import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';

import { progressBar, replay } from '../src/commands/replay.js';
import type { Server } from '../src/main.js';
import { login, testServer } from './support/test-server.js';

class Text extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

let server: Server;
let url: string;
let key: string;
before(async () => {
  server = await testServer({ http: { loginRateLimitPerMinute: 10_000 } });
  url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  const admin = await login(server);
  const res = await server.app.inject({
    method: 'POST',
    url: '/api/auth/api-keys',
    headers: admin.headers,
    payload: { name: 'replay', role: 'writer' },
  });
  key = res.json<{ key: string }>().key;
});
after(() => server.close());

describe('tickstream replay --target', () => {
  it('plays a file through a running server, keeping event times with --no-rebase', async () => {
    const stderr = new Text();
    const status = await replay(
      ['examples/data/btc_trades.csv'],
      { target: url, apiKey: key, speed: 'max', rebase: false, from: '2023-09-05T16:30:00Z' },
      stderr,
    );
    assert.equal(status.state, 'finished');
    assert.ok(status.sent > 2000 && status.sent < 4000, String(status.sent));
    assert.equal(status.accepted, status.sent);
    assert.match(stderr.text, /\[#{20}\] 100% {2}2023-09-05T16:59:58Z {2}max {2}sent [\d,]+/);
    assert.match(stderr.text, /tickstream replay: finished: sent \d+ ticks to http:/);
    await server.engine.refreshViews();
    const stats = server.engine.stats('BTC-USD')!;
    assert.equal(stats.updateCount, status.sent);
    assert.equal(stats.lastUpdateTime, Date.parse('2023-09-05T16:59:58.761Z'));
  });

  it('refuses a bad speed and credentials without a target', async () => {
    await assert.rejects(replay(['examples/data/btc_trades.csv'], { speed: '0' }, new Text()), /--speed/);
    await assert.rejects(
      replay(['examples/data/btc_trades.csv'], { apiKey: 'k' }, new Text()),
      /--api-key needs --target/,
    );
  });

  it('draws the progress bar', () => {
    const line = progressBar({
      state: 'running',
      speed: 10,
      rebase: true,
      loop: false,
      startTs: 0,
      endTs: 1000,
      positionTs: 500,
      played: 5,
      total: 10,
      sent: 1234,
      accepted: 1234,
      rejected: 0,
      rejectedByReason: {},
      rounds: 0,
      error: null,
    });
    assert.equal(line, '[##########----------]  50%  1970-01-01T00:00:00Z  10×  sent 1,234  accepted 1,234');
  });
});
