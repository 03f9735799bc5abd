/**
 * Session 27 (issue 17): a linear scoring back-end fitted on the 6 validation writers, measured on the
 * cross-validation folds. Rule and candidates, written before this ran: docs/experiments/signatures/backend/RULE.md.
 * Not a CI test: run by hand against trained fold models.
 *
 *   node test/retraining/fixtures/ts-run.js test/e2e/signature-backend.ts BASE|WCCN|KISSME|…|WD_RBF OUT.json.gz MODEL_DIR=@WRITERS …
 *     each fold model embeds the validation writers and its held-out writers; the candidate is fitted on the
 *     validation writers' embeddings, thresholds recalibrated on them at the card's rule (verify and 5, 10
 *     references, the trainer's code), held-out pairs pooled like `signature-measure.ts cv` (distance minus the
 *     fold's threshold) and written for `signature-measure.ts paired`. Prints the pooled results.
 *   node test/retraining/fixtures/ts-run.js test/e2e/signature-backend.ts paired BASE.json.gz CANDIDATE.json.gz [LEVEL]
 *     as `signature-measure.ts paired`, at the given interval level (the rule's 0.975).
 *   node test/retraining/fixtures/ts-run.js test/e2e/signature-backend.ts labelled K MODEL_DIR=@WRITERS …
 *     a what-if: K labelled forgeries per writer read as a per-writer midpoint (see measureLabelled).
 *   node test/retraining/fixtures/ts-run.js test/e2e/signature-backend.ts synth-strength MODEL_DIR …
 *     rule SYNTH_CAL's calibration of the imitations' strength on the validation writers (synthStrength).
 *   node test/retraining/fixtures/ts-run.js test/e2e/signature-backend.ts synth-picture OUT.png
 *     one validation signature and its imitations at both strengths (synthPicture).
 *   node test/retraining/fixtures/ts-run.js test/e2e/signature-backend.ts synth-scales MODEL_DIR=@WRITERS …
 *     per writer at R = 10: spread, imitation, genuine and forgery distances and their correlations (synthScales).
 *   node test/retraining/fixtures/ts-run.js test/e2e/signature-backend.ts oracle SCORES.json.gz
 *     how much of kept pairs' pooled EER is writers on different scales (see oracle below).
 */
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/embedding/backend';
import { loadModelDir } from '../../src/embedding/model-store';
import type { ModelCard } from '../../src/embedding/model-card';
import { centroid, distance } from '../../src/metric/metric';
import { calibrate } from '../../src/training/calibration/calibrate';
import { computeRoc, equalErrorRate } from '../../src/training/calibration/roc';
import { Rng } from '../../src/training/samplers/rng';
import { parseFilterList } from '../../src/training/data/identity-filter';
import { evaluateForgeryPairs, type WriterEmbeddings } from '../../src/training/evaluate/forgery.eval';
import type { IdentityPairScore } from '../../src/training/evaluate/bootstrap';
import { pairedEerBootstrap } from '../../src/training/evaluate/paired-bootstrap';
import { identityThresholdEer } from '../../src/training/evaluate/identity-threshold-eer';
import { embedWriters, writerFiles } from './signature-measure';
import { readScores, writeScores } from './signature-scores';
import { apply, fitKissme, fitWccn, lengthNormalise } from './linear-backend';
import { gram, linearKernel, medianHeuristicGamma, rbfKernel, trainWriterSvm } from './writer-svm';
import { CALIBRATED_IMITATION, embedImitations, imitationSeed, IMITATIONS_PER_SIGNATURE, type Imitations } from './synthetic-imitations';
import { imitate, RULE_SYNTH_IMITATION } from './synthetic-forgery';

const DATASET = path.resolve(__dirname, '../../../shared/datasets/cedar-signatures');
const VALIDATION = parseFilterList(['@' + path.resolve(__dirname, '../../splits/cedar/validation-writers.txt')])!;
const COUNTS = [1, 5, 10];
const CANDIDATES = [
  'BASE',
  'WCCN',
  'KISSME',
  'SHIFT',
  'SHIFT_HALF',
  'SNORM',
  'ASNORM',
  'WD_LINEAR',
  'WD_RBF',
  'SYNTH_MID',
  'SYNTH_RATIO',
  'SYNTH_CAL',
] as const;
type Candidate = (typeof CANDIDATES)[number];
type Dist = (a: Float32Array, b: Float32Array) => number;
/** A score for R references (R = 1 is verify): smaller is "same writer", compared with a threshold. */
type Scorer = (refs: readonly Float32Array[]) => (q: Float32Array) => number;

