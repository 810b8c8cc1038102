import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { MEMORY_DATA_DIR } from '../config.js';
import { ErrorCode, TickstreamError } from '../errors.js';

/** Random opaque secrets (refresh tokens, API keys) and their stored form: a SHA-256 hex digest. */

/** A random 256-bit token, base64url. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** How secrets are kept at rest: only this digest is stored, never the secret. */
export function digest(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A new API key: `tsk_<prefix>_<secret>`. The prefix identifies it in lists; the whole key is shown once. */
export function newApiKey(): { key: string; prefix: string; hash: string } {
  const prefix = randomBytes(4).toString('hex');
  const key = `tsk_${prefix}_${randomToken()}`;
  return { key, prefix, hash: digest(key) };
}

/**
 * The JWT signing secret: from config when given; otherwise generated once and kept in the data
 * directory (mode 0600) so tokens survive restarts. In production a missing secret is an error:
 * a generated file on one node would not match other nodes.
 */
export function jwtSecret(options: {
  configured: string | undefined;
  dataDir: string;
  production: boolean;
}): Uint8Array {
  if (options.configured !== undefined) return new TextEncoder().encode(options.configured);
  if (options.production) {
    throw new TickstreamError(
      ErrorCode.ConfigInvalid,
      'config auth.jwtSecret: required when NODE_ENV=production (set TICKSTREAM_AUTH_JWT_SECRET)',
    );
  }
  // In-memory storage keeps nothing on disk, the secret included: it lasts as long as the process.
  if (options.dataDir === MEMORY_DATA_DIR) return new TextEncoder().encode(randomToken(48));
  const path = join(options.dataDir, 'jwt-secret');
  try {
    return new TextEncoder().encode(readFileSync(path, 'utf8').trim());
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const secret = randomToken(48);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, secret + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return new TextEncoder().encode(secret);
}
