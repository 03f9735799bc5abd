import { repositoryContract } from './repositories.contract';
import { describePg, pgTestDatabase } from './db-targets';

describePg('repositories on PostgreSQL', () => repositoryContract(pgTestDatabase));