/** Pooled pairs are distance minus their fold's recalibrated threshold: accepted when ≤ 0. */
const RECALIBRATED = { thresholds: { default: 0, defaultRule: 'each fold’s recalibrated threshold' } } as unknown as Pick<
  ModelCard,
  'thresholds'
>;

/** ASNORM's cohort: the top quarter of the 144 validation genuine signatures nearest the vector (RULE-snorm.md). */
const ADAPTIVE_COHORT = 36;

/** WD_*'s classifiers per fold, and how many stopped at the solver's epoch limit before its tolerance. */
const classifiers = { trained: 0, unconverged: 0 };

/** What a candidate's pooled score is, as the scores file and the printed result say. */
function scoreDescription(kind: Candidate): string {
  if (kind === 'SYNTH_CAL')
    return `${kind}: d(q, c) − ½(s + f), f the references' ${IMITATIONS_PER_SIGNATURE} elastic imitations at RMS ${CALIBRATED_IMITATION.rmsShare} of the height (set on the validation writers), each against the other references' centroid (docs/experiments/signatures/backend/RULE-synth-calibrated.md); minus the fold's threshold recalibrated for it`;
  if (kind === 'SYNTH_MID' || kind === 'SYNTH_RATIO')
    return `${kind}: ${kind === 'SYNTH_MID' ? 'd(q, c) − ½(s + f)' : '(d(q, c) − s) / max(f − s, 1e−3)'}, f the references' ${IMITATIONS_PER_SIGNATURE} elastic imitations each against the other references' centroid (docs/experiments/signatures/backend/RULE-synth.md); minus the fold's threshold recalibrated for it`;
  if (kind === 'WD_LINEAR' || kind === 'WD_RBF')
    return `${kind}: −f(q) of an SVM per writer, its references against the validation writers' genuine signatures (docs/experiments/signatures/backend/RULE-wd.md); minus the fold's threshold recalibrated for it`;
  return `${kind} back-end fitted on the validation writers (docs/experiments/signatures/backend/RULE.md); distance minus the fold's threshold recalibrated after it`;
}

/**
 * The candidates' scores. CENTROID d(q, c) for BASE, WCCN, KISSME (their difference is the embedding); SHIFT and
 * SHIFT_HALF: d(q, c) − β·s with s the references' leave-one-out spread (1/R)·Σ d(r_i, c_{−i}), β = 1 or ½
 * (RULE-shift.md); SNORM / ASNORM: symmetric normalisation ½[(d − μ_c)/σ_c + (d − μ_q)/σ_q], μ and σ of a vector's
 * distances to a cohort of other writers' genuine signatures, all of them or its nearest 36 (RULE-snorm.md);
 * WD_LINEAR / WD_RBF: −f(q), f a class-balanced SVM (C = 1) trained on the references against that cohort, linear or
 * RBF with γ from the cohort's median squared distance (writer-svm.ts, RULE-wd.md).
 */
function scorerFor(kind: Candidate, dist: Dist, cohort: readonly Float32Array[], imitations?: Imitations): Scorer {
  if (kind === 'SYNTH_MID' || kind === 'SYNTH_RATIO' || kind === 'SYNTH_CAL') {
    if (!imitations) throw new Error(`${kind} needs the references' imitations`);
    return synthScorer(kind === 'SYNTH_CAL' ? 'SYNTH_MID' : kind, dist, imitations);
  }
  if (kind === 'WD_LINEAR' || kind === 'WD_RBF') {
    const kernel = kind === 'WD_LINEAR' ? linearKernel : rbfKernel(medianHeuristicGamma(cohort));
    const negativeGram = gram(cohort, kernel);
    return (refs) => {
      const svm = trainWriterSvm(refs, cohort, { kernel, c: 1, negativeGram });
      classifiers.trained++;
      if (!svm.converged) classifiers.unconverged++;
      return (q) => -svm.decision(q);
    };
  }
  if (kind === 'SNORM' || kind === 'ASNORM') {
    const stats = (x: Float32Array) => {
      let ds = cohort.map((y) => dist(x, y));
      if (kind === 'ASNORM') ds = ds.sort((a, b) => a - b).slice(0, ADAPTIVE_COHORT);
      const mu = ds.reduce((a, b) => a + b, 0) / ds.length;
      const sigma = Math.sqrt(ds.reduce((a, b) => a + (b - mu) * (b - mu), 0) / ds.length) || 1e-6;
      return { mu, sigma };
    };
    const memo = new Map<Float32Array, { mu: number; sigma: number }>();
    const cached = (x: Float32Array) => memo.get(x) ?? memo.set(x, stats(x)).get(x)!;
    return (refs) => {
      const c = refs.length === 1 ? refs[0] : centroid(refs);
      const sc = cached(c);
      return (q) => {
        const d = dist(q, c);
        const sq = cached(q);
        return 0.5 * ((d - sc.mu) / sc.sigma + (d - sq.mu) / sq.sigma);
      };
    };
  }
  const beta = kind === 'SHIFT' ? 1 : kind === 'SHIFT_HALF' ? 0.5 : 0;
  return (refs) => {
    const c = refs.length === 1 ? refs[0] : centroid(refs);
    let spread = 0;
    if (beta > 0 && refs.length > 1)
      for (let i = 0; i < refs.length; i++) spread += dist(refs[i], centroid(refs.filter((_, j) => j !== i))) / refs.length;
    return (q) => dist(q, c) - beta * spread;
  };
}

