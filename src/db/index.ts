/**
 * src/db public surface. Services import from here only; Prisma types stay inside.
 *
 *   const store = await openStore(config.databaseUrl);   // migrations + client + repositories
 *   await store.repos.identities.create({ name: 'Ada' });
 *   await store.close();
 */
import { createDatabase, Database, DatabaseOptions } from './database';
import { applyMigrations, MigrationResult } from './migrations';
import { checkPoolSchema } from './pooler';
import { createRepositories, Repositories } from './repositories';

export * from './db.types';
export { parseDatabaseUrl, redactDatabaseUrl } from './database-url';
export { createDatabase } from './database';
export type { Database, DatabaseOptions } from './database';
export { applyMigrations, migrationsDir } from './migrations';
export type { MigrationResult } from './migrations';
export { createRepositories } from './repositories';
export type { Repositories } from './repositories';
export { IdentityRepository } from './identity.repository';
export type { NewIdentity } from './identity.repository';
export { ImageRepository, sha256Hex } from './image.repository';
export type { AddedImage, ImageWithEmbedding } from './image.repository';
export { EmbeddingRepository } from './embedding.repository';
export { LabelledPairRepository } from './labelled-pair.repository';
export { ModelVersionRepository } from './model-version.repository';
export { TrainingRunRepository } from './training-run.repository';
export { ErasureRepository, scrubAfterErasure } from './erasure';
export type { UsedIds } from './erasure';
export { readTrainingSnapshot } from './training-snapshot';
export type { TrainingSnapshot, SnapshotImage, SnapshotOptions } from './training-snapshot';
export { ApiKeyRepository } from './api-key.repository';
export type { ApiKeyRecord, NewApiKey } from './api-key.repository';
export { encodeVector, decodeVector } from './vector-codec';
export { DbStore, openServiceStore } from './service-store';

export interface Store {
  readonly db: Database;
  readonly repos: Repositories;
  readonly migrations: MigrationResult;
  close(): Promise<void>;
}

/** Applies pending migrations (safe with concurrent starters), then opens the client. */
export async function openStore(databaseUrl: string, options: DatabaseOptions = {}): Promise<Store> {
  const migrations = await applyMigrations(databaseUrl, { busyTimeoutMs: options.busyTimeoutMs });
  const db = createDatabase(databaseUrl, options);
  // As openServiceStore: behind a transaction pooler the schema is the server side's to set (pooler.ts).
  await checkPoolSchema(db, databaseUrl).catch(async (e: unknown) => {
    await db.close().catch(() => undefined);
    throw e;
  });
  return { db, repos: createRepositories(db), migrations, close: () => db.close() };
}
