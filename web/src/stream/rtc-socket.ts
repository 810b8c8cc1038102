import type { SocketLike } from './hub-client';

/** The parts of the browser's RTCDataChannel used here. */
export interface DataChannelLike {
  readonly readyState: string;
  send(data: string): void;
  close(): void;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
}

/** The parts of the browser's RTCPeerConnection used here. */
export interface PeerConnectionLike {
  createDataChannel(label: string, options?: { ordered?: boolean; maxRetransmits?: number }): DataChannelLike;
  createOffer(): Promise<{ type: string; sdp?: string }>;
  setLocalDescription(description: { type: string; sdp?: string }): Promise<void>;
  setRemoteDescription(description: { type: 'answer'; sdp: string }): Promise<void>;
  readonly localDescription: { sdp: string } | null;
  onicecandidate: ((event: { candidate: { toJSON(): unknown } | null }) => void) | null;
  close(): void;
}

export interface RtcSocketDeps {
  createWebSocket: (url: string) => SocketLike;
  createPeerConnection: () => PeerConnectionLike;
  /** The client's id in the signalling room. */
  clientId?: string;
  /** The `targetId` of tickstream's peer (compat.cpp.webrtc.peerId). */
  peerId?: string;
}

const OPEN = 1;
const CLOSED = 3;

/**
 * The hub protocol over a WebRTC data channel instead of a WebSocket (docs/streams.md, "WebRTC
 * data channel"), behind the same face as a WebSocket so HubClient needs no change. Given the
 * `/ws?access_token=…` URL HubClient would open, it connects STOMP at `/stomp` with that token,
 * offers tickstream a peer over the signalling (`SEND /app/signal`, answers on
 * `/topic/signaling`), and once the control channel opens it is "open": messages of the control
 * channel and of the unordered `ticks` channel arrive as one stream of messages.
 */
export class RtcSocket implements SocketLike {
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly #stomp: SocketLike;
  readonly #pc: PeerConnectionLike;
  readonly #control: DataChannelLike;
  readonly #ticks: DataChannelLike;
  readonly #clientId: string;
  readonly #peerId: string;
  #answered = false;

  constructor(hubUrl: string, deps: RtcSocketDeps) {
    const url = new URL(hubUrl);
    const token = url.searchParams.get('access_token') ?? '';
    url.pathname = '/stomp';
    url.search = '';
    this.#clientId = deps.clientId ?? `dashboard-${Math.random().toString(36).slice(2, 10)}`;
    this.#peerId = deps.peerId ?? 'tickstream';
    this.#pc = deps.createPeerConnection();
    this.#control = this.#pc.createDataChannel('tickstream');
    this.#ticks = this.#pc.createDataChannel('ticks', { ordered: false, maxRetransmits: 0 });
    for (const channel of [this.#control, this.#ticks]) {
      channel.onmessage = (event) => {
        if (this.readyState === OPEN) this.onmessage?.({ data: event.data });
      };
    }
    this.#control.onopen = () => {
      this.readyState = OPEN;
      this.onopen?.({});
    };
    this.#control.onclose = () => this.#end(1006, 'data channel closed');
    this.#pc.onicecandidate = (event) => {
      if (event.candidate === null) return;
      this.#signal({ type: 'ICE', candidate: JSON.stringify(event.candidate.toJSON()) });
    };

    this.#stomp = deps.createWebSocket(url.toString());
    this.#stomp.onopen = () => {
      this.#stomp.send(`CONNECT\naccept-version:1.2\nheart-beat:0,0\nAuthorization:Bearer ${token}\n\n\0`);
    };
    this.#stomp.onmessage = (event) => void this.#onStomp(String(event.data));
    this.#stomp.onclose = () => {
      if (!this.#answered) this.#end(1006, 'signalling closed before an answer');
    };
    this.#stomp.onerror = () => {};
  }

  send(data: string): void {
    if (this.readyState !== OPEN) throw new Error('send on a data channel that is not open');
    this.#control.send(data);
  }

  close(code = 1000, reason = ''): void {
    this.#end(code, reason, false);
  }

  async #onStomp(text: string): Promise<void> {
    if (text.startsWith('CONNECTED')) {
      this.#stomp.send('SUBSCRIBE\nid:signaling\ndestination:/topic/signaling\n\n\0');
      await this.#pc.setLocalDescription(await this.#pc.createOffer());
      this.#signal({ type: 'OFFER', sdp: this.#pc.localDescription?.sdp ?? null });
      return;
    }
    if (text.startsWith('ERROR')) {
      const message = /\nmessage:([^\n]*)/.exec(text)?.[1] ?? 'refused';
      this.#end(message === 'AUTH_REQUIRED' || message.startsWith('TOKEN') ? 4401 : 1006, message);
      return;
    }
    if (!text.startsWith('MESSAGE')) return;
    const body = text.slice(text.indexOf('\n\n') + 2).replace(/\0$/, '');
    let signal: { type?: string; senderId?: string; targetId?: string; sdp?: string | null };
    try {
      signal = JSON.parse(body) as typeof signal;
    } catch {
      return;
    }
    if (signal.targetId !== this.#clientId || signal.senderId !== this.#peerId) return;
    if (signal.type === 'ANSWER' && typeof signal.sdp === 'string' && !this.#answered) {
      this.#answered = true;
      await this.#pc.setRemoteDescription({ type: 'answer', sdp: signal.sdp });
    } else if (signal.type === 'ERROR') this.#end(1013, signal.sdp ?? 'refused');
  }

  #signal(fields: { type: string; sdp?: string | null; candidate?: string | null }): void {
    const message = {
      senderId: this.#clientId,
      targetId: this.#peerId,
      sdp: null,
      candidate: null,
      ...fields,
    };
    if (this.#stomp.readyState === OPEN)
      this.#stomp.send(
        `SEND\ndestination:/app/signal\ncontent-type:application/json\n\n${JSON.stringify(message)}\0`,
      );
  }

  #end(code: number, reason: string, notify = true): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.#control.onclose = null;
    this.#stomp.onclose = null;
    this.#control.close();
    this.#pc.close();
    this.#stomp.close();
    if (notify) this.onclose?.({ code, reason });
  }
}

/** `?transport=webrtc` in the page's address: the dashboard's live feed comes over WebRTC. */
export function wantsWebRtc(search: string): boolean {
  return new URLSearchParams(search).get('transport') === 'webrtc';
}
