import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import { ErrorCode, isTickstreamError, TickstreamError } from './errors.js';

describe('error registry', () => {
  it('keeps its codes: never renamed, never removed (add new ones here and in docs/errors.md)', () => {
    assert.deepEqual(ErrorCode, {
      ConfigInvalid: 'CONFIG_INVALID',
      ConfigUnreadable: 'CONFIG_UNREADABLE',
      UsageInvalid: 'USAGE_INVALID',
      InputUnreadable: 'INPUT_UNREADABLE',
      StorageUnavailable: 'STORAGE_UNAVAILABLE',
      StorageLocked: 'STORAGE_LOCKED',
      StorageClosed: 'STORAGE_CLOSED',
      MigrationFailed: 'MIGRATION_FAILED',
      StorageSchemaNewer: 'STORAGE_SCHEMA_NEWER',
      CursorInvalid: 'CURSOR_INVALID',
      ListenFailed: 'LISTEN_FAILED',
      TargetUnreachable: 'TARGET_UNREACHABLE',
      TargetRefused: 'TARGET_REFUSED',
      BadRequest: 'BAD_REQUEST',
      ValidationError: 'VALIDATION_ERROR',
      NotFound: 'NOT_FOUND',
      AuthRequired: 'AUTH_REQUIRED',
      TokenInvalid: 'TOKEN_INVALID',
      TokenExpired: 'TOKEN_EXPIRED',
      InvalidCredentials: 'INVALID_CREDENTIALS',
      Forbidden: 'FORBIDDEN',
      Conflict: 'CONFLICT',
      RegistrationDisabled: 'REGISTRATION_DISABLED',
      PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
      UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
      RateLimited: 'RATE_LIMITED',
      TickRejected: 'TICK_REJECTED',
      Overloaded: 'OVERLOADED',
      NotReady: 'NOT_READY',
      ReplayPathRefused: 'REPLAY_PATH_REFUSED',
      ReplayLimit: 'REPLAY_LIMIT',
      ClusterUnavailable: 'CLUSTER_UNAVAILABLE',
      ClusterMismatch: 'CLUSTER_MISMATCH',
      ClusterRole: 'CLUSTER_ROLE',
      Internal: 'INTERNAL',
    });
  });

  it('has unique codes, each documented in docs/errors.md, and documents no other code', () => {
    const codes = Object.values(ErrorCode);
    assert.equal(new Set(codes).size, codes.length);
    for (const code of codes) assert.match(code, /^[A-Z][A-Z_]+$/);
    const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^\| `([A-Z][A-Z_]*)` \|/gm)].map((m) => m[1]!);
    assert.equal(new Set(documented).size, documented.length, 'a code is documented twice');
    for (const code of codes)
      assert.ok(documented.includes(code), `${code} is not documented in docs/errors.md`);
    for (const code of documented)
      assert.ok((codes as string[]).includes(code), `docs/errors.md documents ${code}, which does not exist`);
  });

  it('carries its code and cause', () => {
    const cause = new Error('low');
    const err = new TickstreamError(ErrorCode.ConfigInvalid, 'bad', { cause });
    assert.equal(err.code, 'CONFIG_INVALID');
    assert.equal(err.cause, cause);
    assert.ok(isTickstreamError(err));
    assert.ok(!isTickstreamError(new Error('x')));
  });
});
