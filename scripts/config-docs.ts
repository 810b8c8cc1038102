/**
 * Regenerates the table of configuration keys in docs/configuration.md from the schema
 * (`npm run docs:config`). A test fails when the file and the schema disagree.
 */
import { readFileSync, writeFileSync } from 'node:fs';

import type { TSchema } from '@sinclair/typebox';

import { configKeys, envName, flagName } from '../src/config.js';

const BEGIN = '<!-- config-table:begin -->';
const END = '<!-- config-table:end -->';

export function configTable(): string {
  const rows = configKeys().map(({ key, schema }) => {
    const s = schema as TSchema & {
      anyOf?: Array<{ const: unknown }>;
      default?: unknown;
      description?: string;
    };
    const type =
      s.anyOf !== undefined
        ? s.anyOf.map((x) => String(x.const)).join(' \\| ')
        : s.type === 'array'
          ? 'list'
          : String(s.type);
    const fallback =
      key === 'partitions'
        ? 'CPU count'
        : s.default === undefined
          ? '—'
          : '`' + JSON.stringify(s.default) + '`';
    return `| \`${key}\` | ${type} | ${fallback} | \`${envName(key)}\` | \`--${flagName(key)}\` | ${s.description ?? ''} |`;
  });
  return [
    BEGIN,
    '| key | type | default | environment | flag (`serve`) | meaning |',
    '|---|---|---|---|---|---|',
    ...rows,
    END,
  ].join('\n');
}

export function withTable(markdown: string): string {
  const from = markdown.indexOf(BEGIN);
  const to = markdown.indexOf(END);
  if (from < 0 || to < 0) throw new Error(`docs/configuration.md lacks the ${BEGIN} … ${END} markers`);
  return markdown.slice(0, from) + configTable() + markdown.slice(to + END.length);
}

if (process.argv[1]?.endsWith('config-docs.ts')) {
  const path = new URL('../docs/configuration.md', import.meta.url);
  writeFileSync(path, withTable(readFileSync(path, 'utf8')));
  console.log('docs/configuration.md updated');
}
