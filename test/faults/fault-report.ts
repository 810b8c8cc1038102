import { appendFileSync } from 'node:fs';

/**
 * The fault tests' knobs and figures. CI runs them short; `npm run bench -- faults` runs the
 * same tests at full length (a 20 s outage, 20 kill rounds) with FAULT_* set, and
 * collects the figures each test appends to FAULT_REPORT (one JSON line per test).
 */
export function faultParameter(name: string, ciDefault: number): number {
  const value = process.env[`FAULT_${name}`];
  if (value === undefined || value === '') return ciDefault;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`FAULT_${name} must be a positive number`);
  return n;
}

export function reportFigures(test: string, figures: Record<string, unknown>): void {
  const file = process.env.FAULT_REPORT;
  const line = JSON.stringify({ test, ...figures });
  if (file !== undefined && file !== '') appendFileSync(file, `${line}\n`);
  else if (process.env.FAULT_VERBOSE === '1') process.stderr.write(`${line}\n`);
}
