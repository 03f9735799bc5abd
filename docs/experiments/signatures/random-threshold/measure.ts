/**
 * Rule RANDOM-T (RULE.md beside this file, session 45): `verify`'s threshold as min(t_s, t_r), t_r at the card's
 * target FAR on every genuine–genuine pair of two different validation writers, measured on each fold ensemble's
 * held-out writers at t_s (the card's) and at t, pooled over the folds with a writer bootstrap.
 *   node test/retraining/fixtures/ts-run.js docs/experiments/signatures/random-threshold/measure.ts \
 *     FOLD_DIR=@HELD_OUT_WRITERS… > random-t.json
 * A random pair is weighted by the product of its two writers' bootstrap multiplicities (bootstrap.ts's i≠j
 * weighting), a pair within one writer by that writer's.
 */
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../../../../src/embedding/backend';
import { loadModelDir } from '../../../../src/embedding/model-store';
import type { ModelCard } from '../../../../src/embedding/model-card';
import { centroid, distance, referenceSpread } from '../../../../src/metric/metric';
import { computeRoc, thresholdAtFar, type ScoredPair } from '../../../../src/training/calibration/roc';
import { parseFilterList } from '../../../../src/training/data/identity-filter';
import { randomForgeryPairs, type WriterEmbeddings } from '../../../../src/training/evaluate/forgery.eval';
import { quantile } from '../../../../src/training/evaluate/bootstrap';
import { Rng } from '../../../../src/training/samplers/rng';
import { DEFAULT_DATASET, embedWriters } from '../../../../test/e2e/signature-measure';

const VALIDATION = path.resolve(__dirname, '../../../../splits/cedar/validation-writers.txt');

type Dist = (a: Float32Array, b: Float32Array) => number;

/** Accepted counts at the two thresholds for one unit (a writer, or an ordered pair of writers). */
interface Tally {
  n: number;
  atS: number;
  atT: number;
}

const tally = (distances: number[], accept: boolean, ts: number, t: number): Tally => ({
  n: distances.length,
  atS: distances.filter((d) => (d <= ts) === accept).length,
  atT: distances.filter((d) => (d <= t) === accept).length,
});

function genuinePairs(w: WriterEmbeddings, dist: Dist): number[] {
  const out: number[] = [];
  for (let i = 0; i < w.genuine.length; i++) for (let j = i + 1; j < w.genuine.length; j++) out.push(dist(w.genuine[i], w.genuine[j]));
  return out;
}

function crossPairs(a: WriterEmbeddings, b: WriterEmbeddings, dist: Dist): number[] {
  const out: number[] = [];
  for (const x of a.genuine) for (const y of b.genuine) out.push(dist(x, y));
  return out;
}

/** verifyIdentity's SPREAD score of one questioned embedding against R references (β·s from two references up). */
function identityScore(card: ModelCard, refs: Float32Array[], q: Float32Array): number {
  const beta = card.thresholds.referenceShift;
  const shift = beta !== undefined && refs.length > 1 ? beta * referenceSpread(refs, card.metric) : 0;
  return distance(q, centroid(refs), card.metric) - shift;
}

async function measureFold(dir: string, writers: string[], offset: number) {
  const { model, card } = await loadModelDir(dir);
  try {
    const dist: Dist = (a, b) => distance(a, b, card.metric);
    const target = card.thresholds.targetFar ?? NaN;
    const validationWriters = parseFilterList([`@${VALIDATION}`]) ?? [];
    const validation = await embedWriters(model, card, validationWriters, DEFAULT_DATASET);
    const positives: ScoredPair[] = validation.flatMap((w) => genuinePairs(w, dist).map((d) => ({ distance: d, same: true })));
    const skilled: ScoredPair[] = validation.flatMap((w) => w.genuine.flatMap((g) => w.forged.map((f) => ({ distance: dist(g, f), same: false }))));
    const random: ScoredPair[] = [];
    for (let a = 0; a < validation.length; a++)
      for (let b = a + 1; b < validation.length; b++) for (const d of crossPairs(validation[a], validation[b], dist)) random.push({ distance: d, same: false });
    const ts = card.thresholds.default;
    const tsCheck = thresholdAtFar(computeRoc([...positives, ...skilled]), target).threshold;
    const tr = thresholdAtFar(computeRoc([...positives, ...random]), target).threshold;
    const t = Math.min(ts, tr);
    const validationRandomFarAtTs = random.filter((p) => p.distance <= ts).length / random.length;

    const heldOut = await embedWriters(model, card, writers, DEFAULT_DATASET);
    const perWriter = heldOut.map((w, k) => ({
      writer: w.writer,
      index: offset + k,
      genuine: tally(genuinePairs(w, dist), false, ts, t),
      skilled: tally(w.genuine.flatMap((g) => w.forged.map((f) => dist(g, f))), true, ts, t),
    }));
    const perPair: { a: number; b: number; random: Tally }[] = [];
    for (let a = 0; a < heldOut.length; a++)
      for (let b = a + 1; b < heldOut.length; b++)
        perPair.push({ a: offset + a, b: offset + b, random: tally(crossPairs(heldOut[a], heldOut[b], dist), true, ts, t) });
    // The 5,000 seeded pairs `signature-measure.ts eval` reports (seed 7), to join the published per-fold figures.
    const sampled = randomForgeryPairs(heldOut, dist, 5000, 7);
    const sampledRandomFar = {
      atTs: sampled.filter((p) => p.distance <= ts).length / sampled.length,
      atT: sampled.filter((p) => p.distance <= t).length / sampled.length,
    };
    // verifyIdentity (not changed by the rule): R genuine references of one writer against every genuine signature
    // of the fold's other held-out writers, 10 seeded draws per writer, at the card's served t_R.
    const identity = [5, 10].map((r) => {
      const tR = card.thresholds.references?.find((c) => c.references === r)?.threshold;
      const rng = new Rng(11 + r);
      let n = 0;
      let accepted = 0;
      heldOut.forEach((w, k) => {
        for (let draw = 0; draw < 10; draw++) {
          const refs = rng.shuffle(w.genuine.map((_, i) => i)).slice(0, r).map((i) => w.genuine[i]);
          heldOut.forEach((other, j) => {
            if (j === k) return;
            for (const q of other.genuine) {
              n++;
              if (tR !== undefined && identityScore(card, refs, q) <= tR) accepted++;
            }
          });
        }
      });
      return { references: r, threshold: tR ?? null, questions: n, randomAccepted: tR === undefined ? null : accepted / n };
    });
    return {
      fold: path.basename(dir),
      version: card.version,
      targetFar: target,
      thresholds: { ts, tsRecomputed: tsCheck, tr, t, binding: tr < ts ? 'random' : 'skilled' },
      validation: { writers: validationWriters, randomPairs: random.length, randomFarAtTs: validationRandomFarAtTs },
      sampledRandomFar,
      identity,
      perWriter,
      perPair,
    };
  } finally {
    model.dispose();
  }
}

