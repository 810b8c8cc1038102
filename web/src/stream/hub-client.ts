import { systemClock, type Clock } from '../clock';
import { backoffDelayMs, DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
import { ChannelSequencer, type ChannelEvent } from './channel-sequencer';
import {
  CloseCode,
  isChannelMessage,
  parseServerMessages,
  TOKEN_EXPIRED,
  type ClientMessage,
  type ServerMessage,
} from './hub-messages';

/** The part of the browser's WebSocket the client uses, so tests can hand in a fake. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type SocketFactory = (url: string) => SocketLike;

const SOCKET_OPEN = 1;

export const HubStatus = {
  /** First connection attempt under way. */
  Connecting: 'connecting',
  Open: 'open',
  /** Lost or refused; the next attempt is scheduled at `nextRetryAt`. */
  Reconnecting: 'reconnecting',
  /** Stopped: signed out or disposed. */
  Stopped: 'stopped',
} as const;
export type HubStatus = (typeof HubStatus)[keyof typeof HubStatus];

export interface HubState {
  status: HubStatus;
  /** Consecutive failed attempts since the last healthy connection. */
  attempt: number;
  nextRetryAt: number | null;
  /** Connections established after the first one. */
  reconnects: number;
  connectedAt: number | null;
  lastError: string | null;
}

export type ChannelHandler = (event: ChannelEvent) => void;

export interface HubClientOptions {
  /** `ws://host/ws`; the access token is added as `access_token`. */
  url: string;
  /** A current access token (refreshed when close to expiry), or null when signed out. */
  getToken: () => Promise<string | null>;
  /** The hub refused an expired token: refresh it. Null means signed out: the client stops. */
  renewToken: () => Promise<string | null>;
  createSocket?: SocketFactory;
  clock?: Clock;
  random?: () => number;
  backoff?: BackoffOptions;
  /** How often to ping an open connection. */
  pingIntervalMs?: number;
  /** Reconnect when nothing at all arrived for this long. */
  idleTimeoutMs?: number;
}

/**
 * The dashboard's connection to the hub: ref-counted channel subscriptions, sequence tracking
 * per channel, and reconnect with exponential backoff that resumes each channel from the last
 * `seq` it saw (`fromSeq`), so a short outage loses nothing.
 */
