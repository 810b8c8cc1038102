import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { chooseOwner } from './partition-leases.js';

const nodeIds = fc.uniqueArray(fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/), { minLength: 1, maxLength: 8 });

describe('chooseOwner (rendezvous hashing)', () => {
  it('answers one of the nodes, whatever their order', () => {
    fc.assert(
      fc.property(nodeIds, fc.integer({ min: 0, max: 1023 }), (nodes, partition) => {
        const owner = chooseOwner(partition, nodes);
        assert.ok(owner !== undefined && nodes.includes(owner));
        assert.equal(chooseOwner(partition, [...nodes].reverse()), owner);
      }),
    );
  });

  it('moves only the partitions a joining node takes, and only those of a leaving node', () => {
    fc.assert(
      fc.property(nodeIds, fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/), (nodes, joining) => {
        fc.pre(!nodes.includes(joining));
        for (let p = 0; p < 64; p++) {
          const before = chooseOwner(p, nodes);
          const after = chooseOwner(p, [...nodes, joining]);
          assert.ok(after === before || after === joining, `partition ${p}: ${before} → ${after}`);
        }
      }),
    );
  });

  it('spreads 16 partitions over three nodes', () => {
    const counts = new Map<string, number>();
    for (let p = 0; p < 16; p++) {
      const owner = chooseOwner(p, ['n1', 'n2', 'n3'])!;
      counts.set(owner, (counts.get(owner) ?? 0) + 1);
    }
    assert.equal(counts.size, 3);
  });

  it('answers undefined without nodes', () => {
    assert.equal(chooseOwner(0, []), undefined);
  });
});
