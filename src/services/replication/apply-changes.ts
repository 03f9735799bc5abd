/**
 * Applies change-feed rows (src/db/change-feed.ts) of ONE model version to an in-process index.
 *
 * Order-free by construction: index labels are never reused (LabelSequence), and a label is
 * added before it is removed, never after. So a batch is applied as "add every label added and
 * not removed in it, whose row still exists; remove every label removed in it": the result is
 * the same as applying the rows one by one, and applying a row twice (a replay after a restart,
 * or a row this replica already applied as its own write) changes nothing.
 *
 * Vectors are read from the database at apply time, not carried in the feed: a row deleted
 * since (an erasure later in the feed) is simply not found, and the feed stays small.
 */
import type { VectorIndex } from '../../index/vector-index';
import type { ServiceStore } from '../store.port';

/** The part of a change row this needs (ChangeRecord fits). */
export interface IndexChange {
  kind: string;
  modelVersion: string | null;
  label: number | null;
}

export interface AppliedToIndex {
  added: number;
  removed: number;
}

const FETCH_PAGE = 1000;

export async function applyToIndex(
  store: Pick<ServiceStore, 'vectorsByLabels'>,
  version: string,
  index: VectorIndex,
  changes: readonly IndexChange[],
): Promise<AppliedToIndex> {
  const added = new Set<number>();
  const removed = new Set<number>();
  for (const c of changes) {
    if (c.modelVersion !== version || c.label === null) continue;
    if (c.kind === 'embedding.added') added.add(c.label);
    else if (c.kind === 'embedding.removed') removed.add(c.label);
  }
  const missing: number[] = [];
  for (const l of added) if (!removed.has(l) && !(await index.has(l))) missing.push(l);
  let addedCount = 0;
  for (let i = 0; i < missing.length; i += FETCH_PAGE) {
    for (const { label, vector } of await store.vectorsByLabels(version, missing.slice(i, i + FETCH_PAGE))) {
      await index.add(label, vector);
      addedCount++;
    }
  }
  let removedCount = 0;
  for (const l of removed) if (await index.remove(l)) removedCount++;
  return { added: addedCount, removed: removedCount };
}
