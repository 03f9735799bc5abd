import { repositoryContract } from './repositories.contract';
import { sqliteTestDatabase } from './db-targets';

describe('repositories on SQLite', () => repositoryContract(sqliteTestDatabase));
