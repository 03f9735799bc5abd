/**
 * Identities: the people (or things) the index answers with. Deleting one erases, in one
 * transaction, its images, their embeddings under every model version and the labelled
 * pairs that use them (ON DELETE CASCADE), and returns the vector labels the caller must
 * remove from the in-memory indexes.
 */
import { badInput } from '../errors';
import { scrubAfterErasure } from './erasure';
import type { Database } from './database';
import { afterWhere, checkFirst, decodeCursor, encodeCursor, KeysetPosition } from './cursor';
import type { IdentityRecord, JsonObject, Page, PageArgs, VectorRef } from './db.types';
import { identitySelect, toIdentity } from './mappers';

export interface NewIdentity {
  name: string;
  metadata?: JsonObject | null;
}

function checkMetadata(metadata: JsonObject | null | undefined): void {
  if (metadata == null) return;
  if (typeof metadata !== 'object' || Array.isArray(metadata)) throw badInput('metadata must be a JSON object');
}

export class IdentityRepository {
  constructor(private readonly db: Database) {}

  async create(input: NewIdentity): Promise<IdentityRecord> {
    checkMetadata(input.metadata);
    const row = await this.db.run((p) =>
      p.identity.create({
        data: { name: input.name, metadata: input.metadata ?? undefined },
        select: identitySelect,
      }),
    );
    return toIdentity(row);
  }

  async get(id: string): Promise<IdentityRecord | null> {
    const row = await this.db.run((p) => p.identity.findUnique({ where: { id }, select: identitySelect }));
    return row ? toIdentity(row) : null;
  }

  /** The identities that exist among `ids`, in the order of `ids` (duplicates kept once). */
  async getMany(ids: string[]): Promise<IdentityRecord[]> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return [];
    const rows = await this.db.run((p) => p.identity.findMany({ where: { id: { in: unique } }, select: identitySelect }));
    const byId = new Map(rows.map((r) => [r.id, toIdentity(r)]));
    return unique.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
  }

  /** Oldest first (createdAt, then id), strictly after the `after` cursor. */
  async list(args: PageArgs): Promise<Page<IdentityRecord>> {
    const first = checkFirst(args.first);
    const where = args.after ? afterWhere(decodeCursor(args.after)) : {};
    const rows = await this.db.run((p) =>
      p.identity.findMany({
        where,
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        take: first + 1,
        select: identitySelect,
      }),
    );
    const items = rows.slice(0, first).map(toIdentity);
    const cursors = items.map(encodeCursor);
    return { items, cursors, endCursor: cursors.at(-1) ?? null, hasNextPage: rows.length > first };
  }

  /**
   * Like `list`, with the position given as values rather than an opaque cursor (for callers
   * that keep their own cursor format): up to `take` identities strictly after `after`.
   */
  async listAfter(after: KeysetPosition | null, take: number): Promise<IdentityRecord[]> {
    const rows = await this.db.run((p) =>
      p.identity.findMany({
        where: after ? afterWhere(after) : {},
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        take: checkFirst(take),
        select: identitySelect,
      }),
    );
    return rows.map(toIdentity);
  }

  /** The oldest identity with exactly this name (names are not unique), or null. */
  async findByName(name: string): Promise<IdentityRecord | null> {
    const row = await this.db.run((p) =>
      p.identity.findFirst({ where: { name }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: identitySelect }),
    );
    return row ? toIdentity(row) : null;
  }

  count(): Promise<number> {
    return this.db.run((p) => p.identity.count());
  }

  /** Changes name and/or metadata (null clears it); null when the identity does not exist. */
  async update(id: string, patch: { name?: string; metadata?: JsonObject | null }): Promise<IdentityRecord | null> {
    checkMetadata(patch.metadata);
    const data: Record<string, unknown> = {};
    if (patch.name !== undefined) data.name = patch.name;
    if (patch.metadata !== undefined) data.metadata = patch.metadata === null ? this.db.dbNull : patch.metadata;
    const n = await this.db.run((p) => p.identity.updateMany({ where: { id }, data }));
    return n.count === 0 ? null : this.get(id);
  }

  /**
   * Deletes the identity and everything hanging off it. Returns the vector labels it had
   * under every model version (to remove from the indexes), or null when it did not exist.
   */
  async delete(id: string): Promise<VectorRef[] | null> {
    const refs = await this.db.transaction(async (tx) => {
      const refs = await tx.embedding.findMany({
        where: { image: { identityId: id } },
        select: { modelVersion: true, label: true },
      });
      const { count } = await tx.identity.deleteMany({ where: { id } });
      return count === 0 ? null : refs;
    });
    if (refs !== null) await scrubAfterErasure(this.db);
    return refs;
  }
}
