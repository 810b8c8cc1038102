#!/usr/bin/env node
// `npm audit --audit-level=high` for CI: fails when a dependency has a high or critical advisory.
// When the advisory service cannot be reached (no network, or a registry mirror without the audit
// endpoint) it says so loudly and does not fail: the lockfile still pins every version.
import { spawnSync } from 'node:child_process';

const run = spawnSync('npm', ['audit', '--audit-level=high', '--json'], { encoding: 'utf8' });
let report;
try {
  report = JSON.parse(run.stdout);
} catch {
  console.error(`npm audit gave no report (status ${run.status}):\n${run.stderr}`);
  process.exit(1);
}
if (report.metadata?.vulnerabilities === undefined) {
  console.warn(
    `WARNING: npm audit could not reach the advisory service: ${report.message ?? report.error?.summary}`,
  );
  process.exit(0);
}
const { high = 0, critical = 0, ...rest } = report.metadata.vulnerabilities;
console.log(`npm audit: ${critical} critical, ${high} high, others ${JSON.stringify(rest)}`);
process.exit(high + critical > 0 ? 1 : 0);
