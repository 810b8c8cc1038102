import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';

import type { AuthService } from '../../auth/auth-service.js';
import { normalizeSymbol } from '../../core/tick.js';
import { ALL_SYMBOLS } from '../hub/channel-name.js';
import type { DayMessage } from '../compat/day-feed.js';
import type { Hub } from '../hub/hub.js';
import { SendBuffer, SLOW_CLOSE_GRACE_MS, type SendTarget } from '../delivery/send-buffer.js';
import {
  authenticateStream,
  authFailure,
  CloseCode,
  closeCodeOf,
  credentialsOf,
  ExpiryTimer,
} from '../stream-auth.js';
import { Protocol, type StreamCounters } from '../hub/stream-counters.js';
import { WsWriter } from '../delivery/ws-writer.js';

/**
 * `/ws/marketdata?symbol=AAPL`: the earlier C++/Java system's raw feed. Every update of the
 * symbol's current UTC day as `{symbol, open, high, low, close, volume, timestamp}` (numbers;
 * `timestamp` is the event time of the day's latest tick in epoch ms), the current one first.
 * Without `symbol`, every symbol. Nothing is read from the client. Credentials as for `/ws`, at
 * connect only; refused ones and expiry close the socket with 4401.
 */
export class MarketDataSession implements SendTarget<DayMessage> {
  readonly #hub: Hub;
  readonly #auth: AuthService;
  readonly #socket: WebSocket;
  readonly #request: FastifyRequest;
  readonly #writer: WsWriter;
  readonly #counters: StreamCounters;
  readonly #buffer: SendBuffer<DayMessage>;
  readonly #expiry: ExpiryTimer;
  #stop: (() => void) | undefined;
  #closed = false;

  constructor(hub: Hub, auth: AuthService, socket: WebSocket, request: FastifyRequest) {
    this.#hub = hub;
    this.#auth = auth;
    this.#socket = socket;
    this.#request = request;
    this.#writer = new WsWriter(socket, request.raw.socket, hub.batcher);
    this.#counters = hub.counters(Protocol.MarketData);
    this.#buffer = new SendBuffer<DayMessage>(this, hub.options, this.#counters, hub.drainWatch);
    this.#expiry = new ExpiryTimer(() => {
      this.#counters.authFailures++;
      this.#close(CloseCode.Unauthorized, 'TOKEN_EXPIRED');
    });
  }

  start(): void {
    this.#counters.connections++;
    this.#counters.opened++;
    this.#socket.on('close', () => this.#dispose());
    const raw = (this.#request.query as Record<string, unknown>).symbol;
    let symbol: string | undefined = ALL_SYMBOLS;
    if (typeof raw === 'string' && raw !== '') symbol = normalizeSymbol(raw);
    if (symbol === undefined) {
      this.#close(CloseCode.BadRequest, 'BAD_REQUEST: symbol is not a symbol');
      return;
    }
    void this.#open(symbol);
  }

  async #open(symbol: string): Promise<void> {
    try {
      this.#expiry.set(await authenticateStream(this.#auth, credentialsOf(this.#request)));
    } catch (err) {
      const { code } = authFailure(err);
      this.#counters.authFailures++;
      this.#close(closeCodeOf(code), code);
      return;
    }
    if (this.#closed) return;
    const days = this.#hub.days;
    for (const message of symbol === ALL_SYMBOLS ? days.all() : [days.current(symbol)]) {
      if (message !== undefined) this.#buffer.send(message);
    }
    this.#stop = days.subscribe(symbol, (message) => this.#buffer.send(message));
  }

  bufferedBytes(): number {
    return this.#writer.bufferedBytes();
  }

  write(message: DayMessage): void {
    this.#writer.send(message.bytes);
  }

  writeGap(): void {
    // Day aggregates conflate: nothing is ever dropped.
  }

  closeSlow(reason: string): void {
    this.#request.log.warn({ protocol: Protocol.MarketData, reason }, 'slow consumer closed');
    this.#close(CloseCode.SlowConsumer, reason);
    setTimeout(() => this.#socket.terminate(), SLOW_CLOSE_GRACE_MS).unref();
  }

  #close(code: number, reason: string): void {
    if (this.#closed) return;
    this.#socket.close(code, reason.slice(0, 120));
    this.#dispose();
  }

  #dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#counters.connections--;
    this.#expiry.cancel();
    this.#buffer.dispose();
    this.#stop?.();
  }
}
