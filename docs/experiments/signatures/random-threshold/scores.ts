/**
 * Rule RANDOM-CV (RULE-random-cv.md beside this file, session 45): the served scores of HL's fold ensembles for
 * genuine questions, skilled forgeries and strangers (every genuine signature of the fold's other held-out writers),
 * for R = 1, 2, 3, 5, 10 references, 10 seeded draws per writer as `signature-measure.ts refs` draws them.
 *   node test/retraining/fixtures/ts-run.js docs/experiments/signatures/random-threshold/scores.ts OUT.json.gz \
 *     FOLD_DIR=@HELD_OUT_WRITERS…
 * s = d(q, c_R) − β·spread (SPREAD from two references) − the fold's served threshold; accepted when s ≤ 0.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { initBackend } from '../../../../src/embedding/backend';
import { loadModelDir } from '../../../../src/embedding/model-store';
import type { ModelCard } from '../../../../src/embedding/model-card';
import { centroid, distance, referenceSpread } from '../../../../src/metric/metric';
import { parseFilterList } from '../../../../src/training/data/identity-filter';
import { Rng } from '../../../../src/training/samplers/rng';
import { DEFAULT_DATASET, embedWriters } from '../../../../test/e2e/signature-measure';

const COUNTS = [1, 2, 3, 5, 10];
const DRAWS = 10;

/** The served threshold for R references: `default` for one (verify), `references[R]` from two (verifyIdentity). */
function servedThreshold(card: ModelCard, r: number): number {
  const t = r === 1 ? card.thresholds.default : card.thresholds.references?.find((c) => c.references === r)?.threshold;
  if (t === undefined) throw new Error(`${card.name}: no served threshold for ${r} references`);
  return t;
}

export async function main(args: string[]): Promise<number> {
  const [out, ...folds] = args;
  if (!out || !folds.length) {
    console.error('usage: scores.ts OUT.json.gz FOLD_DIR=@HELD_OUT_WRITERS…');
    return 2;
  }
  await initBackend('auto');
  // byReferences[R]: [fold, writer, kind (g: genuine, f: skilled forgery, r: stranger), s]
  const byReferences: Record<number, [number, string, 'g' | 'f' | 'r', number][]> = Object.fromEntries(COUNTS.map((r) => [r, []]));
  const foldsOut: { fold: string; writers: string[]; thresholds: Record<number, number> }[] = [];
  for (const [k, arg] of folds.entries()) {
    const [dir, list] = arg.split('=');
    const writers = parseFilterList([list]) ?? [];
    process.stderr.write(`${dir}: ${writers.length} held-out writers\n`);
    const { model, card } = await loadModelDir(dir);
    try {
      const embedded = await embedWriters(model, card, writers, DEFAULT_DATASET);
      const beta = card.thresholds.referenceShift;
      const thresholds: Record<number, number> = {};
      for (const r of COUNTS) {
        const t = servedThreshold(card, r);
        thresholds[r] = t;
        const rng = new Rng(11 + r);
        for (const [i, w] of embedded.entries()) {
          for (let draw = 0; draw < DRAWS; draw++) {
            const order = rng.shuffle(w.genuine.map((_, j) => j));
            const refs = order.slice(0, r).map((j) => w.genuine[j]);
            const c = centroid(refs);
            const shift = beta !== undefined && r > 1 ? beta * referenceSpread(refs, card.metric) : 0;
            const s = (q: Float32Array) => distance(q, c, card.metric) - shift - t;
            for (const j of order.slice(r)) byReferences[r].push([k, w.writer, 'g', s(w.genuine[j])]);
            for (const f of w.forged) byReferences[r].push([k, w.writer, 'f', s(f)]);
            for (const [o, other] of embedded.entries()) if (o !== i) for (const q of other.genuine) byReferences[r].push([k, w.writer, 'r', s(q)]);
          }
        }
      }
      foldsOut.push({ fold: path.basename(dir), writers, thresholds });
    } finally {
      model.dispose();
    }
  }
  const json = JSON.stringify({ rule: 'RULE-random-cv.md', dataset: DEFAULT_DATASET, draws: DRAWS, folds: foldsOut, byReferences });
  fs.writeFileSync(out, zlib.gzipSync(Buffer.from(json)));
  return 0;
}
