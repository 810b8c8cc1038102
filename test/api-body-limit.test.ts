import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ErrorCode } from '../src/errors.js';
import { login, testServer, type Session } from './support/test-server.js';

/**
 * A body over the limit is answered 413 to a client that streams it: the server reads (and drops)
 * the rest of the body before it answers and closes, so the client is not cut off mid-write
 * (EPIPE) before it can read the answer.
 */
describe('bodies over the limit', () => {
  const limit = 16 * 1024;
  let server: Awaited<ReturnType<typeof testServer>>;
  let url: string;
  let session: Session;
  before(async () => {
    server = await testServer({ http: { bodyLimitBytes: limit, batchBodyLimitBytes: limit } });
    url = await server.app.listen({ host: '127.0.0.1', port: 0 });
    session = await login(server);
  });
  after(() => server.close());

  const chunk = Buffer.from(`[${'{"symbol":"BIG","price":1},'.repeat(2000)}`);

  it('a fetch client streaming a chunked body receives 413 PAYLOAD_TOO_LARGE', async () => {
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        // Slowly, as a client uploading a large file does: the answer comes while it still writes.
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (sent >= 100) return controller.close();
        sent++;
        controller.enqueue(chunk);
      },
    });
    const res = await fetch(`${url}/api/prices/batch`, {
      method: 'POST',
      headers: { ...session.headers, 'content-type': 'application/json' },
      body,
      duplex: 'half',
    });
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, ErrorCode.PayloadTooLarge);
  });

  it('a fetch client sending a Content-Length over the limit receives 413', async () => {
    const res = await fetch(`${url}/api/prices`, {
      method: 'POST',
      headers: { ...session.headers, 'content-type': 'application/json' },
      body: Buffer.concat(Array.from({ length: 400 }, () => chunk)),
    });
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, ErrorCode.PayloadTooLarge);
  });
});
