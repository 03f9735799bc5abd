/**
 * Per-writer score normalisation for verifyIdentity (issue 17). The candidates and the rule that chooses among
 * them were written before this ran: docs/experiments/signatures/score-norm/RULE.md. User-specific score
 * normalisation: Jain, Nandakumar & Ross 2005. Not a CI test: run by hand against trained models.
 *
 *   node test/retraining/fixtures/ts-run.js test/e2e/signature-score-norm.ts select MODEL_DIR …
 *     the candidates' EER/AUC on the 6 validation writers, per model and averaged over the models.
 *   node test/retraining/fixtures/ts-run.js test/e2e/signature-score-norm.ts cv SCORE MODEL_DIR=@WRITERS …
 *     one candidate on the cross-validation folds: each fold model's threshold for SCORE calibrated on the
 *     validation writers at the card's rule (atTargetFar, the card's targetFar), its held-out writers scored
 *     at it, pooled like `signature-measure.ts cv` (distances shifted by each fold's own threshold).
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/embedding/backend';
import { loadModelDir } from '../../src/embedding/model-store';
import { centroid, distance, type Metric } from '../../src/metric/metric';
import { calibrate } from '../../src/training/calibration/calibrate';
import { Rng } from '../../src/training/samplers/rng';
import { parseFilterList } from '../../src/training/data/identity-filter';
import { evaluateForgeryPairs, type WriterEmbeddings } from '../../src/training/evaluate/forgery.eval';
import type { IdentityPairScore } from '../../src/training/evaluate/bootstrap';
import type { ModelCard } from '../../src/embedding/model-card';
import { embedWriters } from './signature-measure';

const DATASET = path.resolve(__dirname, '../../../shared/datasets/cedar-signatures');
const VALIDATION = parseFilterList(['@' + path.resolve(__dirname, '../../splits/cedar/validation-writers.txt')])!;
const COUNTS = [3, 5, 10];
export const SCORES = ['CENTROID', 'CENTROID_RATIO', 'CENTROID_SHIFT', 'MEAN_PAIR', 'MEAN_PAIR_RATIO'] as const;
type Score = (typeof SCORES)[number];

/** The score of questioned q against references refs (R ≥ 3), by candidate. */
export function score(kind: Score, q: Float32Array, refs: Float32Array[], metric: Metric): number {
  const d = (a: Float32Array, b: Float32Array) => Math.max(0, distance(a, b, metric));
  const c = centroid(refs);
  if (kind === 'CENTROID') return d(q, c);
  if (kind === 'CENTROID_RATIO' || kind === 'CENTROID_SHIFT') {
    // Leave-one-out spread: how far each reference lies from the centroid of the others.
    const s = refs.reduce((sum, r, i) => sum + d(r, centroid(refs.filter((_, j) => j !== i))), 0) / refs.length;
    return kind === 'CENTROID_RATIO' ? d(q, c) / Math.max(s, 1e-6) : d(q, c) - s;
  }
  const meanPair = refs.reduce((sum, r) => sum + d(q, r), 0) / refs.length;
  if (kind === 'MEAN_PAIR') return meanPair;
  let within = 0;
  let n = 0;
  for (let i = 0; i < refs.length; i++) for (let j = i + 1; j < refs.length; j++, n++) within += d(refs[i], refs[j]);
  return meanPair / Math.max(within / n, 1e-6);
}

/** Scored pairs for R references: 10 seeded draws per writer (the draws of signature-measure.ts refs). */
function pairs(kind: Score, embedded: WriterEmbeddings[], R: number, metric: Metric, offset = 0): IdentityPairScore[] {
  const rng = new Rng(11 + R);
  const out: IdentityPairScore[] = [];
  embedded.forEach((w, k) => {
    for (let draw = 0; draw < 10; draw++) {
      const order = rng.shuffle(w.genuine.map((_, i) => i));
      const refs = order.slice(0, R).map((i) => w.genuine[i]);
      const id = offset + k;
      for (const i of order.slice(R))
        out.push({ distance: score(kind, w.genuine[i], refs, metric), same: true, identityA: id, identityB: id });
      for (const f of w.forged) out.push({ distance: score(kind, f, refs, metric), same: false, identityA: id, identityB: id });
    }
  });
  return out;
}

