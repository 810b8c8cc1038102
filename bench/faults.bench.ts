/**
 * `npm run bench -- faults` (not in CI, not in a run of every scenario): the fault tests of
 * test/faults at full length: PostgreSQL away for 20 s under steady ingest (behind a proxy, and
 * stopped with pg_ctl), 20 rounds of SIGKILL at random moments, and 1,000 stream clients of which
 * 10 % stop reading, with the default slow-consumer limits (CI runs a 4 s outage, 3 rounds and 200
 * clients with small limits). The figures each test reports go
 * to bench/results/faults.json; docs/reliability.md quotes them. `--quick` runs the CI lengths.
 * PostgreSQL comes from TEST_DATABASE_URL (the outage test is skipped without it).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { writeResult } from './report.js';

export function run(args: string[]): void {
  const quick = args.includes('--quick');
  runFaultTests(
    'faults',
    [
      'test/faults/postgres-outage',
      'test/faults/kill-loop',
      'test/faults/redis-outage',
      'test/faults/slow-clients',
      'test/faults/disk-full',
    ],
    quick
      ? {}
      : {
          FAULT_OUTAGE_MS: '20000',
          FAULT_KILL_ROUNDS: '20',
          FAULT_SLOW_CLIENTS: '1000',
          FAULT_STREAM_DEFAULT_LIMITS: '1',
        },
    quick,
  );
}

/**
 * Runs fault tests with FAULT_REPORT set and writes the figures they report to
 * bench/results/{name}.json (also used by `npm run bench -- slowclients`).
 */
export function runFaultTests(name: string, files: string[], env: NodeJS.ProcessEnv, quick: boolean): void {
  const dir = mkdtempSync(join(tmpdir(), `tickstream-${name}-`));
  const report = join(dir, 'figures.ndjson');
  try {
    const result = spawnSync(process.execPath, ['scripts/test.mjs', ...files], {
      stdio: 'inherit',
      env: { ...process.env, FAULT_REPORT: report, ...env },
    });
    let figures: unknown[] = [];
    try {
      figures = readFileSync(report, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as unknown);
    } catch {
      // no test reported figures
    }
    for (const f of figures) console.log(JSON.stringify(f));
    const path = writeResult(name, { quick, passed: result.status === 0, figures });
    console.log(`${name}: ${result.status === 0 ? 'passed' : 'FAILED'}; figures in ${path}`);
    if (result.status !== 0) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
