import { randomBytes } from 'node:crypto';

import postgres from 'postgres';

/**
 * A fresh PostgreSQL database per test run, on the server at TEST_DATABASE_URL (created here,
 * dropped after). Without the variable the PostgreSQL tests are skipped with a visible notice,
 * except in CI (`CI=true`), where they are required.
 */
export interface TestDatabase {
  /** URL of the new database. */
  readonly url: string;
  drop(): Promise<void>;
}

const URL_VARIABLE = 'TEST_DATABASE_URL';

/** A reason to skip the PostgreSQL tests, or false when they run. Throws in CI without a URL. */
export function postgresSkip(): string | false {
  const url = process.env[URL_VARIABLE];
  if (url !== undefined && url !== '') return false;
  if (process.env.CI === 'true') {
    throw new Error(`${URL_VARIABLE} is not set: the PostgreSQL storage tests are required in CI`);
  }
  const reason = `${URL_VARIABLE} is not set: PostgreSQL storage tests skipped (set it to run them, e.g. postgres://postgres@127.0.0.1:5432/postgres)`;
  process.stderr.write(`NOTICE: ${reason}\n`);
  return reason;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const base = process.env[URL_VARIABLE];
  if (base === undefined || base === '') throw new Error(`${URL_VARIABLE} is not set`);
  const name = `tickstream_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const sql = postgres(base, { max: 1, onnotice: () => {} });
      try {
        await sql.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await sql.end();
      }
    },
  };
}
