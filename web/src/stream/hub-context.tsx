import {
  createContext,
  useContext,
  useEffect,
  useRef,
  useState,
  useSyncExternalStore,
  type ReactNode,
} from 'react';

import { useServices } from '../auth/session-context';
import {
  HubClient,
  type ChannelHandler,
  type HubState,
  type SocketFactory,
  type SocketLike,
} from './hub-client';
import { RtcSocket, wantsWebRtc, type PeerConnectionLike } from './rtc-socket';

const HubContext = createContext<HubClient | null>(null);

function hubUrl(): string {
  const protocol = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${protocol}//${window.location.host}/ws`;
}

/**
 * With `?transport=webrtc` in the page's address, the live feed comes over a WebRTC data channel
 * negotiated over STOMP signalling (docs/streams.md); otherwise over the `/ws` WebSocket.
 */
function socketFactory(): SocketFactory | undefined {
  if (!wantsWebRtc(window.location.search)) return undefined;
  return (url) =>
    new RtcSocket(url, {
      createWebSocket: (stompUrl) => new WebSocket(stompUrl) as unknown as SocketLike,
      createPeerConnection: () => new RTCPeerConnection({ iceServers: [] }) as unknown as PeerConnectionLike,
    });
}

/**
 * One hub connection for the signed-in dashboard. It takes its tokens from the session, hands
 * each refreshed token to the open connection, and reconnects at once when the browser is
 * back online.
 */
export function HubProvider({ children, client }: { children: ReactNode; client?: HubClient }) {
  const { session } = useServices();
  const [hub] = useState(() => {
    if (client) return client;
    const createSocket = socketFactory();
    return new HubClient({
      url: hubUrl(),
      getToken: () => session.accessToken(),
      renewToken: async () => (await session.refresh())?.accessToken ?? null,
      ...(createSocket === undefined ? {} : { createSocket }),
    });
  });

  useEffect(() => {
    hub.start();
    let token = session.session?.accessToken;
    const stopSession = session.subscribe(() => {
      const next = session.session?.accessToken;
      if (next && next !== token) hub.updateToken(next);
      token = next;
    });
    const online = () => hub.retryNow();
    window.addEventListener('online', online);
    return () => {
      window.removeEventListener('online', online);
      stopSession();
      hub.stop();
    };
  }, [hub, session]);

  return <HubContext.Provider value={hub}>{children}</HubContext.Provider>;
}

export function useHub(): HubClient {
  const hub = useContext(HubContext);
  if (!hub) throw new Error('useHub outside HubProvider');
  return hub;
}

export function useHubState(): HubState {
  const hub = useHub();
  return useSyncExternalStore(hub.onStateChange, () => hub.state);
}

/**
 * Listens to a hub channel while mounted (none when `channel` is null). The handler may change
 * between renders without resubscribing.
 */
export function useChannel(channel: string | null, handler: ChannelHandler): void {
  const hub = useHub();
  const handlerRef = useRef(handler);
  useEffect(() => {
    handlerRef.current = handler;
  });
  useEffect(() => {
    if (!channel) return undefined;
    return hub.subscribe(channel, (event) => handlerRef.current(event));
  }, [hub, channel]);
}
