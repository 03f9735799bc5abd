/**
 * verifyIdentity's per-identity thresholds from labelled negatives (issue 17, session 28): the offset of
 * match ⇔ d(q, c_R) ≤ min(t_R, ½·(s + f) + offset(R, K)) (src/metric/labelled-threshold.ts), for R references
 * and K negatives labelled for the identity, t_R the card's threshold for R (reference-calibration.ts; under rule
 * SPREAD the cap is t_R + β·s, i.e. d − β·s ≤ t_R: LabelledScore.capScore).
 *
 * Calibrated only where the validation identities have skilled forgeries (signatures): they stand for
 * the mistakes an administrator labels, forgeries of this identity that the model accepted or nearly
 * did. Without them, the drawn "labelled negatives" would be other identities' random images, which say
 * little about an identity's own scale, so no entry is made and the service keeps one threshold per R.
 *
 * For each R, K and validation identity with at least R + 1 genuine images and K + 1 forgeries, `draws`
 * seeded draws pick R references and K labelled forgeries; its other genuine images (positives) and other
 * forgeries (negatives) are scored d(q, c_R) − ½·(s + f), and the offset follows the card's rule (calibrate.ts)
 * on those scores: the midpoint's own calibration. The cap t_R is applied after it, when serving; the card's
 * far and frr are those of the served, capped decision (accepted ⇔ d ≤ t_R and score ≤ offset), its auc and eer
 * those of the score. Why not calibrate the capped decision itself: CENTROID already meets the card's FAR target
 * at t_R, so the loosest offset whose capped FAR meets it tends to be one that never binds; on the signature
 * model's validation writers it pushed the offsets up to where the cap decides (docs/experiments/signatures/labelled/DESIGN.md).
 * The uncapped score, measured the same way over the 34 cross-validated CEDAR writers (session 27's what-if,
 * test/e2e/signature-backend.ts `labelled K`, docs/experiments/signatures/backend/labelled-*.json): the
 * skilled-forgery EER with 10 references went from 7.3 % to 5.0 % with K = 3 (paired −2.3 points,
 * 95 % −5.1 to −0.1) and from 7.2 % to 6.6 % with K = 1.
 */
import type { LabelledThreshold, ReferenceThreshold } from '../../embedding/model-card';
import { labelledMidpoint } from '../../metric/labelled-threshold';
import { centroid, distance, referenceSpread } from '../../metric/metric';
import { Rng } from '../samplers/rng';
import { calibrate } from './calibrate';
import type { ReferenceCalibrationInput } from './reference-calibration';
import { DEFAULT_REFERENCE_COUNTS } from './reference-calibration';
import type { ScoredPair } from './roc';

/** Labelled negatives per identity to calibrate (the service uses the largest one it has reached). */
export const DEFAULT_LABELLED_COUNTS: readonly number[] = [1, 2, 3, 5];

export interface LabelledCalibrationInput extends ReferenceCalibrationInput {
  /** The card's thresholds per R (the cap); an R without one gets no entry (CENTROID never serves it). */
  references: readonly ReferenceThreshold[];
  labelledCounts?: readonly number[];
}

/** A labelled score with the centroid distance the cap reads. */
export interface LabelledScore extends ScoredPair {
  /** d(q, c_R). */
  centroidDistance: number;
  /** What the cap t_R is compared with: d(q, c_R), or d(q, c_R) − β·s under rule SPREAD (rule.referenceShift β). */
  capScore: number;
  /** Which group (identity) the question and its references belong to. */
  identity: number;
}

export function calibrateLabelled(input: LabelledCalibrationInput): LabelledThreshold[] {
  if (!input.forged) return [];
  const counts = [...(input.counts ?? DEFAULT_REFERENCE_COUNTS)].filter((r) => r >= 2).sort((a, b) => a - b);
  const labelledCounts = [...(input.labelledCounts ?? DEFAULT_LABELLED_COUNTS)].sort((a, b) => a - b);
  const out: LabelledThreshold[] = [];
  for (const R of counts) {
    const cap = input.references.find((r) => r.references === R)?.threshold;
    if (cap === undefined) continue;
    for (const K of labelledCounts) {
      const labelled = labelledScores(input, R, K);
      if (!labelled) continue;
      const c = calibrate(labelled, { defaultRule: input.rule.defaultRule, targetFar: input.rule.targetFar });
      const offset = c.thresholds.default;
      const accepted = (q: LabelledScore) => q.capScore <= cap && q.distance <= offset;
      const pos = labelled.filter((q) => q.same);
      const neg = labelled.filter((q) => !q.same);
      out.push({
        references: R,
        labelled: K,
        offset,
        auc: c.metrics.auc,
        eer: c.metrics.eer,
        far: neg.filter(accepted).length / neg.length,
        frr: pos.filter((q) => !accepted(q)).length / pos.length,
        positivePairs: pos.length,
        negativePairs: neg.length,
      });
    }
  }
  return out;
}

/**
 * Scores d(q, c_R) − ½·(s + f) for R references and K labelled forgeries, or null when fewer than two
 * identities have R + 1 genuine images and K + 1 forgeries (one identity says nothing about a population).
 */
export function labelledScores(input: ReferenceCalibrationInput, R: number, K: number): LabelledScore[] | null {
  if (!Number.isInteger(R) || R < 2) throw new RangeError(`references must be an integer ≥ 2 (got ${R})`);
  if (!Number.isInteger(K) || K < 1) throw new RangeError(`labelled must be a positive integer (got ${K})`);
  const forged = input.forged;
  if (!forged) return null;
  const eligible = input.groups.map((_, i) => i).filter((i) => input.groups[i].length >= R + 1 && (forged[i]?.length ?? 0) >= K + 1);
  if (eligible.length < 2) return null;
  const draws = input.draws ?? 10;
  const rng = new Rng((input.seed ?? 17) + 1000 * R + 100 * K);
  const d = (k: number, c: Float32Array) => distance(input.embeddings[k], c, input.metric);
  const scores: LabelledScore[] = [];
  for (const i of eligible) {
    for (let draw = 0; draw < draws; draw++) {
      const order = rng.shuffle([...input.groups[i]]);
      const forgedOrder = rng.shuffle([...forged[i]]);
      const refs = order.slice(0, R).map((k) => input.embeddings[k]);
      const c = centroid(refs);
      const labelled = forgedOrder.slice(0, K);
      const spread = referenceSpread(refs, input.metric);
      const mid = labelledMidpoint(spread, labelled.reduce((sum, k) => sum + d(k, c), 0) / K);
      const moved = (input.rule.referenceShift ?? 0) * spread;
      const score = (k: number, same: boolean) => {
        const centroidDistance = d(k, c);
        scores.push({ distance: centroidDistance - mid, centroidDistance, capScore: centroidDistance - moved, same, identity: i });
      };
      for (const k of order.slice(R)) score(k, true);
      for (const k of forgedOrder.slice(K)) score(k, false);
    }
  }
  return scores;
}
