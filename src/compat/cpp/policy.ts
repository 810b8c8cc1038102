import type { Role } from '../../auth/roles.js';

/**
 * Who may call the C++/Java server's reads (REST `/api/v1/marketdata/{symbol}`; its GraphQL,
 * WebSocket and STOMP reads are tickstream's streams). It had no authentication, so they answer
 * anonymously by default (`compat.cpp.anonymousReads`); turned off, they need the reader role.
 * Its writes came over TCP and gRPC, which tickstream guards by address (`tcp.allow`).
 */
export function cppReadRole(options: { anonymousReads: boolean }): Role | undefined {
  return options.anonymousReads ? undefined : 'reader';
}
