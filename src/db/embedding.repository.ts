/**
 * Embeddings: one float32 vector per (enrolled image, model version), with the integer
 * label it has in that version's HNSW index. Vectors of different versions never mix:
 * every query here is scoped to one `modelVersion`.
 */
import { isUniqueViolation } from './prisma-errors';
import { badInput } from '../errors';
import type { Database } from './database';
import type { EmbeddingRecord, LabelledVector, LabelOwner } from './db.types';
import { insertEmbeddings } from './image.repository';
import { appendChanges } from './change-log';
import { decodeVector } from './vector-codec';
import { isFloat32Array } from './vector-codec';

/** SQLite caps bound parameters (32 766 since 3.32); stay well below for `IN (…)` lists. */
const IN_CHUNK = 500;

function chunks<T>(xs: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

export class EmbeddingRepository {
  constructor(private readonly db: Database) {}

  /**
   * Stores vectors for existing images under `modelVersion` (re-embedding), allocating
   * labels, in one transaction. Idempotent for resumed jobs: an image that already has a
   * vector for this version keeps it and its label. Images deleted meanwhile are skipped.
   * Returns the label of every stored or already present item, in input order.
   */
  async addForImages(
    modelVersion: string,
    items: Array<{ imageId: string; vector: Float32Array }>,
  ): Promise<Array<{ imageId: string; label: number }>> {
    if (items.length === 0) return [];
    for (const it of items) {
      if (!isFloat32Array(it.vector) || it.vector.length === 0) throw badInput('vector must be a non-empty Float32Array');
      if (it.vector.some((v) => !Number.isFinite(v))) throw badInput('vector contains a non-finite value');
    }
    try {
      return await this.addOnce(modelVersion, items);
    } catch (e) {
      // PostgreSQL (READ COMMITTED): another transaction stored one of these images' vectors for this version after
      // our read (a companion's background pass and a verifyIdentity, two replicas). Once more: the read now sees it.
      if (!isUniqueViolation(e)) throw e;
      return this.addOnce(modelVersion, items);
    }
  }

  private addOnce(modelVersion: string, items: Array<{ imageId: string; vector: Float32Array }>) {
    return this.db.transaction(async (tx) => {
      const ids = [...new Set(items.map((it) => it.imageId))];
      // PostgreSQL: the images held (in id order) until commit, so an erasure that deletes one either committed before
      // this read (the image is skipped) or waits for this commit (and its cascade takes these rows too). Without it,
      // the FK checks would lock them one by one, in insert order, against the erasure's cascade.
      if (this.db.provider === 'postgresql') {
        await tx.$queryRawUnsafe(`SELECT id FROM "EnrolledImage" WHERE id = ANY($1::text[]) ORDER BY id FOR KEY SHARE`, ids);
      }
      const existingImages = new Set(
        (await tx.enrolledImage.findMany({ where: { id: { in: ids } }, select: { id: true } })).map((r) => r.id),
      );
      const present = new Map(
        (
          await tx.embedding.findMany({
            where: { modelVersion, imageId: { in: ids } },
            select: { imageId: true, label: true },
          })
        ).map((r) => [r.imageId, r.label]),
      );
      const seen = new Set<string>();
      const toInsert = items.filter((it) => {
        if (!existingImages.has(it.imageId) || present.has(it.imageId) || seen.has(it.imageId)) return false;
        seen.add(it.imageId);
        return true;
      });
      const refs = await insertEmbeddings(
        tx,
        this.db.provider,
        toInsert.map((it) => ({ imageId: it.imageId, modelVersion, vector: it.vector })),
      );
      toInsert.forEach((it, k) => present.set(it.imageId, refs[k].label));
      return items.filter((it) => present.has(it.imageId)).map((it) => ({ imageId: it.imageId, label: present.get(it.imageId)! }));
    });
  }

  async get(imageId: string, modelVersion: string): Promise<EmbeddingRecord | null> {
    const row = await this.db.run((p) =>
      p.embedding.findUnique({
        where: { imageId_modelVersion: { imageId, modelVersion } },
        include: { image: { select: { identityId: true } } },
      }),
    );
    if (!row) return null;
    return {
      id: row.id,
      imageId: row.imageId,
      identityId: row.image.identityId,
      modelVersion: row.modelVersion,
      label: row.label,
      dimension: row.dimension,
      vector: decodeVector(row.vector, row.dimension),
      createdAt: row.createdAt,
    };
  }

  async getVector(imageId: string, modelVersion: string): Promise<Float32Array | null> {
    const row = await this.db.run((p) =>
      p.embedding.findUnique({
        where: { imageId_modelVersion: { imageId, modelVersion } },
        select: { vector: true, dimension: true },
      }),
    );
    return row ? decodeVector(row.vector, row.dimension) : null;
  }

  /** Which image and identity each label belongs to (labels no longer present are left out). */
  async ownersOfLabels(modelVersion: string, labels: number[]): Promise<LabelOwner[]> {
    const out: LabelOwner[] = [];
    for (const part of chunks([...new Set(labels)], IN_CHUNK)) {
      const rows = await this.db.run((p) =>
        p.embedding.findMany({
          where: { modelVersion, label: { in: part } },
          select: { label: true, imageId: true, image: { select: { identityId: true } } },
        }),
      );
      for (const r of rows) out.push({ label: r.label, imageId: r.imageId, identityId: r.image.identityId });
    }
    return out;
  }

  count(modelVersion: string): Promise<number> {
    return this.db.run((p) => p.embedding.count({ where: { modelVersion } }));
  }

  /** Every label stored for `modelVersion`, ascending (integers only: cheap even at 1M rows). */
  async allLabels(modelVersion: string): Promise<number[]> {
    const out: number[] = [];
    let after = -1;
    for (;;) {
      const from = after;
      const rows = await this.db.run((p) =>
        p.embedding.findMany({
          where: { modelVersion, label: { gt: from } },
          orderBy: { label: 'asc' },
          take: 50_000,
          select: { label: true },
        }),
      );
      for (const r of rows) out.push(r.label);
      if (rows.length < 50_000) return out;
      after = rows[rows.length - 1].label;
    }
  }

  async vectorsByLabels(modelVersion: string, labels: number[]): Promise<LabelledVector[]> {
    const out: LabelledVector[] = [];
    for (const part of chunks([...new Set(labels)], IN_CHUNK)) {
      const rows = await this.db.run((p) =>
        p.embedding.findMany({
          where: { modelVersion, label: { in: part } },
          select: { label: true, vector: true, dimension: true },
        }),
      );
      for (const r of rows) out.push({ label: r.label, vector: decodeVector(r.vector, r.dimension) });
    }
    return out;
  }

  /** One page of vectors by ascending label, strictly after `afterLabel` (start with -1). */
  async page(modelVersion: string, afterLabel: number, take: number): Promise<Array<LabelledVector & LabelOwner>> {
    const rows = await this.db.run((p) =>
      p.embedding.findMany({
        where: { modelVersion, label: { gt: afterLabel } },
        orderBy: { label: 'asc' },
        take,
        select: { label: true, vector: true, dimension: true, imageId: true, image: { select: { identityId: true } } },
      }),
    );
    return rows.map((r) => ({
      label: r.label,
      vector: decodeVector(r.vector, r.dimension),
      imageId: r.imageId,
      identityId: r.image.identityId,
    }));
  }

  /**
   * Every vector of `modelVersion` in chunks by ascending label, for index rebuilds. Each
   * chunk is its own query, so other requests run between chunks (and, on SQLite, the
   * single connection is never held for the whole scan).
   */
  async *iterate(modelVersion: string, chunkSize = 1000): AsyncGenerator<Array<LabelledVector & LabelOwner>> {
    let after = -1;
    for (;;) {
      const rows = await this.page(modelVersion, after, chunkSize);
      if (rows.length === 0) return;
      yield rows;
      if (rows.length < chunkSize) return;
      after = rows[rows.length - 1].label;
    }
  }

  /** The label the next allocation for `modelVersion` would get (labels are never reused). */
  async nextLabel(modelVersion: string): Promise<number> {
    const row = await this.db.run((p) => p.labelSequence.findUnique({ where: { modelVersion } }));
    return row?.next ?? 0;
  }

  /** Vector counts per model version (to find versions whose vectors can be dropped). */
  async countsByModelVersion(): Promise<Array<{ modelVersion: string; count: number }>> {
    const rows = await this.db.run((p) => p.embedding.groupBy({ by: ['modelVersion'], _count: { _all: true } }));
    return rows
      .map((r) => ({ modelVersion: r.modelVersion, count: r._count._all }))
      .sort((a, b) => a.modelVersion.localeCompare(b.modelVersion));
  }

  /**
   * Drops every vector of a model version (a failed or cancelled re-embedding); returns how
   * many went. The label sequence is kept, so labels stay unique even if the version is
   * embedded again while an old index file still exists.
   */
  async deleteModelVersion(modelVersion: string): Promise<number> {
    // The feed row tells every replica to drop its saved index of the version (it held these vectors).
    return this.db.transaction(async (tx) => {
      const { count } = await tx.embedding.deleteMany({ where: { modelVersion } });
      await appendChanges(tx, this.db.provider, [{ kind: 'model.dropped', modelVersion }]);
      return count;
    });
  }
}
