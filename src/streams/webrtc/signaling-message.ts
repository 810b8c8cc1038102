/**
 * The C++/Java server's WebRTC signalling message (docs/compat.md): what a client SENDs to
 * `/app/signal` and every subscriber of `/topic/signaling` receives. Its gateway bound the body
 * to a Java bean of five strings and wrote the bean back out, so the relay normalizes the same
 * way: unknown fields are dropped, absent ones become `null`, numbers and booleans become their
 * text, and a body that cannot be bound (not a JSON object, a field holding an object or array)
 * is not relayed at all.
 */
export interface SignalingMessage {
  /** `OFFER`, `ANSWER`, `ICE` or `JOIN` by convention; the relay passes any string on. */
  readonly type: string | null;
  readonly senderId: string | null;
  readonly targetId: string | null;
  readonly sdp: string | null;
  readonly candidate: string | null;
}

/** The types the earlier clients used (its model's comment); tickstream's peer acts on OFFER and ICE. */
export const SignalType = { Offer: 'OFFER', Answer: 'ANSWER', Ice: 'ICE', Join: 'JOIN' } as const;
export type SignalType = (typeof SignalType)[keyof typeof SignalType];

const FIELDS = ['type', 'senderId', 'targetId', 'sdp', 'candidate'] as const;

/** Reads a SEND body; returns why it cannot be bound when it cannot. Never throws. */
export function parseSignalingMessage(body: string): SignalingMessage | string {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return 'the body is not JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'the body is not a JSON object';
  const source = value as Record<string, unknown>;
  const message: Record<string, string | null> = {};
  for (const field of FIELDS) {
    const v = source[field];
    if (v === undefined || v === null) message[field] = null;
    else if (typeof v === 'string') message[field] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') message[field] = String(v);
    else return `${field} must be a string`;
  }
  return message as unknown as SignalingMessage;
}

/** The message as the earlier gateway wrote it: the five fields in its bean's order, nulls kept. */
export function signalingJson(message: SignalingMessage): string {
  return JSON.stringify({
    type: message.type,
    senderId: message.senderId,
    targetId: message.targetId,
    sdp: message.sdp,
    candidate: message.candidate,
  });
}
