/**
 * k-fold cross-validation over identities: fold f of k holds out every k-th
 * identity (natural name order: s1, s2, …, s10, …), starting at the f-th.
 * With 30 ORL subjects and k = 3, each fold validates on 10 subjects and
 * trains on 20, and the three folds together score every training subject
 * once ("out-of-fold" scores) — less noisy choices than one 9-subject split,
 * and scores for calibrating a final model trained on all identities.
 *
 * Round-robin in name order rather than a seeded shuffle, so a fold is the
 * same set whatever the training seed and can be written down in the docs.
 */
import { groupByIdentity, type IdentitySplit } from '../data/split';
import type { ImageRef } from '../data/labelled-image-source';

export interface Fold {
  /** 1-based fold number. */
  index: number;
  count: number;
}

/** Parses "2/3" (fold 2 of 3). */
export function parseFold(text: string): Fold {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new RangeError(`fold must look like I/K (e.g. 1/3), got '${text}'`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 2 || index < 1 || index > count) throw new RangeError(`fold ${text}: need K ≥ 2 and 1 ≤ I ≤ K`);
  return { index, count };
}

const natural = new Intl.Collator('en', { numeric: true }).compare;

/** Identity names of fold `fold` (the validation identities). */
export function foldIdentities(identities: readonly string[], fold: Fold): string[] {
  return [...identities].sort(natural).filter((_, i) => i % fold.count === fold.index - 1);
}

/** Identity-disjoint split whose validation part is fold `fold`. */
export function splitByFold(images: readonly ImageRef[], fold: Fold): IdentitySplit {
  const all = groupByIdentity(images);
  if (all.identities.length < fold.count) throw new RangeError(`${all.identities.length} identities cannot make ${fold.count} folds`);
  const val = new Set(foldIdentities(all.identities, fold));
  return {
    train: groupByIdentity(images.filter((img) => !val.has(img.identity))),
    validation: groupByIdentity(images.filter((img) => val.has(img.identity))),
  };
}
