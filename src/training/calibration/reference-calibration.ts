/**
 * verifyIdentity's thresholds: is this image the identity whose R images are enrolled?
 *
 * Score: d(q, c_R), the questioned image's distance to the centroid c_R = (1/R)·Σ e_r of R reference
 * embeddings (metric.ts centroid; Snell et al. 2017's prototype, here for verification). Averaging R
 * references cancels part of each signature's or photo's own variation, so a genuine question lies
 * closer to c_R than to any single reference; an impostor or a forgery gains much less. Measured on the
 * CEDAR test writers of issue 17 (docs/signatures.md): EER 19.5 % with one reference, 13.7 % with ten.
 * Distances to c_R are smaller than pair distances for every kind of question, so the 1:1 threshold
 * does not apply: each R needs its own, calibrated here on the validation identities.
 *
 * For each R and each validation identity with at least R + 1 images, `draws` seeded draws pick R of
 * its images as references; the same pairs are its other images (positives) against either its
 * skilled forgeries (`forged`, signatures) or up to `negativesPerDraw` images of other identities
 * (everything else). The threshold follows the card's rule (calibrate.ts) on those scores. An R is left
 * out when fewer than two identities have R + 1 images: one identity says nothing about a population.
 *
 * With `rule.referenceShift` β (verifyIdentity's rule SPREAD, metric/spread-threshold.ts) the score is
 * d(q, c_R) − β·s, s the R references' leave-one-out spread, and the threshold t_R is on that score.
 */
import type { ReferenceThreshold, Thresholds } from '../../embedding/model-card';
import { centroid, distance, referenceSpread, type Metric } from '../../metric/metric';
import { Rng } from '../samplers/rng';
import { calibrate } from './calibrate';
import type { ScoredPair } from './roc';

export interface ReferenceCalibrationInput {
  /** Embeddings of the validation images; groups and forged index into it. */
  embeddings: readonly Float32Array[];
  /** groups[i] = the images of validation identity i (its genuine images). */
  groups: readonly (readonly number[])[];
  /** forged[i] = skilled forgeries of identity i: the negatives when given (signatures). */
  forged?: readonly (readonly number[])[];
  metric: Metric;
  rule: Pick<Thresholds, 'defaultRule' | 'targetFar' | 'referenceShift'>;
  /** Reference counts to calibrate (default 2, 3, 5, 10). */
  counts?: readonly number[];
  /** Reference draws per identity and R (default 10). */
  draws?: number;
  /** Without forgeries: other identities' images scored per draw (default 50). */
  negativesPerDraw?: number;
  seed?: number;
}

export const DEFAULT_REFERENCE_COUNTS: readonly number[] = [2, 3, 5, 10];

export function calibrateReferences(input: ReferenceCalibrationInput): ReferenceThreshold[] {
  const counts = [...(input.counts ?? DEFAULT_REFERENCE_COUNTS)].sort((a, b) => a - b);
  const out: ReferenceThreshold[] = [];
  for (const R of counts) {
    const scores = referenceScores(input, R);
    if (!scores) continue;
    const c = calibrate(scores, { defaultRule: input.rule.defaultRule, targetFar: input.rule.targetFar });
    // The ROC's origin sits just below the smallest distance: never a negative threshold (the card check refuses one;
    // with SPREAD's shift a negative t_R would be legitimate, but the measured ones are well above 0).
    const t = Math.max(0, c.thresholds.default);
    const pos = scores.filter((s) => s.same);
    const neg = scores.filter((s) => !s.same);
    out.push({
      references: R,
      threshold: t,
      auc: c.metrics.auc,
      eer: c.metrics.eer,
      far: neg.filter((s) => s.distance <= t).length / neg.length,
      frr: pos.filter((s) => s.distance > t).length / pos.length,
      positivePairs: pos.length,
      negativePairs: neg.length,
    });
  }
  return out;
}

/** A centroid score tagged with the identity whose references and question it is. */
export type ReferenceScore = ScoredPair & { identity: number };

/** Centroid scores for R references, or null when fewer than two identities can be drawn from. */
export function referenceScores(input: ReferenceCalibrationInput, R: number): ReferenceScore[] | null {
  if (!Number.isInteger(R) || R < 1) throw new RangeError(`references must be a positive integer (got ${R})`);
  const eligible = input.groups.map((_, i) => i).filter((i) => input.groups[i].length >= R + 1);
  if (eligible.length < 2) return null;
  const draws = input.draws ?? 10;
  const perDraw = input.negativesPerDraw ?? 50;
  const rng = new Rng((input.seed ?? 17) + 1000 * R);
  const everyone = input.forged ? [] : input.groups.flatMap((g, owner) => g.map((k) => ({ k, owner })));
  // Float error can put an identical image a hair below 0; the service clamps the same way.
  const shift = input.rule.referenceShift ?? 0;
  const scores: ReferenceScore[] = [];
  for (const i of eligible) {
    for (let d = 0; d < draws; d++) {
      const order = rng.shuffle([...input.groups[i]]);
      const refs = order.slice(0, R).map((k) => input.embeddings[k]);
      const c = centroid(refs);
      const moved = shift > 0 ? shift * referenceSpread(refs, input.metric) : 0;
      const score = (k: number) => Math.max(0, distance(input.embeddings[k], c, input.metric)) - moved;
      for (const k of order.slice(R)) scores.push({ distance: score(k), same: true, identity: i });
      const negatives = input.forged ? (input.forged[i] ?? []) : sampleOthers(everyone, i, perDraw, rng);
      for (const k of negatives) scores.push({ distance: score(k), same: false, identity: i });
    }
  }
  return scores.some((s) => !s.same) ? scores : null;
}

/**
 * Up to `count` images of identities other than `owner`, drawn without replacement by rejection (cheap
 * when the others are most images, as in a face validation set); all of them, shuffled, when they are few.
 */
function sampleOthers(everyone: readonly { k: number; owner: number }[], owner: number, count: number, rng: Rng): number[] {
  const others = everyone.filter((e) => e.owner !== owner);
  if (others.length <= 2 * count) return rng.shuffle(others.map((e) => e.k)).slice(0, count);
  const picked = new Set<number>();
  while (picked.size < count) {
    const e = everyone[rng.int(everyone.length)];
    if (e.owner !== owner) picked.add(e.k);
  }
  return [...picked];
}
