import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';

import { useSession } from './auth/session-context';
import { LoginPage } from './auth/login-page';
import { Dashboard } from './dashboard';
import { HubProvider } from './stream/hub-context';

/** The login page until there is a session, then the dashboard with its hub connection. */
export function App() {
  const session = useSession();
  const queryClient = useQueryClient();
  const signedIn = session !== null;

  useEffect(() => {
    // Nothing one user loaded stays in the cache for the next one.
    if (!signedIn) queryClient.clear();
  }, [signedIn, queryClient]);

  if (!session) return <LoginPage />;
  return (
    <HubProvider key={String(session.user.id)}>
      <Dashboard />
    </HubProvider>
  );
}
