/**
 * Superclass index of every training group: the parent folder of its identity
 * (e.g. an Omniglot alphabet), for the P×K sampler's superclass batches.
 * Groups past the originals are rotated and mirrored copies, appended block by
 * block in the originals' order (see data/rotated-classes.ts and
 * data/mirrored-classes.ts), and each block is its own superclass.
 */
export function superclassesOf(identities: readonly string[], groupCount: number): number[] {
  const n = identities.length;
  const index = new Map<string, number>();
  return Array.from({ length: groupCount }, (_, j) => {
    const key = `${identities[j % n].split('/').slice(0, -1).join('/')}#${Math.floor(j / n)}`;
    if (!index.has(key)) index.set(key, index.size);
    return index.get(key)!;
  });
}
