import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';

import type { AuthService } from '../../auth/auth-service.js';
import { normalizeSymbol } from '../../core/tick.js';
import type { DayMessage } from '../compat/day-feed.js';
import { WebSocketSession } from '../delivery/web-socket-session.js';
import { ALL_SYMBOLS } from '../hub/channel-name.js';
import type { SessionContext } from '../hub/session-context.js';
import { Protocol } from '../hub/stream-counters.js';
import {
  authenticateStreamOrAnonymous,
  authFailure,
  CloseCode,
  closeCodeOf,
  credentialsOf,
} from '../stream-auth.js';

/**
 * `/ws/marketdata?symbol=AAPL`: the earlier C++/Java system's raw feed. Every update of the
 * symbol's current UTC day as `{symbol, open, high, low, close, volume, timestamp}` (numbers;
 * `timestamp` is the event time of the day's latest tick in epoch nanoseconds, as its producers'
 * `exchange_timestamp` was), the current one first. Without `symbol`, every symbol. Nothing is
 * read from the client. Credentials as for `/ws`, at connect only (none needed when the C++/Java
 * policy allows anonymous reads); refused ones and expiry close the socket with 4401.
 */
export class MarketDataSession extends WebSocketSession<DayMessage> {
  #stop: (() => void) | undefined;

  readonly #anonymous: boolean;

  /** `anonymous`: a client without credentials is let in (the C++/Java server's policy). */
  constructor(
    context: SessionContext,
    auth: AuthService,
    socket: WebSocket,
    request: FastifyRequest,
    anonymous = false,
  ) {
    super(context, auth, Protocol.MarketData, socket, request);
    this.#anonymous = anonymous;
  }

  protected opened(): void {
    const raw = (this.request.query as Record<string, unknown>).symbol;
    let symbol: string | undefined = ALL_SYMBOLS;
    if (typeof raw === 'string' && raw !== '') symbol = normalizeSymbol(raw);
    if (symbol === undefined) {
      this.close(CloseCode.BadRequest, 'BAD_REQUEST: symbol is not a symbol');
      return;
    }
    void this.#open(symbol);
  }

  async #open(symbol: string): Promise<void> {
    try {
      this.expiry.set(
        await authenticateStreamOrAnonymous(this.auth, credentialsOf(this.request), this.#anonymous),
      );
    } catch (err) {
      const { code } = authFailure(err);
      this.counters.authFailures++;
      this.close(closeCodeOf(code), code);
      return;
    }
    if (this.closed) return;
    const days = this.context.days;
    for (const message of symbol === ALL_SYMBOLS ? days.all() : [days.current(symbol)]) {
      if (message !== undefined) this.buffer.send(message);
    }
    this.#stop = days.subscribe(symbol, (message) => this.buffer.send(message));
  }

  write(message: DayMessage): void {
    this.writer.send(message.bytes);
  }

  writeGap(): void {
    // Day aggregates conflate: nothing is ever dropped.
  }

  protected expired(): void {
    this.counters.authFailures++;
    this.close(CloseCode.Unauthorized, 'TOKEN_EXPIRED');
  }

  protected release(): void {
    this.#stop?.();
  }
}
