/**
 * Verification metrics of a trained model on a labelled dataset whose
 * identities it has not seen (e.g. ORL s31–s40): AUC, EER, accuracy at the
 * card's calibrated threshold, TAR at FAR 1e-2 and 1e-3, pair counts.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ModelCard, VerificationMetrics } from '../../embedding/model-card';
import { verificationMetrics } from '../calibration/calibrate';
import { identityBootstrap, type BootstrapInterval } from './bootstrap';
import { auc, computeRoc, equalErrorRate, type ScoredPair } from '../calibration/roc';
import { referenceScores } from '../calibration/reference-calibration';
import { DecodedImageCache, dropFaceless } from '../data/image-cache';
import type { LabelledImageSource } from '../data/labelled-image-source';
import { groupByIdentity } from '../data/split';
import { oneShotAccuracy, oneShotEpisodes, verificationPairs } from './embed';
import { scoreVerification, scoringSpecOf } from './verification-scoring';
import { baselineSummary, pixelBaseline, type BaselineName, type PixelBaseline } from './pixel-baseline';

export interface VerificationReport extends VerificationMetrics {
  identities: number;
  images: number;
  threshold: number;
  thresholdRule: string;
  /** N-way one-shot accuracy over random episodes of these identities (extra, not Lake's runs). */
  oneShot?: { ways: number; episodes: number; accuracy: number };
  /** 95 % intervals from resampling identities (bootstrap.ts); absent when `bootstrap` is 0. */
  ci95?: BootstrapInterval;
  /** Images left out because the model's face stage found no face in them. */
  facelessDropped?: number;
  /** Issue 17: the same pairs scored by raw pixels (the preprocessed input this model receives). */
  baseline: Record<BaselineName, { auc: number; eer: number }>;
  /**
   * verifyIdentity on these identities, for each R the card calibrated (thresholds.references): the
   * questioned image against the centroid of R of its identity's images (10 seeded draws), against up
   * to 50 other identities' images per draw; FAR and FRR at the card's threshold for R.
   */
  references?: ReferenceEvaluation[];
}

export interface ReferenceEvaluation {
  references: number;
  auc: number;
  eer: number;
  threshold: number;
  far: number;
  frr: number;
  positivePairs: number;
  negativePairs: number;
}

/** The card's reference thresholds measured on `groups` (see VerificationReport.references). */
export function evaluateReferences(card: ModelCard, embeddings: Float32Array[], groups: number[][], seed: number): ReferenceEvaluation[] {
  const out: ReferenceEvaluation[] = [];
  for (const entry of card.thresholds.references ?? []) {
    const scores = referenceScores({ embeddings, groups, metric: card.metric, rule: card.thresholds, seed }, entry.references);
    if (!scores) continue;
    const roc = computeRoc(scores);
    const pos = scores.filter((x) => x.same);
    const neg = scores.filter((x) => !x.same);
    out.push({
      references: entry.references,
      auc: auc(roc),
      eer: equalErrorRate(roc).eer,
      threshold: entry.threshold,
      far: neg.filter((x) => x.distance <= entry.threshold).length / neg.length,
      frr: pos.filter((x) => x.distance > entry.threshold).length / pos.length,
      positivePairs: pos.length,
      negativePairs: neg.length,
    });
  }
  return out;
}

export async function evaluateVerification(
  model: tf.LayersModel,
  card: ModelCard,
  source: LabelledImageSource,
  options: {
    maxNegatives?: number;
    seed?: number;
    ways?: number;
    bootstrap?: number;
    maxPerIdentity?: number;
    onPrepare?: (done: number, total: number) => void;
  } = {},
): Promise<{ report: VerificationReport; scores: ScoredPair[]; baseline: PixelBaseline }> {
  const cache = new DecodedImageCache(source, card.preprocessing);
  let listed = await source.list();
  if (options.maxPerIdentity) listed = capPerIdentity(listed, options.maxPerIdentity);
  let facelessDropped: number | undefined;
  if (card.preprocessing.face) {
    // Photos where the face stage finds no face cannot be embedded; they are counted, not hidden.
    const { kept, faceless } = await dropFaceless(cache, listed, options.onPrepare);
    listed = kept;
    facelessDropped = faceless.length;
  }
  const groups = groupByIdentity(listed);
  const pixels = await cache.loadAll(groups.images);
  const pairs = verificationPairs(groups.groups, options.maxNegatives ?? 50000, options.seed ?? 1);
  const { embeddings: emb, scores, roc } = scoreVerification(model, pixels, pairs, scoringSpecOf(card));
  const metrics = verificationMetrics(scores, card.thresholds.default, roc);
  const baseline = pixelBaseline(pixels, pairs);
  const owner: number[] = [];
  groups.groups.forEach((g, id) => g.forEach((img) => (owner[img] = id)));
  const rounds = options.bootstrap ?? 1000;
  const ci95 =
    rounds > 0 && groups.identities.length >= 2
      ? identityBootstrap(
          scores.map((s, i) => ({ ...s, identityA: owner[pairs[i].a], identityB: owner[pairs[i].b] })),
          groups.identities.length,
          { rounds, seed: options.seed ?? 1 },
        )
      : undefined;
  const ways = Math.min(options.ways ?? 20, groups.identities.length);
  const episodes = oneShotEpisodes(groups.identities, groups.groups, ways, 100, options.seed ?? 1);
  const report: VerificationReport = {
    ...metrics,
    identities: groups.identities.length,
    images: groups.images.length,
    threshold: card.thresholds.default,
    thresholdRule: card.thresholds.defaultRule,
    oneShot: episodes.length ? { ways, episodes: episodes.length, accuracy: oneShotAccuracy(emb, episodes, card.metric) } : undefined,
    ci95,
    ...(facelessDropped !== undefined ? { facelessDropped } : {}),
    baseline: baselineSummary(baseline),
  };
  const references = evaluateReferences(card, emb, groups.groups, options.seed ?? 1);
  if (references.length) report.references = references;
  return { report, scores, baseline };
}

/**
 * At most `max` images per identity (the first in key order): in LFW one person (George W Bush, 530
 * photos) would otherwise own 140,000 of the held-out positive pairs and the metric would describe him.
 */
export function capPerIdentity<T extends { key: string; identity: string }>(images: readonly T[], max: number): T[] {
  const byIdentity = new Map<string, T[]>();
  for (const img of [...images].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
    const list = byIdentity.get(img.identity) ?? [];
    if (list.length < max) list.push(img);
    byIdentity.set(img.identity, list);
  }
  return [...byIdentity.values()].flat();
}
