import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import {
  credentials,
  loadPackageDefinition,
  Metadata,
  status,
  type Client,
  type ClientReadableStream,
  type GrpcObject,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadFileDescriptorSetFromBuffer, loadSync } from '@grpc/proto-loader';

import type { Role } from '../../auth/roles.js';
import { DayAggregates } from '../../engine/day-aggregates.js';
import type { Admission, TickEvent } from '../../engine/engine.js';
import { TickstreamError, ErrorCode } from '../../errors.js';
import { createLogger } from '../../observability/logger.js';
import { concat, engine, varint } from '../ingest.test-support.js';
import { TickEncoder } from '../tick-encoder.js';
import type { Authenticator } from './authenticator.js';
import { AddressList } from '../tcp/allow-list.js';
import { peerAddress } from './authenticator.js';
import { GrpcServer, type GrpcServerOptions } from './grpc-server.js';
import {
  marketDataPackage,
  MarketDataClient,
  type AckMessage,
  type AggregateMessage,
} from './marketdata-service.js';
import { TickStreamClient, type GrpcStatusError } from './tick-stream-client.js';

const NOW = Date.UTC(2024, 0, 2, 12);
const DAY_START = Date.UTC(2024, 0, 2);

type Call = (...args: unknown[]) => unknown;
/** A client as the earlier system's clients are: generated from the proto by proto-loader. */
type Stub = Client & Record<string, Call>;

const logger = createLogger({ level: 'silent' });
const servers: GrpcServer[] = [];
const clients: Client[] = [];

async function start(options: Omit<GrpcServerOptions, 'aggregates'> = {}) {
  const e = engine();
  // Fed by the engine's ticks, as src/main.ts wires them.
  const aggregates = new DayAggregates();
  e.on('tick', aggregates.onTick);
  const server = await GrpcServer.start(e, { host: '127.0.0.1', port: 0 }, logger, {
    now: () => NOW,
    aggregates,
    ...options,
  });
  servers.push(server);
  const pkg = loadPackageDefinition(marketDataPackage()) as GrpcObject & {
    marketdata: { MarketDataService: ServiceClientConstructor };
    grpc: { health: { v1: { Health: ServiceClientConstructor } } };
  };
  const address = `127.0.0.1:${server.port}`;
  const client = new pkg.marketdata.MarketDataService(
    address,
    credentials.createInsecure(),
  ) as unknown as Stub;
  const health = new pkg.grpc.health.v1.Health(address, credentials.createInsecure()) as unknown as Stub;
  const raw = new MarketDataClient(address, credentials.createInsecure()) as unknown as Stub;
  clients.push(client, health, raw);
  return { engine: e, server, client, health, raw, address };
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => s.stop({ drainTimeoutMs: 200 })));
});

/** StreamTicks: writes the messages, ends, resolves with the Ack or rejects with the status. */
function streamTicks(
  client: Stub,
  messages: readonly unknown[],
  metadata = new Metadata(),
): Promise<AckMessage> {
  return new Promise((resolve, reject) => {
    const call = client.StreamTicks!(metadata, (err: ServiceError | null, ack: AckMessage) =>
      err === null ? resolve(ack) : reject(err),
    ) as { write(m: unknown): boolean; end(): void };
    for (const m of messages) call.write(m);
    call.end();
  });
}

function getAggregate(client: Stub, symbol: string, metadata = new Metadata()): Promise<AggregateMessage> {
  return new Promise((resolve, reject) => {
    client.GetAggregate!({ symbol }, metadata, (err: ServiceError | null, a: AggregateMessage) =>
      err === null ? resolve(a) : reject(err),
    );
  });
}

