/**
 * What a retraining run learns from, built from the database's rows:
 *  - every enrolled image, labelled with its identity (same identity = similar);
 *  - every explicit labelled pair (admins' labels and corrections), with its weight.
 *
 * A pair side may be an uploaded image that was never enrolled. It gets an identity by
 * union-find over the "same" pairs: joined to an enrolled image it takes that identity
 * (two identities an admin says are one person are merged); otherwise its component is a
 * pseudo-identity of its own. Then the identities are split:
 *  - held out (for the old-vs-new comparison and calibration): identities with at least
 *    two images that no labelled pair touches, chosen by a seeded shuffle;
 *  - training: everything else, so every labelled pair weighs in every run.
 */
import type { ImageRef, LabelledPair } from '../../training/data/labelled-image-source';
import { Rng } from '../../training/samplers/rng';

export interface EnrolledImageBytes {
  id: string;
  identityId: string;
  bytes: Uint8Array;
}

export interface PairWithBytes {
  id: string;
  imageAId: string | null;
  imageASha256: string;
  imageBId: string | null;
  imageBSha256: string;
  imageABytes: Uint8Array;
  imageBBytes: Uint8Array;
  same: boolean;
  weight: number;
}

export type KeyedImage = ImageRef & { bytes: Uint8Array };

export interface TrainingData {
  train: KeyedImage[];
  heldOut: KeyedImage[];
  pairs: LabelledPair[];
  /** True when heldOut is identity-disjoint from train; false when there were too few identities. */
  disjoint: boolean;
}

export const imageKey = (id: string) => `img:${id}`;
export const uploadKey = (sha256: string) => `upl:${sha256}`;

class UnionFind {
  private readonly parent = new Map<string, string>();
  find(x: string): string {
    let p = this.parent.get(x) ?? x;
    if (p !== x) {
      p = this.find(p);
      this.parent.set(x, p);
    }
    return p;
  }
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    // Deterministic root: the smaller key, so the labels do not depend on pair order.
    if (ra < rb) this.parent.set(rb, ra);
    else if (rb < ra) this.parent.set(ra, rb);
  }
}

export interface BuildOptions {
  /** Share of eligible identities held out (at least 2 when possible). */
  heldOutFraction: number;
  /** Fewest identities left for training. */
  minTrainIdentities: number;
  seed: number;
}

export function buildTrainingData(
  images: readonly EnrolledImageBytes[],
  pairRows: readonly PairWithBytes[],
  o: BuildOptions,
): TrainingData {
  const byKey = new Map<string, { bytes: Uint8Array; identity?: string }>();
  for (const img of images) byKey.set(imageKey(img.id), { bytes: img.bytes, identity: img.identityId });

  const uf = new UnionFind();
  const pairs: LabelledPair[] = [];
  const touched = new Set<string>();
  for (const p of pairRows) {
    const a = p.imageAId ? imageKey(p.imageAId) : uploadKey(p.imageASha256);
    const b = p.imageBId ? imageKey(p.imageBId) : uploadKey(p.imageBSha256);
    if (!byKey.has(a)) byKey.set(a, { bytes: p.imageABytes });
    if (!byKey.has(b)) byKey.set(b, { bytes: p.imageBBytes });
    if (p.same) uf.union(a, b);
    pairs.push({ a, b, same: p.same, weight: p.weight });
    touched.add(a).add(b);
  }
  // Enrolled images of one identity belong together too (so a merge by a "same" label
  // reaches all of them).
  const firstOf = new Map<string, string>();
  for (const img of images) {
    const k = imageKey(img.id);
    const first = firstOf.get(img.identityId);
    if (first) uf.union(first, k);
    else firstOf.set(img.identityId, k);
  }
  // Identity of each component: the smallest enrolled identity id in it, else a pseudo-identity.
  const componentIdentity = new Map<string, string>();
  for (const [key, v] of byKey) {
    if (!v.identity) continue;
    const root = uf.find(key);
    const cur = componentIdentity.get(root);
    if (!cur || v.identity < cur) componentIdentity.set(root, v.identity);
  }
  const all: KeyedImage[] = [...byKey.entries()]
    .map(([key, v]) => {
      const root = uf.find(key);
      return { key, bytes: v.bytes, identity: componentIdentity.get(root) ?? `pair-group:${root}` };
    })
    .sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));

  const counts = new Map<string, number>();
  for (const img of all) counts.set(img.identity, (counts.get(img.identity) ?? 0) + 1);
  const touchedIdentities = new Set(all.filter((i) => touched.has(i.key)).map((i) => i.identity));
  const eligible = [...counts.keys()].filter((id) => (counts.get(id) ?? 0) >= 2 && !touchedIdentities.has(id)).sort();
  const totalIdentities = counts.size;
  let nHeld = Math.max(2, Math.round(eligible.length * o.heldOutFraction));
  nHeld = Math.min(nHeld, eligible.length, totalIdentities - o.minTrainIdentities);
  if (nHeld < 2) {
    // Too few identities to hold any out: compare on the training identities (flagged).
    return { train: all, heldOut: all.filter((i) => (counts.get(i.identity) ?? 0) >= 1), pairs, disjoint: false };
  }
  const held = new Set(new Rng(o.seed).shuffle([...eligible]).slice(0, nHeld));
  return {
    train: all.filter((i) => !held.has(i.identity)),
    heldOut: all.filter((i) => held.has(i.identity)),
    pairs,
    disjoint: true,
  };
}
