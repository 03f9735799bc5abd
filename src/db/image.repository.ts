/**
 * Enrolled images: the original bytes are kept (a new model version re-embeds them), and an
 * image is added together with its embedding in ONE transaction, so a crash never leaves an
 * image without its vector or a vector without its image.
 */
import * as crypto from 'crypto';
import { badInput, notFound } from '../errors';
import { deletePairs, lockForErasure, logErasures, pairsShowing, scrubAfterErasure } from './erasure';
import type { Database, PrismaTx } from './database';
import type { EnrolledImageRecord, NewImage, VectorRef } from './db.types';
import { reserveLabels } from './labels';
import { appendChanges, type NewChange } from './change-log';
import type { DbProvider } from './database-url';
import { imageSelect, toBuffer, toImage } from './mappers';
import { encodeVector } from './vector-codec';
import { isFloat32Array } from './vector-codec';

export interface ImageWithEmbedding {
  image: NewImage;
  /** The image's vector under `modelVersion`; omitted → the image is stored without one. */
  embedding?: { modelVersion: string; vector: Float32Array };
}

export interface AddedImage {
  image: EnrolledImageRecord;
  /** Where its vector went; null when no embedding was given. */
  embedding: (VectorRef & { dimension: number }) | null;
}

export const sha256Hex = (bytes: Uint8Array): string => crypto.createHash('sha256').update(bytes).digest('hex');

function checkVector(vector: Float32Array): void {
  if (!isFloat32Array(vector) || vector.length === 0) throw badInput('embedding must be a non-empty Float32Array');
  for (let i = 0; i < vector.length; i++) {
    if (!Number.isFinite(vector[i])) throw badInput('embedding contains a non-finite value');
  }
}

/**
 * Inserts embeddings for existing images inside `tx`, reserving labels per model version, and
 * appends one `embedding.added` row per vector to the change feed (change-log.ts) last, so the
 * feed's lock is held only from there to COMMIT.
 */
export async function insertEmbeddings(
  tx: PrismaTx,
  provider: DbProvider,
  items: Array<{ imageId: string; modelVersion: string; vector: Float32Array }>,
): Promise<Array<VectorRef & { dimension: number }>> {
  const byVersion = new Map<string, number>();
  for (const it of items) byVersion.set(it.modelVersion, (byVersion.get(it.modelVersion) ?? 0) + 1);
  const nextLabel = new Map<string, number>();
  for (const [version, count] of byVersion) nextLabel.set(version, await reserveLabels(tx, version, count));
  const out: Array<VectorRef & { dimension: number }> = [];
  for (const it of items) {
    const label = nextLabel.get(it.modelVersion)!;
    nextLabel.set(it.modelVersion, label + 1);
    await tx.embedding.create({
      data: {
        imageId: it.imageId,
        modelVersion: it.modelVersion,
        vector: encodeVector(it.vector),
        dimension: it.vector.length,
        label,
      },
      select: { id: true },
    });
    out.push({ modelVersion: it.modelVersion, label, dimension: it.vector.length });
  }
  await appendChanges(
    tx,
    provider,
    items.map((it, k) => ({ kind: 'embedding.added', modelVersion: it.modelVersion, imageId: it.imageId, label: out[k].label })),
  );
  return out;
}

/** The feed rows of an erasure: one `embedding.removed` per vector (every model version). */
export function removedChanges(
  refs: ReadonlyArray<{ modelVersion: string; label: number; imageId?: string }>,
  imageId?: string,
  identityId?: string,
): NewChange[] {
  return refs.map((r) => ({
    kind: 'embedding.removed',
    modelVersion: r.modelVersion,
    label: r.label,
    imageId: r.imageId ?? imageId ?? null,
    identityId: identityId ?? null,
  }));
}

export class ImageRepository {
  constructor(private readonly db: Database) {}

  /**
   * Stores images (with their embeddings, labels allocated here) for an identity, all or
   * nothing. Results are in input order and returned after COMMIT: once this resolves, the
   * rows are durable. Throws NOT_FOUND when the identity does not exist.
   */
  async addWithEmbeddings(identityId: string, items: ImageWithEmbedding[]): Promise<AddedImage[]> {
    for (const it of items) {
      if (!(it.image.bytes instanceof Uint8Array) || it.image.bytes.byteLength === 0) throw badInput('image bytes are empty');
      if (it.embedding) checkVector(it.embedding.vector);
    }
    if (items.length === 0) return [];
    return this.db.transaction(async (tx) => {
      const owner = await tx.identity.findUnique({ where: { id: identityId }, select: { id: true } });
      if (!owner) throw notFound('Identity', identityId);
      const images: EnrolledImageRecord[] = [];
      for (const it of items) {
        const row = await tx.enrolledImage.create({
          data: {
            identityId,
            bytes: Uint8Array.from(it.image.bytes),
            sha256: it.image.sha256 ?? sha256Hex(it.image.bytes),
            mimeType: it.image.mimeType,
            width: it.image.width,
            height: it.image.height,
            byteSize: it.image.bytes.byteLength,
          },
          select: imageSelect,
        });
        images.push(toImage(row));
      }
      const withVectors = items.map((it, i) => ({ it, i })).filter(({ it }) => it.embedding !== undefined);
      const refs = await insertEmbeddings(
        tx,
        this.db.provider,
        withVectors.map(({ it, i }) => ({ imageId: images[i].id, ...it.embedding! })),
      );
      const embeddingOf = new Map<number, VectorRef & { dimension: number }>();
      withVectors.forEach(({ i }, k) => embeddingOf.set(i, refs[k]));
      return images.map((image, i) => ({ image, embedding: embeddingOf.get(i) ?? null }));
    });
  }