function code(expected: status) {
  return (err: ServiceError) => {
    assert.equal(err.code, expected, `${status[err.code]}: ${err.details}`);
    return true;
  };
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe('gRPC StreamTicks', () => {
  it('ingests ticks from a proto-loader client, with exact ns → ms, and acks the count', async () => {
    const { engine, client } = await start();
    const seen: Array<Partial<TickEvent>> = [];
    engine.on('tick', ({ symbol, ts, price, volume, seq, source, receivedAt }) =>
      seen.push({ symbol, ts, price, volume, seq, source, receivedAt }),
    );
    const ack = await streamTicks(client, [
      {
        symbol: ' btc-usd',
        price: 25741.02,
        volume: '0',
        fractional_volume: 0.0219,
        exchange_timestamp: '1704196800123999999',
        seq: '7',
      },
      { symbol: 'AAPL', price: 189.5, volume: '100', ingest_timestamp: '5' },
    ]);
    assert.deepEqual(ack, { success: true, message: 'Received 2 ticks' });
    assert.deepEqual(seen, [
      {
        symbol: 'BTC-USD',
        ts: 1_704_196_800_123,
        price: 25741.02,
        volume: 0.0219,
        seq: 7,
        source: 'grpc',
        receivedAt: NOW,
      },
      { symbol: 'AAPL', ts: NOW, price: 189.5, volume: 100, seq: undefined, source: 'grpc', receivedAt: NOW },
    ]);
  });

  it('reports rejected ticks per reason in the Ack, and a stream of only invalid ticks as such', async () => {
    const { client, raw, server } = await start();
    const some = await streamTicks(client, [
      { symbol: 'AAPL', price: 1 },
      { symbol: 'AAPL', price: -1 },
      { symbol: '', price: 1 },
      { symbol: 'AAPL', price: 2 },
    ]);
    assert.deepEqual(some, {
      success: true,
      message: 'Received 2 ticks; rejected 2 (invalid_price: 1, invalid_symbol: 1)',
    });
    const none = await streamTicks(raw, [
      new Uint8Array([0x11, 1, 2]),
      new TickEncoder().message({ symbol: 'X', price: 0 }).take(),
    ]);
    assert.deepEqual(none, {
      success: false,
      message: 'Received 0 ticks; rejected 2 (invalid_price: 1, malformed: 1)',
    });
    assert.deepEqual(await streamTicks(client, []), { success: true, message: 'Received 0 ticks' });
    await until(
      () => server.counters().tickStreams === 3 && server.counters().openTickStreams === 0,
      'counters',
    );
    assert.deepEqual(server.counters().rejected, { invalid_price: 2, invalid_symbol: 1, malformed: 1 });
    assert.equal(server.counters().accepted, 2);
  });

  it('pauses the stream while the downstream is full and loses nothing', async () => {
    let room = 0;
    const admission: Admission = { available: () => room };
    const { engine, raw } = await start({ admission, batchSize: 100 });
    const encoder = new TickEncoder();
    const messages = Array.from({ length: 5000 }, (_, i) =>
      encoder.message({ symbol: 'X', price: 1 + (i % 5), seq: i, timestamp: NOW - 10 }).take(),
    );
    let gaps = 0;
    engine.on('gap', () => gaps++);
    const acked = streamTicks(raw, messages);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(engine.counters().accepted, 0);
    room = 1_000_000;
    assert.deepEqual(await acked, { success: true, message: 'Received 5000 ticks' });
    assert.equal(engine.counters().rejected.overloaded, 0);
    assert.equal(gaps, 0);
  });
});

describe('gRPC GetAggregate and StreamAggregates', () => {
  const ticks = [
    { symbol: 'AAPL', price: 10, volume: 2, timestamp: DAY_START + 1000 },
    { symbol: 'AAPL', price: 12, volume: 1.5, timestamp: DAY_START + 3000 },
    { symbol: 'AAPL', price: 9, volume: 1, timestamp: DAY_START + 2000 },
  ];

  it('answers the UTC-day aggregate, with int64 nanoseconds exact', async () => {
    const { engine, client } = await start();
    engine.ingest(ticks, 'test', NOW);
    const a = await getAggregate(client, ' aapl ');
    assert.deepEqual(a, {
      symbol: 'AAPL',
      open: 10,
      high: 12,
      low: 9,
      close: 12,
      volume: '4',
      timestamp: `${DAY_START + 3000}000000`,
      fractional_volume: 4.5,
      trades: '3',
      day_start: `${DAY_START}000000`,
      vwap: (10 * 2 + 12 * 1.5 + 9) / 4.5,
      _vwap: 'vwap',
    });
  });

  it('answers UNAVAILABLE for reads on a cluster node without the api role, and still takes ticks', async () => {
    const { engine, client } = await start({ reads: false });
    engine.ingest(ticks, 'test', NOW);
    await assert.rejects(getAggregate(client, 'AAPL'), code(status.UNAVAILABLE));
    const call = client.StreamAggregates!({ symbol: 'AAPL' }) as ClientReadableStream<AggregateMessage>;
    const error = await new Promise<ServiceError>((resolve) => call.on('error', resolve));
    assert.equal(error.code, status.UNAVAILABLE);
    assert.match(error.details, /no api role/);
  });

  it('answers NOT_FOUND for an unknown symbol and INVALID_ARGUMENT for a bad one', async () => {
    const { client } = await start();
    await assert.rejects(getAggregate(client, 'NOPE'), code(status.NOT_FOUND));
    await assert.rejects(getAggregate(client, 'not a symbol'), code(status.INVALID_ARGUMENT));
    await assert.rejects(getAggregate(client, ''), code(status.INVALID_ARGUMENT));
  });

  it('streams the current aggregate first, then every update', async () => {
    const { engine, client } = await start();
    engine.ingest(ticks.slice(0, 1), 'test', NOW);
    const call = client.StreamAggregates!({ symbol: 'AAPL' }) as ClientReadableStream<AggregateMessage>;
    const got: AggregateMessage[] = [];
    call.on('data', (a: AggregateMessage) => got.push(a));
    call.on('error', () => {});
    await until(() => got.length === 1, 'the current aggregate');
    engine.ingest(ticks.slice(1), 'test', NOW);
    engine.ingest([{ symbol: 'MSFT', price: 1 }], 'test', NOW);
    await until(() => got.length === 3, 'two updates');
    assert.deepEqual(
      got.map((a) => [a.open, a.high, a.low, a.close, a.trades]),
      [
        [10, 10, 10, 10, '1'],
        [10, 12, 10, 12, '2'],
        [10, 12, 9, 12, '3'],
      ],
    );
    call.cancel();
  });

  it('starts an unknown symbol with nothing and sends its first tick; refuses a bad symbol', async () => {
    const { engine, client } = await start();
    const call = client.StreamAggregates!({ symbol: 'NEW' }) as ClientReadableStream<AggregateMessage>;
    const got: AggregateMessage[] = [];
    call.on('data', (a: AggregateMessage) => got.push(a));
    call.on('error', () => {});
    await new Promise((resolve) => setTimeout(resolve, 30));
    engine.ingest([{ symbol: 'NEW', price: 5, timestamp: NOW }], 'test', NOW);
    await until(() => got.length === 1, 'the first update');
    assert.equal(got[0]?.close, 5);
    call.cancel();
    const bad = client.StreamAggregates!({ symbol: '???' }) as ClientReadableStream<AggregateMessage>;
    const error = await new Promise<ServiceError>((resolve) => bad.on('error', resolve));
    assert.equal(error.code, status.INVALID_ARGUMENT);
  });

  it('removes the listener when the client cancels: many short-lived streams leave none', async () => {
    const { engine, client, server } = await start();
    engine.ingest(ticks, 'test', NOW);
    for (let round = 0; round < 10; round++) {
      const calls = Array.from({ length: 20 }, () => {
        const call = client.StreamAggregates!({ symbol: 'AAPL' }) as ClientReadableStream<AggregateMessage>;
        call.on('error', () => {});
        return new Promise<ClientReadableStream<AggregateMessage>>((resolve) =>
          call.once('data', () => resolve(call)),
        );
      });
      for (const call of await Promise.all(calls)) call.cancel();
    }
    await until(() => server.aggregates.listenerCount() === 0, 'every listener to be removed');
    await until(() => server.counters().aggregateStreams === 0, 'every stream to be forgotten');
  });

  it('ends aggregate streams when the server stops', async () => {
    const { client, server } = await start();
    const call = client.StreamAggregates!({ symbol: 'AAPL' }) as ClientReadableStream<AggregateMessage>;
    call.on('error', () => {});
    await until(() => server.counters().aggregateStreams === 1, 'the stream');
    const ended = new Promise<{ code: status }>((resolve) => call.on('status', resolve));
    await server.stop({ drainTimeoutMs: 1000 });
    assert.equal((await ended).code, status.OK);
  });
});

describe('gRPC auth', () => {
  const principals: Record<string, Role> = { 'w-token': 'writer', 'r-token': 'reader', 'r-key': 'reader' };
  const authenticator: Authenticator = {
    authenticate: ({ bearer, apiKey }) => {
      if (bearer === 'expired')
        return Promise.reject(new TickstreamError(ErrorCode.UsageInvalid, 'token expired'));
      if (bearer === 'broken') return Promise.reject(new Error('database down'));
      const role = principals[bearer ?? apiKey ?? ''];
      return Promise.resolve(role === undefined ? undefined : { role });
    },
  };
  const meta = (entries: Record<string, string>) => {
    const m = new Metadata();
    for (const [k, v] of Object.entries(entries)) m.set(k, v);
    return m;
  };

  it('requires credentials, and the writer role for StreamTicks', async () => {
    const { client, server } = await start({ authenticator });
    const tick = { symbol: 'AAPL', price: 1 };
    await assert.rejects(streamTicks(client, [tick]), code(status.UNAUTHENTICATED));
    await assert.rejects(
      streamTicks(client, [tick], meta({ authorization: 'Bearer nope' })),
      code(status.UNAUTHENTICATED),
    );
    await assert.rejects(
      streamTicks(client, [tick], meta({ authorization: 'Basic abc' })),
      code(status.UNAUTHENTICATED),
    );
    await assert.rejects(
      streamTicks(client, [tick], meta({ authorization: 'Bearer expired' })),
      code(status.UNAUTHENTICATED),
    );
    await assert.rejects(
      streamTicks(client, [tick], meta({ authorization: 'Bearer broken' })),
      code(status.UNAVAILABLE),
    );
    await assert.rejects(
      streamTicks(client, [tick], meta({ authorization: 'Bearer r-token' })),
      code(status.PERMISSION_DENIED),
    );
    await assert.rejects(
      streamTicks(client, [tick], meta({ 'x-api-key': 'r-key' })),
      code(status.PERMISSION_DENIED),
    );
    assert.deepEqual(await streamTicks(client, [tick], meta({ authorization: 'Bearer w-token' })), {
      success: true,
      message: 'Received 1 ticks',
    });
    assert.equal(server.counters().accepted, 1);
    assert.equal(server.counters().refused, 7);
  });

  it('takes calls without metadata from grpc.allowAnonymous addresses as the writer (the C++/Java clients)', async () => {
    const tick = { symbol: 'AAPL', price: 1 };
    const allowed = await start({ authenticator, anonymousFrom: new AddressList(['127.0.0.0/8'], 'test') });
    assert.deepEqual(await streamTicks(allowed.client, [tick]), {
      success: true,
      message: 'Received 1 ticks',
    });
    // Credentials given are still checked.
    await assert.rejects(
      streamTicks(allowed.client, [tick], meta({ authorization: 'Bearer r-token' })),
      code(status.PERMISSION_DENIED),
    );
    const elsewhere = await start({ authenticator, anonymousFrom: new AddressList(['10.0.0.0/8'], 'test') });
    await assert.rejects(streamTicks(elsewhere.client, [tick]), code(status.UNAUTHENTICATED));
    const none = await start({ authenticator, anonymousFrom: new AddressList([], 'test') });
    await assert.rejects(streamTicks(none.client, [tick]), code(status.UNAUTHENTICATED));
  });

  it('reads the peer address of grpc-js', () => {
    assert.equal(peerAddress('ipv4:127.0.0.1:50123'), '127.0.0.1');
    assert.equal(peerAddress('ipv6:[::1]:50123'), '::1');
    assert.equal(peerAddress('127.0.0.1:50123'), '127.0.0.1');
    assert.equal(peerAddress('[::ffff:127.0.0.1]:50123'), '::ffff:127.0.0.1');
    assert.equal(peerAddress('unix:/tmp/x'), undefined);
  });

  it('takes many messages per write from the batching client, and reports a refusal as a status', async () => {
    const { address, server } = await start({ authenticator });
    const encoder = new TickEncoder();
    for (let i = 0; i < 1000; i++)
      encoder.grpcFrame({ symbol: `S${i % 10}`, price: 1 + i, seq: Math.floor(i / 10) });
    const bytes = encoder.take();
    const connection = await TickStreamClient.connect(address);
    try {
      const call = connection.open({ authorization: 'Bearer w-token' });
      // Cut anywhere: gRPC messages may span writes.
      for (let at = 0; at < bytes.length; at += 777) call.write(bytes.subarray(at, at + 777));
      assert.deepEqual(await call.end(), { success: true, message: 'Received 1000 ticks' });
      assert.equal(server.counters().accepted, 1000);
      const refused = connection.open({ 'x-api-key': 'r-key' });
      refused.write(bytes.subarray(0, 100));
      await assert.rejects(
        refused.end(),
        (err: GrpcStatusError) => err.code === status.PERMISSION_DENIED && /writer role/.test(err.details),
      );
    } finally {
      connection.close();
    }
  });

  it('lets readers (and writers) read; refuses calls without credentials', async () => {
    const { engine, client } = await start({ authenticator });
    engine.ingest([{ symbol: 'AAPL', price: 3, timestamp: NOW }], 'test', NOW);
    await assert.rejects(getAggregate(client, 'AAPL'), code(status.UNAUTHENTICATED));
    assert.equal((await getAggregate(client, 'AAPL', meta({ 'x-api-key': 'r-key' }))).close, 3);
    assert.equal((await getAggregate(client, 'AAPL', meta({ authorization: 'bearer w-token' }))).close, 3);
    const call = client.StreamAggregates!({ symbol: 'AAPL' }) as ClientReadableStream<AggregateMessage>;
    const error = await new Promise<ServiceError>((resolve) => call.on('error', resolve));
    assert.equal(error.code, status.UNAUTHENTICATED);
  });
});

describe('gRPC health and reflection', () => {
  it('serves the standard health service', async () => {
    const { health } = await start();
    for (const service of ['', 'marketdata.MarketDataService']) {
      const answer = await new Promise<{ status: string }>((resolve, reject) =>
        health.Check!({ service }, (err: ServiceError | null, r: { status: string }) =>
          err ? reject(err) : resolve(r),
        ),
      );
      assert.equal(answer.status, 'SERVING');
    }
  });

  it('describes its services through reflection, the proto additions included', async () => {
    const { address } = await start();
    const reflectionProto = join(
      dirname(fileURLToPath(import.meta.resolve('@grpc/reflection'))),
      '../proto/grpc/reflection/v1/reflection.proto',
    );
    const pkg = loadPackageDefinition(loadSync(reflectionProto, { keepCase: true })) as GrpcObject & {
      grpc: { reflection: { v1: { ServerReflection: ServiceClientConstructor } } };
    };
    const reflection = new pkg.grpc.reflection.v1.ServerReflection(
      address,
      credentials.createInsecure(),
    ) as unknown as Stub;
    clients.push(reflection);
    const ask = (request: Record<string, string>) =>
      new Promise<Record<string, { [k: string]: unknown }>>((resolve, reject) => {
        const call = reflection.ServerReflectionInfo!() as {
          on(e: string, f: (x: never) => void): void;
          write(m: unknown): void;
          end(): void;
        };
        call.on('data', resolve);
        call.on('error', reject);
        call.write(request);
        call.end();
      });
    const list = await ask({ list_services: '' });
    const names = (list.list_services_response!.service as Array<{ name: string }>).map((s) => s.name);
    assert.ok(names.includes('marketdata.MarketDataService'), names.join());
    assert.ok(names.includes('grpc.health.v1.Health'), names.join());
    const files = await ask({ file_containing_symbol: 'marketdata.Tick' });
    // A FileDescriptorSet is its files as field 1: what a tool builds its client from.
    const set = concat(
      (files.file_descriptor_response!.file_descriptor_proto as Buffer[]).flatMap((b) => [
        [0x0a, ...varint(b.length)],
        b,
      ]),
    );
    const described = loadFileDescriptorSetFromBuffer(Buffer.from(set), { keepCase: true });
    const tick = described['marketdata.Tick'] as { type: { field: Array<{ name: string; number: number }> } };
    assert.deepEqual(
      tick.type.field.map((f) => [f.name, f.number]),
      [
        ['symbol', 1],
        ['price', 2],
        ['volume', 3],
        ['exchange_timestamp', 4],
        ['ingest_timestamp', 5],
        ['seq', 6],
        ['id', 7],
        ['fractional_volume', 8],
      ],
    );
    assert.ok('StreamAggregates' in (described['marketdata.MarketDataService'] as object));
  });
});
