/**
 * Identities: the people (or things) the index answers with. Deleting one erases, in one
 * transaction, its images, their embeddings under every model version (ON DELETE CASCADE)
 * and every labelled pair that shows the person (see `delete`), logs the erasure, and
 * returns the vector labels the caller must remove from the in-memory indexes.
 */
import { DomainError, ErrorCode, badInput } from '../errors';
import { isUniqueViolation } from './prisma-errors';
import { deletePairs, lockForErasure, logErasures, pairsShowing, scrubAfterErasure } from './erasure';
import type { Database } from './database';
import { appendChanges } from './change-log';
import { removedChanges } from './image.repository';
import { afterWhere, checkFirst, decodeCursor, encodeCursor, KeysetPosition } from './cursor';
import type { IdentityRecord, JsonObject, Page, PageArgs, VectorRef } from './db.types';
import { identitySelect, toIdentity } from './mappers';

export interface NewIdentity {
  name: string;
  /**
   * The normalised name (services/identity-name.ts), unique: a second identity with the
   * same key is refused with CONFLICT. Omitted or null: not checked (rows from before
   * names were unique; the repository suite's own fixtures).
   */
  nameKey?: string | null;
  metadata?: JsonObject | null;
}

/** What `backfillNameKeys` did: keys set, and rows left without one because an older row holds their key. */
export interface NameKeyBackfill {
  assigned: number;
  duplicates: number;
}

function checkMetadata(metadata: JsonObject | null | undefined): void {
  if (metadata == null) return;
  if (typeof metadata !== 'object' || Array.isArray(metadata)) throw badInput('metadata must be a JSON object');
}

export class IdentityRepository {
  constructor(private readonly db: Database) {}

  async create(input: NewIdentity): Promise<IdentityRecord> {
    checkMetadata(input.metadata);
    try {
      const row = await this.db.run((p) =>
        p.identity.create({
          data: { name: input.name, nameKey: input.nameKey ?? null, metadata: input.metadata ?? undefined },
          select: identitySelect,
        }),
      );
      return toIdentity(row);
    } catch (e) {
      throw await this.nameConflict(e, input.nameKey);
    }
  }

  /** The identity holding this normalised name, or null. */
  async findByNameKey(nameKey: string): Promise<IdentityRecord | null> {
    const row = await this.db.run((p) => p.identity.findUnique({ where: { nameKey }, select: identitySelect }));
    return row ? toIdentity(row) : null;
  }

  /**
   * Sets nameKey on rows that have none (databases from before names were unique), oldest
   * first, so the oldest of a set of duplicates keeps the name: it is the one `siamese
   * import` used to reuse (findByName). Rows whose key an older row holds stay NULL and are
   * counted as duplicates. Idempotent, and safe beside a concurrent starter (a key taken
   * meanwhile makes its row a duplicate). Pages of 500 by (createdAt, id).
   */
  async backfillNameKeys(keyOf: (name: string) => string): Promise<NameKeyBackfill> {
    let assigned = 0;
    let duplicates = 0;
    let after: KeysetPosition | null = null;
    for (;;) {
      const position: KeysetPosition | null = after;
      const rows: Array<{ id: string; name: string; createdAt: Date }> = await this.db.run((p) =>
        p.identity.findMany({
          where: { nameKey: null, ...(position ? afterWhere(position) : {}) },
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
          take: 500,
          select: { id: true, name: true, createdAt: true },
        }),
      );
      if (rows.length === 0) break;
      after = rows[rows.length - 1];
      const keyed = rows.map((r) => ({ id: r.id, key: keyOf(r.name) }));
      const keys = [...new Set(keyed.map((k) => k.key).filter((k) => k !== ''))];
      const held = new Set(
        (await this.db.run((p) => p.identity.findMany({ where: { nameKey: { in: keys } }, select: { nameKey: true } }))).map(
          (r) => r.nameKey,
        ),
      );
      for (const { id, key } of keyed) {
        // A blank key (a name of whitespace only, allowed before) cannot be unique: left NULL.
        if (key === '' || held.has(key)) {
          duplicates++;
          continue;
        }
        try {
          const { count } = await this.db.run((p) => p.identity.updateMany({ where: { id, nameKey: null }, data: { nameKey: key } }));
          assigned += count;
        } catch (e) {
          if (!isUniqueViolation(e)) throw e;
          duplicates++;
        }
        held.add(key);
      }
    }
    return { assigned, duplicates };
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

  /**
   * Changes name and/or metadata (null clears it); null when the identity does not exist.
   * A rename should carry the new name's `nameKey` (CONFLICT when another identity holds it).
   */
  async update(
    id: string,
    patch: { name?: string; nameKey?: string | null; metadata?: JsonObject | null },
  ): Promise<IdentityRecord | null> {
    checkMetadata(patch.metadata);
    const data: Record<string, unknown> = {};
    if (patch.name !== undefined) data.name = patch.name;
    if (patch.nameKey !== undefined) data.nameKey = patch.nameKey;
    if (patch.metadata !== undefined) data.metadata = patch.metadata === null ? this.db.dbNull : patch.metadata;
    let n: { count: number };
    try {
      n = await this.db.run((p) => p.identity.updateMany({ where: { id }, data }));
    } catch (e) {
      throw await this.nameConflict(e, patch.nameKey);
    }
    return n.count === 0 ? null : this.get(id);
  }

  /** A unique violation on nameKey as CONFLICT naming the identity that holds the name; any other error as is. */
  private async nameConflict(e: unknown, nameKey: string | null | undefined): Promise<unknown> {
    if (!isUniqueViolation(e) || !nameKey) return e;
    const holder = await this.findByNameKey(nameKey);
    return new DomainError(
      ErrorCode.CONFLICT,
      holder ? `an identity with this name already exists: ${holder.id} ('${holder.name}')` : 'an identity with this name already exists',
      { argument: 'name', existingId: holder?.id ?? null },
    );
  }

  /**
   * Deletes the identity and everything hanging off it: its images, their vectors under every
   * model version, and every labelled pair that shows the person (a side is one of the images,
   * or the pair is tagged with the person: uploaded bytes never enrolled). The Erasure log gets
   * the identity, each image and each pair, in the same transaction. Returns the vector labels
   * to remove from the indexes, or null when the identity did not exist.
   */
  async delete(id: string): Promise<VectorRef[] | null> {
    const refs = await this.db.transaction(async (tx) => {
      await lockForErasure(tx, this.db.provider, 'Identity', id);
      const exists = await tx.identity.findUnique({ where: { id }, select: { id: true } });
      if (!exists) return null;
      const imageIds = (await tx.enrolledImage.findMany({ where: { identityId: id }, select: { id: true } })).map((r) => r.id);
      const refs = await tx.embedding.findMany({
        where: { image: { identityId: id } },
        select: { modelVersion: true, label: true, imageId: true },
      });
      // Pairs first: deleting the identity would cascade only their tags, not their uploaded bytes.
      const pairIds = await pairsShowing(tx, { identityId: id, imageIds });
      await deletePairs(tx, pairIds);
      await tx.identity.delete({ where: { id } });
      await logErasures(tx, 'identity', [id]);
      await logErasures(tx, 'image', imageIds);
      await logErasures(tx, 'labelledPair', pairIds);
      await appendChanges(tx, this.db.provider, removedChanges(refs, undefined, id));
      return refs.map((r) => ({ modelVersion: r.modelVersion, label: r.label }));
    });
    if (refs !== null) await scrubAfterErasure(this.db);
    return refs;
  }
}
