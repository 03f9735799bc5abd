/**
 * Drops byte-identical copies of an image, keeping the first by (identity,
 * key) order. A file that appears under two identities is a contradiction —
 * the same pixels labelled "different" — and it poisons metric learning: a
 * triplet or prototype loss pushes an image away from itself. It also leaks
 * across an identity split (the copy in training, the original in validation).
 *
 * Omniglot's two minimal background sets are the case in point: Greek and
 * Latin appear in both, file for file (50 characters × 20 drawers), so
 * `small1/Greek/character01` and `small2/Greek/character01` would otherwise
 * be two "different" identities made of the same 20 images.
 */
import { createHash } from 'node:crypto';
import type { ImageRef, LabelledImageSource } from './labelled-image-source';

export interface DedupeResult {
  images: ImageRef[];
  /** Keys dropped because an identical earlier image exists, with the key they duplicate. */
  dropped: Array<{ key: string; duplicateOf: string }>;
}

export async function dedupeByContent(source: LabelledImageSource, images: readonly ImageRef[], concurrency = 8): Promise<DedupeResult> {
  const ordered = [...images].sort((a, b) =>
    a.identity < b.identity ? -1 : a.identity > b.identity ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0,
  );
  const hashes: string[] = new Array(ordered.length);
  let next = 0;
  const worker = async () => {
    while (next < ordered.length) {
      const i = next++;
      hashes[i] = createHash('sha256')
        .update(await source.read(ordered[i].key))
        .digest('hex');
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ordered.length) }, worker));
  const firstByHash = new Map<string, string>();
  const keep = new Set<string>();
  const dropped: DedupeResult['dropped'] = [];
  ordered.forEach((img, i) => {
    const first = firstByHash.get(hashes[i]);
    if (first === undefined) {
      firstByHash.set(hashes[i], img.key);
      keep.add(img.key);
    } else dropped.push({ key: img.key, duplicateOf: first });
  });
  // Keep the caller's order for the survivors.
  return { images: images.filter((img) => keep.has(img.key)), dropped };
}
