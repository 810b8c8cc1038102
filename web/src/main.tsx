import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

import { ApiClient } from './api/api-client';
import { createQueryClient } from './api/query-client';
import { App } from './app';
import { ServicesProvider } from './auth/session-context';
import { SessionManager } from './auth/session-manager';
import './styles.css';

// sessionStorage: a reload keeps the session, closing the tab ends it, and two tabs never share
// (and so never race to rotate) one refresh token.
const session = new SessionManager({ storage: window.sessionStorage });
const services = { session, api: new ApiClient(session) };
const queryClient = createQueryClient();

const root = document.getElementById('root');
if (!root) throw new Error('#root is missing from index.html');

createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <ServicesProvider services={services}>
        <App />
      </ServicesProvider>
    </QueryClientProvider>
  </StrictMode>,
);