export class HubClient {
  readonly #options: Required<Omit<HubClientOptions, 'createSocket'>> & { createSocket: SocketFactory };
  readonly #sequencer = new ChannelSequencer();
  readonly #handlers = new Map<string, Set<ChannelHandler>>();
  readonly #stateListeners = new Set<() => void>();
  /** Channels the open socket has been asked to send. */
  #serverChannels = new Set<string>();
  #pendingUnsubscribe = new Set<string>();
  #flushQueued = false;
  #socket: SocketLike | null = null;
  #started = false;
  /** Bumped by stop(): a connect still awaiting its token from before then must give up. */
  #generation = 0;
  #everOpened = false;
  #tokenExpired = false;
  #retryTimer: unknown = null;
  #pingTimer: unknown = null;
  #lastMessageAt = 0;
  #state: HubState = {
    status: HubStatus.Stopped,
    attempt: 0,
    nextRetryAt: null,
    reconnects: 0,
    connectedAt: null,
    lastError: null,
  };

  constructor(options: HubClientOptions) {
    this.#options = {
      clock: systemClock,
      random: Math.random,
      backoff: DEFAULT_BACKOFF,
      pingIntervalMs: 20_000,
      idleTimeoutMs: 60_000,
      createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
      ...options,
    };
  }

  get state(): HubState {
    return this.#state;
  }

  readonly onStateChange = (listener: () => void): (() => void) => {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  };

  start(): void {
    if (this.#started) return;
    this.#started = true;
    void this.#connect();
  }

  stop(): void {
    this.#started = false;
    this.#generation++;
    this.#clearTimers();
    const socket = this.#socket;
    this.#socket = null;
    if (socket) {
      socket.onclose = null;
      socket.close(1000, 'client stopped');
    }
    this.#setState({ status: HubStatus.Stopped, nextRetryAt: null });
  }

  /** Skips the wait of a scheduled reconnect (the banner's "Retry now", the browser going online). */
  retryNow(): void {
    if (!this.#started || this.#state.status !== HubStatus.Reconnecting || this.#socket) return;
    this.#options.clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    void this.#connect();
  }

  /** Hands a refreshed access token to the open connection, so the hub does not close it at expiry. */
  updateToken(token: string): void {
    this.#send({ op: 'auth', token });
  }

  /** Listens to a channel; the returned function stops listening. */
  subscribe(channel: string, handler: ChannelHandler): () => void {
    let handlers = this.#handlers.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.#handlers.set(channel, handlers);
      this.#queueFlush();
    }
    handlers.add(handler);
    return () => this.#unsubscribe(channel, handler);
  }

  #unsubscribe(channel: string, handler: ChannelHandler): void {
    const handlers = this.#handlers.get(channel);
    if (!handlers?.delete(handler) || handlers.size > 0) return;
    this.#handlers.delete(channel);
    this.#sequencer.forget(channel);
    this.#pendingUnsubscribe.add(channel);
    this.#queueFlush();
  }

  // Subscriptions made in one tick (a render mounting several panels) go out as one message.
  #queueFlush(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(() => {
      this.#flushQueued = false;
      this.#flush();
    });
  }

  #flush(): void {
    const unsubscribe = [...this.#pendingUnsubscribe].filter((channel) => this.#serverChannels.has(channel));
    this.#pendingUnsubscribe.clear();
    if (!this.#isOpen()) return; // on open, everything current is subscribed anyway
    // Unsubscribe first: a channel dropped and taken again in one tick gets a fresh snapshot.
    if (unsubscribe.length > 0) {
      for (const channel of unsubscribe) this.#serverChannels.delete(channel);
      this.#send({ op: 'unsubscribe', channels: unsubscribe });
    }
    const subscribe = [...this.#handlers.keys()].filter((channel) => !this.#serverChannels.has(channel));
    if (subscribe.length > 0) {
      for (const channel of subscribe) this.#serverChannels.add(channel);
      this.#send({ op: 'subscribe', channels: subscribe });
    }
  }

  async #connect(): Promise<void> {
    const generation = this.#generation;
    this.#retryTimer = null;
    this.#setState({
      status: this.#everOpened || this.#state.attempt > 0 ? HubStatus.Reconnecting : HubStatus.Connecting,
      nextRetryAt: null,
    });
    let token: string | null;
    try {
      token = await this.#options.getToken();
    } catch {
      token = null;
    }
    if (!this.#started || generation !== this.#generation) return;
    if (!token) {
      this.stop();
      return;
    }
    const url = new URL(this.#options.url);
    url.searchParams.set('access_token', token);
    let socket: SocketLike;
    try {
      socket = this.#options.createSocket(url.toString());
    } catch (err) {
      this.#scheduleReconnect(err instanceof Error ? err.message : 'cannot open a WebSocket');
      return;
    }
    this.#socket = socket;
    this.#tokenExpired = false;
    socket.onopen = () => this.#onOpen(socket);
    socket.onmessage = (event) => this.#onMessage(socket, event.data);
    socket.onclose = (event) => this.#onClose(socket, event.code, event.reason);
    socket.onerror = () => {
      // The close event follows with what there is to know.
    };
  }

  #onOpen(socket: SocketLike): void {
    if (socket !== this.#socket) return;
    const now = this.#options.clock.now();
    this.#lastMessageAt = now;
    const channels = [...this.#handlers.keys()];
    this.#serverChannels = new Set(channels);
    this.#pendingUnsubscribe.clear();
    if (channels.length > 0) {
      const fromSeq = this.#sequencer.resumePoints(channels);
      this.#send(
        Object.keys(fromSeq).length > 0
          ? { op: 'subscribe', channels, fromSeq }
          : { op: 'subscribe', channels },
      );
    }
    const reconnects = this.#everOpened ? this.#state.reconnects + 1 : this.#state.reconnects;
    this.#everOpened = true;
    this.#setState({ status: HubStatus.Open, connectedAt: now, nextRetryAt: null, reconnects });
    this.#schedulePing();
  }

  #onMessage(socket: SocketLike, data: unknown): void {
    if (socket !== this.#socket || typeof data !== 'string') return;
    this.#lastMessageAt = this.#options.clock.now();
    for (const message of parseServerMessages(data)) this.#dispatch(message);
  }

  #dispatch(message: ServerMessage): void {
    if (isChannelMessage(message)) {
      // A message on a channel means the connection is past auth and subscribe: healthy again.
      if (this.#state.attempt > 0 || this.#state.lastError) this.#setState({ attempt: 0, lastError: null });
      const handlers = this.#handlers.get(message.channel);
      if (!handlers) return; // unsubscribed meanwhile
      for (const event of this.#sequencer.accept(message)) {
        for (const handler of [...handlers]) {
          try {
            handler(event);
          } catch (err) {
            console.error(`hub: handler for ${message.channel} failed`, err);
          }
        }
      }
      return;
    }
    if (message.op === 'subscribed') {
      if (this.#state.attempt > 0) this.#setState({ attempt: 0 });
    } else if (message.op === 'error') {
      const { code, message: text } = message as { code?: string; message?: string };
      if (code === TOKEN_EXPIRED) this.#tokenExpired = true;
      else console.warn(`hub: ${code ?? 'error'}: ${text ?? ''}`);
    }
  }

  #onClose(socket: SocketLike, code: number, reason: string): void {
    if (socket !== this.#socket) return;
    this.#socket = null;
    this.#serverChannels.clear();
    this.#options.clock.clearTimeout(this.#pingTimer);
    this.#pingTimer = null;
    if (!this.#started) return;
    if (code === CloseCode.TokenExpired || this.#tokenExpired) {
      void this.#renewAndReconnect();
      return;
    }
    this.#scheduleReconnect(describeClose(code, reason));
  }

  async #renewAndReconnect(): Promise<void> {
    const generation = this.#generation;
    const attempt = this.#state.attempt + 1;
    this.#setState({ status: HubStatus.Reconnecting, attempt, lastError: 'access token expired' });
    let token: string | null = null;
    try {
      token = await this.#options.renewToken();
    } catch {
      // Server unreachable: back off; getToken tries the refresh again before the next attempt.
      if (generation === this.#generation) {
        this.#scheduleReconnect('access token expired; the server cannot be reached', attempt);
      }
      return;
    }
    if (!this.#started || generation !== this.#generation) return;
    if (!token) {
      this.stop();
      return;
    }
    // Straight back with the fresh token, unless the hub keeps refusing (a clock far off).
    if (attempt <= 1) void this.#connect();
    else this.#scheduleReconnect('access token refused', attempt);
  }

  #scheduleReconnect(error: string, attempt = this.#state.attempt + 1): void {
    if (!this.#started) return;
    const delay = backoffDelayMs(attempt, this.#options.random, this.#options.backoff);
    const nextRetryAt = this.#options.clock.now() + delay;
    this.#setState({ status: HubStatus.Reconnecting, attempt, nextRetryAt, lastError: error });
    this.#options.clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = this.#options.clock.setTimeout(() => void this.#connect(), delay);
  }

  #schedulePing(): void {
    const { clock, pingIntervalMs, idleTimeoutMs } = this.#options;
    this.#pingTimer = clock.setTimeout(() => {
      const socket = this.#socket;
      if (!socket || !this.#isOpen()) return;
      if (clock.now() - this.#lastMessageAt >= idleTimeoutMs) {
        // A silently dead connection (sleep, network switch) never fires close by itself.
        this.#onClose(socket, 4000, 'no messages');
        socket.onclose = null;
        socket.close(4000, 'idle');
        return;
      }
      this.#send({ op: 'ping' });
      this.#schedulePing();
    }, pingIntervalMs);
  }

  #isOpen(): boolean {
    return this.#socket !== null && this.#socket.readyState === SOCKET_OPEN;
  }

  #send(message: ClientMessage): void {
    if (!this.#isOpen()) return;
    this.#socket?.send(JSON.stringify(message));
  }

  #clearTimers(): void {
    this.#options.clock.clearTimeout(this.#retryTimer);
    this.#options.clock.clearTimeout(this.#pingTimer);
    this.#retryTimer = null;
    this.#pingTimer = null;
  }

  #setState(patch: Partial<HubState>): void {
    this.#state = { ...this.#state, ...patch };
    for (const listener of [...this.#stateListeners]) listener();
  }
}

function describeClose(code: number, reason: string): string {
  if (code === CloseCode.SlowConsumer) return 'the connection fell behind and was closed by the server';
  if (reason) return `${reason} (code ${code})`;
  if (code === 1006 || code === 0) return 'connection lost';
  return `closed (code ${code})`;
}