async function withModel<T>(dir: string, fn: (card: ModelCard, embed: (ws: string[]) => Promise<WriterEmbeddings[]>) => Promise<T>) {
  const { model, card } = await loadModelDir(path.resolve(dir));
  try {
    return await fn(card, (ws) => embedWriters(model, card, ws, DATASET));
  } finally {
    model.dispose();
    tf.disposeVariables();
  }
}

async function select(models: string[]) {
  const perModel: Array<{ model: string; rows: Array<{ score: Score; references: number; auc: number; eer: number }> }> = [];
  for (const m of models) {
    const rows = await withModel(m, async (card, embed) => {
      const val = await embed(VALIDATION);
      return SCORES.flatMap((s) =>
        COUNTS.map((R) => {
          const e = evaluateForgeryPairs(pairs(s, val, R, card.metric), VALIDATION, { thresholds: { ...card.thresholds, default: NaN } });
          return { score: s, references: R, auc: e.auc.value, eer: e.eer.value };
        }),
      );
    });
    perModel.push({ model: m, rows });
  }
  const mean = SCORES.flatMap((s) =>
    COUNTS.map((R) => {
      const rs = perModel.map((p) => p.rows.find((r) => r.score === s && r.references === R)!);
      return {
        score: s,
        references: R,
        auc: rs.reduce((a, r) => a + r.auc, 0) / rs.length,
        eer: rs.reduce((a, r) => a + r.eer, 0) / rs.length,
      };
    }),
  );
  return { writers: VALIDATION, models, meanOverModels: mean, perModel };
}

async function crossValidate(kind: Score, folds: Array<{ modelDir: string; writers: string[] }>) {
  const pooled = new Map<number, IdentityPairScore[]>(COUNTS.map((R) => [R, []]));
  const all: string[] = [];
  const perFold: Array<Record<string, unknown>> = [];
  for (const fold of folds) {
    await withModel(fold.modelDir, async (card, embed) => {
      const val = await embed(VALIDATION);
      const test = await embed(fold.writers);
      const offset = all.length;
      all.push(...fold.writers);
      for (const R of COUNTS) {
        const cal = calibrate(
          pairs(kind, val, R, card.metric).map((p) => ({ distance: p.distance, same: p.same })),
          { defaultRule: 'atTargetFar', targetFar: card.thresholds.targetFar ?? 0.01 },
        );
        const t = cal.thresholds.default;
        const held = pairs(kind, test, R, card.metric, offset);
        const own = evaluateForgeryPairs(
          held.map((p) => ({ ...p, identityA: p.identityA - offset, identityB: p.identityB - offset })),
          fold.writers,
          {
            thresholds: { ...card.thresholds, default: t },
          },
        );
        perFold.push({
          model: fold.modelDir,
          references: R,
          threshold: t,
          auc: own.auc.value,
          eer: own.eer.value,
          far: own.farForgeries.value,
          frr: own.frrGenuine.value,
        });
        pooled.get(R)!.push(...held.map((p) => ({ ...p, distance: p.distance - t })));
      }
    });
  }
  const zero = { thresholds: { default: 0, defaultRule: 'each fold’s own threshold' } } as unknown as Pick<ModelCard, 'thresholds'>;
  return {
    score: kind,
    writers: all,
    pooled: COUNTS.map((R) => ({ references: R, ...evaluateForgeryPairs(pooled.get(R)!, all, zero) })),
    perFold,
  };
}

export async function main(argv: string[]): Promise<number> {
  await initBackend('auto');
  const [mode, ...rest] = argv;
  if (mode === 'select' && rest.length) {
    console.log(JSON.stringify(await select(rest), null, 2));
    return 0;
  }
  if (mode === 'cv' && SCORES.includes(rest[0] as Score) && rest.length > 1) {
    const folds = rest.slice(1).map((a) => {
      const [modelDir, writers] = a.split('=');
      return { modelDir, writers: parseFilterList([writers])! };
    });
    console.log(JSON.stringify(await crossValidate(rest[0] as Score, folds), null, 2));
    return 0;
  }
  console.error('usage: signature-score-norm.ts select MODEL_DIR … | cv SCORE MODEL_DIR=@WRITERS …');
  return 2;
}
