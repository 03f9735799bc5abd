import { erasureContract } from './erasure.contract';
import { sqliteTestDatabase } from './db-targets';

describe('erasure of pairs and the training snapshot on SQLite', () => erasureContract(sqliteTestDatabase));
