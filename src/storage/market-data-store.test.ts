import { marketDataContract } from './market-data-contract.test-support.js';
import { memoryDatabase, memoryDatabaseOnThread } from './pglite-template.test-support.js';

marketDataContract('embedded (PGlite, memory://)', memoryDatabase);
marketDataContract('embedded on its own thread (PGlite, memory://)', memoryDatabaseOnThread);
