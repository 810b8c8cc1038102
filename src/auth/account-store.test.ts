import { memoryDatabase } from '../storage/pglite-template.test-support.js';
import { accountStoreContract } from './account-store-contract.test-support.js';

accountStoreContract('embedded (PGlite, memory://)', memoryDatabase);
