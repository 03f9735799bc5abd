/**
 * `siamese eval --forgeries NAME`: a signature model measured the way it is served, on writers it never saw
 * (issue 17). The data is a folder per writer holding its genuine signatures and skilled forgeries of them
 * (`WRITER/genuine`, `WRITER/<NAME>`, as `siamese train --forgeries`). Three answers:
 * - verify, one reference: every genuine–genuine pair of a writer (same) against every genuine–forgery pair of
 *   that writer (different), at the card's default threshold (forgery.eval.ts, writer-bootstrap intervals), and the
 *   same pairs scored by raw pixels (the baseline every evaluation prints);
 * - verifyIdentity, R references (CENTROID): 10 seeded draws of R genuine references per writer, its other genuine
 *   signatures and its forgeries asked, at the card's threshold for R (reference-calibration.ts draws);
 * - rule LABELLED, for each (R, K) the card calibrated: the same kind of draws with K of the writer's forgeries
 *   labelled (labelled-calibration.ts draws), its other forgeries asked; CENTROID, `capped` and `midpoint` decide
 *   the same questions, each rule's EER paired against CENTROID's with a writer bootstrap.
 * Each row's EER is of the served margins (distance − that question's threshold), so it is comparable across rules.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ModelCard } from '../../embedding/model-card';
import { inferenceSpec } from '../../embedding/preprocess/flip-average';
import { DomainError, ErrorCode } from '../../errors';
import { distance } from '../../metric/metric';
import { labelledScores } from '../calibration/labelled-calibration';
import { referenceScores } from '../calibration/reference-calibration';
import { forgeryVerificationPairs, groupByWriter, writerName, type ForgeryLayout } from '../data/forgery-data';
import { identityMatcher, type IdentityFilter } from '../data/identity-filter';
import { DecodedImageCache } from '../data/image-cache';
import type { LabelledImageSource } from '../data/labelled-image-source';
import { groupByIdentity } from '../data/split';
import type { IdentityPairScore } from './bootstrap';
import { embedPixels } from './embed';
import { evaluateForgeryPairs, writerPairs, type ForgeryEvaluation } from './forgery.eval';
import { pairedEerBootstrap } from './paired-bootstrap';
import { baselineSummary, baselineWarning, pixelBaseline, type BaselineName } from './pixel-baseline';

/** Served decisions of one rule: pooled margins' EER (writer-bootstrap interval), forgeries accepted, genuine rejected. */
export interface RuleRates {
  eer: { value: number; ci95: [number, number] };
  forgeriesAccepted: { value: number; ci95: [number, number] };
  genuineRejected: { value: number; ci95: [number, number] };
}

export interface ForgeryReferenceRow extends RuleRates {
  references: number;
  threshold: number;
  /** Writers with at least R + 1 genuine signatures: the ones this row draws from. */
  writers: number;
  genuineQuestions: number;
  forgeryQuestions: number;
}

export interface ForgeryLabelledRow {
  references: number;
  labelled: number;
  offset: number;
  /** Writers with at least R + 1 genuine signatures and K + 1 forgeries: the ones this row draws from. */
  writers: number;
  genuineQuestions: number;
  forgeryQuestions: number;
  centroid: RuleRates;
  capped: RuleRates & { pairedEerDifference: { value: number; ci95: [number, number] } };
  midpoint: RuleRates & { pairedEerDifference: { value: number; ci95: [number, number] } };
}

export interface ForgeryVerificationReport {
  genuineFolder: string;
  forgedFolder: string;
  writers: number;
  images: number;
  verify: Omit<ForgeryEvaluation, 'randomForgeries'>;
  baseline: Record<BaselineName, { auc: number; eer: number }>;
  references: ForgeryReferenceRow[];
  labelled: ForgeryLabelledRow[];
}

