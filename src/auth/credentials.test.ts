import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { hasCredentials, parseCredentials } from './credentials.js';

const JWT = 'aaa.bbb.ccc';

describe('parseCredentials', () => {
  it('reads a bearer token only from the Bearer scheme', () => {
    assert.deepEqual(parseCredentials({ authorization: `Bearer ${JWT}` }), {
      bearer: JWT,
      apiKey: undefined,
    });
    assert.deepEqual(parseCredentials({ authorization: `bearer   ${JWT}  ` }).bearer, JWT);
    assert.equal(parseCredentials({ authorization: 'Basic YWRtaW46eA==' }).bearer, undefined);
    assert.equal(parseCredentials({ authorization: 'Bearer ' }).bearer, undefined);
    assert.equal(parseCredentials({ authorization: 'Bearertoken' }).bearer, undefined);
  });

  it('tells a JWT-shaped passcode from an API key', () => {
    assert.deepEqual(parseCredentials({ passcode: JWT }), { bearer: JWT, apiKey: undefined });
    assert.deepEqual(parseCredentials({ passcode: 'ts_key' }), { bearer: undefined, apiKey: 'ts_key' });
  });

  it('prefers headers to the passcode and the passcode to query parameters', () => {
    const all = {
      authorization: 'Bearer h.h.h',
      apiKey: 'header-key',
      passcode: 'p.p.p',
      accessToken: 'q.q.q',
      apiKeyParam: 'query-key',
    };
    assert.deepEqual(parseCredentials(all), { bearer: 'h.h.h', apiKey: 'header-key' });
    assert.deepEqual(parseCredentials({ ...all, authorization: undefined, apiKey: undefined }), {
      bearer: 'p.p.p',
      apiKey: 'query-key',
    });
    assert.deepEqual(parseCredentials({ accessToken: 'q.q.q', apiKeyParam: 'query-key' }), {
      bearer: 'q.q.q',
      apiKey: 'query-key',
    });
  });

  it('never yields empty strings, and says when there is nothing', () => {
    const none = parseCredentials({
      authorization: '',
      apiKey: '',
      passcode: '',
      accessToken: '',
      apiKeyParam: '',
    });
    assert.deepEqual(none, { bearer: undefined, apiKey: undefined });
    assert.equal(hasCredentials(none), false);
    assert.equal(hasCredentials(parseCredentials({ apiKey: 'k' })), true);
  });
});
