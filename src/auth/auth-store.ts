import type { Store } from '../storage/store.js';

export type { ApiKeyRecord, RefreshTokenRecord, UserRecord } from '../storage/store.js';

/** The part of the storage port that accounts, sessions and API keys use. */
export type AuthStore = Pick<
  Store,
  | 'countUsers'
  | 'createUser'
  | 'findUserByUsername'
  | 'findUserById'
  | 'listUsers'
  | 'updateUserRole'
  | 'setUserActive'
  | 'updatePasswordHash'
  | 'insertRefreshToken'
  | 'findRefreshToken'
  | 'markRefreshTokenUsed'
  | 'revokeRefreshFamily'
  | 'revokeUserRefreshTokens'
  | 'insertApiKey'
  | 'findApiKeyByHash'
  | 'listApiKeys'
  | 'revokeApiKey'
  | 'touchApiKey'
>;