  async get(id: string): Promise<EnrolledImageRecord | null> {
    const row = await this.db.run((p) => p.enrolledImage.findUnique({ where: { id }, select: imageSelect }));
    return row ? toImage(row) : null;
  }

  /** The original bytes, or null when the image does not exist. */
  async getBytes(id: string): Promise<Buffer | null> {
    const row = await this.db.run((p) => p.enrolledImage.findUnique({ where: { id }, select: { bytes: true } }));
    return row ? toBuffer(row.bytes) : null;
  }

  /** An identity's images, oldest first. */
  async listByIdentity(identityId: string): Promise<EnrolledImageRecord[]> {
    const rows = await this.db.run((p) =>
      p.enrolledImage.findMany({
        where: { identityId },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        select: imageSelect,
      }),
    );
    return rows.map(toImage);
  }

  /** Images whose bytes hash to `sha256` (duplicate detection). */
  async findBySha256(sha256: string): Promise<EnrolledImageRecord[]> {
    const rows = await this.db.run((p) => p.enrolledImage.findMany({ where: { sha256 }, select: imageSelect }));
    return rows.map(toImage);
  }

  count(): Promise<number> {
    return this.db.run((p) => p.enrolledImage.count());
  }

  /**
   * Deletes one image with its embeddings (every model version) and the labelled pairs
   * that use it, and logs the image and each pair in the Erasure log (same transaction).
   * Returns the vector labels to remove from the indexes, or null when absent.
   */
  async delete(id: string): Promise<VectorRef[] | null> {
    const refs = await this.db.transaction(async (tx) => {
      await lockForErasure(tx, this.db.provider, 'EnrolledImage', id);
      const exists = await tx.enrolledImage.findUnique({ where: { id }, select: { id: true } });
      if (!exists) return null;
      const refs = await tx.embedding.findMany({ where: { imageId: id }, select: { modelVersion: true, label: true } });
      // The pairs would cascade with the image; found first so that each one is logged.
      const pairIds = await pairsShowing(tx, { imageIds: [id] });
      await deletePairs(tx, pairIds);
      await tx.enrolledImage.delete({ where: { id } });
      await logErasures(tx, 'image', [id]);
      await logErasures(tx, 'labelledPair', pairIds);
      await appendChanges(tx, this.db.provider, removedChanges(refs, id));
      return refs;
    });
    if (refs !== null) await scrubAfterErasure(this.db);
    return refs;
  }

  /**
   * Images with no embedding under `modelVersion`, with their bytes, by ascending id after
   * `afterId`: what a re-embedding job (or a start after a crash) still has to embed.
   */
  async missingEmbedding(
    modelVersion: string,
    take: number,
    afterId?: string | null,
  ): Promise<Array<{ id: string; identityId: string; bytes: Buffer }>> {
    const rows = await this.db.run((p) =>
      p.enrolledImage.findMany({
        where: {
          embeddings: { none: { modelVersion } },
          ...(afterId ? { id: { gt: afterId } } : {}),
        },
        orderBy: { id: 'asc' },
        take,
        select: { id: true, identityId: true, bytes: true },
      }),
    );
    return rows.map((r) => ({ id: r.id, identityId: r.identityId, bytes: toBuffer(r.bytes) }));
  }

  /** All images with bytes, by ascending id, in chunks (re-embedding, export). */
  async *iterateWithBytes(chunkSize = 64): AsyncGenerator<Array<{ id: string; identityId: string; bytes: Buffer }>> {
    let afterId: string | null = null;
    for (;;) {
      const rows = await this.pageWithBytes(afterId, chunkSize);
      if (rows.length === 0) return;
      yield rows;
      if (rows.length < chunkSize) return;
      afterId = rows[rows.length - 1].id;
    }
  }

  private async pageWithBytes(afterId: string | null, take: number): Promise<Array<{ id: string; identityId: string; bytes: Buffer }>> {
    const rows = await this.db.run((p) =>
      p.enrolledImage.findMany({
        where: afterId ? { id: { gt: afterId } } : {},
        orderBy: { id: 'asc' },
        take,
        select: { id: true, identityId: true, bytes: true },
      }),
    );
    return rows.map((r) => ({ id: r.id, identityId: r.identityId, bytes: toBuffer(r.bytes) }));
  }
}
