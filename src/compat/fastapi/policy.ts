import type { Role } from '../../auth/roles.js';

/**
 * Who may call the FastAPI price service's routes. It had no authentication at all, so its two
 * reads answer anonymously by default (`compat.fastapi.anonymousReads`); turned off, they need
 * tickstream's reader role. Anonymous access stops at these two paths: they read only symbol
 * names and latest prices, and nothing here writes.
 */
export function fastapiReadRole(options: { anonymousReads: boolean }): Role | undefined {
  return options.anonymousReads ? undefined : 'reader';
}
