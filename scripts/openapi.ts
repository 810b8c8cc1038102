/**
 * The OpenAPI document the server serves at /openapi.json, built from a server on an in-memory
 * database. `npm run openapi` writes it to dist/openapi.json and the typed client's types to
 * test/support/openapi-types.ts (a test fails when they are stale); `npm run lint:openapi` lints
 * the document with Redocly's recommended rules.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import openapiTS, { astToString } from 'openapi-typescript';
import { format, resolveConfig } from 'prettier';

import { testServer } from '../test/support/test-server.js';

export const TYPES_FILE = fileURLToPath(new URL('../test/support/openapi-types.ts', import.meta.url));

export async function openapiDocument(): Promise<Record<string, unknown>> {
  const server = await testServer({ logLevel: 'warn' });
  try {
    await server.app.ready();
    return server.app.swagger() as unknown as Record<string, unknown>;
  } finally {
    await server.close();
  }
}

/** TypeScript types of every path and operation (openapi-typescript), formatted as the repository is. */
export async function openapiTypes(document: Record<string, unknown>): Promise<string> {
  const ast = await openapiTS(document as never);
  const header = '// Generated from the OpenAPI document by `npm run openapi`: do not edit.\n';
  return format(header + astToString(ast), { ...(await resolveConfig(TYPES_FILE)), filepath: TYPES_FILE });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const document = await openapiDocument();
  writeFileSync(process.argv[2] ?? 'dist/openapi.json', `${JSON.stringify(document, null, 2)}\n`);
  writeFileSync(TYPES_FILE, await openapiTypes(document));
}
