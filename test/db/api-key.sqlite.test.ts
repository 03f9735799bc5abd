import { apiKeyContract } from './api-key.contract';
import { sqliteTestDatabase } from './db-targets';

describe('API keys on SQLite', () => apiKeyContract(sqliteTestDatabase));
