/**
 * Groups images by identity and splits identities (not images) into training
 * and validation, so validation measures what the product needs: telling apart
 * people/characters the encoder has never seen.
 */
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