export async function evaluateForgeryVerification(
  model: tf.LayersModel,
  card: ModelCard,
  source: LabelledImageSource,
  layout: Pick<ForgeryLayout, 'genuineFolder' | 'forgedFolder'>,
  options: {
    seed?: number;
    bootstrap?: number;
    /** Which writers to measure, matched like --val-writers (the writer's folder, with or without the dataset's label). */
    writers?: IdentityFilter;
  } = {},
): Promise<{ report: ForgeryVerificationReport; warning?: string }> {
  const rounds = options.bootstrap ?? 1000;
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new DomainError(ErrorCode.BAD_USER_INPUT, 'the forgery report needs ≥ 1 bootstrap round (its intervals are over writers)');
  // A writer is named by its folder with or without the dataset's label (03 or cedar-signatures/03), as
  // --val-writers does: included when either form matches an include, excluded when either matches an exclude.
  const included = identityMatcher({ include: options.writers?.include });
  const excluded = options.writers?.exclude?.length ? identityMatcher({ include: options.writers.exclude }) : () => false;
  const chosen = (name: string) => (included(writerName(name)) || included(name)) && !excluded(writerName(name)) && !excluded(name);
  const writers = groupByWriter(await source.list(), layout).filter(
    (w) => chosen(w.writer) && w.genuine.length >= 2 && w.forged.length >= 1,
  );
  if (writers.length < 2) {
    throw new DomainError(
      ErrorCode.DATASET_INVALID,
      `--forgeries needs at least 2 writers with 2 or more ${layout.genuineFolder} signatures and 1 or more ${layout.forgedFolder} (found ${writers.length})`,
    );
  }
  // Genuine signatures first (grouped by writer), then each writer's forgeries: the layout the calibrations read.
  const genuine = groupByIdentity(writers.flatMap((w) => w.genuine.map((img) => ({ ...img, identity: w.writer }))));
  const forgedRefs = genuine.identities.map((id) => writers.find((w) => w.writer === id)!.forged);
  let next = genuine.images.length;
  const forged = forgedRefs.map((refs) => refs.map(() => next++));
  const pixels = await new DecodedImageCache(source, card.preprocessing).loadAll([...genuine.images, ...forgedRefs.flat()]);
  const embeddings = embedPixels(model, pixels, card.preprocessing, 64, inferenceSpec(card));
  const seed = options.seed ?? 1;
  const names = genuine.identities;

  const byWriter = genuine.groups.map((g, w) => ({
    writer: names[w],
    genuine: g.map((k) => embeddings[k]),
    forged: forged[w].map((k) => embeddings[k]),
  }));
  const verify = evaluateForgeryPairs(
    writerPairs(byWriter, (a, b) => distance(a, b, card.metric)),
    names,
    card,
    { rounds, seed },
  );
  const baseline = pixelBaseline(pixels, forgeryVerificationPairs(genuine.groups, forged));
  const input = { embeddings, groups: genuine.groups, forged, metric: card.metric, rule: card.thresholds, seed };
  // A row's draws skip writers with too few images for its R (and K): its bootstrap is over the writers it has.
  const rowWriters = (pairs: readonly IdentityPairScore[]) => [...new Set(pairs.map((p) => p.identityA))].sort((a, b) => a - b);
  const compact = (pairs: readonly IdentityPairScore[], kept: number[]): IdentityPairScore[] => {
    const at = new Map(kept.map((w, i) => [w, i]));
    return pairs.map((p) => ({ ...p, identityA: at.get(p.identityA)!, identityB: at.get(p.identityB)! }));
  };
  const rates = (pairs: IdentityPairScore[], kept: number[]): RuleRates => {
    const e = evaluateForgeryPairs(
      compact(pairs, kept),
      kept.map((w) => names[w]),
      { thresholds: { ...card.thresholds, default: 0 } },
      { rounds, seed },
    );
    return { eer: e.eer, forgeriesAccepted: e.farForgeries, genuineRejected: e.frrGenuine };
  };

  const references: ForgeryReferenceRow[] = [];
  for (const entry of card.thresholds.references ?? []) {
    const scores = referenceScores(input, entry.references);
    if (!scores) continue;
    const margins = scores.map((q) => ({
      distance: q.distance - entry.threshold,
      same: q.same,
      identityA: q.identity,
      identityB: q.identity,
    }));
    const kept = rowWriters(margins);
    if (kept.length < 2) continue;
    references.push({
      references: entry.references,
      threshold: entry.threshold,
      writers: kept.length,
      ...counts(margins),
      ...rates(margins, kept),
    });
  }

  const labelled: ForgeryLabelledRow[] = [];
  for (const entry of card.thresholds.labelled ?? []) {
    const tR = card.thresholds.references?.find((r) => r.references === entry.references)?.threshold;
    const scores = tR === undefined ? null : labelledScores(input, entry.references, entry.labelled);
    if (!scores || tR === undefined) continue;
    const pair = (q: (typeof scores)[number], distance: number): IdentityPairScore => ({
      distance,
      same: q.same,
      identityA: q.identity,
      identityB: q.identity,
    });
    // The card's rule without labels: CENTROID, or SPREAD's d − β·s where the card has a referenceShift.
    const centroid = scores.map((q) => pair(q, q.capScore - tR));
    const midpoint = scores.map((q) => pair(q, q.distance - entry.offset));
    // capped: accepted only where both accept (d ≤ t_R and d − mid ≤ offset), so its margin is the larger one.
    const capped = scores.map((q, i) => pair(q, Math.max(centroid[i].distance, midpoint[i].distance)));
    const kept = rowWriters(centroid);
    const paired = (b: IdentityPairScore[]) => {
      const p = pairedEerBootstrap(compact(centroid, kept), compact(b, kept), kept.length, { rounds, seed, level: 0.95 });
      return { value: p.difference, ci95: p.interval };
    };
    labelled.push({
      references: entry.references,
      labelled: entry.labelled,
      offset: entry.offset,
      writers: kept.length,
      ...counts(centroid),
      centroid: rates(centroid, kept),
      capped: { ...rates(capped, kept), pairedEerDifference: paired(capped) },
      midpoint: { ...rates(midpoint, kept), pairedEerDifference: paired(midpoint) },
    });
  }

  const report: ForgeryVerificationReport = {
    genuineFolder: layout.genuineFolder,
    forgedFolder: layout.forgedFolder,
    writers: names.length,
    images: pixels.length,
    verify,
    baseline: baselineSummary(baseline),
    references,
    labelled,
  };
  const warning = baselineWarning({ auc: verify.auc.value, eer: verify.eer.value }, baseline, 'these genuine–forgery pairs');
  return { report, ...(warning ? { warning } : {}) };
}

function counts(pairs: readonly { same: boolean }[]): { genuineQuestions: number; forgeryQuestions: number } {
  const genuineQuestions = pairs.filter((p) => p.same).length;
  return { genuineQuestions, forgeryQuestions: pairs.length - genuineQuestions };
}
