/**
 * What the services need from the database, in their own terms. The adapter
 * over src/db's repositories (src/db/service-store.ts, DbStore) implements it; keeping the port
 * here lets the services say exactly which queries they rely on.
 */
export interface IdentityRow {
  id: string;
  name: string;
  metadata: Record<string, unknown> | null;
  createdAt: Date;
  imageCount: number;
}

export interface ImageRow {
  id: string;
  identityId: string;
  mimeType: string;
  width: number;
  height: number;
  byteSize: number;
  sha256: string;
  createdAt: Date;
}

export interface NewImage {
  bytes: Uint8Array;
  sha256: string;
  mimeType: string;
  width: number;
  height: number;
  /** The vector of this image for `modelVersion`, stored in the same transaction. */
  vector: Float32Array;
}

export interface LabelledVector {
  label: number;
  vector: Float32Array;
}

export interface VectorRef {
  modelVersion: string;
  label: number;
}

export interface LabelOwner {
  label: number;
  imageId: string;
  identityId: string;
}

export interface IdentityCursor {
  createdAt: Date;
  id: string;
}

export interface ModelVersionRow {
  version: string;
  dir: string;
  fingerprint: string;
  metric: string;
  card: unknown;
  active: boolean;
}

/** A negative labelled for an identity (ServiceStore.labelledNegatives). */
export interface LabelledNegativeRow {
  pairId: string;
  /** An enrolled image of someone else, or null when the side is uploaded bytes. */
  imageId: string | null;
  bytes: Uint8Array | null;
}

/** An API key as the services see it (its hash never leaves the store). */
export interface ApiKeyRow {
  id: string;
  name: string;
  role: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** The part of the store the API key service needs (issue 13). */
export interface ApiKeyStore {
  createApiKey(key: { name: string; role: string; keyHash: string; prefix: string }): Promise<ApiKeyRow>;
  /** By the key's SHA-256 (hex), revoked or not. */
  findApiKeyByHash(keyHash: string): Promise<ApiKeyRow | null>;
  /** Oldest first, revoked ones included. */
  listApiKeys(): Promise<ApiKeyRow[]>;
  /** Null when there is no such key; `revokedNow` false when it was already revoked. */
  revokeApiKey(id: string, at: Date): Promise<{ key: ApiKeyRow; revokedNow: boolean } | null>;
  touchApiKey(id: string, at: Date): Promise<void>;
}

export interface ServiceStore extends ApiKeyStore {
  // identities
  /** `nameKey` (services/identity-name.ts) is unique: CONFLICT with details.existingId when taken. */
  createIdentity(name: string, metadata: Record<string, unknown> | null, nameKey?: string): Promise<IdentityRow>;
  /** The identity holding this normalised name (identity-name.ts), or null. */
  findIdentityByNameKey(nameKey: string): Promise<IdentityRow | null>;
  /** Sets the normalised name on rows created before names were unique (see IdentityRepository.backfillNameKeys). */
  backfillIdentityNameKeys(keyOf: (name: string) => string): Promise<{ assigned: number; duplicates: number }>;
  findIdentity(id: string): Promise<IdentityRow | null>;
  findIdentities(ids: string[]): Promise<IdentityRow[]>;
  /** The oldest identity with exactly this name (bulk import is idempotent by folder name). */
  findIdentityByName(name: string): Promise<IdentityRow | null>;
  /** Oldest first, strictly after the cursor. */
  pageIdentities(after: IdentityCursor | null, take: number): Promise<IdentityRow[]>;
  countIdentities(): Promise<number>;
  /**
   * Deletes the identity with its images, their embeddings (every model
   * version) and labelled pairs, in one transaction. Returns where its vectors
   * were (model version + label), or null when there was no such identity.
   */
  deleteIdentity(id: string): Promise<VectorRef[] | null>;

  // images
  listImages(identityId: string): Promise<ImageRow[]>;
  findImage(id: string): Promise<ImageRow | null>;
  imageBytes(id: string): Promise<Uint8Array | null>;
  /**
   * Inserts the images and their embeddings under `modelVersion` in ONE
   * transaction, allocating fresh index labels. Returns rows and labels in
   * input order, after commit.
   */
  enrollImages(identityId: string, modelVersion: string, images: NewImage[]): Promise<Array<{ image: ImageRow; label: number }>>;
  /** Like deleteIdentity for one image; null when absent. */
  deleteImage(id: string): Promise<VectorRef[] | null>;

  /**
   * Negatives labelled for the identity (labelPair same: false against one of its images), newest first,
   * at most `take`: each the other side of its pair, an enrolled image id or uploaded bytes.
   */
  labelledNegatives(identityId: string, take: number): Promise<LabelledNegativeRow[]>;

  // embeddings
  findVector(imageId: string, modelVersion: string): Promise<Float32Array | null>;
  ownersOfLabels(modelVersion: string, labels: number[]): Promise<LabelOwner[]>;
  countEmbeddings(modelVersion: string): Promise<number>;
  /** Every index label stored for `modelVersion` (integers only: cheap even at 1M). */
  allLabels(modelVersion: string): Promise<number[]>;
  vectorsByLabels(modelVersion: string, labels: number[]): Promise<LabelledVector[]>;
  /** Pages through every vector of `modelVersion` by ascending label. */
  vectorsPage(modelVersion: string, afterLabel: number, take: number): Promise<LabelledVector[]>;
  /** Enrolled images with no embedding for `modelVersion` (to embed at start), by ascending id, after `afterId` when given. */
  imagesMissingEmbedding(modelVersion: string, take: number, afterId?: string | null): Promise<Array<{ id: string; bytes: Uint8Array }>>;
  /** Stores embeddings for existing images, allocating labels; skips images deleted meanwhile. */
  addEmbeddings(
    modelVersion: string,
    items: Array<{ imageId: string; vector: Float32Array }>,
  ): Promise<Array<{ imageId: string; label: number }>>;

  // model versions
  registerModelVersion(row: Omit<ModelVersionRow, 'active'>, activate: boolean): Promise<void>;
  activeModelVersion(): Promise<ModelVersionRow | null>;

  close(): Promise<void>;
}
