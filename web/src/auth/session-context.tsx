import { createContext, useContext, useSyncExternalStore, type ReactNode } from 'react';

import type { ApiClient } from '../api/api-client';
import type { Session } from './session';
import type { SessionManager } from './session-manager';

export interface Services {
  session: SessionManager;
  api: ApiClient;
}

const ServicesContext = createContext<Services | null>(null);

export function ServicesProvider({ services, children }: { services: Services; children: ReactNode }) {
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices outside ServicesProvider');
  return services;
}

/** The current session; re-renders on sign-in, refresh and sign-out. */
export function useSession(): Session | null {
  const { session } = useServices();
  return useSyncExternalStore(session.subscribe, () => session.session);
}
