import { marketDataContract } from './market-data-contract.test-support.js';
import { memoryDatabase } from './pglite-template.test-support.js';

marketDataContract('embedded (PGlite, memory://)', memoryDatabase);
