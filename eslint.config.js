import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** The folders of src/ below main.ts (src/commands is the CLI beside it). */
const OUR_FOLDERS = [
  'core',
  'engine',
  'storage',
  'auth',
  'http',
  'api',
  'streams',
  'ingest',
  'feeds',
  'compat',
  'cluster',
  'observability',
  'runtime',
];

export default tseslint.config(
  {
    ignores: ['dist/', 'web/dist/', 'node_modules/', 'data/', 'bench/results/', 'test-results/', 'coverage/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // node:test's describe/it return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'],
            },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      // Fastify plugins are async functions by contract, whether or not they await anything.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'TSEnumDeclaration',
          message: 'Use an `as const` object and a derived union instead of enum.',
        },
      ],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    ignores: ['src/core/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', '../*'], message: 'src/core is pure: no node:* and nothing outside core.' },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'Date', message: 'src/core takes time as a value.' },
        { name: 'performance', message: 'src/core takes time as a value.' },
      ],
    },
  },
  // The folders are the architecture (DESIGN §2): core ← engine ← adapters ← main. Each entry
  // names what a folder's code may not import; src/core has its own, stricter rule above. Tests and
  // test support may reach across (they build whole servers).
  ...Object.entries({
    engine: [
      'storage',
      'auth',
      'http',
      'api',
      'streams',
      'ingest',
      'feeds',
      'compat',
      'cluster',
      'observability',
    ],
    feeds: ['engine', 'storage', 'auth', 'http', 'api', 'streams', 'ingest', 'compat', 'cluster'],
    // Leaves: they import nothing of ours. observability: logger and metrics; runtime: process
    // plumbing (worker threads) that any layer may use.
    observability: [...OUR_FOLDERS.filter((f) => f !== 'observability')],
    runtime: [...OUR_FOLDERS.filter((f) => f !== 'runtime')],
    storage: ['auth', 'http', 'api', 'streams', 'ingest', 'compat', 'cluster'],
    auth: ['engine', 'http', 'api', 'streams', 'ingest', 'feeds', 'compat', 'cluster'],
    http: ['engine', 'storage', 'api', 'streams', 'ingest', 'feeds', 'compat', 'cluster'],
    // api and streams are siblings: what both need lives in src/http.
    api: ['streams', 'ingest', 'cluster'],
    streams: ['api', 'storage', 'ingest', 'cluster'],
    ingest: ['storage', 'http', 'api', 'streams', 'compat', 'cluster'],
    // The cluster adapter (NATS JetStream, leases, the owners' PostgreSQL commits) builds on the
    // engine and storage; the protocols reach it only through the engine main.ts hands them.
    cluster: ['auth', 'http', 'api', 'streams', 'ingest', 'feeds', 'compat'],
  }).map(([folder, forbidden]) => ({
    files: [`src/${folder}/**/*.ts`],
    ignores: ['src/**/*.test.ts', 'src/**/*.test-support.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [...forbidden.map((f) => `**/${f}/*`), '**/main.js', '**/commands/*'],
              message: `src/${folder} may not import this (DESIGN §2: core ← engine ← adapters ← main; src/main.ts wires).`,
            },
          ],
        },
      ],
    },
  })),
  {
    // The dashboard: type-aware like the rest, with web/tsconfig.json (JSX, DOM), found by the
    // project service as the nearest tsconfig.
    files: ['web/**/*.{ts,tsx}'],
    rules: {
      // React calls event handlers and ignores what they return; an async onClick is fine.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
    },
  },
  {
    files: ['web/src/**/*.{ts,tsx}'],
    ignores: ['web/src/**/*.test.{ts,tsx}', 'web/src/test-support/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ group: ['node:*'], message: 'The dashboard runs in the browser: no node:* modules.' }],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', 'bin/*'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly' },
    },
  },
  prettier,
);