/**
 * SYNTH_MID / SYNTH_RATIO (RULE-synth.md): s the references' leave-one-out spread, f the mean distance of each
 * reference's imitations to the centroid of the other references (R = 1: to the reference itself, s = 0).
 */
export function synthScorer(kind: 'SYNTH_MID' | 'SYNTH_RATIO', dist: Dist, imitations: Imitations): Scorer {
  const imitationsOf = (r: Float32Array) => {
    const list = imitations.get(r);
    if (!list || list.length === 0) throw new Error('a reference without imitations');
    return list;
  };
  return (refs) => {
    const c = refs.length === 1 ? refs[0] : centroid(refs);
    let spread = 0;
    let imitationSum = 0;
    let imitationCount = 0;
    for (let i = 0; i < refs.length; i++) {
      const centre = refs.length === 1 ? refs[0] : centroid(refs.filter((_, j) => j !== i));
      if (refs.length > 1) spread += dist(refs[i], centre) / refs.length;
      for (const m of imitationsOf(refs[i])) {
        imitationSum += dist(m, centre);
        imitationCount++;
      }
    }
    const f = imitationSum / imitationCount;
    if (kind === 'SYNTH_MID') return (q) => dist(q, c) - 0.5 * (spread + f);
    const unit = Math.max(f - spread, 1e-3);
    return (q) => (dist(q, c) - spread) / unit;
  };
}

/** verify's pairs of one writer (as writerPairs: every genuine pair, every genuine–forgery pair) under a score. */
function singlePairs(w: WriterEmbeddings, scorer: Scorer): Array<{ distance: number; same: boolean }> {
  const out: Array<{ distance: number; same: boolean }> = [];
  for (let i = 0; i < w.genuine.length; i++) {
    const s = scorer([w.genuine[i]]);
    for (let j = i + 1; j < w.genuine.length; j++) out.push({ distance: s(w.genuine[j]), same: true });
    for (const f of w.forged) out.push({ distance: s(f), same: false });
  }
  return out;
}

/**
 * The trainer's calibration (calibrate.ts for verify; reference-calibration.ts's draws for R: its generator
 * seed + 1000·R, each validation writer's genuine signatures shuffled, its forgeries as negatives) for any
 * score; `scorerOf(k)` scores validation writer k (its cohort leaves that writer out). No clamp at zero: a
 * normalised or shifted score may be negative. Checked: with CENTROID it gives the served thresholds exactly.
 */
function calibrateScore(
  val: readonly WriterEmbeddings[],
  scorerOf: (k: number) => Scorer,
  R: number,
  rule: { defaultRule: ModelCard['thresholds']['defaultRule']; targetFar?: number },
  seed: number | undefined,
): number {
  const scores: Array<{ distance: number; same: boolean }> = [];
  if (R === 1) {
    val.forEach((w, k) => scores.push(...singlePairs(w, scorerOf(k))));
    return calibrate(scores, rule).thresholds.default;
  }
  const rng = new Rng((seed ?? 17) + 1000 * R);
  val.forEach((w, k) => {
    const scorer = scorerOf(k);
    for (let d = 0; d < 10; d++) {
      const order = rng.shuffle(w.genuine.map((_, i) => i));
      const s = scorer(order.slice(0, R).map((i) => w.genuine[i]));
      for (const i of order.slice(R)) scores.push({ distance: s(w.genuine[i]), same: true });
      for (const f of w.forged) scores.push({ distance: s(f), same: false });
    }
  });
  return calibrate(scores, rule).thresholds.default;
}

