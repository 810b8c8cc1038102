import type { Store } from './store.js';

/**
 * Deletes a user by username (any letter case), with their sessions (refresh tokens cascade);
 * API keys they created stay, without a creator. Returns whether there was one.
 */
export async function removeUser(store: Store, username: string): Promise<boolean> {
  const rows = await store.driver.query<{ id: string }>(
    'delete from users where lower(username) = lower($1) returning id',
    [username],
  );
  return rows.length > 0;
}
