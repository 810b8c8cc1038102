import type { Role } from '../../auth/roles.js';

/**
 * Who may call each route of the .NET MarketDataSystem, as it was: reads needed any signed-in user
 * (its `RequireReadAccess`), price writes its `User` or `Admin` role (`RequireWriteAccess`, which
 * is tickstream's writer), the login routes and health checks were open. These routes are
 * tickstream's own; `dotnetContract` refuses to start a server whose routes drift from this table.
 */
export const DOTNET_ROUTES: ReadonlyArray<{ method: string; url: string; role: Role | undefined }> = [
  { method: 'POST', url: '/api/auth/register', role: undefined },
  { method: 'POST', url: '/api/auth/login', role: undefined },
  { method: 'POST', url: '/api/auth/refresh', role: undefined },
  { method: 'POST', url: '/api/auth/logout', role: 'reader' },
  { method: 'GET', url: '/api/auth/me', role: 'reader' },
  { method: 'POST', url: '/api/auth/change-password', role: 'reader' },
  { method: 'POST', url: '/api/prices', role: 'writer' },
  { method: 'GET', url: '/api/prices', role: 'reader' },
  { method: 'GET', url: '/api/prices/:symbol/statistics', role: 'reader' },
  { method: 'GET', url: '/api/anomalies', role: 'reader' },
  { method: 'GET', url: '/api/metrics', role: 'reader' },
  { method: 'GET', url: '/health', role: undefined },
  { method: 'GET', url: '/health/ready', role: undefined },
];
