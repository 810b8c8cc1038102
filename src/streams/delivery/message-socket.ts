import type { RawData } from 'ws';

/**
 * The message connection a session talks through: a `ws` WebSocket, or a SockJS session that
 * carries the same messages over HTTP (src/streams/sockjs/). A session that uses only this does
 * not care which transport is underneath.
 */
export interface MessageSocket {
  /** Bytes sent but not yet taken by the kernel. */
  readonly bufferedAmount: number;
  send(data: Buffer | string, options?: { binary?: boolean }): void;
  close(code?: number, reason?: string): void;
  /** Drops the connection without a closing handshake. */
  terminate(): void;
  on(event: 'message', listener: (data: RawData, isBinary: boolean) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
}

/** A byte stream whose writes can be held back and sent together (a TCP socket). */
export interface Corkable {
  cork(): void;
  uncork(): void;
}
