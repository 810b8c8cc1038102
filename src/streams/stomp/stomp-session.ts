import { randomUUID } from 'node:crypto';

import type { FastifyRequest } from 'fastify';
import type { RawData } from 'ws';

import type { AuthService } from '../../auth/auth-service.js';
import { ANONYMOUS_READER } from '../../auth/roles.js';
import { hasCredentials, parseCredentials, type Credentials } from '../../auth/credentials.js';
import { ErrorCode } from '../../errors.js';
import type { Channel, HubSubscriber } from '../hub/channel.js';
import { ALL_SYMBOLS, ChannelKind } from '../hub/channel-name.js';
import type { HubMessage, Outgoing } from '../hub/hub-message.js';
import type { SessionContext } from '../hub/session-context.js';
import type { Corkable, MessageSocket } from '../delivery/message-socket.js';
import { WebSocketSession } from '../delivery/web-socket-session.js';
import { parseDestination } from './stomp-destination.js';
import {
  encodeFrame,
  escapeHeader,
  escapingOf,
  negotiateVersion,
  parseHeartBeat,
  STOMP_VERSIONS,
  type StompVersion,
} from './stomp-frame.js';
import { StompParser, type StompFrame } from './stomp-parser.js';
import {
  authenticateStreamOrAnonymous,
  authFailure,
  CloseCode,
  closeCodeOf,
  credentialsOf,
} from '../stream-auth.js';
import { Protocol } from '../hub/stream-counters.js';
import { parseSignalingMessage } from '../webrtc/signaling-message.js';
import type { SignalingRelay, SignalOrigin } from '../webrtc/signaling-relay.js';

const MAX_HEADERS = 64;
/** Frames that may wait while the CONNECT credentials are being checked. */
const MAX_QUEUED_FRAMES = 64;
/** A peer that promised heart-beats is given up after this many silent intervals. */
const HEARTBEAT_TOLERANCE = 2;
const SERVER = 'tickstream/0.1';
/** The C++/Java server's WebRTC signalling: SEND here (its `/app` prefix), relayed on the topic. */
const SIGNAL_DESTINATION = '/app/signal';
const SIGNALING_TOPIC = '/topic/signaling';

/** One SUBSCRIBE of a connection. Its name keys the send buffer, so conflation is per subscription. */
interface StompSubscription {
  readonly id: string;
  readonly name: string;
  /** `destination` and `subscription` headers, escaped once. */
  readonly headers: string;
  /** The client asked for `ack: client` or `client-individual`: MESSAGE frames carry an `ack` header. */
  readonly ack: boolean;
  channel: Channel | undefined;
  stopDay: (() => void) | undefined;
  stopSignals: (() => void) | undefined;
}

/** A MESSAGE for one subscription. */
class StompDelivery implements Outgoing {
  readonly stream: StompSubscription;
  readonly seq: number;
  readonly conflationKey: string | null;
  readonly body: string;

  constructor(subscription: StompSubscription, seq: number, conflationKey: string | null, body: string) {
    this.stream = subscription;
    this.seq = seq;
    this.conflationKey = conflationKey;
    this.body = body;
  }

  get size(): number {
    return this.body.length + 160;
  }
}

const State = { Connecting: 0, Authenticating: 1, Connected: 2 } as const;
type State = (typeof State)[keyof typeof State];

/**
 * One STOMP 1.2 (also 1.1 and 1.0) connection over WebSocket at `/stomp`: CONNECT or STOMP with
 * credentials in headers, SUBSCRIBE / UNSUBSCRIBE to the topics of stomp-destination.ts, RECEIPT
 * for any frame that asks, heart-beating both ways, DISCONNECT. Destinations are read-only: SEND
 * and transactions are refused. Any protocol error is answered with an ERROR frame and the
 * connection is closed, as the specification requires. MESSAGE bodies are JSON.
 */
