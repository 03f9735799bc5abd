/**
 * Batched inference of an encoder on decoded images, and the pair scores of
 * verification. Shared by the trainer's validation and the eval command.
 */
import * as tf from '@tensorflow/tfjs';
import { encodeBatch, type InferenceSpec } from '../../embedding/preprocess/flip-average';
import { distance, type Metric } from '../../metric/metric';
import type { ScoredPair } from '../calibration/roc';
import { Rng } from '../samplers/rng';

export function embedPixels(
  model: tf.LayersModel,
  pixels: readonly Float32Array[],
  shape: { height: number; width: number; channels: number },
  batchSize = 64,
  /** The card's inference options (flip averaging); use inferenceSpec(card) so validation = serving. */
  spec: InferenceSpec = {},
): Float32Array[] {
  const out: Float32Array[] = [];
  const size = shape.height * shape.width * shape.channels;
  for (let start = 0; start < pixels.length; start += batchSize) {
    const chunk = pixels.slice(start, start + batchSize);
    const buf = new Float32Array(chunk.length * size);
    chunk.forEach((p, i) => buf.set(p, i * size));
    const emb = tf.tidy(() => encodeBatch(model, tf.tensor4d(buf, [chunk.length, shape.height, shape.width, shape.channels]), spec));
    const data = emb.dataSync() as Float32Array;
    const dim = emb.shape[1];
    emb.dispose();
    for (let i = 0; i < chunk.length; i++) out.push(data.slice(i * dim, (i + 1) * dim));
  }
  return out;
}

export interface PairIndex {
  a: number;
  b: number;
  same: boolean;
}

/**
 * Verification pairs over images grouped by identity: every same-identity pair,
 * and every different-identity pair, or a seeded sample of `maxNegatives` of
 * them when there are more (the same sample every call with the same seed).
 */
export function verificationPairs(groups: readonly (readonly number[])[], maxNegatives: number, seed: number): PairIndex[] {
  const pairs: PairIndex[] = [];
  for (const g of groups)
    for (let i = 0; i < g.length; i++) for (let j = i + 1; j < g.length; j++) pairs.push({ a: g[i], b: g[j], same: true });
  const owner: number[] = [];
  const flat: number[] = [];
  groups.forEach((g, gi) => g.forEach((img) => (flat.push(img), owner.push(gi))));
  let totalNeg = 0;
  for (let gi = 0; gi < groups.length; gi++)
    for (let gj = gi + 1; gj < groups.length; gj++) totalNeg += groups[gi].length * groups[gj].length;
  if (totalNeg <= maxNegatives) {
    for (let i = 0; i < flat.length; i++)
      for (let j = i + 1; j < flat.length; j++) if (owner[i] !== owner[j]) pairs.push({ a: flat[i], b: flat[j], same: false });
    return pairs;
  }
  const rng = new Rng(seed);
  const seen = new Set<number>();
  while (seen.size < maxNegatives) {
    const i = rng.int(flat.length);
    const j = rng.int(flat.length);
    if (owner[i] === owner[j]) continue;
    const key = Math.min(i, j) * flat.length + Math.max(i, j);
    if (seen.has(key)) continue;
    seen.add(key);
    pairs.push({ a: flat[Math.min(i, j)], b: flat[Math.max(i, j)], same: false });
  }
  return pairs;
}

export function scorePairs(embeddings: readonly Float32Array[], pairs: readonly PairIndex[], metric: Metric): ScoredPair[] {
  return pairs.map((p) => ({ distance: distance(embeddings[p.a], embeddings[p.b], metric), same: p.same }));
}

/**
 * N-way one-shot episodes over identities (for validation): each episode picks
 * N identities, preferably siblings under one parent folder (Lake's runs are
 * within one alphabet, which is harder than across alphabets), one support
 * and one different query image of each.
 */
export interface OneShotEpisode {
  support: number[];
  queries: number[];
}

export function oneShotEpisodes(
  identities: readonly string[],
  groups: readonly (readonly number[])[],
  ways: number,
  episodes: number,
  seed: number,
): OneShotEpisode[] {
  const rng = new Rng(seed);
  const eligible = groups.map((g, i) => (g.length >= 2 ? i : -1)).filter((i) => i >= 0);
  if (eligible.length < 2) return [];
  const byParent = new Map<string, number[]>();
  for (const i of eligible) {
    const parent = identities[i].split('/').slice(0, -1).join('/');
    byParent.set(parent, [...(byParent.get(parent) ?? []), i]);
  }
  const bigParents = [...byParent.values()].filter((ids) => ids.length >= ways);
  const out: OneShotEpisode[] = [];
  for (let e = 0; e < episodes; e++) {
    const pool = bigParents.length ? rng.pick(bigParents) : eligible;
    const chosen = rng.shuffle([...pool]).slice(0, Math.min(ways, pool.length));
    const support: number[] = [];
    const queries: number[] = [];
    for (const id of chosen) {
      const imgs = rng.shuffle([...groups[id]]);
      support.push(imgs[0]);
      queries.push(imgs[1]);
    }
    out.push({ support, queries });
  }
  return out;
}

/** Share of queries whose nearest support image is their own identity's. */
/**
 * One-shot episodes made only of siblings: every episode is all the eligible
 * identities of one parent folder (an alphabet), capped at `maxWays`, for
 * parents with at least `minWays` of them. A validation split of 36 Omniglot
 * characters has no alphabet with 20 of them, so oneShotEpisodes falls back to
 * 20-way episodes across alphabets, which are easier than Lake's within-alphabet
 * test; these smaller within-alphabet episodes are the closer proxy.
 */
export function siblingEpisodes(
  identities: readonly string[],
  groups: readonly (readonly number[])[],
  minWays: number,
  maxWays: number,
  episodesPerParent: number,
  seed: number,
): OneShotEpisode[] {
  const rng = new Rng(seed);
  const byParent = new Map<string, number[]>();
  groups.forEach((g, i) => {
    if (g.length < 2) return;
    const parent = identities[i].split('/').slice(0, -1).join('/');
    byParent.set(parent, [...(byParent.get(parent) ?? []), i]);
  });
  const out: OneShotEpisode[] = [];
  for (const ids of [...byParent.values()].filter((x) => x.length >= minWays)) {
    for (let e = 0; e < episodesPerParent; e++) {
      const chosen = rng.shuffle([...ids]).slice(0, maxWays);
      const support: number[] = [];
      const queries: number[] = [];
      for (const id of chosen) {
        const imgs = rng.shuffle([...groups[id]]);
        support.push(imgs[0]);
        queries.push(imgs[1]);
      }
      out.push({ support, queries });
    }
  }
  return out;
}

export function oneShotAccuracy(embeddings: readonly Float32Array[], episodes: readonly OneShotEpisode[], metric: Metric): number {
  let correct = 0;
  let total = 0;
  for (const ep of episodes) {
    ep.queries.forEach((q, truth) => {
      let best = -1;
      let bestD = Infinity;
      ep.support.forEach((s, i) => {
        const d = distance(embeddings[q], embeddings[s], metric);
        if (d < bestD) {
          bestD = d;
          best = i;
        }
      });
      if (best === truth) correct++;
      total++;
    });
  }
  return total ? correct / total : Number.NaN;
}
