/**
 * `npm run bench -- [scenario ...]`: runs the named scenarios (all without an argument), each
 * beside its ceiling measured in the same run, prints a table and writes bench/results/*.json.
 */
const scenarios: Record<string, () => Promise<{ run: (args: string[]) => Promise<void> | void }>> = {
  engine: () => import('./engine.bench.js'),
  http: () => import('./http.bench.js'),
  tcp: () => import('./tcp.bench.js'),
  grpc: () => import('./grpc.bench.js'),
  store: () => import('./store.bench.js'),
  fanout: () => import('./fanout.bench.js'),
  faults: () => import('./faults.bench.js'),
  slowclients: () => import('./slowclients.bench.js'),
  soak: () => import('./soak.bench.js'),
  cluster: () => import('./cluster.bench.js'),
};
/** Long runs made only when named (minutes each), never by a run of every scenario. */
const onlyWhenNamed = new Set(['faults', 'slowclients', 'soak', 'cluster']);
/** Options followed by a value (`--duration 5m`); the value is passed on with its option. */
const valueOptions = new Set(['--duration', '--sample', '--max-seconds', '--rate']);

const args = process.argv.slice(2);
const names: string[] = [];
const options: string[] = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i]!;
  if (!arg.startsWith('-')) names.push(arg);
  else {
    options.push(arg);
    if (valueOptions.has(arg) && i + 1 < args.length) options.push(args[++i]!);
  }
}
if (options.includes('--help') || options.includes('-h')) {
  console.log(
    `usage: npm run bench -- [scenario ...] [--quick] [--replot] [--duration 30m] [--sample 10s] [--max-seconds 20s] [--rate N] [--pglite-in-server-thread]\nscenarios: ${Object.keys(scenarios).join(', ')}`,
  );
  process.exit(0);
}
const unknown = names.filter((n) => !(n in scenarios));
if (unknown.length > 0) {
  console.error(`unknown scenario ${unknown.join(', ')}; known: ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}
for (const name of names.length > 0 ? names : Object.keys(scenarios).filter((n) => !onlyWhenNamed.has(n))) {
  const scenario = await scenarios[name]!();
  await scenario.run(options);
}