type Fold = Awaited<ReturnType<typeof measureFold>>;

/** Pooled rates at t_s and at t, and t − t_s, under writer multiplicities `mult` (all ones: the plain rates). */
function pooled(folds: Fold[], mult: ArrayLike<number>) {
  const sum = { gen: [0, 0, 0], sk: [0, 0, 0], rnd: [0, 0, 0] }; // [weighted n, at t_s, at t]
  for (const f of folds) {
    for (const w of f.perWriter) {
      const m = mult[w.index];
      sum.gen[0] += m * w.genuine.n;
      sum.gen[1] += m * w.genuine.atS;
      sum.gen[2] += m * w.genuine.atT;
      sum.sk[0] += m * w.skilled.n;
      sum.sk[1] += m * w.skilled.atS;
      sum.sk[2] += m * w.skilled.atT;
    }
    for (const p of f.perPair) {
      const m = mult[p.a] * mult[p.b];
      sum.rnd[0] += m * p.random.n;
      sum.rnd[1] += m * p.random.atS;
      sum.rnd[2] += m * p.random.atT;
    }
  }
  const rates = (s: number[]) => ({ atTs: s[1] / s[0], atT: s[2] / s[0], change: (s[2] - s[1]) / s[0] });
  return { genuineRejected: rates(sum.gen), skilledAccepted: rates(sum.sk), randomAccepted: rates(sum.rnd) };
}

export async function main(args: string[]): Promise<number> {
  if (!args.length) {
    console.error('usage: measure.ts FOLD_DIR=@HELD_OUT_WRITERS…');
    return 2;
  }
  await initBackend('auto');
  const folds: Fold[] = [];
  let offset = 0;
  for (const arg of args) {
    const [dir, list] = arg.split('=');
    const writers = parseFilterList([list]) ?? [];
    process.stderr.write(`${dir}: ${writers.length} held-out writers\n`);
    folds.push(await measureFold(dir, writers, offset));
    offset += writers.length;
  }
  const n = offset;
  const point = pooled(folds, new Float64Array(n).fill(1));
  const rng = new Rng(42);
  const draws = 2000;
  const keys = ['genuineRejected', 'skilledAccepted', 'randomAccepted'] as const;
  const fields = ['atTs', 'atT', 'change'] as const;
  const samples: Record<string, number[]> = {};
  const mult = new Float64Array(n);
  for (let d = 0; d < draws; d++) {
    mult.fill(0);
    for (let i = 0; i < n; i++) mult[rng.int(n)]++;
    const p = pooled(folds, mult);
    for (const k of keys) for (const f of fields) (samples[`${k}.${f}`] ??= []).push(p[k][f]);
  }
  const interval = (xs: number[]): [number, number] => {
    xs.sort((a, b) => a - b);
    return [quantile(xs, 0.025), quantile(xs, 0.975)];
  };
  const summary = Object.fromEntries(
    keys.map((k) => [k, Object.fromEntries(fields.map((f) => [f, { value: point[k][f], ci95: interval(samples[`${k}.${f}`]) }]))]),
  );
  const passes = point.randomAccepted.atT <= 0.05 && point.genuineRejected.atT <= 0.166;
  const out = {
    rule: 'RANDOM-T (docs/experiments/signatures/random-threshold/RULE.md)',
    dataset: DEFAULT_DATASET,
    writers: n,
    bootstrap: { draws, seed: 42 },
    pooled: summary,
    decision: {
      randomAcceptedAtT: point.randomAccepted.atT,
      genuineRejectedAtT: point.genuineRejected.atT,
      bounds: { randomAccepted: 0.05, genuineRejected: 0.166 },
      passes,
    },
    folds: folds.map((f) => ({
      fold: f.fold,
      version: f.version,
      targetFar: f.targetFar,
      thresholds: f.thresholds,
      validation: f.validation,
      sampledRandomFar: f.sampledRandomFar,
      identity: f.identity,
      heldOut: pooled([f], new Float64Array(n).fill(1)),
      perWriter: f.perWriter.map((w) => ({ writer: w.writer, genuine: w.genuine, skilled: w.skilled })),
    })),
  };
  fs.writeSync(1, JSON.stringify(out, null, 2) + '\n');
  return 0;
}
