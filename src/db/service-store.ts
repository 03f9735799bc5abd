import { createDatabase, type Database, type DatabaseOptions } from './database';
import { applyMigrations } from './migrations';
import { checkPoolSchema } from './pooler';
import { IdentityRepository } from './identity.repository';
import { ImageRepository } from './image.repository';
import { EmbeddingRepository } from './embedding.repository';
import { ModelVersionRepository } from './model-version.repository';
import { ApiKeyRepository } from './api-key.repository';
import { LabelledPairRepository } from './labelled-pair.repository';
import type { IdentityRecord, JsonObject, JsonValue } from './db.types';

/**
 * The adapter behind the services' store port (src/services/store.port.ts) over this
 * layer's repositories. The port is the services' (they say which queries they rely on);
 * db/ may not import services/, so this class satisfies it structurally and the compiler
 * checks the fit where the services receive it (main.ts, the training job). Opening applies
 * the committed migrations first (idempotent, safe with a concurrent starter).
 * `options.storage` hears about committed and refused writes (StorageHealth).
 */
export async function openServiceStore(
  databaseUrl: string,
  options: Pick<DatabaseOptions, 'storage' | 'pgSessionOptions'> = {},
): Promise<DbStore> {
  await applyMigrations(databaseUrl);
  const db = createDatabase(databaseUrl, options);
  // Behind a transaction pooler the schema is the server side's to set: checked before anything is read (db/pooler.ts).
  await checkPoolSchema(db, databaseUrl).catch(async (e: unknown) => {
    await db.close().catch(() => undefined);
    throw e;
  });
  return new DbStore(db);
}

/** An identity as the services see it (store.port.ts IdentityRow). */
const toRow = (r: IdentityRecord) => ({
  id: r.id,
  name: r.name,
  metadata: r.metadata as Record<string, unknown> | null,
  createdAt: r.createdAt,
  imageCount: r.imageCount,
});

export class DbStore {
  private readonly identities: IdentityRepository;
  private readonly images: ImageRepository;
  private readonly embeddings: EmbeddingRepository;
  private readonly models: ModelVersionRepository;
  private readonly apiKeys: ApiKeyRepository;
  private readonly pairs: LabelledPairRepository;

  constructor(readonly db: Database) {
    this.identities = new IdentityRepository(db);
    this.images = new ImageRepository(db);
    this.embeddings = new EmbeddingRepository(db);
    this.models = new ModelVersionRepository(db);
    this.apiKeys = new ApiKeyRepository(db);
    this.pairs = new LabelledPairRepository(db);
  }

  async createIdentity(name: string, metadata: Record<string, unknown> | null, nameKey?: string) {
    return toRow(await this.identities.create({ name, nameKey, metadata: metadata as JsonObject | null }));
  }

  async findIdentityByNameKey(nameKey: string) {
    const r = await this.identities.findByNameKey(nameKey);
    return r ? toRow(r) : null;
  }

  backfillIdentityNameKeys(keyOf: (name: string) => string) {
    return this.identities.backfillNameKeys(keyOf);
  }

  async findIdentity(id: string) {
    const r = await this.identities.get(id);
    return r ? toRow(r) : null;
  }

  async findIdentities(ids: string[]) {
    return (await this.identities.getMany(ids)).map(toRow);
  }

  async findIdentityByName(name: string) {
    const rows = await this.db.run((p) =>
      p.identity.findMany({ where: { name }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: 1, select: { id: true } }),
    );
    return rows.length > 0 ? this.findIdentity(rows[0].id) : null;
  }

  async pageIdentities(after: { createdAt: Date; id: string } | null, take: number) {
    const rows = await this.db.run((p) =>
      p.identity.findMany({
        where: after ? { OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }] } : {},
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        take,
        select: { id: true },
      }),
    );
    return (await this.identities.getMany(rows.map((r) => r.id))).map(toRow);
  }

  countIdentities() {
    return this.identities.count();
  }

  deleteIdentity(id: string) {
    return this.identities.delete(id);
  }

  listImages(identityId: string) {
    return this.images.listByIdentity(identityId);
  }

  labelledNegatives(identityId: string, take: number) {
    return this.pairs.negativesOf(identityId, take);
  }

  findImage(id: string) {
    return this.images.get(id);
  }

  async imageBytes(id: string) {
    const b = await this.images.getBytes(id);
    return b ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : null;
  }

  async enrollImages(
    identityId: string,
    modelVersion: string,
    images: Array<{ bytes: Uint8Array; sha256: string; mimeType: string; width: number; height: number; vector: Float32Array }>,
  ) {
    const added = await this.images.addWithEmbeddings(
      identityId,
      images.map((i) => ({
        image: { bytes: i.bytes, sha256: i.sha256, mimeType: i.mimeType, width: i.width, height: i.height },
        embedding: { modelVersion, vector: i.vector },
      })),
    );
    return added.map((a) => ({ image: a.image, label: a.embedding!.label }));
  }

  deleteImage(id: string) {
    return this.images.delete(id);
  }

  findVector(imageId: string, modelVersion: string) {
    return this.embeddings.getVector(imageId, modelVersion);
  }

  ownersOfLabels(modelVersion: string, labels: number[]) {
    return this.embeddings.ownersOfLabels(modelVersion, labels);
  }

  countEmbeddings(modelVersion: string) {
    return this.embeddings.count(modelVersion);
  }

  allLabels(modelVersion: string) {
    return this.embeddings.allLabels(modelVersion);
  }

  vectorsByLabels(modelVersion: string, labels: number[]) {
    return this.embeddings.vectorsByLabels(modelVersion, labels);
  }

  async vectorsPage(modelVersion: string, afterLabel: number, take: number) {
    return (await this.embeddings.page(modelVersion, afterLabel, take)).map((r) => ({ label: r.label, vector: r.vector }));
  }

  async imagesMissingEmbedding(modelVersion: string, take: number, afterId?: string | null) {
    return (await this.images.missingEmbedding(modelVersion, take, afterId)).map((r) => ({
      id: r.id,
      bytes: new Uint8Array(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength),
    }));
  }

  addEmbeddings(modelVersion: string, items: Array<{ imageId: string; vector: Float32Array }>) {
    return this.embeddings.addForImages(modelVersion, items);
  }

  async registerModelVersion(row: { version: string; dir: string; fingerprint: string; metric: string; card: unknown }, activate: boolean) {
    await this.models.register({ ...row, card: row.card as JsonValue }, { activate });
  }

  async activeModelVersion() {
    const r = await this.models.getActive();
    return r ? { version: r.version, dir: r.dir, fingerprint: r.fingerprint, metric: r.metric, card: r.card, active: r.active } : null;
  }

  createApiKey(key: { name: string; role: string; keyHash: string; prefix: string }) {
    return this.apiKeys.create(key);
  }

  findApiKeyByHash(keyHash: string) {
    return this.apiKeys.findByHash(keyHash);
  }

  listApiKeys() {
    return this.apiKeys.list();
  }

  revokeApiKey(id: string, at: Date) {
    return this.apiKeys.revoke(id, at);
  }

  touchApiKey(id: string, at: Date) {
    return this.apiKeys.touch(id, at);
  }

  close() {
    return this.db.close();
  }
}