function fitTransform(kind: Candidate, val: readonly WriterEmbeddings[]): (x: Float32Array) => Float32Array {
  if (kind !== 'WCCN' && kind !== 'KISSME') return (x) => x;
  if (kind === 'WCCN') {
    const w = fitWccn(val);
    return (x) => lengthNormalise(apply(w, x));
  }
  const l = fitKissme(val);
  return (x) => apply(l, x);
}

const mapWriters = (ws: readonly WriterEmbeddings[], t: (x: Float32Array) => Float32Array): WriterEmbeddings[] =>
  ws.map((w) => ({ ...w, genuine: w.genuine.map(t), forged: w.forged.map(t) }));

async function measure(kind: Candidate, out: string, folds: Array<{ modelDir: string; writers: string[] }>) {
  await initBackend('auto');
  const pooled = new Map<number, IdentityPairScore[]>(COUNTS.map((r) => [r, []]));
  const perFold: Array<Record<string, unknown>> = [];
  const allWriters: string[] = [];
  for (const fold of folds) {
    const { model, card } = await loadModelDir(fold.modelDir);
    try {
      const started = Date.now();
      classifiers.trained = 0;
      classifiers.unconverged = 0;
      const rawVal = await embedWriters(model, card, VALIDATION, DATASET);
      const rawHeld = await embedWriters(model, card, fold.writers, DATASET);
      const synth = kind === 'SYNTH_MID' || kind === 'SYNTH_RATIO' || kind === 'SYNTH_CAL';
      // The imitations are keyed by the genuine embedding they imitate (the identity transform keeps the objects).
      const imitations = synth
        ? await embedImitations(model, card, [...rawVal, ...rawHeld], DATASET, kind === 'SYNTH_CAL' ? CALIBRATED_IMITATION : undefined)
        : undefined;
      const t = fitTransform(kind, rawVal);
      const val = mapWriters(rawVal, t);
      const held = mapWriters(rawHeld, t);
      const dist: Dist = (a, b) => distance(a, b, card.metric);
      const rule = { defaultRule: card.thresholds.defaultRule, targetFar: card.thresholds.targetFar };
      // The cohort (SNORM, ASNORM, WD_*): the validation writers' genuine signatures; a validation writer's own left out.
      const cohortWithout = (k: number) => val.filter((_, j) => j !== k).flatMap((w) => w.genuine);
      const valScorers = val.map((_, k) => scorerFor(kind, dist, cohortWithout(k), imitations));
      const scorer = scorerFor(
        kind,
        dist,
        val.flatMap((w) => w.genuine),
        imitations,
      );
      const offset = allWriters.length;
      allWriters.push(...fold.writers);
      const thresholdsUsed = new Map<number, number>();
      for (const r of COUNTS) {
        const rng = new Rng(11 + r);
        const list = pooled.get(r)!;
        const threshold = calibrateScore(val, (k) => valScorers[k], r, rule, card.seed);
        thresholdsUsed.set(r, threshold);
        held.forEach((w, k) => {
          const id = offset + k;
          if (r === 1) {
            for (const p of singlePairs(w, scorer)) list.push({ ...p, distance: p.distance - threshold, identityA: id, identityB: id });
            return;
          }
          for (let draw = 0; draw < 10; draw++) {
            const order = rng.shuffle(w.genuine.map((_, i) => i));
            const score = scorer(order.slice(0, r).map((i) => w.genuine[i]));
            for (const i of order.slice(r))
              list.push({ distance: score(w.genuine[i]) - threshold, same: true, identityA: id, identityB: id });
            for (const g of w.forged) list.push({ distance: score(g) - threshold, same: false, identityA: id, identityB: id });
          }
        });
      }
      const byWriter = (ws: readonly WriterEmbeddings[], scorerOf: (k: number) => Scorer) =>
        ws.flatMap((w, k) => singlePairs(w, scorerOf(k)).map((p) => ({ ...p, identityA: k, identityB: k })));
      const single = thresholdsUsed.get(1)!;
      const servedCard = card as ModelCard;
      perFold.push({
        model: fold.modelDir,
        version: card.version,
        writers: fold.writers,
        thresholds: { R1: single, R5: thresholdsUsed.get(5), R10: thresholdsUsed.get(10) },
        servedThresholds: {
          R1: servedCard.thresholds.default,
          R5: servedCard.thresholds.references?.find((x) => x.references === 5)?.threshold,
          R10: servedCard.thresholds.references?.find((x) => x.references === 10)?.threshold,
        },
        validationEer: evaluateForgeryPairs(
          byWriter(val, (k) => valScorers[k]),
          VALIDATION,
          { thresholds: { ...card.thresholds, default: single } },
        ).eer,
        heldOut: evaluateForgeryPairs(
          byWriter(held, () => scorer),
          fold.writers,
          { thresholds: { ...card.thresholds, default: single } },
        ).eer,
        seconds: (Date.now() - started) / 1000,
        ...(classifiers.trained > 0 ? { classifiers: { ...classifiers } } : {}),
      });
      console.error(`${kind} ${fold.modelDir}: ${JSON.stringify(perFold[perFold.length - 1])}`);
    } finally {
      model.dispose();
      tf.disposeVariables();
    }
  }
  const score = scoreDescription(kind);
  writeScores(out, { writers: allWriters, score, perFold }, pooled);
  return {
    candidate: kind,
    writers: allWriters,
    score,
    pooled: COUNTS.map((r) => {
      const e = evaluateForgeryPairs(pooled.get(r)!, allWriters, RECALIBRATED);
      return {
        references: r,
        auc: e.auc,
        eer: e.eer,
        writerThresholdEer: identityThresholdEer(pooled.get(r)!),
        farForgeries: e.farForgeries,
        frrGenuine: e.frrGenuine,
      };
    }),
    perFold,
  };
}

