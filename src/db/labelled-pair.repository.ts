/**
 * Labelled pairs ("same identity" / "not the same"), from admins and from corrections of
 * wrong answers. A side refers to an enrolled image (the pair is erased with that image:
 * right to erasure) or carries the uploaded bytes of an image that was never enrolled.
 * A pair is tagged with the identities it shows (LabelledPairSubject): the owners of its
 * enrolled sides, and the ones the admin names for uploaded sides, so that erasing a person
 * also erases pairs made from uploads of them.
 */
import { badInput, notFound } from '../errors';
import type { Database, PrismaTx } from './database';
import { afterWhere, checkFirst, decodeCursor, encodeCursor } from './cursor';
import type {
  LabelledNegative,
  LabelledPairRecord,
  LabelledPairWithBytes,
  NewLabelledPair,
  Page,
  PageArgs,
  PairImageInput,
  PairSource,
} from './db.types';
import { logErasures, scrubAfterErasure } from './erasure';
import { sha256Hex } from './image.repository';
import { pairSelect, toBuffer, toPair } from './mappers';

const SOURCES: readonly PairSource[] = ['admin', 'correction'];

interface ResolvedSide {
  id: string | null;
  bytes: Uint8Array<ArrayBuffer> | null;
  sha256: string;
  /** The owner of an enrolled side (the pair is tagged with it). */
  identityId: string | null;
}

async function side(tx: PrismaTx, input: PairImageInput): Promise<ResolvedSide> {
  if ('imageId' in input) {
    const img = await tx.enrolledImage.findUnique({ where: { id: input.imageId }, select: { id: true, sha256: true, identityId: true } });
    if (!img) throw notFound('EnrolledImage', input.imageId);
    return { id: img.id, bytes: null, sha256: img.sha256, identityId: img.identityId };
  }
  if (!(input.bytes instanceof Uint8Array) || input.bytes.byteLength === 0) throw badInput('pair image bytes are empty');
  return { id: null, bytes: Uint8Array.from(input.bytes), sha256: input.sha256 ?? sha256Hex(input.bytes), identityId: null };
}

/** The named identities, all of which must exist (NOT_FOUND names the first unknown one). */
async function checkIdentities(tx: PrismaTx, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const found = new Set((await tx.identity.findMany({ where: { id: { in: [...ids] } }, select: { id: true } })).map((r) => r.id));
  const unknown = ids.find((id) => !found.has(id));
  if (unknown !== undefined) throw notFound('Identity', unknown);
}

/** Most people one pair may be tagged with (two sides; a few more for group photos). */
export const MAX_PAIR_SUBJECTS = 16;

export class LabelledPairRepository {
  constructor(private readonly db: Database) {}

  async create(input: NewLabelledPair): Promise<LabelledPairRecord> {
    const weight = input.weight ?? 1;
    if (!Number.isFinite(weight) || weight <= 0) throw badInput('weight must be a positive finite number', { weight });
    if (!SOURCES.includes(input.source)) throw badInput(`source must be one of ${SOURCES.join(', ')}`);
    const named = [...new Set(input.identityIds ?? [])];
    if (named.some((id) => typeof id !== 'string' || id === ''))
      throw badInput('identityIds must be non-empty ids', { argument: 'identityIds' });
    if (named.length > MAX_PAIR_SUBJECTS) {
      throw badInput(`a pair shows at most ${MAX_PAIR_SUBJECTS} identities (got ${named.length})`, {
        argument: 'identityIds',
        limit: MAX_PAIR_SUBJECTS,
      });
    }
    return this.db.transaction(async (tx) => {
      const a = await side(tx, input.a);
      const b = await side(tx, input.b);
      await checkIdentities(tx, named);
      const subjects = [...new Set([...named, a.identityId, b.identityId].filter((id): id is string => id !== null))];
      const row = await tx.labelledPair.create({
        data: {
          imageAId: a.id,
          imageABytes: a.bytes,
          imageASha256: a.sha256,
          imageBId: b.id,
          imageBBytes: b.bytes,
          imageBSha256: b.sha256,
          same: input.same,
          weight,
          source: input.source,
          note: input.note ?? null,
          subjects: { create: subjects.map((identityId) => ({ identityId })) },
        },
        select: pairSelect,
      });
      return toPair(row);
    });
  }

