#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/, and every *.test.ts(x) under web/src/, with node:test
// through tsx. Node 20's --test takes no globs, so the files are listed here.
// The dashboard's tests run in a second node:test run: tsx compiles with the tsconfig in
// TSX_TSCONFIG_PATH, and web/ has its own (JSX, DOM libraries).
// Usage: node scripts/test.mjs [path-substring ...]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function find(dir, out, suffixes = ['.test.ts']) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) find(path, out, suffixes);
    else if (suffixes.some((suffix) => name.endsWith(suffix))) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const passThrough = process.argv.slice(2).filter((a) => a.startsWith('--'));
const select = (files) =>
  files.sort().filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
const runs = [
  { files: select([...find('src', []), ...find('test', [])]), env: process.env },
  {
    files: select(find(join('web', 'src'), [], ['.test.ts', '.test.tsx'])),
    env: { ...process.env, TSX_TSCONFIG_PATH: join('web', 'tsconfig.json') },
  },
].filter((run) => run.files.length > 0);
if (runs.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
let status = 0;
for (const run of runs) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...passThrough, ...run.files], {
    stdio: 'inherit',
    env: run.env,
  });
  if (result.status !== 0) status = result.status ?? 1;
}
process.exit(status);
