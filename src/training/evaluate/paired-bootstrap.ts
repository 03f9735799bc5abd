/**
 * Is model B's EER lower than model A's on the same identities? A paired cluster bootstrap (Efron &
 * Tibshirani 1993, ch. 14; the identity resampling of bootstrap.ts): each replicate draws the identities
 * with replacement *once* and weighs both models' pairs by the same multiplicities, so what the two models
 * share (an easy writer, a hard one) cancels in the difference EER_B − EER_A. The percentile interval of
 * that difference is the test: it lies below zero when B is better on these identities beyond their
 * sampling noise. Session 24's reason (docs/signatures.md): three signature candidates were shipped on
 * unpaired gains of about a point that did not carry over to new writers.
 *
 * The two models may score different pairs (their own draws of references) as long as both cover the same
 * identities; `same` pairs weigh w_i and different pairs w_i·w_j, as in identityBootstrap.
 */
import { equalErrorRate } from '../calibration/roc';
import {
  bootstrapSettings,
  drawIdentities,
  pairWeights,
  quantile,
  weightedRoc,
  type BootstrapOptions,
  type IdentityPairScore,
} from './bootstrap';

export interface PairedEerComparison {
  eerA: number;
  eerB: number;
  /** EER_B − EER_A on the full sample (negative: B is better). */
  difference: number;
  level: number;
  rounds: number;
  /** Percentile interval of EER_B − EER_A over the replicates. */
  interval: [number, number];
  /** Share of replicates where B's EER is below A's. */
  shareBBetter: number;
}

export function pairedEerBootstrap(
  a: readonly IdentityPairScore[],
  b: readonly IdentityPairScore[],
  identityCount: number,
  options: BootstrapOptions = {},
): PairedEerComparison {
  const { rounds, level, rng } = bootstrapSettings(options, identityCount);
  for (const [name, pairs] of [
    ['A', a],
    ['B', b],
  ] as const) {
    const seen = new Set<number>();
    for (const p of pairs) {
      if (p.identityA >= identityCount || p.identityB >= identityCount || p.identityA < 0 || p.identityB < 0)
        throw new RangeError(`model ${name} has a pair of identity ${Math.max(p.identityA, p.identityB)}, outside 0..${identityCount - 1}`);
      seen.add(p.identityA).add(p.identityB);
    }
    if (seen.size !== identityCount)
      throw new RangeError(`model ${name} scores ${seen.size} of the ${identityCount} identities: the comparison needs both on all`);
  }
  const sortedA = [...a].sort((x, y) => x.distance - y.distance);
  const sortedB = [...b].sort((x, y) => x.distance - y.distance);
  const eerOf = (sorted: readonly IdentityPairScore[], weights: ArrayLike<number>) => equalErrorRate(weightedRoc(sorted, weights)).eer;
  const eerA = eerOf(sortedA, new Float64Array(sortedA.length).fill(1));
  const eerB = eerOf(sortedB, new Float64Array(sortedB.length).fill(1));
  const w = new Float64Array(identityCount);
  const weightsA = new Float64Array(sortedA.length);
  const weightsB = new Float64Array(sortedB.length);
  const differences: number[] = [];
  let bBetter = 0;
  for (let r = 0; r < rounds; r++) {
    drawIdentities(rng, w);
    pairWeights(sortedA, w, weightsA);
    pairWeights(sortedB, w, weightsB);
    let d: number;
    try {
      d = eerOf(sortedB, weightsB) - eerOf(sortedA, weightsA);
    } catch {
      continue; // a replicate without both kinds of pair in one model: skipped, as identityBootstrap does
    }
    differences.push(d);
    if (d < 0) bBetter++;
  }
  if (differences.length === 0) throw new RangeError('no replicate had both same and different pairs');
  differences.sort((x, y) => x - y);
  const tail = (1 - level) / 2;
  return {
    eerA,
    eerB,
    difference: eerB - eerA,
    level,
    rounds: differences.length,
    interval: [quantile(differences, tail), quantile(differences, 1 - tail)],
    shareBBetter: bBetter / differences.length,
  };
}