  async get(id: string): Promise<LabelledPairRecord | null> {
    const row = await this.db.run((p) => p.labelledPair.findUnique({ where: { id }, select: pairSelect }));
    return row ? toPair(row) : null;
  }

  /** Oldest first, strictly after the cursor. */
  async list(args: PageArgs): Promise<Page<LabelledPairRecord>> {
    const first = checkFirst(args.first);
    const where = args.after ? afterWhere(decodeCursor(args.after)) : {};
    const rows = await this.db.run((p) =>
      p.labelledPair.findMany({ where, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: first + 1, select: pairSelect }),
    );
    const items = rows.slice(0, first).map(toPair);
    const cursors = items.map(encodeCursor);
    return { items, cursors, endCursor: cursors.at(-1) ?? null, hasNextPage: rows.length > first };
  }

  /**
   * The negatives labelled for an identity, newest first, at most `take`: pairs marked not-the-same with
   * one side an enrolled image of the identity and the other side not (uploaded bytes, or someone else's
   * image); each entry is that other side. verifyIdentity reads them as the identity's own forgeries
   * (src/metric/labelled-threshold.ts). A pair of two of its own images marked different is a
   * contradiction, not a negative, and is left out; so is an upload merely tagged with the identity.
   */
  async negativesOf(identityId: string, take: number): Promise<LabelledNegative[]> {
    if (!Number.isInteger(take) || take < 1) return [];
    const ownSide = (side: 'imageA' | 'imageB', other: 'imageA' | 'imageB') => ({
      [side]: { is: { identityId } },
      OR: [{ [`${other}Id`]: null }, { [other]: { is: { identityId: { not: identityId } } } }],
    });
    const rows = await this.db.run((p) =>
      p.labelledPair.findMany({
        where: { same: false, OR: [ownSide('imageA', 'imageB'), ownSide('imageB', 'imageA')] },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take,
        select: {
          id: true,
          createdAt: true,
          imageAId: true,
          imageBId: true,
          imageABytes: true,
          imageBBytes: true,
          imageA: { select: { identityId: true } },
        },
      }),
    );
    return rows.map((r) => {
      const aIsOwn = r.imageA?.identityId === identityId;
      const imageId = aIsOwn ? r.imageBId : r.imageAId;
      const bytes = aIsOwn ? r.imageBBytes : r.imageABytes;
      return { pairId: r.id, createdAt: r.createdAt, imageId, bytes: imageId ? null : bytes ? toBuffer(bytes) : null };
    });
  }

  count(): Promise<number> {
    return this.db.run((p) => p.labelledPair.count());
  }

  /**
   * Erases one pair (its uploaded bytes with it) and logs the erasure in the same
   * transaction; on SQLite the freed pages and the WAL are scrubbed. False when absent.
   */
  async delete(id: string): Promise<boolean> {
    const deleted = await this.db.transaction(async (tx) => {
      const { count } = await tx.labelledPair.deleteMany({ where: { id } });
      if (count > 0) await logErasures(tx, 'labelledPair', [id]);
      return count > 0;
    });
    if (deleted) await scrubAfterErasure(this.db);
    return deleted;
  }

  /**
   * Every pair with both images' bytes, in chunks (oldest first): the training data a
   * retraining run reads. Bytes of enrolled sides come from the image row.
   */
  async *iterateWithBytes(chunkSize = 64): AsyncGenerator<LabelledPairWithBytes[]> {
    let after: string | null = null;
    for (;;) {
      const cursor: string | null = after;
      const rows = await this.db.run((p) =>
        p.labelledPair.findMany({
          where: cursor ? afterWhere(decodeCursor(cursor)) : {},
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
          take: chunkSize,
          select: {
            ...pairSelect,
            imageABytes: true,
            imageBBytes: true,
            imageA: { select: { bytes: true } },
            imageB: { select: { bytes: true } },
          },
        }),
      );
      if (rows.length === 0) return;
      yield rows.map((r) => {
        const aBytes = r.imageA?.bytes ?? r.imageABytes;
        const bBytes = r.imageB?.bytes ?? r.imageBBytes;
        if (!aBytes || !bBytes) throw new Error(`labelled pair ${r.id} has a side with neither image nor bytes`);
        return { ...toPair(r), imageABytes: toBuffer(aBytes), imageBBytes: toBuffer(bBytes) };
      });
      if (rows.length < chunkSize) return;
      after = encodeCursor(rows[rows.length - 1]);
    }
  }
}