function paired(baseFile: string, candidateFile: string, level: number) {
  const base = readScores(baseFile);
  const candidate = readScores(candidateFile);
  const writers = [...base.writers].sort();
  if (JSON.stringify(writers) !== JSON.stringify([...candidate.writers].sort())) throw new Error('the two files cover different writers');
  const toPairs = (f: typeof base, r: string): IdentityPairScore[] =>
    f.byReferences[r].distance.map((d, i) => {
      const id = writers.indexOf(f.writers[f.byReferences[r].writer[i]]);
      return { distance: d, same: f.byReferences[r].same[i] === 1, identityA: id, identityB: id };
    });
  return Object.keys(base.byReferences)
    .filter((r) => r in candidate.byReferences)
    .map((r) => ({
      references: Number(r),
      ...pairedEerBootstrap(toPairs(base, r), toPairs(candidate, r), writers.length, { rounds: 2000, level }),
    }));
}

/**
 * `labelled K`: a what-if, not a candidate (no rule, nothing ships). If an administrator had labelled K skilled
 * forgeries of each writer (as `labelPair` records a mistake), how far would a per-writer threshold go? Per draw,
 * R genuine references and K of the writer's forgeries are drawn; the score is d(q, c) − ½·(s + f), s the
 * references' leave-one-out spread (SHIFT's), f the labelled forgeries' mean distance to c: the distance read
 * against the midpoint between this writer's genuine and forged distances. Questioned: the other genuine
 * signatures and the other 24 − K forgeries. CENTROID on exactly the same pairs is the comparison. Thresholds are
 * recalibrated on the validation writers the same way (they too get K labelled forgeries per draw).
 */
