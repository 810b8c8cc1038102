import { isIPv4, isIPv6 } from 'node:net';

import type { Logger } from '../../observability/logger.js';
import { RTCPeerConnection, type RTCDataChannel } from 'werift';

import { ANONYMOUS_READER } from '../../auth/roles.js';
import { ErrorCode } from '../../errors.js';
import { SendBuffer, type SendTarget } from '../delivery/send-buffer.js';
import type { Channel, HubSubscriber } from '../hub/channel.js';
import { ChannelKind, type ChannelSpec } from '../hub/channel-name.js';
import { errorJson, gapJson, MessageType, type HubMessage } from '../hub/hub-message.js';
import type { SessionContext } from '../hub/session-context.js';
import { Protocol, type StreamCounters } from '../hub/stream-counters.js';
import { ExpiryTimer } from '../stream-auth.js';
import { parseClientMessage } from '../ws/client-message.js';
import { candidateAddress, filterCandidates, firstMid, isLoopback } from './sdp-candidates.js';
import type { SignalOrigin } from './signaling-relay.js';

/** `compat.cpp.webrtc` (docs/compat.md). */
export interface RtcPeerOptions {
  /** The `targetId` clients address tickstream's peer by, and the `senderId` of its answers. */
  readonly peerId: string;
  /** Peers at once; an offer past it is answered with an ERROR signal. */
  readonly maxPeers: number;
  /** The addresses tickstream offers as ICE host candidates (no STUN or TURN). */
  readonly hostAddresses: readonly string[];
  /** A peer whose data channel is not open this long after its offer is closed. */
  readonly connectTimeoutMs: number;
}

/** The label of the data channel that carries tick updates unordered and without retransmits. */
export const TICKS_LABEL = 'ticks';

/** After the ICE connection reports `disconnected`, how long it may take to come back. */
const DISCONNECTED_GRACE_MS = 5000;

/**
 * tickstream's side of one WebRTC peer connection (docs/streams.md, "WebRTC data channel"),
 * negotiated over the C++/Java server's signalling. The client opens a reliable data channel
 * (any label but `ticks`) and speaks the `/ws` protocol on it: `subscribe`, `unsubscribe`, `ping`.
 * Snapshots, gaps, stats, candles and anomalies come back on it, through the same bounded send
 * buffer as a WebSocket's; tick updates go on the `ticks` channel, unordered with no retransmits
 * (the client's if it opened one, otherwise tickstream opens it), and are dropped rather than
 * queued once that channel is behind. The peer reads with the credentials of the STOMP connection
 * that sent the offer, and ends with its token.
 */
