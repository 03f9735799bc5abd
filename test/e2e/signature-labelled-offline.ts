/**
 * Session 28 (issue 17): verifyIdentity's rule LABELLED offline, at the thresholds the fold cards serve, over the
 * cross-validation writers (the 220×155 originals, not simulated scans; signature-labelled-api.ts is the API
 * path). Not a CI test: run by hand on fold models whose cards carry thresholds.labelled.
 *
 *   node test/retraining/fixtures/ts-run.js test/e2e/signature-labelled-offline.ts [--level 0.975] [--first] MODEL_DIR=@WRITERS …
 *
 * Per writer and R ∈ {5, 10}, K ∈ {1, 3}: 10 seeded draws of R genuine references and K labelled forgeries; the
 * questions are its other genuine signatures and other forgeries. Each question is decided three ways on the same
 * draw: CENTROID (d ≤ t_R), LABELLED as served (d ≤ min(t_R, ½·(s + f) + offset)) and the midpoint without the cap
 * (d ≤ ½·(s + f) + offset). Pooled over the folds as margins d − t (accepted when ≤ 0), writer-bootstrap
 * intervals, and a paired writer bootstrap of each against CENTROID.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/embedding/backend';
import { loadModelDir } from '../../src/embedding/model-store';
import type { ModelCard } from '../../src/embedding/model-card';
import { labelledMidpoint } from '../../src/metric/labelled-threshold';
import { centroid, distance, referenceSpread } from '../../src/metric/metric';
import { Rng } from '../../src/training/samplers/rng';
import { parseFilterList } from '../../src/training/data/identity-filter';
import { evaluateForgeryPairs } from '../../src/training/evaluate/forgery.eval';
import type { IdentityPairScore } from '../../src/training/evaluate/bootstrap';
import { pairedEerBootstrap } from '../../src/training/evaluate/paired-bootstrap';
import { DEFAULT_DATASET, embedWriters } from './signature-measure';

const RULES = ['CENTROID', 'LABELLED', 'UNCAPPED'] as const;
const SETTINGS = [
  [5, 1],
  [5, 3],
  [10, 1],
  [10, 3],
] as const;
const ZERO = { thresholds: { default: 0 } } as unknown as Pick<ModelCard, 'thresholds'>;

export async function measureLabelledOffline(
  folds: Array<{ modelDir: string; writers: string[] }>,
  level = 0.95,
  firstOnly = false,
  dataset = DEFAULT_DATASET,
) {
  await initBackend('auto');
  const pooled = new Map<string, IdentityPairScore[]>();
  const add = (key: string, p: IdentityPairScore) => (pooled.get(key) ?? pooled.set(key, []).get(key)!).push(p);
  const writers: string[] = [];
  for (const fold of folds) {
    const { model, card } = await loadModelDir(fold.modelDir);
    try {
      const held = await embedWriters(model, card, fold.writers, dataset);
      const offset = writers.length;
      writers.push(...fold.writers);
      for (const [R, K] of SETTINGS) {
        const tR = card.thresholds.references?.find((r) => r.references === R)?.threshold;
        const entry = card.thresholds.labelled?.find((e) => e.references === R && e.labelled === K);
        if (tR === undefined || !entry) throw new Error(`${fold.modelDir}: no calibration for R = ${R}, K = ${K}`);
        const rng = new Rng(28 + 100 * R + K);
        held.forEach((w, j) => {
          for (let draw = 0; draw < (firstOnly ? 1 : 10); draw++) {
            // --first: the API run's one draw (the first R genuine signatures enrolled, the first K forgeries labelled).
            const order = firstOnly ? w.genuine.map((_, i) => i) : rng.shuffle(w.genuine.map((_, i) => i));
            const forgedOrder = firstOnly ? w.forged.map((_, i) => i) : rng.shuffle(w.forged.map((_, i) => i));
            const refs = order.slice(0, R).map((i) => w.genuine[i]);
            const c = centroid(refs);
            const d = (v: Float32Array) => distance(v, c, card.metric);
            const f = forgedOrder.slice(0, K).reduce((sum, i) => sum + d(w.forged[i]), 0) / K;
            const own = labelledMidpoint(referenceSpread(refs, card.metric), f) + entry.offset;
            const thresholds = { CENTROID: tR, LABELLED: Math.max(0, Math.min(tR, own)), UNCAPPED: Math.max(0, own) };
            const ask = (v: Float32Array, same: boolean) => {
              const dq = d(v);
              for (const rule of RULES)
                add(`${rule}:${R}:${K}`, { distance: dq - thresholds[rule], same, identityA: offset + j, identityB: offset + j });
            };
            for (const i of order.slice(R)) ask(w.genuine[i], true);
            for (const i of forgedOrder.slice(K)) ask(w.forged[i], false);
          }
        });
      }
    } finally {
      model.dispose();
      tf.disposeVariables();
    }
  }
  return {
    writers: writers.length,
    results: SETTINGS.map(([R, K]) => ({
      references: R,
      labelled: K,
      rules: RULES.map((rule) => {
        const pairs = pooled.get(`${rule}:${R}:${K}`)!;
        const e = evaluateForgeryPairs(pairs, writers, ZERO);
        return {
          rule,
          eer: e.eer,
          forgeriesAccepted: e.farForgeries,
          genuineRejected: e.frrGenuine,
          ...(rule === 'CENTROID'
            ? {}
            : {
                pairedAgainstCentroid: pairedEerBootstrap(pooled.get(`CENTROID:${R}:${K}`)!, pairs, writers.length, {
                  rounds: 2000,
                  level,
                }),
              }),
        };
      }),
    })),
  };
}

export async function main(argv: string[]): Promise<number> {
  // --level L: the paired intervals' level (RULE.md's second candidate is decided at 0.975).
  const at = argv.indexOf('--level');
  const level = at >= 0 ? Number(argv[at + 1]) : 0.95;
  const firstOnly = argv.includes('--first');
  const args = (at >= 0 ? argv.filter((_, i) => i !== at && i !== at + 1) : argv).filter((a) => a !== '--first');
  if (args.length === 0 || !(level > 0 && level < 1)) {
    console.error('usage: signature-labelled-offline.ts [--level L] MODEL_DIR=@WRITERS …');
    return 2;
  }
  const folds = args.map((s) => {
    const [modelDir, writers] = s.split('=');
    return { modelDir: path.resolve(modelDir), writers: parseFilterList([writers])! };
  });
  console.log(JSON.stringify(await measureLabelledOffline(folds, level, firstOnly), null, 2));
  return 0;
}
