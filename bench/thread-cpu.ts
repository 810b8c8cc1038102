import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time per thread of this process, for telling where a multi-threaded run's time went: the
 * main thread, the worker threads and V8's helper threads. Linux only (`/proc/self/task`).
 */

/** Clock ticks a second of /proc's CPU times (USER_HZ, 100 on Linux's usual builds). */
const USER_HZ = 100;

/** CPU ms (user + system) by OS thread id; undefined where /proc is not there. */
export function threadCpuMs(): Map<number, number> | undefined {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return undefined;
  }
  const cpu = new Map<number, number>();
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // The fields after the command name (which may hold spaces), from field 3 (state) on:
      // utime and stime are fields 14 and 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpu.set(Number(tid), ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return cpu;
}

/** A run's CPU a tick, ns: the main thread, the `workers` busiest other threads, and the rest. */
export interface CpuPerTick {
  readonly main: number;
  readonly workers: number[];
  readonly other: number;
}

/**
 * CPU a tick between two readings: the main thread (the process id), the `workers` busiest other
 * threads (busiest first: the threads the run started), and every other thread together;
 * undefined where /proc gave no readings.
 */
export function cpuPerTick(
  before: Map<number, number> | undefined,
  after: Map<number, number> | undefined,
  ticks: number,
  workers: number,
): CpuPerTick | undefined {
  if (before === undefined || after === undefined) return undefined;
  const ns = (ms: number): number => Math.round((ms * 1e6) / ticks);
  let main = 0;
  const others: number[] = [];
  for (const [tid, ms] of after) {
    const used = ms - (before.get(tid) ?? 0);
    if (tid === process.pid) main = used;
    else others.push(used);
  }
  others.sort((a, b) => b - a);
  const rest = others.slice(workers).reduce((sum, ms) => sum + ms, 0);
  return { main: ns(main), workers: others.slice(0, workers).map(ns), other: ns(rest) };
}

/** "main 120 ns, workers 200 + 200, other 57" (no workers: "main 120 ns, other 57"). */
export function cpuSummary(cpu: CpuPerTick, workers = 'partitions'): string {
  const listed = cpu.workers.length === 0 ? '' : `, ${workers} ${cpu.workers.join(' + ')}`;
  return `main ${cpu.main} ns${listed}, other ${cpu.other}`;
}
