import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { nameSymbols } from '../src/compat/fastapi/default-names.js';
import type { Server } from '../src/main.js';
import { testServer } from './support/test-server.js';

const SYMBOLS = ['AAPL', { symbol: 'xyz', price: 12.5, name: 'XYZ Corp.' }] as const;
let server: Server;
before(async () => {
  server = await testServer({ simulation: { symbols: SYMBOLS } });
  // What startServer does when the simulator is on (this server runs no simulator).
  await nameSymbols(server.storage.database.marketData.names, SYMBOLS);
});
after(() => server.close());

describe('the simulator’s names on the FastAPI-compatible /symbols', () => {
  it('shows each simulated symbol’s name, and the symbol itself for others', async () => {
    const now = Date.now();
    void server.engine.ingest(
      [
        { symbol: 'AAPL', price: 190, timestamp: now },
        { symbol: 'XYZ', price: 12.5, timestamp: now },
        { symbol: 'OTHER', price: 1, timestamp: now },
      ],
      'http',
      now,
    );
    const res = await server.app.inject({ method: 'GET', url: '/symbols' });
    assert.equal(res.statusCode, 200, res.body);
    const names = Object.fromEntries(
      res.json<{ symbols: Array<{ symbol: string; name: string }> }>().symbols.map((s) => [s.symbol, s.name]),
    );
    assert.deepEqual(names, { AAPL: 'Apple Inc.', OTHER: 'OTHER', XYZ: 'XYZ Corp.' });
  });
});
