/**
 * Groups images by identity and splits identities (not images) into training
 * and validation, so validation measures what the product needs: telling apart
 * people/characters the encoder has never seen.
 */
import { DomainError, ErrorCode } from '../../errors';
import { Rng } from '../samplers/rng';
import type { ImageRef } from './labelled-image-source';

export interface IdentityGroups {
  identities: string[];
  /** groups[i] = indices into `images` of identity i. */
  groups: number[][];
  images: ImageRef[];
}

export function groupByIdentity(images: readonly ImageRef[]): IdentityGroups {
  const byName = new Map<string, number[]>();
  images.forEach((img, i) => {
    const g = byName.get(img.identity);
    if (g) g.push(i);
    else byName.set(img.identity, [i]);
  });
  const identities = [...byName.keys()].sort();
  return { identities, groups: identities.map((id) => byName.get(id)!), images: [...images] };
}

export interface IdentitySplit {
  train: IdentityGroups;
  validation: IdentityGroups;
}

/**
 * Seeded identity-disjoint split. `fraction` of identities (at least 2 when
 * fraction > 0 and enough identities exist) go to validation.
 */
export function splitByIdentity(images: readonly ImageRef[], fraction: number, seed: number): IdentitySplit {
  const all = groupByIdentity(images);
  const n = all.identities.length;
  let nVal = fraction > 0 ? Math.max(2, Math.round(n * fraction)) : 0;
  if (nVal > n - 2) nVal = Math.max(0, n - 2);
  const order = new Rng(seed).shuffle(all.identities.map((_, i) => i));
  const valSet = new Set(order.slice(0, nVal));
  const pick = (inVal: boolean) =>
    groupByIdentity(all.identities.flatMap((_, i) => (valSet.has(i) === inVal ? all.groups[i].map((j) => all.images[j]) : [])));
  return { train: pick(false), validation: pick(true) };
}

/** How validation identities are drawn: single identities, or whole superclasses (parent folders). */
export type ValidationSplitKind = 'identity' | 'superclass';

/** The superclass of an identity: its parent folder (an Omniglot alphabet, a product category); '' at top level. */
export function superclassOf(identity: string): string {
  return identity.split('/').slice(0, -1).join('/');
}

/**
 * Seeded superclass-disjoint split: whole parent folders go to validation, so
 * validation measures classes from groups never trained on. Omniglot's one-shot
 * test (Lake et al. 2015) draws its characters from alphabets absent from the
 * background set; a per-character split keeps every alphabet on both sides and
 * cannot see that shift. Superclasses are shuffled with `seed` and taken in that
 * order until at least max(2, round(n · fraction)) identities are held out, so the
 * share held out is at least `fraction` and can be well above it when the folders
 * are large; a folder that would leave fewer than 2 training identities is
 * skipped. When no choice of whole folders gives 2 validation identities, the
 * split is refused rather than silently scored on training identities.
 */
export function splitBySuperclass(images: readonly ImageRef[], fraction: number, seed: number): IdentitySplit {
  const all = groupByIdentity(images);
  const bySuperclass = new Map<string, number[]>();
  all.identities.forEach((id, i) => bySuperclass.set(superclassOf(id), [...(bySuperclass.get(superclassOf(id)) ?? []), i]));
  const superclasses = [...bySuperclass.keys()].sort();
  if (fraction > 0 && superclasses.length < 2) {
    throw new DomainError(
      ErrorCode.DATASET_INVALID,
      `a superclass split needs identities in at least 2 parent folders (e.g. ALPHABET/character); found ${superclasses.length}`,
    );
  }
  const target = fraction > 0 ? Math.max(2, Math.round(all.identities.length * fraction)) : 0;
  const valSet = new Set<number>();
  for (const s of new Rng(seed).shuffle(superclasses)) {
    if (valSet.size >= target) break;
    const members = bySuperclass.get(s)!;
    if (all.identities.length - valSet.size - members.length < 2) continue;
    members.forEach((i) => valSet.add(i));
  }
  if (fraction > 0 && valSet.size < 2) {
    throw new DomainError(
      ErrorCode.DATASET_INVALID,
      `a superclass split found no whole parent folders that hold at least 2 validation identities and leave 2 for training (${superclasses.length} folders, ${all.identities.length} identities)`,
    );
  }
  const pick = (inVal: boolean) =>
    groupByIdentity(all.identities.flatMap((_, i) => (valSet.has(i) === inVal ? all.groups[i].map((j) => all.images[j]) : [])));
  return { train: pick(false), validation: pick(true) };
}

/** The split a run (or a card's recorded hyperparameters) asks for. */
export function splitForValidation(
  images: readonly ImageRef[],
  fraction: number,
  seed: number,
  kind: ValidationSplitKind = 'identity',
): IdentitySplit {
  return kind === 'superclass' ? splitBySuperclass(images, fraction, seed) : splitByIdentity(images, fraction, seed);
}
