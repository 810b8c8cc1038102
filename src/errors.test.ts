import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import { ErrorCode, isTickstreamError, TickstreamError } from './errors.js';

describe('error registry', () => {
  it('has unique codes, each documented in docs/errors.md', () => {
    const codes = Object.values(ErrorCode);
    assert.equal(new Set(codes).size, codes.length);
    const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
    for (const code of codes) {
      assert.match(code, /^[A-Z][A-Z_]+$/);
      assert.ok(doc.includes(`| \`${code}\` |`), `${code} is not documented in docs/errors.md`);
    }
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
