import type { LoadProgress, LoadSummary } from './load-generator.js';

/** The live progress line of `tickstream simulate --target` (stderr). */
export function progressLine(p: LoadProgress): string {
  const accepted = p.accepted === undefined ? 'n/a' : count(p.accepted);
  return `sent ${count(p.sent)}  accepted ${accepted}  rejected ${count(p.rejected)}  rate ${count(p.ratePerSecond)} ticks/s  ${(p.elapsedMs / 1000).toFixed(1)} s`;
}

/** The final summary of `tickstream simulate --target`. */
export function summaryLine(s: LoadSummary, target: string, connections: number): string {
  const head = `sent ${count(s.sent)} ticks to ${target} over ${connections} connection${connections === 1 ? '' : 's'} in ${(s.elapsedMs / 1000).toFixed(1)} s (${count(s.ratePerSecond)} ticks/s)`;
  if (s.accepted === undefined)
    return `${head}; TCP ingest does not acknowledge ticks: see the server's counters`;
  const reasons = Object.entries(s.rejectedByReason)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([reason, n]) => `${reason}: ${count(n)}`)
    .join(', ');
  return `${head}; accepted ${count(s.accepted)}, rejected ${count(s.rejected)}${reasons === '' ? '' : ` (${reasons})`}`;
}

function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
