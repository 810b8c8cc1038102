import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';

import { analyze } from './analyze.js';
import { LAYOUT_CASES, layoutStream } from './analyze-streams.test-support.js';

interface Recorded {
  readonly seed: number;
  readonly lines: number;
  readonly kinds: Record<string, number>;
  readonly sha256: string;
}

const recorded = (
  JSON.parse(readFileSync(new URL('../../test/fixtures/analyze-layout.json', import.meta.url), 'utf8')) as {
    cases: Recorded[];
  }
).cases;

async function run(input: string, options: Record<string, string>): Promise<string> {
  let text = '';
  const stdout = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  const stderr = new Writable({ write: (_chunk, _encoding, done) => done() });
  async function* chunks(): AsyncGenerator<string> {
    yield input;
  }
  await analyze('-', { format: 'ndjson', ...options }, stdout, stderr, chunks());
  return text;
}

describe('analyze output across engine layouts', () => {
  it('is byte for byte the output recorded before the engine state moved to typed arrays', async () => {
    assert.equal(recorded.length, LAYOUT_CASES.length);
    for (const [i, c] of LAYOUT_CASES.entries()) {
      const text = await run(layoutStream(c.seed, c.count), c.options);
      const lines = text.split('\n').filter((line) => line !== '');
      const kinds: Record<string, number> = {};
      for (const line of lines) {
        const type = (JSON.parse(line) as { type: string }).type;
        kinds[type] = (kinds[type] ?? 0) + 1;
      }
      const want = recorded[i]!;
      assert.equal(want.seed, c.seed);
      // Counts first: a mismatch there says more than a hash does.
      assert.deepEqual(kinds, want.kinds, `seed ${c.seed}: event counts`);
      assert.equal(lines.length, want.lines, `seed ${c.seed}: lines`);
      assert.equal(createHash('sha256').update(text).digest('hex'), want.sha256, `seed ${c.seed}: bytes`);
      // Every kind of event occurs, so the comparison covers each.
      for (const type of ['anomaly', 'candle', 'rejected', 'gap', 'stats'])
        assert.ok((kinds[type] ?? 0) > 0, type);
    }
  });
});
