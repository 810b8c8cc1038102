import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import type { SessionContext } from '../hub/session-context.js';
import { RtcPeer, type RtcPeerOptions } from './rtc-peer.js';
import { SignalType, type SignalingMessage } from './signaling-message.js';
import type { SignalingRelay, SignalOrigin } from './signaling-relay.js';

/** What happened to offers addressed to tickstream, for `tickstream_webrtc_offers_total`. */
export const OfferResult = {
  Answered: 'answered',
  Refused: 'refused',
  Failed: 'failed',
} as const;
export type OfferResult = (typeof OfferResult)[keyof typeof OfferResult];

/**
 * tickstream as a WebRTC peer (docs/streams.md): listens to the signalling relay for OFFERs and
 * ICE candidates whose `targetId` is `peerId`, answers each offer with a server-side peer
 * (werift, pure TypeScript), and keeps at most `maxPeers` of them. Refusals and failures are told
 * to the client as an `ERROR` signal whose `sdp` field holds the reason. A second offer from the
 * same client replaces its peer; an offer may only replace a peer of the same STOMP connection.
 */
export class RtcPeers {
  readonly #context: SessionContext;
  readonly #relay: SignalingRelay;
  readonly #options: RtcPeerOptions;
  readonly #log: Logger;
  readonly #peers = new Map<string, RtcPeer>();
  readonly #offers: Record<OfferResult, number> = { answered: 0, refused: 0, failed: 0 };
  #stop: (() => void) | undefined;

  constructor(deps: {
    context: SessionContext;
    relay: SignalingRelay;
    options: RtcPeerOptions;
    log: Logger;
    metrics?: Metrics | undefined;
  }) {
    this.#context = deps.context;
    this.#relay = deps.relay;
    this.#options = deps.options;
    this.#log = deps.log;
    deps.metrics?.counterFrom(
      'tickstream_webrtc_offers_total',
      'WebRTC offers addressed to tickstream, by result (answered, refused at the peer limit or for a taken client id, failed).',
      ['result'],
      () => Object.entries(this.#offers).map(([result, n]) => [{ result }, n] as const),
    );
    deps.metrics?.counterFrom(
      'tickstream_webrtc_signals_relayed_total',
      'Signalling messages relayed from /app/signal to /topic/signaling.',
      [],
      () => this.#relay.relayed,
    );
  }

  /** Peers open now. */
  get size(): number {
    return this.#peers.size;
  }

  start(): void {
    this.#stop = this.#relay.subscribe((message, _json, origin) => this.#onSignal(message, origin));
  }

  /** Stops answering and closes every peer. */
  close(): void {
    this.#stop?.();
    for (const peer of [...this.#peers.values()]) peer.close('server closing');
  }

  #onSignal(message: SignalingMessage, origin: SignalOrigin | undefined): void {
    if (origin === undefined || message.targetId !== this.#options.peerId) return;
    const clientId = message.senderId;
    if (clientId === null || clientId === '') return; // nobody to answer
    switch (message.type) {
      case SignalType.Offer:
        void this.#offer(clientId, message.sdp, origin);
        break;
      case SignalType.Ice: {
        const peer = this.#peers.get(clientId);
        if (peer === undefined || peer.origin !== origin || message.candidate === null) return;
        peer.addCandidate(message.candidate).catch((err: unknown) => {
          this.#log.debug({ err, client: clientId }, 'webrtc candidate refused');
        });
        break;
      }
      default:
        break;
    }
  }

  async #offer(clientId: string, sdp: string | null, origin: SignalOrigin): Promise<void> {
    const existing = this.#peers.get(clientId);
    if (existing !== undefined && existing.origin !== origin) {
      this.#refuse(clientId, OfferResult.Refused, 'senderId is in use by another connection');
      return;
    }
    existing?.close('replaced by a new offer');
    if (sdp === null || sdp === '') {
      this.#refuse(clientId, OfferResult.Failed, 'an OFFER needs an sdp');
      return;
    }
    if (this.#peers.size >= this.#options.maxPeers) {
      this.#refuse(clientId, OfferResult.Refused, `too many peers (at most ${this.#options.maxPeers})`);
      return;
    }
    const peer = new RtcPeer(this.#context, this.#options, clientId, origin, this.#log, (closed) => {
      if (this.#peers.get(closed.clientId) === closed) this.#peers.delete(closed.clientId);
    });
    this.#peers.set(clientId, peer);
    let answer: string;
    try {
      answer = await peer.answer(sdp);
    } catch (err) {
      this.#log.warn({ err, client: clientId }, 'webrtc negotiation failed');
      peer.close('negotiation failed');
      this.#refuse(clientId, OfferResult.Failed, 'the offer could not be answered');
      return;
    }
    if (peer.closed) return;
    this.#offers.answered++;
    this.#relay.publish({
      type: SignalType.Answer,
      senderId: this.#options.peerId,
      targetId: clientId,
      sdp: answer,
      candidate: null,
    });
  }

  #refuse(clientId: string, result: OfferResult, reason: string): void {
    this.#offers[result]++;
    this.#relay.publish({
      type: 'ERROR',
      senderId: this.#options.peerId,
      targetId: clientId,
      sdp: reason,
      candidate: null,
    });
  }
}
