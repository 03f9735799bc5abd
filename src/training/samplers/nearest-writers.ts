/**
 * The nearest other writers of every writer, from the encoder's current embeddings: what rule NEAR (session 46,
 * docs/experiments/signatures/nearest-writers/RULE.md) draws some other-writer negatives from.
 *
 * Session 45 found HL's encoder telling a writer from that writer's forgers (skilled-forgery EER 1.8–3.0 % on the
 * validation writers) better than from other writers (stranger EER 8.1–10.1 %): a uniformly drawn other writer
 * among a fold's ~204 training identities (26 real writers, their three symmetries each, 100 drawn writers; 236 for
 * the final run on all 34) is mostly an easy negative. Drawing it instead among the identities whose centroids sit
 * nearest the anchor's is Doppelganger mining (Smirnov, Melnikov, Novoselov, Luckyanets & Lavrentyeva, "Doppelganger
 * Mining for Face Representation Learning", ICCV workshops 2017: a list of the most similar identities per identity,
 * kept up to date, from which pairs are sampled); the k nearest with no margin condition, so hardest-k, not
 * FaceNet's semi-hard (Schroff et al. 2015). It needs no extra pass per step:
 *
 *     c_w = mean of the L2-normalised embeddings of writer w's probe images
 *     N_k(w) = the k writers v ≠ w with the smallest ‖c_w − c_v‖²   (ties: the lower index first)
 */

/** Mean of each writer's embeddings; `undefined` for a writer without any. */
export function writerCentroids(
  embeddings: readonly Float32Array[],
  owners: readonly number[],
  writers: number,
): (Float32Array | undefined)[] {
  if (embeddings.length !== owners.length) throw new RangeError('one owner per embedding');
  const sums: (Float32Array | undefined)[] = new Array(writers).fill(undefined);
  const counts = new Array<number>(writers).fill(0);
  embeddings.forEach((e, i) => {
    const w = owners[i];
    if (!(w >= 0 && w < writers)) throw new RangeError(`owner ${w} is not a writer`);
    const s = (sums[w] ??= new Float32Array(e.length));
    for (let d = 0; d < e.length; d++) s[d] += e[d];
    counts[w]++;
  });
  return sums.map((s, w) => (s ? s.map((v) => v / counts[w]) : undefined));
}

/**
 * N_k(w) for every writer with a centroid (writers without one get [] and are nobody's neighbour).
 * O(W²·d): 236 writers × 128 dimensions is ~7 M multiply-adds an epoch, nothing beside the embedding.
 */
export function nearestWriters(centroids: readonly (Float32Array | undefined)[], k: number): number[][] {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer (got ${k})`);
  return centroids.map((cw, w) => {
    if (!cw) return [];
    const scored: { v: number; d: number }[] = [];
    centroids.forEach((cv, v) => {
      if (v === w || !cv) return;
      let d = 0;
      for (let i = 0; i < cw.length; i++) d += (cw[i] - cv[i]) ** 2;
      scored.push({ v, d });
    });
    scored.sort((x, y) => x.d - y.d || x.v - y.v);
    return scored.slice(0, k).map((s) => s.v);
  });
}