async function measureLabelled(labelledCount: number, folds: Array<{ modelDir: string; writers: string[] }>) {
  await initBackend('auto');
  const counts = [5, 10];
  const kinds = ['CENTROID', 'LABELLED_MID'] as const;
  const pooled = new Map<string, IdentityPairScore[]>();
  const allWriters: string[] = [];
  const score = (kind: (typeof kinds)[number], dist: Dist, refs: Float32Array[], labelled: Float32Array[]) => {
    const c = centroid(refs);
    if (kind === 'CENTROID') return (q: Float32Array) => dist(q, c);
    let spread = 0;
    for (let i = 0; i < refs.length; i++) spread += dist(refs[i], centroid(refs.filter((_, j) => j !== i))) / refs.length;
    const forged = labelled.reduce((sum, f) => sum + dist(f, c), 0) / labelled.length;
    return (q: Float32Array) => dist(q, c) - 0.5 * (spread + forged);
  };
  const pairsOf = (
    kind: (typeof kinds)[number],
    ws: readonly WriterEmbeddings[],
    R: number,
    dist: Dist,
    rng: Rng,
    id: (k: number) => number,
  ) => {
    const out: IdentityPairScore[] = [];
    ws.forEach((w, k) => {
      for (let draw = 0; draw < 10; draw++) {
        const order = rng.shuffle(w.genuine.map((_, i) => i));
        const forgedOrder = rng.shuffle(w.forged.map((_, i) => i));
        const s = score(
          kind,
          dist,
          order.slice(0, R).map((i) => w.genuine[i]),
          forgedOrder.slice(0, labelledCount).map((i) => w.forged[i]),
        );
        for (const i of order.slice(R)) out.push({ distance: s(w.genuine[i]), same: true, identityA: id(k), identityB: id(k) });
        for (const i of forgedOrder.slice(labelledCount))
          out.push({ distance: s(w.forged[i]), same: false, identityA: id(k), identityB: id(k) });
      }
    });
    return out;
  };
  for (const fold of folds) {
    const { model, card } = await loadModelDir(fold.modelDir);
    try {
      const val = await embedWriters(model, card, VALIDATION, DATASET);
      const held = await embedWriters(model, card, fold.writers, DATASET);
      const dist: Dist = (a, b) => distance(a, b, card.metric);
      const rule = { defaultRule: card.thresholds.defaultRule, targetFar: card.thresholds.targetFar };
      const offset = allWriters.length;
      allWriters.push(...fold.writers);
      for (const kind of kinds)
        for (const R of counts) {
          const t = calibrate(
            pairsOf(kind, val, R, dist, new Rng((card.seed ?? 17) + 1000 * R), (j) => j),
            rule,
          ).thresholds.default;
          const list = pooled.get(`${kind}:${R}`) ?? [];
          pooled.set(`${kind}:${R}`, list);
          for (const p of pairsOf(kind, held, R, dist, new Rng(11 + R), (j) => offset + j)) list.push({ ...p, distance: p.distance - t });
        }
    } finally {
      model.dispose();
      tf.disposeVariables();
    }
  }
  return {
    labelledForgeriesPerWriter: labelledCount,
    writers: allWriters,
    results: kinds.flatMap((kind) =>
      counts.map((R) => {
        const e = evaluateForgeryPairs(pooled.get(`${kind}:${R}`)!, allWriters, RECALIBRATED);
        return { score: kind, references: R, eer: e.eer, auc: e.auc, farForgeries: e.farForgeries, frrGenuine: e.frrGenuine };
      }),
    ),
    paired: counts.map((R) => ({
      references: R,
      ...pairedEerBootstrap(pooled.get(`CENTROID:${R}`)!, pooled.get(`LABELLED_MID:${R}`)!, allWriters.length, { rounds: 2000 }),
    })),
  };
}

/**
 * synth-imitations.png: validation writer 05's first genuine signature (in no fold's training), then its first two
 * imitations at RULE-synth's strength (3 % of the height) and at SYNTH_CAL's (18 %), the seeds the measurements used.
 */
async function synthPicture(out: string) {
  const file = writerFiles(DATASET, '05').genuine[0];
  const scan = fs.readFileSync(file);
  const tiles: Buffer[] = [scan];
  for (const options of [RULE_SYNTH_IMITATION, CALIBRATED_IMITATION])
    for (let j = 0; j < 2; j++) tiles.push(await imitate(scan, imitationSeed('05', 0, j), options));
  const { width = 220, height = 155 } = await sharp(scan).metadata();
  const gap = 8;
  await sharp({ create: { width, height: tiles.length * (height + gap) - gap, channels: 3, background: '#ffffff' } })
    .composite(tiles.map((input, i) => ({ input, top: i * (height + gap), left: 0 })))
    .png()
    .toFile(out);
}

/**
 * One writer's four scales, each a mean over 10 draws of R references from `rng` (the draw order of the callers'
 * generators): the references' leave-one-out spread s, the imitations' distance f (each reference's imitations to
 * the centroid of the others), and the other genuine signatures' (g) and the forgeries' (h) distance to the centroid.
 */
function writerScales(w: WriterEmbeddings, imitations: Imitations, dist: Dist, R: number, rng: Rng) {
  const acc = { s: 0, f: 0, g: 0, h: 0 };
  for (let draw = 0; draw < 10; draw++) {
    const order = rng.shuffle(w.genuine.map((_, i) => i));
    const refs = order.slice(0, R).map((i) => w.genuine[i]);
    const c = centroid(refs);
    let fSum = 0;
    let fCount = 0;
    refs.forEach((r, i) => {
      const centre = centroid(refs.filter((_, j) => j !== i));
      acc.s += dist(r, centre) / R / 10;
      for (const m of imitations.get(r)!) {
        fSum += dist(m, centre);
        fCount++;
      }
    });
    acc.f += fSum / fCount / 10;
    const rest = order.slice(R);
    acc.g += rest.reduce((a, i) => a + dist(w.genuine[i], c), 0) / rest.length / 10;
    acc.h += w.forged.reduce((a, v) => a + dist(v, c), 0) / w.forged.length / 10;
  }
  return acc;
}

/**
 * Rule SYNTH_CAL's calibration (RULE-synth-calibrated.md), on the validation writers only: for each imitation
 * strength, each fold model's mean over the validation writers of s, f, g and h at R = 10 (the trainer's calibration
 * draws, seed + 1000·R), and the mean f / h over folds × writers that chooses the strength.
 */
