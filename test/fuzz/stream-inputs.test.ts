import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { connect as http2Connect } from 'node:http2';
import { after, before, describe, it } from 'node:test';

import { makeGenericClientConstructor, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import fc from 'fast-check';

import { runningServer } from '../support/running-server.js';
import { ADMIN_PASSWORD } from '../support/test-server.js';

/**
 * The parsers left after the HTTP routes (issue 15): SSE `Last-Event-ID`, GraphQL documents and
 * variables, gRPC messages and frames, fed random and hostile input. Never a crash, never a hang:
 * each input is refused with a reason or served, and the server answers normally afterwards.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 15);
const TIMEOUT_MS = 5000;

describe('fuzzing the stream inputs', () => {
  let server: Awaited<ReturnType<typeof runningServer>>;
  let token: string;
  before(async () => {
    server = await runningServer({ auth: { apiKeyFailuresPerAddress: 100_000 } });
    token = (await server.auth.login('admin', ADMIN_PASSWORD)).accessToken;
    void server.engine.ingest([{ symbol: 'FUZZ', price: 100, volume: 1 }], 'test', Date.now());
  });
  after(() => server.close());

  /** The server still answers a plain request (nothing crashed or wedged). */
  async function alive(): Promise<void> {
    const res = await fetch(`${server.url}/health`);
    assert.equal(res.status, 200);
  }

  /** GET /api/stream with a Last-Event-ID: the status and the first event's data, if any came. */
  function sse(lastEventId: string): Promise<{ status: number; first?: string; body?: string }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: new URL(server.url).port,
          path: '/api/stream?channels=stats.FUZZ,anomalies',
          headers: { authorization: `Bearer ${token}`, 'last-event-id': lastEventId },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          const done = (first?: string): void => {
            clearTimeout(timer);
            req.destroy();
            resolve({ status: res.statusCode ?? 0, ...(first === undefined ? { body: text } : { first }) });
          };
          const timer = setTimeout(() => done(), 1500);
          res.on('data', (chunk: string) => {
            text += chunk;
            const data = /^data: (.*)$/m.exec(text);
            if (res.statusCode === 200 && data !== null) done(data[1]);
          });
          res.on('end', () => done());
        },
      );
      req.setTimeout(TIMEOUT_MS, () => req.destroy(new Error('SSE hung')));
      req.on('error', reject);
      req.end();
    });
  }

  it('SSE Last-Event-ID: random bytes, huge, negative, non-numeric values start the stream afresh', async () => {
    // Header values a client can send: tab, printable ASCII and bytes 0x80–0xff (latin1).
    const headerByte = fc.oneof(
      fc.constant(9),
      fc.integer({ min: 0x20, max: 0x7e }),
      fc.integer({ min: 0x80, max: 0xff }),
    );
    const ids = fc.oneof(
      fc.array(headerByte, { minLength: 1, maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
      fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map((n) => `${n},${n}`),
      fc.integer().map((n) => `${n},-1`),
      fc.constantFrom('NaN,NaN', 'Infinity,1', '1e308,1', '0x10,0', ' 1, 2', '1,2,3', ',', '9'.repeat(8000)),
    );
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(ids, async (id) => {
        runs++;
        const answer = await sse(id.trim() === '' ? 'x' : id);
        assert.equal(answer.status, 200, `${JSON.stringify(id.slice(0, 60))}: ${answer.body?.slice(0, 200)}`);
        // Not a position of this stream: fresh snapshots, never a guess at a position.
        if (!/^\d{1,16},\d{1,16}$/.test(id.trim())) {
          assert.ok(answer.first !== undefined, `no event after ${JSON.stringify(id.slice(0, 60))}`);
          assert.equal((JSON.parse(answer.first) as { type: string }).type, 'snapshot');
        }
      }),
      { seed: SEED, numRuns: 60 },
    );
    assert.equal(runs, 60);
    await alive();
  });

  /** POST /graphql: the HTTP status and body; a GraphQL answer is JSON with data or errors. */
  async function graphql(body: string): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
      signal: AbortSignal.timeout(TIMEOUT_MS * 2),
    });
    const text = await res.text();
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      assert.fail(`not JSON (${res.status}): ${text.slice(0, 200)}`);
    }
    return { status: res.status, json };
  }

  /** Refused with a reason: a 4xx, or a 200 with `errors` whose messages say what was wrong. */
  function refusedWithReason(answer: { status: number; json: Record<string, unknown> }, what: string): void {
    assert.ok(answer.status < 500, `${what}: ${answer.status} ${JSON.stringify(answer.json).slice(0, 300)}`);
    const errors = (answer.json.errors ??
      (answer.json.error === undefined ? undefined : [answer.json.error])) as
      Array<{ message?: string }> | undefined;
    assert.ok(
      errors !== undefined && errors.length > 0,
      `${what}: no error: ${JSON.stringify(answer.json).slice(0, 300)}`,
    );
    for (const e of errors) assert.ok(typeof e.message === 'string' && e.message !== '', what);
    assert.doesNotMatch(JSON.stringify(answer.json), /\n\s+at |node_modules/, `${what}: a stack trace`);
  }

  it('GraphQL: random documents, depth and cost bombs, alias bombs and huge variables are refused with a reason', async () => {
    const tokens = [
      '{',
      '}',
      '(',
      ')',
      ':',
      '...',
      '@',
      '$',
      '!',
      '[',
      ']',
      'query',
      'subscription',
      'fragment',
      'on',
      'candles',
      'stats',
      'symbol',
      '"FUZZ"',
      'interval',
      '"1m"',
      'limit',
      '99999999999',
      '-1',
      'a',
      '__typename',
      '__schema',
      'types',
      'name',
      '#',
      '\u0000',
      '"',
      '\\u',
      'fields',
      'marketData',
      'open',
    ];
    const documents = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.array(fc.constantFrom(...tokens), { maxLength: 60 }).map((t) => t.join(' ')),
    );
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(documents, async (document) => {
        runs++;
        const answer = await graphql(JSON.stringify({ query: document }));
        assert.ok(answer.status < 500, `${JSON.stringify(document)}: ${answer.status}`);
        if (answer.json.data === undefined || answer.json.data === null) refusedWithReason(answer, document);
      }),
      { seed: SEED, numRuns: 150 },
    );
    assert.equal(runs, 150);

    const hostile: Record<string, string> = {
      // Introspection nested far past streams.graphqlMaxDepth (8).
      depth: JSON.stringify({
        query: `{ __schema { types { ${'fields { type { ofType { '.repeat(30)}name${' } } }'.repeat(30)} } } }`,
      }),
      // 5,000 aliases of the costliest field: over streams.graphqlMaxCost.
      aliases: JSON.stringify({
        query: `{ ${Array.from({ length: 5000 }, (_, i) => `a${i}: candles(symbol: "FUZZ", interval: "1m", limit: 5000) { open }`).join(' ')} }`,
      }),
      // One field with a 10,000-deep selection of __typename fragments spread into each other.
      fragments: JSON.stringify({
        query: `{ ...F0 } ${Array.from({ length: 2000 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} }`).join(' ')} fragment F2000 on Query { symbols }`,
      }),
      cycle: JSON.stringify({ query: '{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }' }),
      // A 2 MB variable.
      variable: JSON.stringify({
        query: 'query ($s: String!) { stats(symbol: $s) { symbol } }',
        variables: { s: 'X'.repeat(2_000_000) },
      }),
      // Written by hand: JSON.stringify itself cannot nest this deep.
      'deep variable': `{"query":"query ($s: String!) { stats(symbol: $s) { symbol } }","variables":{"s":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`,
      'wrong variable type': JSON.stringify({
        query: 'query ($l: Int) { anomalies(limit: $l) { symbol } }',
        variables: { l: 1e308 },
      }),
    };
    // A chain of fragment spreads flattens to one field: answered (or refused) promptly is right.
    const chain = await graphql(hostile.fragments!);
    assert.ok(chain.status === 200 || chain.status === 400, `fragments: ${chain.status}`);
    delete hostile.fragments;
    for (const [what, body] of Object.entries(hostile)) refusedWithReason(await graphql(body), what);
    await alive();
  });

  /** A client that sends bytes as they are: the payload is whatever the test wrote. */
  const Raw = makeGenericClientConstructor(
    {
      GetAggregate: {
        path: '/marketdata.MarketDataService/GetAggregate',
        requestStream: false,
        responseStream: false,
        requestSerialize: (b: Buffer) => b,
        requestDeserialize: (b: Buffer) => b,
        responseSerialize: (b: Buffer) => b,
        responseDeserialize: (b: Buffer) => b,
      },
      StreamTicks: {
        path: '/marketdata.MarketDataService/StreamTicks',
        requestStream: true,
        responseStream: false,
        requestSerialize: (b: Buffer) => b,
        requestDeserialize: (b: Buffer) => b,
        responseSerialize: (b: Buffer) => b,
        responseDeserialize: (b: Buffer) => b,
      },
    },
    'Raw',
  );

  it('gRPC: random bytes as protobuf messages end the call with a status, never a crash', async () => {
    const client = new Raw(
      `127.0.0.1:${server.grpc!.port}`,
      (await import('@grpc/grpc-js')).credentials.createInsecure(),
    ) as unknown as {
      GetAggregate(b: Buffer, m: Metadata, cb: (err: ServiceError | null) => void): void;
      StreamTicks(
        m: Metadata,
        cb: (err: ServiceError | null, ack?: Buffer) => void,
      ): { write(b: Buffer): boolean; end(): void };
      close(): void;
    };
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${token}`);
    const statuses = new Map<string, number>();
    const count = (err: ServiceError | null): void => {
      const name = err === null ? 'OK' : status[err.code];
      statuses.set(name, (statuses.get(name) ?? 0) + 1);
    };
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 300 }),
          fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 8 }),
          async (one, many) => {
            const unary = await new Promise<ServiceError | null>((resolve) =>
              client.GetAggregate(Buffer.from(one), metadata, resolve),
            );
            count(unary);
            if (unary !== null)
              assert.ok(
                [status.INVALID_ARGUMENT, status.INTERNAL, status.NOT_FOUND].includes(unary.code),
                `${status[unary.code]} ${unary.details}`,
              );
            const streamed = await new Promise<ServiceError | null>((resolve) => {
              const call = client.StreamTicks(metadata, (err) => resolve(err));
              for (const m of many) call.write(Buffer.from(m));
              call.end();
            });
            count(streamed);
            if (streamed !== null) assert.ok(streamed.details !== '', 'a reason');
          },
        ),
        { seed: SEED, numRuns: 80 },
      );
    } finally {
      client.close();
    }
    console.log(`# gRPC statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
    await alive();
  });

  it('gRPC: truncated and lying frames get a status or a reset, never a hang', async () => {
    const session = http2Connect(`http://127.0.0.1:${server.grpc!.port}`);
    session.on('error', () => undefined);
    const frames: Array<[string, Buffer]> = [
      [
        'length says 100, 10 bytes come',
        Buffer.concat([Buffer.from([0, 0, 0, 0, 100]), Buffer.alloc(10, 1)]),
      ],
      ['half a frame header', Buffer.from([0, 0, 0])],
      ['compressed flag without a compressor', Buffer.from([1, 0, 0, 0, 2, 10, 0])],
      ['length 4 GiB', Buffer.from([0, 0xff, 0xff, 0xff, 0xff, 1, 2, 3])],
    ];
    const outcomes: string[] = [];
    try {
      for (const [what, bytes] of frames) {
        for (const method of ['GetAggregate', 'StreamTicks']) {
          const outcome = await new Promise<string>((resolve) => {
            const stream = session.request({
              ':method': 'POST',
              ':path': `/marketdata.MarketDataService/${method}`,
              'content-type': 'application/grpc',
              te: 'trailers',
              authorization: `Bearer ${token}`,
            });
            const timer = setTimeout(() => {
              stream.close();
              resolve('hang');
            }, TIMEOUT_MS);
            let grpcStatus: string | undefined;
            stream.on('response', (headers) => (grpcStatus ??= headers['grpc-status'] as string | undefined));
            stream.on(
              'trailers',
              (trailers: Record<string, string | undefined>) => (grpcStatus = trailers['grpc-status']),
            );
            stream.on('data', () => undefined);
            stream.on('close', () => {
              clearTimeout(timer);
              resolve(grpcStatus === undefined ? `reset ${stream.rstCode}` : `status ${grpcStatus}`);
            });
            stream.on('error', () => undefined);
            stream.end(bytes);
          });
          assert.notEqual(outcome, 'hang', `${method}, ${what}`);
          // A client stream whose last message is cut short ends OK with an Ack that counts no
          // tick: grpc-js drops the partial message at the end of the stream (docs/reliability.md).
          if (method !== 'StreamTicks') assert.notEqual(outcome, 'status 0', `${method}, ${what}: accepted`);
          outcomes.push(`${method}, ${what}: ${outcome}`);
        }
      }
    } finally {
      session.close();
    }
    console.log(`# gRPC frames: ${outcomes.join('; ')}`);
    await alive();
  });
});
