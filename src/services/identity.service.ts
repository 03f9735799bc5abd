import { DomainError, ErrorCode, badInput, notFound } from '../errors';
import { checkIdentityName, identityNameKey } from './identity-name';
import { METADATA_MAX_DEPTH, METADATA_MAX_KEYS, checkMetadata } from './identity-metadata';
import { readsOf, type ServiceDeps } from './service-context';
import type { ServingModel } from './serving-model';
import type { IdentityCursor, IdentityRow, ImageRow, VectorRef } from './store.port';

export interface IdentityPage {
  items: Array<{ cursor: string; node: IdentityRow }>;
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  totalCount: number;
}

/**
 * Identities and their erasure. Deleting removes the rows (images, embeddings
 * of every model version, labelled pairs that use the images or are tagged
 * with the person) and logs the erased ids, in one transaction, then
 * the vectors from the live index, which is compacted and saved at once so no
 * trace stays on disk (right to erasure).
 */
export class IdentityService {
  constructor(private readonly deps: ServiceDeps) {}

  /**
   * Names are unique up to Unicode normalisation, case and spacing (identity-name.ts):
   * a second 'Zoë' (or 'ZOË', 'Zoe\u0308') is refused with CONFLICT, details.existingId
   * naming the identity that has it. Metadata is bounded (identity-metadata.ts).
   */
  async create(name: string, metadata: Record<string, unknown> | null | undefined): Promise<IdentityRow> {
    const checked = checkIdentityName(name);
    checkMetadata(metadata, { maxBytes: this.deps.limits.maxMetadataBytes, maxDepth: METADATA_MAX_DEPTH, maxKeys: METADATA_MAX_KEYS });
    // The unique index decides (two concurrent creates: one wins); this look-up only makes the common refusal cheap.
    const existing = await this.deps.store.findIdentityByNameKey(checked.nameKey);
    if (existing) throw nameTaken(existing);
    return this.deps.store.createIdentity(checked.name, metadata ?? null, checked.nameKey);
  }

  /** The identity whose name normalises like `name` (`siamese import` reuses identities by folder name), or null. */
  findByName(name: string): Promise<IdentityRow | null> {
    return this.deps.store.findIdentityByNameKey(checkIdentityName(name).nameKey);
  }

  /**
   * At start: gives identities created before names were unique their key (oldest of a
   * duplicate set first) and reports, in the log, how many duplicates remain without one.
   */
  async backfillNameKeys(): Promise<{ assigned: number; duplicates: number }> {
    const result = await this.deps.store.backfillIdentityNameKeys(identityNameKey);
    if (result.assigned > 0) this.deps.logger.info('identity names normalised', { assigned: result.assigned });
    if (result.duplicates > 0) {
      // Logged at error level (the logger has no warn level) so it shows at the default level.
      this.deps.logger.error('warning: identities share a name (case/Unicode-insensitive) with an older identity and keep no name key', {
        duplicates: result.duplicates,
        hint: 'rename or delete them; until then createIdentity and siamese import resolve the name to the oldest',
      });
    }
    return result;
  }

  async get(id: string): Promise<IdentityRow> {
    const row = await readsOf(this.deps).findIdentity(id);
    if (!row) throw notFound('Identity', id);
    return row;
  }

  images(identityId: string): Promise<ImageRow[]> {
    return readsOf(this.deps).listImages(identityId);
  }

  async page(first: number, after: string | null | undefined): Promise<IdentityPage> {
    const max = this.deps.limits.maxPageSize;
    if (!Number.isInteger(first) || first < 0 || first > max) {
      throw badInput(`first must be between 0 and ${max} (got ${first})`, { argument: 'first', limit: max });
    }
    const cursor = after ? decodeCursor(after) : null;
    const [rows, totalCount] = await Promise.all([
      readsOf(this.deps).pageIdentities(cursor, first + 1),
      readsOf(this.deps).countIdentities(),
    ]);
    const page = rows.slice(0, first);
    return {
      items: page.map((node) => ({ cursor: encodeCursor({ createdAt: node.createdAt, id: node.id }), node })),
      hasNextPage: rows.length > first,
      hasPreviousPage: cursor !== null,
      totalCount,
    };
  }

  async delete(id: string): Promise<boolean> {
    const before = this.deps.active.current;
    const refs = await this.deps.store.deleteIdentity(id);
    if (refs === null) throw notFound('Identity', id);
    await this.eraseEverywhere(refs, before);
    return true;
  }

  async deleteImage(id: string): Promise<boolean> {
    const before = this.deps.active.current;
    const refs = await this.deps.store.deleteImage(id);
    if (refs === null) throw notFound('Image', id);
    await this.eraseEverywhere(refs, before);
    return true;
  }

  /**
   * The rows are gone for every model version; remove the vectors from the
   * serving index, from the pair this request started with if a model swap
   * happened meanwhile (its requests may still be in flight), and drop the
   * saved index files of other versions that held them (derived data, rebuilt
   * from the database if such a version is activated again).
   */
  private async eraseEverywhere(refs: VectorRef[], before: ServingModel): Promise<void> {
    const now = this.deps.active.current;
    const live = now === before ? [now] : [now, before];
    for (const model of live) {
      await this.eraseVectors(
        model,
        refs.filter((r) => r.modelVersion === model.version).map((r) => r.label),
      );
    }
    const liveVersions = new Set(live.map((m) => m.version));
    for (const version of new Set(refs.map((r) => r.modelVersion))) {
      if (!liveVersions.has(version)) this.deps.indexes.discard(version);
    }
  }

  private async eraseVectors(model: ServingModel, labels: number[]): Promise<void> {
    let removed = 0;
    // Awaited: a pgvector index deletes in the database (its rows also cascade from the Embedding rows).
    for (const l of labels) if (await model.index.remove(l)) removed++;
    // hnswlib deletes are tombstones whose vectors the adapter zeroes at once,
    // so the erased embedding is gone from memory now and from disk at the
    // save below. Compacting (a rebuild) also drops the slots; it is cheap on
    // small indexes and worth it on large ones only when tombstones pile up.
    const idx = model.index as { compact?: () => void; deletedCount?: number };
    if (removed > 0 && idx.compact && (model.index.size < 10_000 || (idx.deletedCount ?? 0) > 0.1 * model.index.size)) {
      idx.compact();
    }
    this.deps.indexes.saveModelNow(model);
  }
}

/** Opaque cursor: base64url of the (createdAt, id) keyset position. */
export function encodeCursor(c: IdentityCursor): string {
  return Buffer.from(JSON.stringify([c.createdAt.toISOString(), c.id]), 'utf8').toString('base64url');
}

export function decodeCursor(s: string): IdentityCursor {
  try {
    const [t, id] = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as [string, string];
    const createdAt = new Date(t);
    if (typeof id !== 'string' || Number.isNaN(createdAt.getTime())) throw new Error('shape');
    return { createdAt, id };
  } catch {
    throw badInput('after: not a cursor returned by this API', { argument: 'after' });
  }
}

function nameTaken(existing: IdentityRow): DomainError {
  return new DomainError(ErrorCode.CONFLICT, `an identity with this name already exists: ${existing.id} ('${existing.name}')`, {
    argument: 'name',
    existingId: existing.id,
  });
}
