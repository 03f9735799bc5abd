import { apiKeyContract } from './api-key.contract';
import { describePg, pgTestDatabase } from './db-targets';

describePg('API keys on PostgreSQL', () => apiKeyContract(pgTestDatabase));