async function synthStrength(folds: Array<{ modelDir: string }>, shares: readonly number[]) {
  await initBackend('auto');
  const R = 10;
  const perShare = new Map<number, Array<{ fold: string; writer: string; s: number; f: number; g: number; h: number }>>();
  for (const fold of folds) {
    const { model, card } = await loadModelDir(fold.modelDir);
    try {
      const val = await embedWriters(model, card, VALIDATION, DATASET);
      const dist: Dist = (a, b) => distance(a, b, card.metric);
      for (const share of shares) {
        const imitations = await embedImitations(model, card, val, DATASET, { ...RULE_SYNTH_IMITATION, rmsShare: share });
        const rng = new Rng((card.seed ?? 17) + 1000 * R);
        for (const w of val)
          (perShare.get(share) ?? perShare.set(share, []).get(share)!).push({
            fold: fold.modelDir,
            writer: w.writer,
            ...writerScales(w, imitations, dist, R, rng),
          });
        console.error(`synth-strength ${fold.modelDir} r = ${share}: done`);
      }
    } finally {
      model.dispose();
      tf.disposeVariables();
    }
  }
  const table = shares.map((share) => {
    const rows = perShare.get(share)!;
    const mean = (pick: (r: (typeof rows)[number]) => number) => rows.reduce((a, r) => a + pick(r), 0) / rows.length;
    const ratio = mean((r) => r.f / r.h);
    return {
      rmsShare: share,
      meanFOverH: ratio,
      absLogRatio: Math.abs(Math.log(ratio)),
      s: mean((r) => r.s),
      f: mean((r) => r.f),
      g: mean((r) => r.g),
      h: mean((r) => r.h),
    };
  });
  const chosen = table.reduce((best, t) => (t.absLogRatio < best.absLogRatio ? t : best)).rmsShare;
  return { references: R, writers: VALIDATION, chosenRmsShare: chosen, table, rows: Object.fromEntries(perShare) };
}

/**
 * Session 30, after rule SYNTH was decided: per writer and R = 10 (the draws of `signature-measure.ts cv`), the
 * references' spread s, the imitations' distance f, and the questioned signatures' mean distances to the centroid,
 * genuine g and forged h; across the 34 writers, how well s tracks g, f tracks h and ½(s + f) tracks the oracle's
 * midpoint ½(g + h). Raw distances of each fold's own model (folds differ in scale, so correlations are within
 * fold, then averaged weighted by writers, and also pooled).
 */
async function synthScales(folds: Array<{ modelDir: string; writers: string[] }>) {
  await initBackend('auto');
  const R = 10;
  const rows: Array<{ fold: number; writer: string; s: number; f: number; g: number; h: number }> = [];
  for (const [foldIndex, fold] of folds.entries()) {
    const { model, card } = await loadModelDir(fold.modelDir);
    try {
      const held = await embedWriters(model, card, fold.writers, DATASET);
      const imitations = await embedImitations(model, card, held, DATASET);
      const dist: Dist = (a, b) => distance(a, b, card.metric);
      const rng = new Rng(11 + R);
      for (const w of held) rows.push({ fold: foldIndex, writer: w.writer, ...writerScales(w, imitations, dist, R, rng) });
    } finally {
      model.dispose();
      tf.disposeVariables();
    }
  }
  const pearson = (xs: number[], ys: number[]) => {
    const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
    const my = ys.reduce((a, b) => a + b, 0) / ys.length;
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    xs.forEach((x, i) => {
      sxy += (x - mx) * (ys[i] - my);
      sxx += (x - mx) ** 2;
      syy += (ys[i] - my) ** 2;
    });
    return sxy / Math.sqrt(sxx * syy);
  };
  const pairsOf = {
    'spread s ~ genuine g': (r: (typeof rows)[number]) => [r.s, r.g],
    'imitations f ~ forgeries h': (r: (typeof rows)[number]) => [r.f, r.h],
    '½(s + f) ~ ½(g + h)': (r: (typeof rows)[number]) => [(r.s + r.f) / 2, (r.g + r.h) / 2],
    'f − s ~ h − g': (r: (typeof rows)[number]) => [r.f - r.s, r.h - r.g],
    'imitations f ~ spread s': (r: (typeof rows)[number]) => [r.f, r.s],
  };
  const correlations = Object.fromEntries(
    Object.entries(pairsOf).map(([name, pick]) => {
      const within = folds.map((_, k) => {
        const fr = rows.filter((r) => r.fold === k).map(pick);
        return {
          n: fr.length,
          r: pearson(
            fr.map((p) => p[0]),
            fr.map((p) => p[1]),
          ),
        };
      });
      const all = rows.map(pick);
      return [
        name,
        {
          withinFoldMean: within.reduce((a, w) => a + w.n * w.r, 0) / rows.length,
          withinFold: within.map((w) => w.r),
          pooled: pearson(
            all.map((p) => p[0]),
            all.map((p) => p[1]),
          ),
        },
      ];
    }),
  );
  return { references: R, writers: rows.length, correlations, rows };
}

