import { erasureContract } from './erasure.contract';
import { describePg, pgTestDatabase } from './db-targets';

describePg('erasure of pairs and the training snapshot on PostgreSQL', () => erasureContract(pgTestDatabase));
