/**
 * Scenario `grpc`: StreamTicks ticks/s from a client process over loopback into the engine (all
 * analytics on, day aggregates kept), over one stream and over eight at once.
 *
 * Input: 1,000 symbols drawn at random, random-walk prices, whole volumes, no exchange timestamp
 * (the receive time counts), encoded once by the client; each tick is one gRPC message.
 *
 * Two clients: @grpc/grpc-js (what a Node client of the earlier system uses; it sends one message
 * per HTTP/2 write and waits for each to flush, so it, not the server, sets the pace: tens of
 * thousands of messages a second at first, about 8,000 once a stream has sent a few hundred KB),
 * and a client that writes the same messages 64 KiB at a time (tick-stream-client.ts; what a C++
 * or Java client's buffered writes look like), which shows what the server itself takes.
 *
 * Ceiling: a gRPC server whose StreamTicks only counts the messages and acks, with the same
 * client. The client measures from its first write to the last Ack.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

import {
  credentials,
  Server,
  ServerCredentials,
  type sendUnaryData,
  type ServerReadableStream,
  type ServiceError,
} from '@grpc/grpc-js';

import { DayAggregates } from '../src/engine/day-aggregates.js';
import { Random } from '../src/feeds/random.js';
import { GrpcServer } from '../src/ingest/grpc/grpc-server.js';
import {
  MarketDataClient,
  marketDataService,
  type AckMessage,
} from '../src/ingest/grpc/marketdata-service.js';
import { TickStreamClient } from '../src/ingest/grpc/tick-stream-client.js';
import { TickEncoder } from '../src/ingest/tick-encoder.js';
import { createLogger } from '../src/observability/logger.js';
import { printTable, writeResult } from './report.js';
import { engine } from './tcp.bench.js';

const SYMBOLS = 1000;

interface ClientResult {
  readonly seconds: number;
  readonly accepted: number;
}

type ClientKind = 'grpc-js' | 'batched';

/** The client process: `streams` StreamTicks calls at once, `total` ticks among them. */
async function client(kind: ClientKind, port: number, total: number, streams: number): Promise<void> {
  const random = new Random('tickstream-grpc-bench');
  const names = Array.from({ length: SYMBOLS }, (_, i) => `SYM${String(i).padStart(4, '0')}`);
  const prices = new Float64Array(SYMBOLS).fill(100);
  const encoder = new TickEncoder(total * 35);
  const ends = new Int32Array(total);
  for (let i = 0; i < total; i++) {
    const k = random.int(SYMBOLS);
    prices[k] = prices[k]! * (1 + (random.next() - 0.5) * 0.001);
    const tick = { symbol: names[k]!, price: prices[k], volume: 1 + random.int(1000) };
    if (kind === 'batched') encoder.grpcFrame(tick);
    else encoder.message(tick);
    ends[i] = encoder.length;
  }
  const bytes = encoder.take();
  const at = (i: number): number => (i === 0 ? 0 : ends[i - 1]!);
  const ranges = Array.from({ length: streams }, (_, s) => [
    Math.floor((s * total) / streams),
    Math.floor(((s + 1) * total) / streams),
  ]);
  let acks: AckMessage[];
  const start = process.hrtime.bigint();
  if (kind === 'batched') {
    const connection = await TickStreamClient.connect(`127.0.0.1:${port}`);
    acks = await Promise.all(
      ranges.map(async ([from, to]) => {
        const call = connection.open();
        const end = at(to!);
        for (let p = at(from!); p < end; p += 65_536) {
          if (!call.write(bytes.subarray(p, Math.min(end, p + 65_536)))) await call.drain();
        }
        return call.end();
      }),
    );
    connection.close();
  } else {
    const stub = new MarketDataClient(`127.0.0.1:${port}`, credentials.createInsecure()) as unknown as {
      StreamTicks(cb: (err: ServiceError | null, ack: AckMessage) => void): {
        write(m: Uint8Array): boolean;
        end(): void;
        once(e: 'drain', f: () => void): void;
      };
      close(): void;
    };
    acks = await Promise.all(
      ranges.map(async ([from, to]) => {
        let call: ReturnType<typeof stub.StreamTicks> | undefined;
        const ack = new Promise<AckMessage>((resolve, reject) => {
          call = stub.StreamTicks((err, a) => (err === null ? resolve(a) : reject(err)));
        });
        for (let i = from!; i < to!; i++) {
          if (!call!.write(bytes.subarray(at(i), ends[i])))
            await new Promise<void>((r) => call!.once('drain', r));
        }
        call!.end();
        return ack;
      }),
    );
    stub.close();
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const accepted = acks.reduce((n, a) => n + Number(/Received (\d+)/.exec(a.message)?.[1] ?? 0), 0);
  process.stdout.write(JSON.stringify({ seconds, accepted } satisfies ClientResult) + '\n');
}

function spawnClient(kind: ClientKind, port: number, total: number, streams: number): Promise<ClientResult> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      '--client',
      kind,
      String(port),
      String(total),
      String(streams),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as ClientResult) : reject(new Error(`client exited with ${code}`)),
    ),
  );
}

