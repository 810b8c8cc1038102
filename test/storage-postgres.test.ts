import { after } from 'node:test';

import { accountStoreContract } from '../src/auth/account-store-contract.test-support.js';
import { openDatabase } from '../src/storage/database.js';
import { marketDataContract } from '../src/storage/market-data-contract.test-support.js';
import {
  createTestDatabase,
  postgresSkip,
  type TestDatabase,
} from '../src/storage/postgres-test-database.test-support.js';

/** The storage contract suites on a PostgreSQL server (TEST_DATABASE_URL), in a database of their own. */
const skip = postgresSkip();
let database: TestDatabase | undefined;

/** A connection to the suites' database, made (and migrated) by the first suite that opens one. */
async function open() {
  database ??= await createTestDatabase();
  const opened = await openDatabase({ databaseUrl: database.url, dataDir: 'unused', poolSize: 4 });
  await opened.migrate();
  return opened;
}

marketDataContract('PostgreSQL server', open, skip);
accountStoreContract('PostgreSQL server', open, skip);

after(async () => {
  await database?.drop();
});