export class StompSession extends WebSocketSession<StompDelivery> implements HubSubscriber {
  readonly #parser: StompParser;
  readonly #subscriptions = new Map<string, StompSubscription>();
  readonly #byChannel = new Map<Channel, StompSubscription[]>();
  #state: State = State.Connecting;
  #version: StompVersion = '1.2';
  #queue: StompFrame[] = [];
  #messageId = 0;
  #lastReceived = Date.now();
  #lastSent = Date.now();
  #heartbeat: NodeJS.Timeout | undefined;

  readonly #anonymous: boolean;
  /** Whether the peer connected without credentials: it may read only the earlier system's topics. */
  #isAnonymous = false;
  readonly #signaling: SignalingRelay | undefined;
  /** This connection as a signal's sender, once CONNECTed. */
  #origin: SignalOrigin | undefined;
  #signalKey = 0;

  /** `anonymous`: a CONNECT without credentials is let in, for `/topic/market-data/…` only (the C++/Java server's policy). */
  constructor(
    context: SessionContext,
    auth: AuthService,
    socket: MessageSocket,
    request: FastifyRequest,
    anonymous = false,
    raw?: Corkable,
    signaling?: SignalingRelay,
  ) {
    super(context, auth, Protocol.Stomp, socket, request, raw);
    this.#anonymous = anonymous;
    this.#signaling = signaling;
    this.#parser = new StompParser({
      maxFrameBytes: context.options.maxMessageBytes,
      maxHeaders: MAX_HEADERS,
    });
  }

  protected opened(): void {
    this.socket.on('message', (data) => this.#onMessage(data));
    this.startAuthTimer(() => {
      this.#fail(ErrorCode.AuthRequired, 'no CONNECT frame in time', undefined, CloseCode.Unauthorized);
    });
  }

  // --- hub → client -------------------------------------------------------------------------

  deliver(message: HubMessage): void {
    const subscriptions = this.#byChannel.get(message.channel);
    if (subscriptions === undefined) return;
    for (const subscription of subscriptions) {
      this.buffer.send(new StompDelivery(subscription, message.seq, message.conflationKey, message.data));
    }
  }

  write(delivery: StompDelivery): void {
    const id = ++this.#messageId;
    const body = delivery.body;
    const sub = delivery.stream;
    let frame = 'MESSAGE\n' + sub.headers + 'message-id:' + id + '\n';
    if (sub.ack) frame += 'ack:' + id + '\n';
    if (delivery.seq === delivery.seq) frame += 'seq:' + delivery.seq + '\n';
    frame +=
      'content-type:application/json\ncontent-length:' +
      Buffer.byteLength(body, 'utf8') +
      '\n\n' +
      body +
      '\0';
    this.#send(frame);
  }

  writeGap(): void {
    // STOMP has no gaps: dropped messages are only counted.
  }

  #send(text: string): void {
    this.#lastSent = Date.now();
    this.writer.send(text);
  }

  // --- client → server ----------------------------------------------------------------------

  #onMessage(data: RawData): void {
    if (this.closed) return;
    this.#lastReceived = Date.now();
    const bytes = Array.isArray(data)
      ? Buffer.concat(data)
      : data instanceof ArrayBuffer
        ? new Uint8Array(data)
        : data;
    const { frames, error } = this.#parser.push(bytes);
    for (const frame of frames) this.#frame(frame);
    if (error !== undefined) this.#fail(ErrorCode.BadRequest, `malformed frame: ${error}`);
  }

  #frame(frame: StompFrame): void {
    if (this.closed) return;
    if (this.#state === State.Authenticating) {
      if (this.#queue.length >= MAX_QUEUED_FRAMES)
        this.#fail(ErrorCode.BadRequest, 'too many frames before CONNECTED');
      else this.#queue.push(frame);
      return;
    }
    const receipt = frame.headers.get('receipt');
    if (this.#state === State.Connecting) {
      if (frame.command === 'CONNECT' || frame.command === 'STOMP') void this.#connect(frame);
      else
        this.#fail(
          ErrorCode.AuthRequired,
          `expected CONNECT, got ${frame.command.slice(0, 20)}`,
          receipt,
          CloseCode.Unauthorized,
        );
      return;
    }
    switch (frame.command) {
      case 'SUBSCRIBE':
        if (this.#subscribe(frame)) this.#receipt(receipt);
        break;
      case 'UNSUBSCRIBE': {
        const id =
          frame.headers.get('id') ?? (this.#version === '1.0' ? frame.headers.get('destination') : undefined);
        if (id === undefined || !this.#subscriptions.has(id)) {
          this.#fail(ErrorCode.BadRequest, 'UNSUBSCRIBE needs the id of a subscription', receipt);
          return;
        }
        this.#unsubscribe(this.#subscriptions.get(id)!);
        this.#receipt(receipt);
        break;
      }
      case 'ACK':
      case 'NACK':
        // Every subscription is delivered as `auto`: acknowledgements change nothing.
        this.#receipt(receipt);
        break;
      case 'DISCONNECT':
        this.#receipt(receipt);
        this.close(CloseCode.Normal, 'disconnected');
        break;
      case 'SEND':
        if (this.#signal(frame)) this.#receipt(receipt);
        else this.#fail(ErrorCode.BadRequest, 'destinations are read-only: SEND is not supported', receipt);
        break;
      case 'BEGIN':
      case 'COMMIT':
      case 'ABORT':
        this.#fail(ErrorCode.BadRequest, 'transactions are not supported', receipt);
        break;
      case 'CONNECT':
      case 'STOMP':
        this.#fail(ErrorCode.BadRequest, 'already connected', receipt);
        break;
      default:
        this.#fail(ErrorCode.BadRequest, `unknown command ${frame.command.slice(0, 20)}`, receipt);
    }
  }

  async #connect(frame: StompFrame): Promise<void> {
    this.stopAuthTimer();
    const version = negotiateVersion(frame.headers.get('accept-version'));
    if (version === undefined) {
      this.#fail(ErrorCode.BadRequest, `supported versions are ${STOMP_VERSIONS.join(', ')}`);
      return;
    }
    const heartBeat = parseHeartBeat(frame.headers.get('heart-beat'));
    if (heartBeat === undefined) {
      this.#fail(ErrorCode.BadRequest, 'heart-beat must be two numbers of ms: cx,cy');
      return;
    }
    this.#state = State.Authenticating;
    try {
      const principal = await authenticateStreamOrAnonymous(
        this.auth,
        this.#credentials(frame),
        this.#anonymous,
      );
      this.#isAnonymous = principal === ANONYMOUS_READER;
      this.#origin = { principal };
      this.expiry.set(principal);
    } catch (err) {
      const { code, message } = authFailure(err);
      this.#state = State.Connecting; // so the ERROR frame below is still sent
      this.#fail(code, message, frame.headers.get('receipt'), closeCodeOf(code));
      return;
    }
    if (this.#state !== State.Authenticating) return;
    this.#version = version;
    this.#parser.escaping = escapingOf(version);
    this.#state = State.Connected;
    const offer = this.context.options.stompHeartbeatMs;
    this.#send(
      encodeFrame(
        'CONNECTED',
        [
          ['version', version],
          ['heart-beat', `${offer},${offer}`],
          ['server', SERVER],
          ['session', randomUUID()],
        ],
        '',
        'none',
      ),
    );
    this.#startHeartbeat(heartBeat[0], heartBeat[1], offer);
    this.#receipt(frame.headers.get('receipt'));
    const queued = this.#queue;
    this.#queue = [];
    for (const f of queued) this.#frame(f);
  }

  /** Credentials from the CONNECT headers (`Authorization: Bearer`, `passcode`, `x-api-key`), else from the upgrade request. */
  #credentials(frame: StompFrame): Credentials {
    const credentials = parseCredentials({
      authorization: frame.headers.get('Authorization') ?? frame.headers.get('authorization'),
      passcode: frame.headers.get('passcode'),
      apiKey: frame.headers.get('x-api-key'),
      address: this.request.ip,
    });
    return hasCredentials(credentials) ? credentials : credentialsOf(this.request);
  }

  #subscribe(frame: StompFrame): boolean {
    const receipt = frame.headers.get('receipt');
    const destination = frame.headers.get('destination');
    if (destination === undefined) {
      this.#fail(ErrorCode.BadRequest, 'SUBSCRIBE needs a destination', receipt);
      return false;
    }
    const id = frame.headers.get('id') ?? (this.#version === '1.0' ? destination : undefined);
    if (id === undefined) {
      this.#fail(ErrorCode.BadRequest, 'SUBSCRIBE needs an id', receipt);
      return false;
    }
    if (this.#subscriptions.has(id)) {
      this.#fail(
        ErrorCode.BadRequest,
        `subscription id ${JSON.stringify(id.slice(0, 40))} is taken`,
        receipt,
      );
      return false;
    }
    if (this.#subscriptions.size >= this.context.options.maxChannelsPerConnection) {
      this.#fail(
        ErrorCode.BadRequest,
        `at most ${this.context.options.maxChannelsPerConnection} subscriptions per connection`,
        receipt,
      );
      return false;
    }
    if (destination === SIGNALING_TOPIC && this.#signaling !== undefined) {
      this.#subscribeSignals(id, destination, frame.headers.get('ack'), this.#signaling);
      return true;
    }
    const target = parseDestination(destination);
    const spec =
      typeof target === 'string' || target.kind === 'day' ? target : this.context.parse(target.channel);
    if (typeof spec === 'string') {
      this.#fail(ErrorCode.BadRequest, spec, receipt);
      return false;
    }
    if (this.#isAnonymous && spec.kind !== 'day') {
      this.#fail(
        ErrorCode.AuthRequired,
        'without credentials only /topic/market-data/{SYMBOL} may be read',
        receipt,
      );
      return false;
    }
    const escaping = this.#parser.escaping;
    const ackMode = frame.headers.get('ack');
    const subscription: StompSubscription = {
      id,
      name: `stomp:${id}`,
      headers: `destination:${escapeHeader(destination, escaping)}\nsubscription:${escapeHeader(id, escaping)}\n`,
      ack: ackMode === 'client' || ackMode === 'client-individual',
      channel: undefined,
      stopDay: undefined,
      stopSignals: undefined,
    };
    this.#subscriptions.set(id, subscription);
    if (spec.kind === 'day') {
      const symbol = spec.symbol;
      const days = this.context.days;
      for (const message of symbol === ALL_SYMBOLS ? days.all() : [days.current(symbol)]) {
        if (message !== undefined)
          this.buffer.send(
            new StompDelivery(subscription, NaN, message.aggregate.symbol, message.stringsJson),
          );
      }
      subscription.stopDay = days.subscribe(symbol, (message) => {
        this.buffer.send(new StompDelivery(subscription, NaN, message.aggregate.symbol, message.stringsJson));
      });
      return true;
    }
    // A single symbol's channel starts with its current value; lists (anomalies, `*`) only with what comes next.
    const single = spec.symbol !== ALL_SYMBOLS && spec.kind !== ChannelKind.Anomalies;
    const { channel, initial } = this.context.subscribe(this, spec, { initial: single });
    subscription.channel = channel;
    const list = this.#byChannel.get(channel);
    if (list === undefined) this.#byChannel.set(channel, [subscription]);
    else list.push(subscription);
    for (const message of initial) {
      if (message.data !== 'null')
        this.buffer.send(new StompDelivery(subscription, message.seq, message.conflationKey, message.data));
    }
    return true;
  }

  /**
   * `/topic/signaling`: every signal relayed while subscribed, as the earlier gateway wrote it.
   * Signals are never dropped for a slow connection (each has a key of its own), only bounded
   * by the send buffer's hard limit.
   */
  #subscribeSignals(
    id: string,
    destination: string,
    ackMode: string | undefined,
    relay: SignalingRelay,
  ): void {
    const escaping = this.#parser.escaping;
    const subscription: StompSubscription = {
      id,
      name: `stomp:${id}`,
      headers: `destination:${escapeHeader(destination, escaping)}\nsubscription:${escapeHeader(id, escaping)}\n`,
      ack: ackMode === 'client' || ackMode === 'client-individual',
      channel: undefined,
      stopDay: undefined,
      stopSignals: undefined,
    };
    this.#subscriptions.set(id, subscription);
    subscription.stopSignals = relay.subscribe((_message, json) => {
      this.buffer.send(new StompDelivery(subscription, NaN, `#signal${++this.#signalKey}`, json));
    });
  }

  /**
   * A SEND to `/app/signal` (or straight to `/topic/signaling`, which its broker relayed too):
   * relayed to every subscriber of `/topic/signaling`. A body its gateway could not bind was
   * dropped there without an answer, and is here (counted). False: not a signalling destination.
   */
  #signal(frame: StompFrame): boolean {
    const destination = frame.headers.get('destination');
    const relay = this.#signaling;
    if (relay === undefined || (destination !== SIGNAL_DESTINATION && destination !== SIGNALING_TOPIC))
      return false;
    const message = parseSignalingMessage(
      Buffer.from(frame.body.buffer, frame.body.byteOffset, frame.body.byteLength).toString('utf8'),
    );
    if (typeof message === 'string') {
      this.counters.badMessages++;
      relay.refused++;
      return true;
    }
    relay.publish(message, this.#origin);
    return true;
  }

  #unsubscribe(subscription: StompSubscription): void {
    this.#subscriptions.delete(subscription.id);
    this.buffer.forget(subscription);
    subscription.stopDay?.();
    subscription.stopSignals?.();
    const channel = subscription.channel;
    if (channel === undefined) return;
    const list = this.#byChannel.get(channel)!;
    list.splice(list.indexOf(subscription), 1);
    if (list.length === 0) {
      this.#byChannel.delete(channel);
      this.context.unsubscribe(this, channel);
    }
  }

  #receipt(receipt: string | undefined): void {
    if (receipt !== undefined)
      this.#send(encodeFrame('RECEIPT', [['receipt-id', receipt]], '', this.#parser.escaping));
  }

  #startHeartbeat(clientSends: number, clientWants: number, offer: number): void {
    // STOMP 1.1 §Heart-beating: each side sends at the larger of what it offers and what the other wants.
    const outgoingMs = offer > 0 && clientWants > 0 ? Math.max(offer, clientWants) : 0;
    const incomingMs = offer > 0 && clientSends > 0 ? Math.max(offer, clientSends) : 0;
    if (outgoingMs === 0 && incomingMs === 0) return;
    const tickMs = Math.min(...[outgoingMs, incomingMs].filter((ms) => ms > 0));
    this.#heartbeat = setInterval(() => {
      const now = Date.now();
      if (incomingMs > 0 && now - this.#lastReceived > incomingMs * HEARTBEAT_TOLERANCE) {
        this.close(CloseCode.Timeout, 'heart-beat timeout');
        return;
      }
      if (outgoingMs > 0 && now - this.#lastSent >= outgoingMs - tickMs / 2) {
        this.#lastSent = now;
        this.writer.send('\n');
      }
    }, tickMs / 2);
    this.#heartbeat.unref();
  }

  /** An ERROR frame, then the connection closes. */
  #fail(code: string, message: string, receipt?: string, closeCode: number = CloseCode.BadRequest): void {
    if (this.closed) return;
    if (code === ErrorCode.BadRequest) this.counters.badMessages++;
    else if (
      closeCode === CloseCode.Unauthorized ||
      closeCode === CloseCode.Forbidden ||
      closeCode === CloseCode.RateLimited
    )
      this.counters.authFailures++;
    const headers: Array<[string, string]> = [
      ['message', code],
      ['content-type', 'text/plain'],
    ];
    if (receipt !== undefined) headers.push(['receipt-id', receipt]);
    this.#send(encodeFrame('ERROR', headers, message, this.#parser.escaping));
    this.close(closeCode, code);
  }

  protected expired(): void {
    this.#fail(
      ErrorCode.TokenExpired,
      'the access token expired: connect again with a fresh one',
      undefined,
      CloseCode.Unauthorized,
    );
  }

  protected release(): void {
    clearInterval(this.#heartbeat);
    for (const subscription of [...this.#subscriptions.values()]) this.#unsubscribe(subscription);
    this.#queue = [];
  }
}
