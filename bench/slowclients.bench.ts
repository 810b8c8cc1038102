/**
 * `npm run bench -- slowclients` (not in CI, not in a run of every scenario): 1,000 WebSocket and
 * SSE clients of which 10 % stop reading, with the default slow-consumer limits
 * (test/faults/slow-clients.test.ts at full size; CI runs 200 clients with small limits). Its
 * figures (the engine's accepted rate with and without the stuck clients, the fast clients'
 * tick-to-client latency, resident memory, what was conflated and who was cut) go to
 * bench/results/slowclients.json. `--quick` runs the CI size.
 */
import { runFaultTests } from './faults.bench.js';

export function run(args: string[]): void {
  const quick = args.includes('--quick');
  runFaultTests(
    'slowclients',
    ['test/faults/slow-clients'],
    quick ? {} : { FAULT_SLOW_CLIENTS: '1000', FAULT_STREAM_DEFAULT_LIMITS: '1' },
    quick,
  );
}
