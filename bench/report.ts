import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One line of a scenario's table: a measured figure, usually beside its ceiling. */
export interface BenchRow {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly ceiling?: number;
  readonly note?: string;
}

/** What the machine is, so a figure is never read without it. */
export function machine(): { node: string; cpus: number; cpuModel: string } {
  return {
    node: process.version,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
  };
}

export function printTable(scenario: string, rows: readonly BenchRow[]): void {
  const m = machine();
  console.log(`\n${scenario} — node ${m.node}, ${m.cpus} CPUs (${m.cpuModel})`);
  const fmt = (n: number): string => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));
  const table = rows.map((r) => ({
    measure: r.name,
    result: `${fmt(r.value)} ${r.unit}`,
    ceiling: r.ceiling === undefined ? '' : `${fmt(r.ceiling)} ${r.unit}`,
    ratio: r.ceiling === undefined ? '' : `${((100 * r.value) / r.ceiling).toFixed(1)} %`,
    note: r.note ?? '',
  }));
  const cols = ['measure', 'result', 'ceiling', 'ratio', 'note'] as const;
  const width = Object.fromEntries(
    cols.map((c) => [c, Math.max(c.length, ...table.map((t) => t[c].length))]),
  );
  const line = (cells: Record<string, string>): string =>
    cols
      .map((c) => cells[c]!.padEnd(width[c]!))
      .join('  ')
      .trimEnd();
  console.log(line(Object.fromEntries(cols.map((c) => [c, c]))));
  console.log(cols.map((c) => '-'.repeat(width[c]!)).join('  '));
  for (const t of table) console.log(line(t));
}

/** Writes bench/results/<name>.json. */
export function writeResult(name: string, result: Record<string, unknown>): string {
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.json`);
  writeFileSync(
    path,
    JSON.stringify({ ...result, ...machine(), at: new Date().toISOString() }, null, 2) + '\n',
  );
  return path;
}

/** Seconds since `start` (from process.hrtime.bigint()). */
export function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}