/** A StreamTicks that counts messages and acks: the ceiling. */
async function discardServer(): Promise<{ port: number; stop: () => Promise<void> }> {
  const server = new Server();
  server.addService(marketDataService(), {
    StreamTicks: (call: ServerReadableStream<Buffer, AckMessage>, callback: sendUnaryData<AckMessage>) => {
      let n = 0;
      call.on('data', () => n++);
      call.on('end', () => callback(null, { success: true, message: `Received ${n} ticks` }));
    },
    GetAggregate: () => {},
    StreamAggregates: () => {},
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return { port, stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())) };
}

export async function run(options: string[]): Promise<void> {
  const quick = options.includes('--quick');
  const logger = createLogger({ level: 'warn' });
  const rows = [];
  const result: Record<string, unknown> = { scenario: 'grpc', symbols: SYMBOLS };
  // grpc-js client streams slow down to about 8,000 messages/s once one has sent a few hundred
  // kilobytes (the same with a server that only counts), so the rows say how long their streams are.
  const cases: Array<[ClientKind, number, number]> = [
    ['grpc-js', 1, 20_000],
    ['grpc-js', 1, 50_000],
    ['grpc-js', 8, 100_000],
    ['batched', 1, quick ? 500_000 : 2_000_000],
    ['batched', 8, quick ? 500_000 : 2_000_000],
  ];
  for (const [kind, streams, total] of cases) {
    const discard = await discardServer();
    const ceiling = await spawnClient(kind, discard.port, total, streams);
    await discard.stop();

    const e = engine();
    e.on('candle', () => {});
    e.on('anomaly', () => {});
    const aggregates = new DayAggregates();
    e.on('tick', aggregates.onTick);
    const grpc = await GrpcServer.start(e, { host: '127.0.0.1', port: 0 }, logger, { aggregates });
    const measured = await spawnClient(kind, grpc.port, total, streams);
    await grpc.stop();
    if (measured.accepted !== total) throw new Error(`only ${measured.accepted} of ${total} ticks accepted`);
    const perSec = total / measured.seconds;
    const ceilingPerSec = total / ceiling.seconds;
    rows.push({
      name: `StreamTicks → engine, ${kind} client, ${streams} stream${streams > 1 ? 's' : ''} of ${(total / streams).toLocaleString('en-US')}`,
      value: perSec,
      unit: 'ticks/s',
      ceiling: ceilingPerSec,
      note: `${measured.accepted.toLocaleString('en-US')} ticks accepted`,
    });
    result[`${kind}-${streams}x${total / streams}`] = {
      ticks: total,
      ticksPerSec: Math.round(perSec),
      ceilingPerSec: Math.round(ceilingPerSec),
      ratio: perSec / ceilingPerSec,
    };
  }
  printTable('grpc', rows);
  console.log(`wrote ${writeResult('grpc', result)}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && process.argv[2] === '--client') {
  await client(
    process.argv[3] as ClientKind,
    Number(process.argv[4]),
    Number(process.argv[5]),
    Number(process.argv[6]),
  );
}
