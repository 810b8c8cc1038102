import type { Principal } from '../../auth/roles.js';
import { signalingJson, type SignalingMessage } from './signaling-message.js';

/**
 * Who sent a signal: one STOMP connection, as the identity its principal was checked for. The
 * relay passes it only to tickstream's own peer (never to clients), which ties a peer's ICE
 * candidates to the connection that sent its offer.
 */
export interface SignalOrigin {
  readonly principal: Principal;
}

export type SignalListener = (
  message: SignalingMessage,
  json: string,
  origin: SignalOrigin | undefined,
) => void;

/**
 * The C++/Java server's signalling room (docs/compat.md): every message SENT to `/app/signal`
 * goes, normalized, to every subscriber of `/topic/signaling`, the sender included, whatever its
 * `targetId` (clients pick out what is theirs, as they did). tickstream's own peer listens here
 * too and speaks through `publish`.
 */
export class SignalingRelay {
  readonly #listeners = new Set<SignalListener>();
  /** Messages relayed since start. */
  relayed = 0;
  /** SEND bodies that could not be bound to the message and were not relayed. */
  refused = 0;

  get listeners(): number {
    return this.#listeners.size;
  }

  subscribe(listener: SignalListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Relays `message` to every listener; `origin` is undefined for tickstream's own messages. */
  publish(message: SignalingMessage, origin?: SignalOrigin): void {
    this.relayed++;
    const json = signalingJson(message);
    for (const listener of [...this.#listeners]) listener(message, json, origin);
  }
}
