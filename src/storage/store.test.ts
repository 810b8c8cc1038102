import { memoryStore } from './pglite-template.test-support.js';
import { storeContract } from './store-contract.test-support.js';

storeContract('embedded (PGlite, memory://)', memoryStore);
