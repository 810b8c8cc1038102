import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { HubSubscriber } from '../src/streams/hub/channel.js';
import type { ChannelSpec } from '../src/streams/hub/channel-name.js';
import { testServer } from './support/test-server.js';

/** How src/main.ts wires the parts to the engine, seen from outside. */
describe('the wiring of src/main.ts', () => {
  it('stores each anomaly with the ingest sequence number of the tick that fired it', async (t) => {
    const server = await testServer();
    t.after(() => server.close());
    const now = Date.now();
    const prices = [100, 100.5, 100.2, 110, 110.1, 90, 90.2];
    const result = await server.engine.ingest(
      prices.map((price, i) => ({ symbol: 'WIRE', price, timestamp: now - 1000 + i * 10 })),
      'test',
      now,
    );
    assert.equal(result.accepted, prices.length);
    await server.storage.writer.flush();
    const ticks = await server.storage.database.marketData.ticksAfter(0, Number.MAX_SAFE_INTEGER, 100);
    const anomalies = await server.storage.database.marketData.anomalies({ symbol: 'WIRE', limit: 100 });
    assert.ok(anomalies.length >= 2, `anomalies fired: ${anomalies.length}`);
    for (const anomaly of anomalies) {
      const tick = ticks.find((k) => k.ingestSeq === anomaly.ingestSeq);
      assert.ok(tick !== undefined, `a tick has ingest seq ${anomaly.ingestSeq}`);
      assert.deepEqual([tick.ts, tick.price], [anomaly.ts, anomaly.price]);
    }
  });

  it('makes open-candle updates only while a live candle channel wants them', async (t) => {
    const server = await testServer();
    t.after(() => server.close());
    let updates = 0;
    const off = server.engine.on('candleUpdate', () => updates++);
    t.after(off);
    const tick = async (price: number): Promise<void> => {
      await server.engine.ingest([{ symbol: 'WIRE', price }], 'test', Date.now());
    };
    await tick(1);
    assert.equal(updates, 0, 'nobody wants them');
    const spec = server.hub.parse('candles.1m.WIRE') as ChannelSpec;
    const subscriber: HubSubscriber = { deliver: () => {} };
    const { channel } = server.hub.subscribe(subscriber, spec);
    await tick(2);
    assert.ok(updates > 0, 'a live candle channel wants them');
    server.hub.unsubscribe(subscriber, channel, 0);
    server.hub.sweep(Number.MAX_SAFE_INTEGER);
    const swept = updates;
    await tick(3);
    assert.equal(updates, swept);
  });
});
