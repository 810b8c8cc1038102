import { status } from '@grpc/grpc-js';

import type { RawTick } from '../../core/tick.js';
import { ErrorCode, TickstreamError } from '../../errors.js';
import { GrpcStatusError, TickStreamClient, type TickStreamCall } from '../grpc/tick-stream-client.js';
import type { AckMessage } from '../grpc/marketdata-service.js';
import { TickEncoder } from '../tick-encoder.js';
import { hostPort, type LoadTarget, type TargetAddress, type TargetAuth } from './load-target.js';
import { toWireTick } from './wire-tick.js';

/** How long one StreamTicks call lasts before the next takes over: its Ack is the progress report. */
const CALL_MS = 1000;

/**
 * `StreamTicks` over one HTTP/2 connection, many messages per write. The server answers once per
 * call, so calls are rotated every second: each Ack brings the accepted and rejected counts.
 */
export class GrpcTarget implements LoadTarget {
  accepted = 0;
  readonly rejected: Record<string, number> = {};
  readonly #client: TickStreamClient;
  readonly #address: TargetAddress;
  readonly #metadata: Record<string, string>;
  readonly #encoder = new TickEncoder();
  readonly #acks: Array<Promise<void>> = [];
  #call: TickStreamCall | undefined;
  #openedAt = 0;
  #failure: TickstreamError | undefined;

  private constructor(client: TickStreamClient, address: TargetAddress, auth: TargetAuth) {
    this.#client = client;
    this.#address = address;
    this.#metadata = {};
    if (auth.token !== undefined) this.#metadata.authorization = `Bearer ${auth.token}`;
    if (auth.apiKey !== undefined) this.#metadata['x-api-key'] = auth.apiKey;
    this.#call = undefined;
    this.#failure = undefined;
  }

  static async open(address: TargetAddress, auth: TargetAuth): Promise<GrpcTarget> {
    try {
      return new GrpcTarget(await TickStreamClient.connect(hostPort(address)), address, auth);
    } catch (err) {
      throw new TickstreamError(
        ErrorCode.TargetUnreachable,
        `grpc target ${hostPort(address)}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  async send(ticks: readonly RawTick[]): Promise<void> {
    this.#throwIfFailed();
    const now = Date.now();
    if (this.#call === undefined || now - this.#openedAt >= CALL_MS) this.#rotate(now);
    for (const tick of ticks) this.#encoder.grpcFrame(toWireTick(tick));
    const call = this.#call!;
    if (!call.write(this.#encoder.take())) await call.drain();
    this.#throwIfFailed();
  }

  /** A failure reported by an event (socket error, refused call) since the last look. */
  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }

  async close(): Promise<void> {
    const call = this.#call;
    this.#call = undefined;
    if (call !== undefined) this.#acks.push(this.#count(call.end()));
    await Promise.all(this.#acks);
    this.#client.close();
    this.#throwIfFailed();
  }

  #rotate(now: number): void {
    const previous = this.#call;
    if (previous !== undefined) this.#acks.push(this.#count(previous.end()));
    const call = this.#client.open(this.#metadata);
    // A refusal (credentials, role) ends the call at once: fail the next send rather than write on.
    call.result.catch((err: unknown) => (this.#failure ??= this.#fail(err)));
    this.#call = call;
    this.#openedAt = now;
  }

  async #count(ack: Promise<AckMessage>): Promise<void> {
    try {
      const counts = parseAck((await ack).message);
      this.accepted += counts.accepted;
      for (const [reason, n] of Object.entries(counts.rejected))
        this.rejected[reason] = (this.rejected[reason] ?? 0) + n;
    } catch (err) {
      this.#failure ??= this.#fail(err);
    }
  }

  #fail(err: unknown): TickstreamError {
    const where = `grpc target ${hostPort(this.#address)}`;
    if (err instanceof GrpcStatusError) {
      const refused =
        err.code === status.UNAUTHENTICATED ||
        err.code === status.PERMISSION_DENIED ||
        err.code === status.INVALID_ARGUMENT ||
        err.code === status.UNIMPLEMENTED;
      return new TickstreamError(
        refused ? ErrorCode.TargetRefused : ErrorCode.TargetUnreachable,
        `${where}: ${err.message}`,
        { cause: err },
      );
    }
    return new TickstreamError(ErrorCode.TargetUnreachable, `${where}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** The counts in an Ack message: `Received N ticks[; rejected M (reason: n, …)]`. */
export function parseAck(message: string): { accepted: number; rejected: Record<string, number> } {
  const m = /^Received (\d+) ticks(?:; rejected \d+ \((.*)\))?$/.exec(message);
  if (m === null) return { accepted: 0, rejected: {} };
  const rejected: Record<string, number> = {};
  for (const part of (m[2] ?? '').split(', ')) {
    const [reason, n] = part.split(': ');
    if (reason !== undefined && reason !== '' && n !== undefined) rejected[reason] = Number(n);
  }
  return { accepted: Number(m[1]), rejected };
}