/**
 * `oracle SCORES.json.gz`: what aligning the writers could at best recover, from kept pairs. Per R: the pooled EER
 * (one threshold per fold, as served), the EER with each writer's distances shifted by the mean of its own genuine
 * distances (an oracle that reads the test genuine signatures, never the forgeries: the most a score built from a
 * writer's genuine signatures could align), and the mean of each writer's own EER (a threshold per writer, set on
 * its forgeries; identity-threshold-eer.ts).
 */
function oracle(file: string) {
  const scores = readScores(file);
  return Object.entries(scores.byReferences).map(([r, cols]) => {
    const pairs: IdentityPairScore[] = cols.distance.map((d, i) => ({
      distance: d,
      same: cols.same[i] === 1,
      identityA: cols.writer[i],
      identityB: cols.writer[i],
    }));
    const centre = new Map<number, { sum: number; n: number }>();
    for (const p of pairs)
      if (p.same) {
        const c = centre.get(p.identityA) ?? { sum: 0, n: 0 };
        centre.set(p.identityA, { sum: c.sum + p.distance, n: c.n + 1 });
      }
    const mean = (k: number) => centre.get(k)!.sum / centre.get(k)!.n;
    return {
      references: Number(r),
      pooledEer: equalErrorRate(computeRoc(pairs)).eer,
      genuineCentreShiftEer: equalErrorRate(computeRoc(pairs.map((p) => ({ ...p, distance: p.distance - mean(p.identityA) })))).eer,
      writerThresholdEer: identityThresholdEer(pairs),
    };
  });
}

export async function main(argv: string[]): Promise<number> {
  const [mode, a, ...rest] = argv;
  if (mode === 'labelled' && a && rest.length > 0) {
    const folds = rest.map((arg) => {
      const [modelDir, writers] = arg.split('=');
      return { modelDir: path.resolve(modelDir), writers: parseFilterList([writers])! };
    });
    console.log(JSON.stringify(await measureLabelled(Number(a), folds), null, 2));
    return 0;
  }
  if (mode === 'synth-strength' && a) {
    const shares = [0.03, 0.06, 0.09, 0.12, 0.18];
    console.log(
      JSON.stringify(
        await synthStrength(
          [a, ...rest].map((m) => ({ modelDir: path.resolve(m) })),
          shares,
        ),
        null,
        2,
      ),
    );
    return 0;
  }
  if (mode === 'synth-picture' && a) {
    await synthPicture(a);
    return 0;
  }
  if (mode === 'synth-scales' && a) {
    const folds = [a, ...rest].map((arg) => {
      const [modelDir, writers] = arg.split('=');
      return { modelDir: path.resolve(modelDir), writers: parseFilterList([writers])! };
    });
    console.log(JSON.stringify(await synthScales(folds), null, 2));
    return 0;
  }
  if (mode === 'oracle' && a) {
    console.log(JSON.stringify({ file: a, byReferences: oracle(a) }, null, 2));
    return 0;
  }
  if (mode === 'paired' && a && rest[0]) {
    console.log(JSON.stringify(paired(a, rest[0], Number(rest[1] ?? 0.975)), null, 2));
    return 0;
  }
  if (!CANDIDATES.includes(mode as Candidate) || !a || rest.length === 0) {
    console.error(
      'usage: signature-backend.ts BASE|WCCN|KISSME|SHIFT|SHIFT_HALF|SNORM|ASNORM|WD_LINEAR|WD_RBF|SYNTH_MID|SYNTH_RATIO|SYNTH_CAL OUT.json.gz MODEL_DIR=@WRITERS … | paired BASE.json.gz CANDIDATE.json.gz [LEVEL]',
    );
    return 2;
  }
  const folds = rest.map((s) => {
    const [modelDir, writers] = s.split('=');
    return { modelDir: path.resolve(modelDir), writers: parseFilterList([writers])! };
  });
  console.log(JSON.stringify(await measure(mode as Candidate, a, folds), null, 2));
  return 0;
}
