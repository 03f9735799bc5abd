/**
 * Right to erasure, the parts every delete shares:
 *  - which labelled pairs show a person or an image (they go in the same transaction);
 *  - the Erasure log (ids only), which a training run checks against the data it read;
 *  - the SQLite scrub that takes the erased bytes off the disk at once.
 */
import type { Database, PrismaTx } from './database';
import type { DbProvider } from './database-url';
import type { ErasureCounts, ErasureKind } from './db.types';

/** Ids per IN (...) list: far below SQLite's bound-parameter limit. */
const IN_CHUNK = 500;

function chunks<T>(items: readonly T[], size = IN_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * PostgreSQL: locks the row being erased before looking for what refers to it. A concurrent
 * labelPair that already inserted a pair referring to the row (holding a key-share lock on it)
 * is waited for, so its pair is seen and erased; one that comes later fails its foreign-key
 * check. Without the lock such a pair could commit between our search and our delete and
 * keep the person's uploaded bytes. SQLite serialises writers, so it needs nothing here.
 */
export async function lockForErasure(tx: PrismaTx, provider: DbProvider, table: 'Identity' | 'EnrolledImage', id: string): Promise<void> {
  if (provider !== 'postgresql') return;
  await tx.$queryRawUnsafe(`SELECT id FROM "${table}" WHERE id = $1 FOR UPDATE`, id);
}

/**
 * The labelled pairs that show the erased data: a side refers to one of `imageIds`, or the
 * pair is tagged with `identityId` (uploaded bytes of the person that were never enrolled).
 */
export async function pairsShowing(tx: PrismaTx, target: { identityId?: string; imageIds: readonly string[] }): Promise<string[]> {
  const ids = new Set<string>();
  if (target.identityId) {
    const tagged = await tx.labelledPairSubject.findMany({ where: { identityId: target.identityId }, select: { pairId: true } });
    for (const t of tagged) ids.add(t.pairId);
  }
  for (const part of chunks(target.imageIds)) {
    const rows = await tx.labelledPair.findMany({
      where: { OR: [{ imageAId: { in: part } }, { imageBId: { in: part } }] },
      select: { id: true },
    });
    for (const r of rows) ids.add(r.id);
  }
  return [...ids];
}

/** Deletes the pairs (their subject tags cascade) inside `tx`. */
export async function deletePairs(tx: PrismaTx, pairIds: readonly string[]): Promise<void> {
  for (const part of chunks(pairIds)) await tx.labelledPair.deleteMany({ where: { id: { in: part } } });
}

/** Logs erasures inside the deleting transaction, so the log and the delete commit together. */
export async function logErasures(tx: PrismaTx, kind: ErasureKind, targetIds: readonly string[]): Promise<void> {
  for (const part of chunks(targetIds)) {
    await tx.erasure.createMany({ data: part.map((targetId) => ({ kind, targetId })) });
  }
}

/**
 * After an erasure on SQLite: `secure_delete` (set on every connection) zeroes
 * the freed pages, but the WAL still holds the frames written when the rows
 * were inserted, and keeps them until they happen to be overwritten. A
 * TRUNCATE checkpoint copies the zeroed pages into the database file and cuts
 * the WAL to 0 bytes, so the erased image bytes and vectors leave the disk now.
 *
 * Best effort, and it never waits: a reader in another process (the training
 * child reading its snapshot) blocks a TRUNCATE checkpoint, which would
 * otherwise sit in the busy handler for the whole busy_timeout (10 s measured)
 * while holding this connection. It is retried by the next erasure and by the
 * retraining service when the child's snapshot read ends. True when the WAL
 * was cut. (PostgreSQL keeps dead tuples until VACUUM: the operator's schedule.)
 */
export async function scrubAfterErasure(db: Database): Promise<boolean> {
  if (db.provider !== 'sqlite') return true;
  return db
    .run(async (p) => {
      const [row] = await p.$queryRawUnsafe<Array<{ timeout: number | bigint }>>('PRAGMA busy_timeout');
      await p.$queryRawUnsafe('PRAGMA busy_timeout = 0');
      try {
        const [result] = await p.$queryRawUnsafe<Array<{ busy: number | bigint }>>('PRAGMA wal_checkpoint(TRUNCATE)');
        return Number(result?.busy ?? 1) === 0;
      } finally {
        await p.$queryRawUnsafe(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(Number(row?.timeout ?? 10_000)))}`);
      }
    })
    .catch(() => false);
}

/** The ids a training run read; see ErasureRepository.touching. */
export interface UsedIds {
  identityIds: readonly string[];
  imageIds: readonly string[];
  pairIds: readonly string[];
}

export const noErasures = (): ErasureCounts => ({ identity: 0, image: 0, labelledPair: 0 });

export class ErasureRepository {
  constructor(private readonly db: Database) {}

  /**
   * How many of `used` have been erased, per kind. Every id in `used` existed when the run
   * read it and ids are never reused, so any Erasure row naming one was written after that
   * read: no clock comparison is needed.
   */
  async touching(used: UsedIds): Promise<ErasureCounts> {
    const counts = noErasures();
    const want: Array<[ErasureKind, readonly string[]]> = [
      ['identity', used.identityIds],
      ['image', used.imageIds],
      ['labelledPair', used.pairIds],
    ];
    for (const [kind, ids] of want) {
      const hit = new Set<string>();
      for (const part of chunks([...new Set(ids)])) {
        const rows = await this.db.run((p) => p.erasure.findMany({ where: { kind, targetId: { in: part } }, select: { targetId: true } }));
        for (const r of rows) hit.add(r.targetId);
      }
      counts[kind] = hit.size;
    }
    return counts;
  }

  /** The newest `take` log rows, oldest first (ids only): for audits and tests. */
  async recent(take = 1000): Promise<Array<{ kind: ErasureKind; targetId: string; createdAt: Date }>> {
    const rows = await this.db.run((p) =>
      p.erasure.findMany({
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take,
        select: { kind: true, targetId: true, createdAt: true },
      }),
    );
    return rows.reverse().map((r) => ({ kind: r.kind as ErasureKind, targetId: r.targetId, createdAt: r.createdAt }));
  }
}
