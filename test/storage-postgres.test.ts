import { after } from 'node:test';

import { openStore } from '../src/storage/open-store.js';
import {
  createTestDatabase,
  postgresSkip,
  type TestDatabase,
} from '../src/storage/postgres-test-database.test-support.js';
import { storeContract } from '../src/storage/store-contract.test-support.js';

/** The storage contract suite on a PostgreSQL server (TEST_DATABASE_URL), in a database of its own. */
const skip = postgresSkip();
let database: TestDatabase | undefined;

storeContract(
  'PostgreSQL server',
  async () => {
    database = await createTestDatabase();
    const store = await openStore({ databaseUrl: database.url, dataDir: 'unused', poolSize: 4 });
    await store.migrate();
    return store;
  },
  skip,
);

after(async () => {
  await database?.drop();
});
