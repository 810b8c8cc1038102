import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * A worker thread running the module `name` that sits beside `callerUrl` (pass `import.meta.url`):
 * `<name>.js` in the build, `<name>.ts` when run from the TypeScript sources (tests, benchmarks).
 * Node 20 does not pass `--import tsx` loaders on to workers, so from sources the entry is loaded
 * through tsx's API.
 */
export function startModuleWorker(
  callerUrl: string,
  name: string,
  options: Omit<WorkerOptions, 'eval'> = {},
): Worker {
  const fromSource = callerUrl.endsWith('.ts');
  const url = new URL(`./${name}${fromSource ? '.ts' : '.js'}`, callerUrl);
  if (!fromSource) return new Worker(url, options);
  const entry =
    `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})` +
    `.then((tsx) => tsx.tsImport(${JSON.stringify(url.href)}, ${JSON.stringify(callerUrl)}))`;
  return new Worker(entry, { ...options, eval: true });
}
