/**
 * Verification against skilled forgeries, on writers the model never saw
 * (issue 17's signature targets): for every writer, genuine–genuine pairs
 * (same) against genuine–forgery pairs of that writer (different). Reports
 * AUC, EER, and at the card's served default threshold the false-accept rate
 * on forgeries (FAR) and the false-reject rate on genuine pairs (FRR), with
 * 95 % writer-bootstrap intervals: the pairs of one writer are not
 * independent (24 signatures give 276 genuine pairs, one hard writer moves
 * them all), so a replicate redraws *writers* with replacement and weighs all
 * of a writer's pairs by its multiplicity (Efron & Tibshirani 1993; the same
 * percentile bootstrap as bootstrap.ts, whose i≠j weighting is for pairs
 * across identities, while every pair here lies within one writer).
 *
 * Optionally, random-forgery negatives (genuine signatures of two different
 * writers) are scored as a separate, easier figure.
 */
import type { ModelCard } from '../../embedding/model-card';
import type { ScoredPair } from '../calibration/roc';
import { accuracyAt } from '../calibration/roc';
import { Rng } from '../samplers/rng';
import { weightedRoc, quantile, type IdentityPairScore } from './bootstrap';
import { summariseRoc } from './verification-scoring';
import { auc, equalErrorRate } from '../calibration/roc';

export interface WriterEmbeddings {
  writer: string;
  genuine: Float32Array[];
  forged: Float32Array[];
}

export interface RateWithInterval {
  value: number;
  ci95: [number, number];
}

export interface ForgeryEvaluation {
  writers: string[];
  genuinePairs: number;
  forgeryPairs: number;
  auc: RateWithInterval;
  eer: RateWithInterval;
  threshold: number;
  thresholdRule: string;
  /** Share of genuine–forgery pairs with distance ≤ threshold (forgeries accepted). */
  farForgeries: RateWithInterval;
  /** Share of genuine–genuine pairs with distance > threshold (genuine rejected). */
  frrGenuine: RateWithInterval;
  /** (correct genuine + correct forgery decisions) / all pairs at the threshold. */
  accuracy: number;
  /** Random forgeries (other writers' genuine signatures) at the same threshold, when asked for. */
  randomForgeries?: { pairs: number; far: number; eer: number; auc: number };
  bootstrapRounds: number;
}

/** Pairs of each writer: genuine–genuine (same) and genuine–forgery (different), tagged with the writer's index. */
export function writerPairs(writers: readonly WriterEmbeddings[], dist: (a: Float32Array, b: Float32Array) => number): IdentityPairScore[] {
  const out: IdentityPairScore[] = [];
  writers.forEach((w, k) => {
    for (let i = 0; i < w.genuine.length; i++)
      for (let j = i + 1; j < w.genuine.length; j++)
        out.push({ distance: dist(w.genuine[i], w.genuine[j]), same: true, identityA: k, identityB: k });
    for (const g of w.genuine) for (const f of w.forged) out.push({ distance: dist(g, f), same: false, identityA: k, identityB: k });
  });
  return out;
}

/** FAR (different pairs accepted) and FRR (same pairs rejected) at `threshold`, pairs weighted. */
function ratesAt(pairs: readonly IdentityPairScore[], weights: ArrayLike<number>, threshold: number): { far: number; frr: number } {
  let pos = 0;
  let neg = 0;
  let fa = 0;
  let fr = 0;
  pairs.forEach((p, i) => {
    const w = weights[i];
    if (p.same) {
      pos += w;
      if (p.distance > threshold) fr += w;
    } else {
      neg += w;
      if (p.distance <= threshold) fa += w;
    }
  });
  return { far: neg ? fa / neg : 0, frr: pos ? fr / pos : 0 };
}

export function evaluateForgeryPairs(
  pairs: readonly IdentityPairScore[],
  writerNames: readonly string[],
  card: Pick<ModelCard, 'thresholds'>,
  options: { rounds?: number; seed?: number } = {},
): Omit<ForgeryEvaluation, 'randomForgeries'> {
  const threshold = card.thresholds.default;
  const scored: ScoredPair[] = pairs.map((p) => ({ distance: p.distance, same: p.same }));
  const summary = summariseRoc(scored);
  const plain = ratesAt(pairs, new Float64Array(pairs.length).fill(1), threshold);

  const sorted = [...pairs].sort((a, b) => a.distance - b.distance);
  const rounds = options.rounds ?? 1000;
  const rng = new Rng(options.seed ?? 1);
  const n = writerNames.length;
  const mult = new Float64Array(n);
  const weights = new Float64Array(sorted.length);
  const aucs: number[] = [];
  const eers: number[] = [];
  const fars: number[] = [];
  const frrs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    mult.fill(0);
    for (let k = 0; k < n; k++) mult[rng.int(n)]++;
    for (let i = 0; i < sorted.length; i++) weights[i] = mult[sorted[i].identityA];
    const roc = weightedRoc(sorted, weights);
    aucs.push(auc(roc));
    eers.push(equalErrorRate(roc).eer);
    const at = ratesAt(sorted, weights, threshold);
    fars.push(at.far);
    frrs.push(at.frr);
  }
  const interval = (xs: number[]): [number, number] => {
    xs.sort((a, b) => a - b);
    return [quantile(xs, 0.025), quantile(xs, 0.975)];
  };
  return {
    writers: [...writerNames],
    genuinePairs: scored.filter((p) => p.same).length,
    forgeryPairs: scored.filter((p) => !p.same).length,
    auc: { value: summary.auc, ci95: interval(aucs) },
    eer: { value: summary.eer, ci95: interval(eers) },
    threshold,
    thresholdRule: (card.thresholds as { defaultRule?: string }).defaultRule ?? 'default',
    farForgeries: { value: plain.far, ci95: interval(fars) },
    frrGenuine: { value: plain.frr, ci95: interval(frrs) },
    accuracy: accuracyAt(scored, threshold),
    bootstrapRounds: rounds,
  };
}

/** Genuine signatures of different writers (random forgeries), a seeded sample of `count` pairs. */
export function randomForgeryPairs(
  writers: readonly WriterEmbeddings[],
  dist: (a: Float32Array, b: Float32Array) => number,
  count: number,
  seed: number,
): ScoredPair[] {
  const rng = new Rng(seed);
  const out: ScoredPair[] = [];
  for (let i = 0; i < count; i++) {
    const a = rng.int(writers.length);
    let b = rng.int(writers.length - 1);
    if (b >= a) b++;
    out.push({ distance: dist(rng.pick(writers[a].genuine), rng.pick(writers[b].genuine)), same: false });
  }
  return out;
}
