import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { Anomaly } from '../../core/spike-detector.js';
import { DOTNET_ROLE_CLAIM, dotnetClaims, priceAnomalyDto, roleFromName } from './shapes.js';

const roleNames = { reader: 'Reader', writer: 'User', admin: 'Admin' } as const;

describe('.NET shapes', () => {
  it('maps an anomaly to its PriceAnomalyDto fields, severity capitalised', () => {
    const anomaly: Anomaly = {
      symbol: 'X',
      direction: 'down',
      price: 94,
      ts: Date.UTC(2025, 0, 1, 12),
      referencePrice: 100,
      referenceTs: Date.UTC(2025, 0, 1, 12) - 500,
      changePercent: -6,
      severity: 'critical',
      windowMs: 1000,
      thresholdPercent: 2,
    };
    assert.deepEqual(priceAnomalyDto(anomaly), {
      oldPrice: 100,
      newPrice: 94,
      detectedAt: '2025-01-01T12:00:00.000Z',
      severity: 'Critical',
    });
    assert.equal(priceAnomalyDto({ ...anomaly, severity: 'high' }).severity, 'High');
    assert.equal(priceAnomalyDto({ ...anomaly, severity: 'medium' }).severity, 'Medium');
  });

  it('names roles by tickstream or .NET name, in any case; nothing else', () => {
    assert.equal(roleFromName('User', roleNames), 'writer');
    assert.equal(roleFromName(' admin ', roleNames), 'admin');
    assert.equal(roleFromName('ADMIN', roleNames), 'admin');
    assert.equal(roleFromName('reader', roleNames), 'reader');
    assert.equal(roleFromName('writer', roleNames), 'writer');
    assert.equal(roleFromName('root', roleNames), undefined);
    assert.equal(roleFromName('Trader', { ...roleNames, writer: 'Trader' }), 'writer');
  });

  it('gives its token claims, a new jti every time', () => {
    const claims = dotnetClaims(roleNames);
    const subject = { id: 'u-1', username: 'alice', email: 'a@example.com', role: 'writer' as const };
    const first = claims(subject);
    assert.deepEqual(
      { ...first, jti: undefined },
      {
        unique_name: 'alice',
        email: 'a@example.com',
        userId: 'u-1',
        jti: undefined,
        [DOTNET_ROLE_CLAIM]: 'User',
      },
    );
    assert.notEqual(claims(subject).jti, first.jti);
    assert.equal('email' in claims({ id: 'k', username: 'k', role: 'reader' }), false);
  });
});
