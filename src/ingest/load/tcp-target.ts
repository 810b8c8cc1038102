import { connect, type Socket } from 'node:net';

import type { RawTick } from '../../core/tick.js';
import { ErrorCode, TickstreamError } from '../../errors.js';
import { TickEncoder } from '../tick-encoder.js';
import { hostPort, type LoadTarget, type TargetAddress } from './load-target.js';
import { toWireTick } from './wire-tick.js';

/** Length-prefixed protobuf frames over one TCP connection. The protocol has no answers. */
export class TcpTarget implements LoadTarget {
  readonly accepted = undefined;
  readonly rejected = {};
  readonly #socket: Socket;
  readonly #encoder = new TickEncoder();
  #failure: TickstreamError | undefined;

  private constructor(socket: Socket, address: TargetAddress) {
    this.#socket = socket;
    this.#failure = undefined;
    socket.on('error', (err) => (this.#failure ??= unreachable(address, err.message, err)));
    socket.on('close', () => (this.#failure ??= unreachable(address, 'the server closed the connection')));
  }

  static async open(address: TargetAddress): Promise<TcpTarget> {
    const socket = connect({ host: address.host, port: address.port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', (err) => reject(unreachable(address, err.message, err)));
    });
    socket.setNoDelay(true);
    return new TcpTarget(socket, address);
  }

  async send(ticks: readonly RawTick[]): Promise<void> {
    this.#throwIfFailed();
    for (const tick of ticks) this.#encoder.frame(toWireTick(tick));
    if (!this.#socket.write(this.#encoder.take())) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.#socket.off('drain', done);
          this.#socket.off('close', done);
          resolve();
        };
        this.#socket.on('drain', done);
        this.#socket.on('close', done);
      });
    }
    this.#throwIfFailed();
  }

  /** A failure reported by an event (socket error, refused call) since the last look. */
  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }

  async close(): Promise<void> {
    this.#throwIfFailed();
    // `end` calls back once everything written is handed to the kernel.
    await new Promise<void>((resolve) => this.#socket.end(resolve));
    this.#socket.destroy();
  }
}

function unreachable(address: TargetAddress, why: string, cause?: unknown): TickstreamError {
  return new TickstreamError(ErrorCode.TargetUnreachable, `tcp target ${hostPort(address)}: ${why}`, {
    cause,
  });
}
