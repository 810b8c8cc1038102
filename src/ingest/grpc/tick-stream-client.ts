import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';

import { status } from '@grpc/grpc-js';

import { marketDataService, type AckMessage } from './marketdata-service.js';

/**
 * A `StreamTicks` client that writes many gRPC messages at once, for the load generator and the
 * benchmark. It speaks gRPC over HTTP/2 itself because @grpc/grpc-js's client streams send one
 * message per write callback (one HTTP/2 write per message, each waiting for the previous to
 * flush), which caps a stream at a few thousand messages a second; here a write carries any
 * number of messages framed by the caller (`TickEncoder.grpcFrame`), as a C++ or Java client
 * would batch them. Same wire format, same server.
 */

/** A call that ended with a gRPC status other than OK. */
export class GrpcStatusError extends Error {
  readonly code: status;
  readonly details: string;

  constructor(code: status, details: string) {
    super(`${status[code] ?? code}: ${details}`);
    this.name = 'GrpcStatusError';
    this.code = code;
    this.details = details;
  }
}

const PATH = '/marketdata.MarketDataService/StreamTicks';

export class TickStreamClient {
  readonly #session: ClientHttp2Session;

  private constructor(session: ClientHttp2Session) {
    this.#session = session;
  }

  /** Connects to `host:port` (plaintext HTTP/2, as the server listens). */
  static async connect(address: string): Promise<TickStreamClient> {
    const session = connect(`http://${address}`);
    await new Promise<void>((resolve, reject) => {
      session.once('connect', () => resolve());
      session.once('error', reject);
    });
    session.on('error', () => {}); // reported through the calls
    return new TickStreamClient(session);
  }

  /** Opens a StreamTicks call with extra metadata (`authorization`, `x-api-key`). */
  open(metadata: Readonly<Record<string, string>> = {}): TickStreamCall {
    const stream = this.#session.request({
      ...metadata,
      [constants.HTTP2_HEADER_METHOD]: 'POST',
      [constants.HTTP2_HEADER_PATH]: PATH,
      [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
      te: 'trailers',
    });
    return new TickStreamCall(stream);
  }

  close(): void {
    this.#session.close();
  }
}

export class TickStreamCall {
  readonly #stream: ClientHttp2Stream;
  readonly #result: Promise<AckMessage>;

  constructor(stream: ClientHttp2Stream) {
    this.#stream = stream;
    const chunks: Buffer[] = [];
    let code: number | undefined;
    let details = '';
    const readStatus = (headers: Record<string, string | string[] | number | undefined>): void => {
      const value = headers['grpc-status'];
      if (value !== undefined) {
        code = Number(value);
        const message = headers['grpc-message'];
        details = typeof message === 'string' ? decodeURIComponent(message) : '';
      }
    };
    stream.on('response', readStatus);
    stream.on('trailers', readStatus);
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    this.#result = new Promise((resolve, reject) => {
      stream.on('error', (err: Error) => reject(new GrpcStatusError(status.UNAVAILABLE, err.message)));
      stream.on('close', () => {
        if (code === undefined) {
          reject(new GrpcStatusError(status.UNAVAILABLE, 'the stream closed without a status'));
          return;
        }
        if (code !== 0) {
          reject(new GrpcStatusError(code, details));
          return;
        }
        const body = Buffer.concat(chunks);
        if (body.length < 5) {
          reject(new GrpcStatusError(status.INTERNAL, 'no Ack in the response'));
          return;
        }
        const deserialize = marketDataService().StreamTicks!.responseDeserialize as (
          bytes: Buffer,
        ) => AckMessage;
        resolve(deserialize(body.subarray(5, 5 + body.readUInt32BE(1))));
      });
    });
    // Handled by whoever awaits `end()`; an early failure must not be unhandled meanwhile.
    this.#result.catch(() => {});
  }

  /** Writes gRPC-framed messages; false when the stream's buffer is full (await `drain`). */
  write(framed: Uint8Array): boolean {
    return this.#stream.write(framed);
  }

  drain(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.#stream.off('drain', done);
        this.#stream.off('close', done);
        resolve();
      };
      this.#stream.once('drain', done);
      this.#stream.once('close', done);
    });
  }

  /** Ends the stream; resolves with the Ack, rejects with a GrpcStatusError. */
  end(): Promise<AckMessage> {
    this.#stream.end();
    return this.#result;
  }

  /** The Ack or failure, without ending the stream (it ends when the server ends it). */
  get result(): Promise<AckMessage> {
    return this.#result;
  }
}