export class RtcPeer implements HubSubscriber, SendTarget<HubMessage> {
  readonly clientId: string;
  readonly origin: SignalOrigin;
  readonly #context: SessionContext;
  readonly #options: RtcPeerOptions;
  readonly #log: Logger;
  readonly #onClosed: (peer: RtcPeer, reason: string) => void;
  readonly #pc: RTCPeerConnection;
  readonly #counters: StreamCounters;
  readonly #buffer: SendBuffer<HubMessage>;
  readonly #expiry: ExpiryTimer;
  readonly #channels = new Map<string, Channel>();
  readonly #anonymous: boolean;
  #control: RTCDataChannel | undefined;
  #ticks: RTCDataChannel | undefined;
  /** Whether `#ticks` is one tickstream opened (a client's own, arriving later, replaces it). */
  #ticksOwn = false;
  #remoteSet: Promise<void> | undefined;
  #remoteMid: string | undefined;
  #connectTimer: NodeJS.Timeout | undefined;
  #disconnectTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    context: SessionContext,
    options: RtcPeerOptions,
    clientId: string,
    origin: SignalOrigin,
    log: Logger,
    onClosed: (peer: RtcPeer, reason: string) => void,
  ) {
    this.clientId = clientId;
    this.origin = origin;
    this.#context = context;
    this.#options = options;
    this.#log = log;
    this.#onClosed = onClosed;
    this.#anonymous = origin.principal === ANONYMOUS_READER;
    this.#counters = context.counters(Protocol.WebRtc);
    this.#buffer = new SendBuffer<HubMessage>(this, context.options, this.#counters, context.drainWatch);
    this.#expiry = new ExpiryTimer(() => this.#expired());
    this.#counters.connections++;
    this.#counters.opened++;

    const hosts = options.hostAddresses;
    const ipv4 = hosts.filter((h) => isIPv4(h));
    this.#pc = new RTCPeerConnection({
      // No STUN or TURN (werift asks a public STUN server by default): host candidates only.
      iceServers: [],
      iceUseIpv4: ipv4.length > 0,
      iceUseIpv6: hosts.some((h) => isIPv6(h)),
      iceAdditionalHostAddresses: [...hosts],
      // One IPv4 address: bind the sockets to it, so a loopback server is not reachable from outside.
      ...(ipv4.length === 1 && hosts.length === 1 ? { iceInterfaceAddresses: { udp4: ipv4[0] } } : {}),
      iceFilterCandidatePair: (pair) => this.#allowRemote(pair.remoteCandidate.host),
    });
    this.#pc.onDataChannel.subscribe((channel) => this.#adopt(channel));
    this.#pc.connectionStateChange.subscribe((state) => {
      if (state === 'failed' || state === 'closed') this.close(`connection ${state}`);
    });
    this.#pc.iceConnectionStateChange.subscribe((state) => {
      clearTimeout(this.#disconnectTimer);
      if (state === 'disconnected') {
        this.#disconnectTimer = setTimeout(() => this.close('ICE disconnected'), DISCONNECTED_GRACE_MS);
        this.#disconnectTimer.unref();
      }
    });
    this.#expiry.set(origin.principal);
    this.#connectTimer = setTimeout(
      () => this.close('no data channel opened in time'),
      options.connectTimeoutMs,
    );
    this.#connectTimer.unref();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Takes the client's offer and returns tickstream's answer, with every candidate gathered. */
  async answer(offerSdp: string): Promise<string> {
    const sdp = filterCandidates(offerSdp, (a) => this.#allowRemote(a));
    this.#remoteMid = firstMid(sdp);
    this.#remoteSet = this.#pc.setRemoteDescription({ type: 'offer', sdp });
    await this.#remoteSet;
    await this.#pc.setLocalDescription(await this.#pc.createAnswer());
    if (this.#pc.iceGatheringState !== 'complete') {
      await new Promise<void>((resolve) => {
        const { unSubscribe } = this.#pc.iceGatheringStateChange.subscribe((state) => {
          if (state === 'complete') {
            unSubscribe();
            resolve();
          }
        });
      });
    }
    const local = this.#pc.localDescription?.sdp;
    if (local === undefined) throw new Error('no local description');
    const hosts = new Set(this.#options.hostAddresses);
    return filterCandidates(local, (address) => hosts.has(address));
  }

  /**
   * A client's trickled candidate: a `candidate:…` line, or the JSON of an RTCIceCandidate
   * (`{candidate, sdpMid, sdpMLineIndex}`), since the signal carries it as a string. Candidates
   * the server must not try are ignored.
   */
  async addCandidate(text: string): Promise<void> {
    let init: { candidate: string; sdpMid?: string | undefined; sdpMLineIndex?: number | undefined };
    if (text.trimStart().startsWith('{')) {
      const value = JSON.parse(text) as { candidate?: unknown; sdpMid?: unknown; sdpMLineIndex?: unknown };
      if (typeof value.candidate !== 'string') return;
      init = {
        candidate: value.candidate,
        sdpMid: typeof value.sdpMid === 'string' ? value.sdpMid : this.#remoteMid,
        sdpMLineIndex: typeof value.sdpMLineIndex === 'number' ? value.sdpMLineIndex : 0,
      };
    } else
      init = {
        candidate: text.startsWith('a=') ? text.slice(2) : text,
        sdpMid: this.#remoteMid,
        sdpMLineIndex: 0,
      };
    if (init.candidate === '') return; // end of candidates
    const address = candidateAddress(init.candidate);
    if (address === undefined || !this.#allowRemote(address)) return;
    await this.#remoteSet;
    if (this.#closed) return;
    await this.#pc.addIceCandidate(init);
  }

  // --- hub → client -------------------------------------------------------------------------

  deliver(message: HubMessage): void {
    const ticks = this.#ticks;
    if (
      message.type === MessageType.Update &&
      message.channel.kind === ChannelKind.Ticks &&
      ticks !== undefined &&
      ticks.readyState === 'open'
    ) {
      // Unreliable by design: a tick that cannot leave now is worth less than the next one.
      if (ticks.bufferedAmount > this.#context.options.sendBufferBytes) this.#counters.dropped++;
      else {
        ticks.send(message.json);
        this.#counters.sent++;
      }
      return;
    }
    this.#buffer.send(message);
  }

  bufferedBytes(): number {
    return this.#control?.bufferedAmount ?? 0;
  }

  write(message: HubMessage): void {
    this.#sendControl(message.json);
  }

  writeGap(channel: Channel, from: number, to: number): void {
    this.#sendControl(gapJson(channel.nameJson, from, to));
  }

  closeSlow(reason: string): void {
    this.close(reason);
  }

  // --- client → hub -------------------------------------------------------------------------

  #adopt(channel: RTCDataChannel): void {
    if (this.#closed) return;
    if (channel.label === TICKS_LABEL) {
      // The client's channel-open messages race each other: its own ticks channel may come
      // after the control channel opened and tickstream made one. The client's wins.
      if (this.#ticksOwn) this.#ticks?.close();
      if (this.#ticks === undefined || this.#ticksOwn) {
        this.#ticks = channel;
        this.#ticksOwn = false;
      } else channel.close();
      return;
    }
    if (this.#control !== undefined) {
      channel.close();
      return;
    }
    this.#control = channel;
    channel.onMessage.subscribe((data) => this.#onMessage(data));
    channel.stateChanged.subscribe((state) => {
      if (state === 'open') this.#opened();
      else if (state === 'closed' || state === 'closing') this.close('data channel closed');
    });
    if (channel.readyState === 'open') this.#opened();
  }

  #opened(): void {
    clearTimeout(this.#connectTimer);
    this.#log.info({ client: this.clientId }, 'webrtc peer connected');
  }

  /** Opens the ticks channel when the client has not (by its first message, its own is usually here). */
  #ensureTicks(): void {
    if (this.#ticks !== undefined || this.#closed) return;
    this.#ticks = this.#pc.createDataChannel(TICKS_LABEL, { ordered: false, maxRetransmits: 0 });
    this.#ticksOwn = true;
  }

  #onMessage(data: string | Buffer): void {
    if (this.#closed) return;
    if (typeof data !== 'string') {
      this.#error('binary messages are not supported: send JSON text');
      return;
    }
    if (data.length > this.#context.options.maxMessageBytes) {
      this.#error(`messages are at most ${this.#context.options.maxMessageBytes} bytes`);
      return;
    }
    const message = parseClientMessage(data, this.#context.options.maxChannelsPerConnection);
    if ('error' in message) {
      this.#error(message.error);
      return;
    }
    switch (message.op) {
      case 'subscribe':
        this.#ensureTicks();
        this.#subscribe(message.channels, message.fromSeq);
        break;
      case 'unsubscribe':
        this.#unsubscribe(message.channels);
        break;
      case 'ping':
        this.#sendControl('{"op":"pong"}');
        break;
      case 'auth':
        this.#error('a peer reads with the credentials of the STOMP connection that sent its offer');
        break;
    }
  }

  #subscribe(names: readonly string[], fromSeq: Readonly<Record<string, number>> | undefined): void {
    const specs = new Map<string, { spec: ChannelSpec; fromSeq: number | undefined }>();
    for (const name of names) {
      const spec = this.#context.parse(name);
      if (typeof spec === 'string') {
        this.#error(spec);
        return;
      }
      if (this.#anonymous && spec.kind === ChannelKind.Replays) {
        this.#sendControl(errorJson(ErrorCode.AuthRequired, 'without credentials replays may not be read'));
        this.#counters.authFailures++;
        return;
      }
      specs.set(spec.name, { spec, fromSeq: fromSeq?.[name] ?? fromSeq?.[spec.name] });
    }
    let added = 0;
    for (const name of specs.keys()) if (!this.#channels.has(name)) added++;
    const limit = this.#context.options.maxChannelsPerConnection;
    if (this.#channels.size + added > limit) {
      this.#error(`at most ${limit} channels per connection`);
      return;
    }
    this.#sendControl(JSON.stringify({ op: 'subscribed', channels: [...specs.keys()] }));
    for (const [name, { spec, fromSeq: from }] of specs) {
      const existing = this.#channels.get(name);
      if (existing !== undefined) this.#buffer.forget(existing);
      const { channel, initial } = this.#context.subscribe(this, spec, { fromSeq: from });
      this.#channels.set(name, channel);
      for (const message of initial) this.#buffer.send(message);
    }
  }

  #unsubscribe(names: readonly string[]): void {
    const removed: string[] = [];
    for (const name of names) {
      const spec = this.#context.parse(name);
      const key = typeof spec === 'string' ? name : spec.name;
      const channel = this.#channels.get(key);
      if (channel === undefined) continue;
      this.#context.unsubscribe(this, channel);
      this.#buffer.forget(channel);
      this.#channels.delete(key);
      removed.push(key);
    }
    this.#sendControl(JSON.stringify({ op: 'unsubscribed', channels: removed }));
  }

  #error(message: string): void {
    this.#counters.badMessages++;
    this.#sendControl(errorJson(ErrorCode.BadRequest, message));
  }

  #sendControl(json: string): void {
    const control = this.#control;
    if (!this.#closed && control !== undefined && control.readyState === 'open') control.send(json);
  }

  #expired(): void {
    this.#counters.authFailures++;
    this.#sendControl(
      errorJson(ErrorCode.TokenExpired, 'the access token expired: negotiate again with a fresh one'),
    );
    this.close('token expired');
  }

  /** Remote addresses tickstream may send to: never mDNS names; only loopback from a loopback server. */
  #allowRemote(address: string): boolean {
    if (address.endsWith('.local')) return false;
    const hosts = this.#options.hostAddresses;
    return hosts.every(isLoopback) ? isLoopback(address) : true;
  }

  /** Ends the peer: its channels, subscriptions and timers (once). */
  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#connectTimer);
    clearTimeout(this.#disconnectTimer);
    this.#expiry.cancel();
    this.#buffer.dispose();
    for (const channel of this.#channels.values()) this.#context.unsubscribe(this, channel);
    this.#channels.clear();
    this.#counters.connections--;
    this.#pc.close().catch((err: unknown) => {
      this.#log.debug({ err }, 'webrtc close failed');
    });
    this.#log.info({ client: this.clientId, reason }, 'webrtc peer closed');
    this.#onClosed(this, reason);
  }
}
