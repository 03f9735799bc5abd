/**
 * The data a retraining run learns from, read as ONE consistent snapshot: every enrolled
 * image and every labelled pair (with both sides' bytes), inside a single read transaction.
 *
 * Why one transaction: read in separate queries, a deletion committed between them could leave
 * the run with some of a person's data (a pair read after its image was erased, or images read
 * before and pairs after). In one snapshot, everything read existed together at one instant, and
 * the ids it returns are exactly what the run trained on; the run later compares them with the
 * Erasure log (ErasureRepository.touching) and refuses to promote a model trained on data
 * erased meanwhile.
 *
 * SQLite (WAL): a deferred BEGIN pins the snapshot at its first read; writers (the server's
 * enrollments and deletions) are not blocked. PostgreSQL: REPEATABLE READ, read only.
 */
import { afterWhere, type KeysetPosition } from './cursor';
import type { Database, PrismaTx } from './database';
import type { LabelledPairWithBytes } from './db.types';
import { pairSelect, toBuffer, toPair } from './mappers';

export interface SnapshotImage {
  id: string;
  identityId: string;
  bytes: Buffer;
}

export interface TrainingSnapshot {
  images: SnapshotImage[];
  pairs: LabelledPairWithBytes[];
  /** What the run read: the identities (image owners and pair tags), images and pairs. */
  used: { identityIds: string[]; imageIds: string[]; pairIds: string[] };
}

/** Loading every image's bytes can take long on a big database: far beyond the default 60 s. */
const SNAPSHOT_TIMEOUT_MS = 30 * 60_000;

const pairWithBytesSelect = {
  ...pairSelect,
  imageABytes: true,
  imageBBytes: true,
  imageA: { select: { bytes: true } },
  imageB: { select: { bytes: true } },
} as const;

function imagePage(tx: PrismaTx, afterId: string | null, take: number) {
  return tx.enrolledImage.findMany({
    where: afterId ? { id: { gt: afterId } } : {},
    orderBy: { id: 'asc' },
    take,
    select: { id: true, identityId: true, bytes: true },
  });
}

/** Pairs oldest first, as before snapshots existed: the seeded trainer sees them in the same order. */
function pairPage(tx: PrismaTx, after: KeysetPosition | null, take: number) {
  return tx.labelledPair.findMany({
    where: after ? afterWhere(after) : {},
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    take,
    select: pairWithBytesSelect,
  });
}

export interface SnapshotOptions {
  /** Rows per query inside the transaction (default 256). */
  chunkSize?: number;
  /** Test hook: runs between the images and the pairs, inside the transaction (to commit a deletion there). */
  afterImages?: () => Promise<void>;
}

export async function readTrainingSnapshot(db: Database, options: SnapshotOptions = {}): Promise<TrainingSnapshot> {
  const chunkSize = options.chunkSize ?? 256;
  const read = async (tx: PrismaTx): Promise<TrainingSnapshot> => {
    if (db.provider === 'postgresql') await tx.$executeRawUnsafe('SET TRANSACTION READ ONLY');
    const images: SnapshotImage[] = [];
    for (let afterId: string | null = null; ;) {
      const rows = await imagePage(tx, afterId, chunkSize);
      for (const r of rows) images.push({ id: r.id, identityId: r.identityId, bytes: toBuffer(r.bytes) });
      if (rows.length < chunkSize) break;
      afterId = rows[rows.length - 1].id;
    }
    await options.afterImages?.();
    const pairs: LabelledPairWithBytes[] = [];
    for (let after: KeysetPosition | null = null; ;) {
      const rows = await pairPage(tx, after, chunkSize);
      for (const r of rows) {
        const aBytes = r.imageA?.bytes ?? r.imageABytes;
        const bBytes = r.imageB?.bytes ?? r.imageBBytes;
        if (!aBytes || !bBytes) throw new Error(`labelled pair ${r.id} has a side with neither image nor bytes`);
        pairs.push({ ...toPair(r), imageABytes: toBuffer(aBytes), imageBBytes: toBuffer(bBytes) });
      }
      if (rows.length < chunkSize) break;
      after = rows[rows.length - 1];
    }
    const identityIds = new Set(images.map((i) => i.identityId));
    for (const p of pairs) for (const id of p.identityIds) identityIds.add(id);
    return {
      images,
      pairs,
      used: { identityIds: [...identityIds].sort(), imageIds: images.map((i) => i.id), pairIds: pairs.map((p) => p.id).sort() },
    };
  };
  // `Database.transaction` has no isolation option; the facade is typed as the SQLite client,
  // whose enum lacks RepeatableRead, hence the cast for PostgreSQL.
  const isolationLevel = db.provider === 'postgresql' ? ('RepeatableRead' as never) : undefined;
  return db.run((p) => p.$transaction(read, { isolationLevel, timeout: SNAPSHOT_TIMEOUT_MS, maxWait: SNAPSHOT_TIMEOUT_MS }));
}
