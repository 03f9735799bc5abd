/**
 * Index label allocation, inside the caller's transaction. One LabelSequence row per model
 * version holds the next unused label; an upsert with increment reserves a block atomically
 * (PostgreSQL: INSERT … ON CONFLICT DO UPDATE takes the row lock until commit, so concurrent
 * enrollments get disjoint blocks; SQLite: writes are serialised). Labels are never reused.
 */
import type { PrismaTx } from './database';

/** Reserves `count` consecutive labels for `modelVersion`; returns the first. */
export async function reserveLabels(tx: PrismaTx, modelVersion: string, count: number): Promise<number> {
  if (!Number.isInteger(count) || count < 1) throw new Error(`label count must be a positive integer, got ${count}`);
  const row = await tx.labelSequence.upsert({
    where: { modelVersion },
    create: { modelVersion, next: count },
    update: { next: { increment: count } },
  });
  return row.next - count;
}
