#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/, and every *.test.ts(x) under web/src/, with node:test
// through tsx. Node 20's --test takes no globs, so the files are listed here.
// The dashboard's tests run in a second node:test run: tsx compiles with the tsconfig in
// TSX_TSCONFIG_PATH, and web/ has its own (JSX, DOM libraries).
// At the end it prints the 15 slowest files (durations from scripts/test-durations.mjs, a second
// reporter beside the usual one) so the suite's time can be managed.
// Usage: node scripts/test.mjs [path-substring ...] [--node-test-flag ...]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

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
// The usual reporter is node:test's default: spec on a terminal, TAP otherwise before Node 23, spec
// from Node 23 on. Naming a second reporter means naming the first too. A --test-reporter passed
// through replaces both (and the summary).
const major = Number(process.versions.node.split('.')[0]);
const usual = major >= 23 || process.stdout.isTTY ? 'spec' : 'tap';
const timed = !passThrough.some((a) => a.startsWith('--test-reporter'));
const timingDir = timed ? mkdtempSync(join(tmpdir(), 'tickstream-test-times-')) : undefined;
const reporter = fileURLToPath(new URL('./test-durations.mjs', import.meta.url));
let status = 0;
const started = Date.now();
runs.forEach((run, index) => {
  const reporters = timed
    ? [
        `--test-reporter=${usual}`,
        '--test-reporter-destination=stdout',
        `--test-reporter=${reporter}`,
        `--test-reporter-destination=${join(timingDir, `${index}.jsonl`)}`,
      ]
    : [];
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', ...reporters, ...passThrough, ...run.files],
    { stdio: 'inherit', env: run.env },
  );
  if (result.status !== 0) status = result.status ?? 1;
});
if (timed) {
  const perFile = new Map();
  runs.forEach((_, index) => {
    let text = '';
    try {
      text = readFileSync(join(timingDir, `${index}.jsonl`), 'utf8');
    } catch {
      return;
    }
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const { file, ms } = JSON.parse(line);
      const name = file.startsWith('/') ? relative(process.cwd(), file) : file;
      perFile.set(name, (perFile.get(name) ?? 0) + ms);
    }
  });
  rmSync(timingDir, { recursive: true, force: true });
  const slowest = [...perFile].sort((a, b) => b[1] - a[1]).slice(0, 15);
  const total = ((Date.now() - started) / 1000).toFixed(0);
  console.log(`\n# slowest test files (of ${perFile.size}; whole run ${total} s, node ${process.version}):`);
  for (const [file, ms] of slowest) console.log(`# ${(ms / 1000).toFixed(1).padStart(7)} s  ${file}`);
}
process.exit(status);
