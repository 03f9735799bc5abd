/**
 * Issue 17's signature measurements (not a CI test: run by hand against a trained model; docs/signatures.md).
 *
 *   node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts eval MODEL_DIR WRITERS_FILE [DATASET]
 *     offline, on the dataset's 220×155 images through the serving preprocessing: per writer
 *     genuine–genuine against genuine–forgery pairs; AUC, EER, FAR on forgeries and FRR at the card's
 *     default threshold, with 95 % writer-bootstrap intervals (evaluate/forgery.eval.ts); plus random
 *     forgeries (other writers' genuine signatures) at the same threshold.
 *   node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts api MODEL_DIR WRITERS_FILE [DATASET] [REFS]
 *     through the HTTP API (`siamese serve` with SIAMESE_MODEL=MODEL_DIR): every image is first rendered as
 *     a "full-resolution scan" (scanScan below: enlarged 3–4.5× with a random aspect change, placed
 *     at a random spot on a page with wide margins, paper grey 215–255, scanner noise, dust specks,
 *     PNG), then verify(reference genuine, questioned) for the first REFS genuine signatures (default 3)
 *     of each writer against every other genuine and every forgery of that writer; reports the served
 *     answers' accuracy, FAR on forgeries and FRR, with writer-bootstrap intervals.
 *   node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts refs MODEL_DIR WRITERS_FILE [DATASET]
 *     several references per writer (offline, what a `verify` against an enrolled writer could do): the
 *     questioned signature's distance to the mean embedding of R genuine references of its writer, for
 *     R = 1, 3, 5, 10 (10 seeded draws of the references per writer; questioned = the other genuine
 *     signatures against all the writer's forgeries); pooled AUC and EER per R.
 *   node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts api-refs MODEL_DIR WRITERS_FILE [DATASET] [R]
 *     verifyIdentity through the HTTP API: each writer enrolled with its first R genuine signatures (default 5,
 *     as scans), every other genuine signature and every forgery verified against it at the served rule and
 *     threshold (thresholds.references of the card); FAR on forgeries and FRR with writer-bootstrap intervals.
 *   node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts cv MODEL_DIR=@WRITERS_FILE …
 *     writer cross-validation: each fold model on its held-out writers, pooled with each model's own served
 *     thresholds (verify and, where every fold's card calibrated them, R references); per-fold results too.
 *     `--record NAME --card MODEL_DIR` stores it in that model's card (the recipe's final model).
 *     `--dataset DIR` reads the writers from another copy in CEDAR's layout (default: the dataset's).
 *     `--scores FILE.json.gz` also writes the pooled pairs (R = 1, 2, 3, 5, 10; 2 and 3 since session 38) for `paired`. Each R also gets
 *     writerThresholdEer: the mean of each writer's own EER, a threshold per writer chosen on its own forgeries
 *     (session 27; evaluate/identity-threshold-eer.ts), which papers report beside the one-threshold EER.
 *   node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts paired BASE.json.gz CANDIDATE.json.gz
 *     the candidate's pooled EER minus the base's, per R, with a paired writer-bootstrap interval (session 24).
 *   node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts tone MODEL_DIR=@WRITERS … [--tones @WRITERS]
 *     does the encoder tell forgeries by stroke tone (session 25, evaluate/tone-reliance.ts)? Each model on its
 *     writers, pooled like `cv`, with every input's ink tones re-mapped to the pooled distribution of the
 *     --tones writers' (default: the validation writers') genuine signatures, forgeries, their own class, the
 *     other class, or all together; the EER of each and the paired difference against own-class tones; and the
 *     χ² of the served inputs' tone histograms alone as a score (how much tone the input carries).
 *   node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts sweep 0.005,0.01,0.02 @VALIDATION_WRITERS MODEL_DIR=@WRITERS …
 *     the fold models' thresholds re-set at each validation FAR (verify, 5 and 10 references) and the pooled
 *     held-out FAR/FRR there: how a calibration target on 6 validation writers transfers to new writers.
 *   node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts pool API_RESULT.json … [--card DIR --record NAME]
 *     pools api / api-refs results of the cross-validation folds (each call against the threshold it was served;
 *     FILE=T scores a file's calls against threshold T instead, not for a per-identity threshold as SPREAD's).
 *   `--record NAME` (any mode) also stores the result in the card's evaluations.NAME with its command.
 *
 * CEDAR's full-resolution scans of these writers are not here (signers 41–55, judged elsewhere, are
 * held back on purpose), so the "scan" is simulated from the 220×155 copy; what it checks is that
 * the served path (decode → ink crop → encoder → card threshold) is indifferent to resolution,
 * margins, paper and specks, not that it matches CEDAR's original scanner.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { loadConfig } from '../../src/config';
import { startServer } from '../../src/main';
import { initBackend } from '../../src/embedding/backend';
import { loadModelDir } from '../../src/embedding/model-store';
import { inferenceSpec } from '../../src/embedding/preprocess/flip-average';
import { preprocessImage } from '../../src/embedding/preprocess/preprocess-image';
import { centroid, distance, referenceSpread } from '../../src/metric/metric';
import { calibrate } from '../../src/training/calibration/calibrate';
import { calibrateReferences } from '../../src/training/calibration/reference-calibration';
import { Rng } from '../../src/training/samplers/rng';
import { embedPixels } from '../../src/training/evaluate/embed';
import { summariseRoc } from '../../src/training/evaluate/verification-scoring';
import { parseFilterList } from '../../src/training/data/identity-filter';
import { evaluateForgeryPairs, randomForgeryPairs, writerPairs, type WriterEmbeddings } from '../../src/training/evaluate/forgery.eval';
import type { IdentityPairScore } from '../../src/training/evaluate/bootstrap';
import { pairedEerBootstrap } from '../../src/training/evaluate/paired-bootstrap';
import {
  chiSquare,
  remapStrokeTones,
  scanToneHistogram,
  strokeToneQuantiles,
  toneHistogram,
} from '../../src/training/evaluate/tone-reliance';
import { SCORE_REFERENCES, comparePaired, writeScores } from './signature-scores';
import { identityThresholdEer } from '../../src/training/evaluate/identity-threshold-eer';
import type { ModelCard } from '../../src/embedding/model-card';
import { gql } from './http-client';

export const DEFAULT_DATASET = path.resolve(__dirname, '../../../shared/datasets/cedar-signatures');
const VERIFY = `query($a: ImageInput!, $b: ImageInput!) { verify(a: $a, b: $b) { match distance threshold } }`;
const ENROLL = `mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id } }`;
const VERIFY_IDENTITY = `query($id: ID!, $image: ImageInput!) {
  verifyIdentity(identityId: $id, image: $image) { match distance threshold rule referenceImageIds } }`;

/** A writer's genuine and forged image files, in numeric order. */
export function writerFiles(dataset: string, writer: string): { genuine: string[]; forged: string[] } {
  const list = (kind: string) =>
    fs
      .readdirSync(path.join(dataset, writer, kind))
      .filter((f) => f.endsWith('.png'))
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
      .map((f) => path.join(dataset, writer, kind, f));
  return { genuine: list('genuine'), forged: list('forged') };
}

/** Every genuine and forged signature of the writers, embedded on the serving path. */
export async function embedWriters(
  model: tf.LayersModel,
  card: ModelCard,
  writers: string[],
  dataset: string,
): Promise<WriterEmbeddings[]> {
  const embed = async (files: string[]) => {
    const pixels = await Promise.all(files.map(async (f) => (await preprocessImage(fs.readFileSync(f), card.preprocessing)).input));
    return embedPixels(model, pixels, card.preprocessing, 64, inferenceSpec(card));
  };
  const embedded: WriterEmbeddings[] = [];
  for (const w of writers) {
    const files = writerFiles(dataset, w);
    embedded.push({ writer: w, genuine: await embed(files.genuine), forged: await embed(files.forged) });
  }
  return embedded;
}

/**
 * Distance of each questioned signature to the mean of R references of its writer, for several R
 * (1, 3, 5, 10 and the card's calibrated counts): pooled AUC and EER with writer-bootstrap intervals,
 * and, for the R the card calibrated (thresholds.references, what verifyIdentity serves), FAR on
 * forgeries and FRR at that threshold.
 */
/** β·s of verifyIdentity's rule SPREAD for these references where the card sets β (0 otherwise, and for one reference). */
function servedShift(card: ModelCard, refs: Float32Array[]): number {
  const shift = card.thresholds.referenceShift;
  return shift !== undefined && refs.length > 1 ? shift * referenceSpread(refs, card.metric) : 0;
}

export async function evaluateReferences(modelDir: string, writers: string[], dataset = DEFAULT_DATASET) {
  await initBackend('auto');
  const { model, card } = await loadModelDir(modelDir);
  try {
    const embedded = await embedWriters(model, card, writers, dataset);
    const calibrated = card.thresholds.references ?? [];
    const counts = [...new Set([1, 3, 5, 10, ...calibrated.map((c) => c.references)])].sort((a, b) => a - b);
    const byReferences = counts.map((r) => {
      // One generator per R: the draws of an R do not depend on which other counts are measured.
      const rng = new Rng(11 + r);
      const pairs: IdentityPairScore[] = [];
      embedded.forEach((w, k) => {
        for (let draw = 0; draw < 10; draw++) {
          const order = rng.shuffle(w.genuine.map((_, i) => i));
          const refs = order.slice(0, r).map((i) => w.genuine[i]);
          const c = centroid(refs);
          // The card's rule: CENTROID, or SPREAD's d − β·s (thresholds.referenceShift) from two references up.
          const moved = servedShift(card, refs);
          for (const i of order.slice(r))
            pairs.push({ distance: distance(w.genuine[i], c, card.metric) - moved, same: true, identityA: k, identityB: k });
          for (const f of w.forged) pairs.push({ distance: distance(f, c, card.metric) - moved, same: false, identityA: k, identityB: k });
        }
      });
      const served = r === 1 ? card.thresholds.default : calibrated.find((c) => c.references === r)?.threshold;
      const stats = evaluateForgeryPairs(pairs, writers, { thresholds: { ...card.thresholds, default: served ?? NaN } });
      return {
        references: r,
        genuine: stats.genuinePairs,
        forgeries: stats.forgeryPairs,
        auc: stats.auc,
        eer: stats.eer,
        ...(served !== undefined
          ? { servedThreshold: served, farForgeries: stats.farForgeries, frrGenuine: stats.frrGenuine }
          : { servedThreshold: null }),
      };
    });
    return {
      model: card.name,
      version: card.version,
      writers,
      draws: 10,
      score:
        card.thresholds.referenceShift === undefined
          ? 'distance to the mean of R reference embeddings (verifyIdentity rule CENTROID; R = 1 is verify)'
          : `distance to the mean of R reference embeddings minus ${card.thresholds.referenceShift} × the references' leave-one-out spread (verifyIdentity rule SPREAD; R = 1 is verify)`,
      byReferences,
    };
  } finally {
    model.dispose();
    tf.disposeVariables();
  }
}

export async function evaluateOffline(modelDir: string, writers: string[], dataset = DEFAULT_DATASET) {
  await initBackend('auto');
  const { model, card } = await loadModelDir(modelDir);
  try {
    const embedded = await embedWriters(model, card, writers, dataset);
    const dist = (a: Float32Array, b: Float32Array) => distance(a, b, card.metric);
    const result = evaluateForgeryPairs(writerPairs(embedded, dist), writers, card);
    const random = randomForgeryPairs(embedded, dist, 5000, 7);
    const genuine = writerPairs(embedded, dist).filter((p) => p.same);
    const randomSummary = summariseRoc([...genuine, ...random]);
    return {
      model: card.name,
      version: card.version,
      dataset,
      ...result,
      randomForgeries: {
        pairs: random.length,
        far: random.filter((p) => p.distance <= card.thresholds.default).length / random.length,
        eer: randomSummary.eer,
        auc: randomSummary.auc,
      },
    };
  } finally {
    model.dispose();
    tf.disposeVariables();
  }
}

/**
 * A 220×155 signature as a full-resolution scan: enlarged 3–4.5× with its aspect changed by up to
 * ±25 % (the 220×155 copy squashed the originals to one size), on a page with margins of 15–60 % of
 * the signature's size on each side, paper grey level in [215, 255], Gaussian scanner noise σ = 3,
 * and 3 dark specks of 2–4 px far from the signature. `aspect` (session 40, SCANS) fixes the aspect change
 * instead of drawing it per image (the draw is still made, so the scale, margin and paper draws stay the same; the
 * noise and specks fall on other pixels, as the page's width changes): one per writer is
 * what un-squashing a writer's originals would look like, where a draw per image also changes the writer's shape.
 */
export async function scanScan(file: string, rng: Rng, aspectOverride?: number): Promise<Buffer> {
  const scale = rng.uniform(3, 4.5);
  const drawnAspect = rng.uniform(0.8, 1.25);
  const aspect = aspectOverride ?? drawnAspect;
  const w = Math.round(220 * scale * aspect);
  const h = Math.round(155 * scale);
  const big = await sharp(file).greyscale().resize(w, h, { fit: 'fill', kernel: 'cubic' }).raw().toBuffer();
  const margin = () => Math.round(rng.uniform(0.15, 0.6) * Math.max(w, h));
  const [left, right, top, bottom] = [margin(), margin(), margin(), margin()];
  const pw = w + left + right;
  const ph = h + top + bottom;
  const paper = Math.round(rng.uniform(215, 255));
  const page = new Uint8Array(pw * ph);
  // The source's own paper (240 or 255) is mapped onto the new paper level; its ink keeps its darkness.
  for (let y = 0; y < ph; y++)
    for (let x = 0; x < pw; x++) {
      const sx = x - left;
      const sy = y - top;
      const src = sx >= 0 && sx < w && sy >= 0 && sy < h ? big[sy * w + sx] : 255;
      const ink = Math.max(0, 240 - src);
      const noise = 3 * Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
      page[y * pw + x] = Math.max(0, Math.min(255, Math.round(paper - ink + noise)));
    }
  for (let s = 0; s < 3; s++) {
    const size = 2 + rng.int(3);
    // In a corner band, away from the signature.
    const x0 = rng.next() < 0.5 ? rng.int(Math.max(1, left - size)) : pw - 1 - size - rng.int(Math.max(1, right - size));
    const y0 = rng.int(ph - size);
    for (let y = y0; y < y0 + size; y++) for (let x = x0; x < x0 + size; x++) page[y * pw + x] = 40;
  }
  return sharp(Buffer.from(page), { raw: { width: pw, height: ph, channels: 1 } })
    .png()
    .toBuffer();
}

/** `siamese serve` of `modelDir` on a fresh data directory and a free port, as the API measurements use it. */
export async function startMeasureServer(modelDir: string, env: Record<string, string> = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'siamese-signature-'));
  const server = await startServer(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      SIAMESE_DATA_DIR: dataDir,
      SIAMESE_MODEL: modelDir,
      SIAMESE_LOG_LEVEL: 'error',
      SIAMESE_MODELS_DIR: path.join(dataDir, 'no-models'),
      ...env,
    }),
  );
  return { server, dataDir };
}

export async function measureApi(modelDir: string, writers: string[], dataset = DEFAULT_DATASET, refs = 3) {
  const { server, dataDir } = await startMeasureServer(modelDir);
  const rng = new Rng(2024);
  const pairs: IdentityPairScore[] = [];
  const decisions: Array<{ same: boolean; match: boolean; writer: number }> = [];
  let threshold = NaN;
  const sizes: string[] = [];
  try {
    for (const [k, w] of writers.entries()) {
      const files = writerFiles(dataset, w);
      const scans = new Map<string, string>();
      const scan = async (f: string) => {
        if (!scans.has(f)) {
          const bytes = await scanScan(f, rng);
          if (sizes.length < 5) {
            const m = await sharp(bytes).metadata();
            sizes.push(`${m.width}×${m.height}`);
          }
          scans.set(f, bytes.toString('base64'));
        }
        return scans.get(f)!;
      };
      for (const ref of files.genuine.slice(0, refs)) {
        for (const q of [...files.genuine.filter((g) => g !== ref), ...files.forged]) {
          const same = !q.includes(`${path.sep}forged${path.sep}`);
          const r = await gql(server.url, VERIFY, { a: { base64: await scan(ref) }, b: { base64: await scan(q) } });
          if (r.errors) throw new Error(JSON.stringify(r.errors));
          const v = r.data.verify as { match: boolean; distance: number; threshold: number };
          threshold = v.threshold;
          pairs.push({ distance: v.distance, same, identityA: k, identityB: k });
          decisions.push({ same, match: v.match, writer: k });
        }
      }
    }
  } finally {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const card = JSON.parse(fs.readFileSync(path.join(modelDir, 'model-card.json'), 'utf8'));
  const stats = evaluateForgeryPairs(pairs, writers, { thresholds: { ...card.thresholds, default: threshold } });
  const correct = decisions.filter((d) => d.same === d.match).length;
  return {
    model: card.name,
    via: 'HTTP verify (GraphQL), images rendered as full-resolution scans',
    exampleScanSizes: sizes,
    referencesPerWriter: refs,
    verifyCalls: decisions.length,
    servedThreshold: threshold,
    accuracyFromMatch: correct / decisions.length,
    farForgeriesFromMatch: decisions.filter((d) => !d.same && d.match).length / decisions.filter((d) => !d.same).length,
    frrGenuineFromMatch: decisions.filter((d) => d.same && !d.match).length / decisions.filter((d) => d.same).length,
    ...stats,
    // For pooling folds (mode pool): [writer, same ? 1 : 0, distance − served threshold] per call.
    decisions: pairs.map((p) => [writers[p.identityA], p.same ? 1 : 0, p.distance - threshold]),
  };
}

/**
 * verifyIdentity through HTTP: each writer is an identity with its first R genuine signatures enrolled
 * (as "full-resolution scans"), then every other genuine signature and every forgery is verified against
 * it. Reports the served rule, threshold, FAR on forgeries and FRR, with writer-bootstrap intervals.
 */
export async function measureApiReferences(modelDir: string, writers: string[], dataset = DEFAULT_DATASET, refs = 5) {
  const token = 'signature-measure-admin-token';
  const { server, dataDir } = await startMeasureServer(modelDir, { SIAMESE_ADMIN_TOKEN: token });
  const rng = new Rng(2025);
  const pairs: IdentityPairScore[] = [];
  const decisions: Array<{ same: boolean; match: boolean }> = [];
  const served = new Set<string>();
  // Each call's own threshold: one per R under CENTROID, the identity's own t_R + β·s under SPREAD.
  const thresholds: number[] = [];
  try {
    for (const [k, w] of writers.entries()) {
      const files = writerFiles(dataset, w);
      const created = await gql(server.url, `mutation($n: String!) { createIdentity(name: $n) { id } }`, { n: `writer ${w}` }, { token });
      if (created.errors) throw new Error(JSON.stringify(created.errors));
      const id = created.data.createIdentity.id as string;
      // One scan per request: a few full-resolution scans in one body exceed the server's payload limit.
      for (const f of files.genuine.slice(0, refs)) {
        const image = { base64: (await scanScan(f, rng)).toString('base64') };
        const enrolled = await gql(server.url, ENROLL, { id, images: [image] }, { token });
        if (enrolled.errors) throw new Error(JSON.stringify(enrolled.errors));
      }
      for (const q of [...files.genuine.slice(refs), ...files.forged]) {
        const same = !q.includes(`${path.sep}forged${path.sep}`);
        const r = await gql(server.url, VERIFY_IDENTITY, { id, image: { base64: (await scanScan(q, rng)).toString('base64') } }, { token });
        if (r.errors) throw new Error(JSON.stringify(r.errors));
        const v = r.data.verifyIdentity as {
          match: boolean;
          distance: number;
          threshold: number;
          rule: string;
          referenceImageIds: string[];
        };
        thresholds.push(v.threshold);
        served.add(`${v.rule} R=${v.referenceImageIds.length}`);
        // Margins (distance − the call's threshold: accepted when ≤ 0), so a per-identity threshold pools too.
        pairs.push({ distance: v.distance - v.threshold, same, identityA: k, identityB: k });
        decisions.push({ same, match: v.match });
      }
    }
  } finally {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  // One served rule and threshold for every writer, or the pooled rates below would mix thresholds.
  if (served.size !== 1) throw new Error(`the writers were served by different rules: ${[...served].join(', ')}`);
  const card = JSON.parse(fs.readFileSync(path.join(modelDir, 'model-card.json'), 'utf8'));
  const stats = evaluateForgeryPairs(pairs, writers, { thresholds: { ...card.thresholds, default: 0 } });
  const [lowest, highest] = [Math.min(...thresholds), Math.max(...thresholds)];
  return {
    model: card.name,
    via: 'HTTP verifyIdentity (GraphQL): R enrolled references per writer, images rendered as full-resolution scans',
    referencesPerWriter: refs,
    servedRules: [...served],
    verifyCalls: decisions.length,
    // One number under CENTROID; under SPREAD each identity has its own (the range).
    servedThreshold: lowest === highest ? lowest : null,
    servedThresholdRange: [lowest, highest],
    score: 'distance minus the threshold each call was served (pairs, decisions)',
    farForgeriesFromMatch: decisions.filter((d) => !d.same && d.match).length / decisions.filter((d) => !d.same).length,
    frrGenuineFromMatch: decisions.filter((d) => d.same && !d.match).length / decisions.filter((d) => d.same).length,
    ...stats,
    // For pooling folds (mode pool): [writer, same ? 1 : 0, distance − served threshold] per call.
    decisions: pairs.map((p) => [writers[p.identityA], p.same ? 1 : 0, p.distance]),
  };
}

/**
 * Writer cross-validation (docs/experiments/signatures/cv.sh): each fold's model on its own held-out
 * writers, pooled over every fold. Each model decides with its own served threshold, so before pooling a
 * fold's distances are shifted by that threshold (d − t_k: a pair is accepted when ≤ 0), and the pooled
 * AUC/EER/FAR/FRR are those of the decisions the fold models make; writer-bootstrap intervals over all
 * the folds' writers. The same for R references (centroid, verifyIdentity) where every fold's card
 * calibrated that R. Folds: MODEL_DIR=@WRITERS_FILE arguments.
 */
export async function evaluateCrossValidation(
  folds: Array<{ modelDir: string; writers: string[] }>,
  dataset = DEFAULT_DATASET,
  /** Receives each R's pooled pairs (identity = index into the returned writers), e.g. for `--scores`. */
  collect?: (references: number, pairs: readonly IdentityPairScore[]) => void,
) {
  await initBackend('auto');
  const counts = [1, 2, 3, 5, 10];
  const pooled = new Map<number, IdentityPairScore[]>(counts.map((r) => [r, []]));
  const calibratedEverywhere = new Set(counts);
  const perFold: Array<Record<string, unknown>> = [];
  // The folds' verifyIdentity rule SPREAD (thresholds.referenceShift), named in the score.
  const shifts = new Set<number>();
  const allWriters: string[] = [];
  for (const fold of folds) {
    const { model, card } = await loadModelDir(fold.modelDir);
    try {
      const embedded = await embedWriters(model, card, fold.writers, dataset);
      const offset = allWriters.length;
      allWriters.push(...fold.writers);
      const dist = (a: Float32Array, b: Float32Array) => distance(a, b, card.metric);
      const single = evaluateForgeryPairs(writerPairs(embedded, dist), fold.writers, card);
      perFold.push({ model: fold.modelDir, version: card.version, validationEer: card.validation.eer, ...single });
      if (card.thresholds.referenceShift !== undefined) shifts.add(card.thresholds.referenceShift);
      for (const r of counts) {
        const rng = new Rng(11 + r);
        const t = r === 1 ? card.thresholds.default : card.thresholds.references?.find((c) => c.references === r)?.threshold;
        if (t === undefined) {
          calibratedEverywhere.delete(r);
          continue;
        }
        embedded.forEach((w, k) => {
          const id = offset + k;
          if (r === 1) {
            // verify: every genuine–genuine and genuine–forgery pair of the writer (as `eval`).
            for (const p of writerPairs([w], dist)) pooled.get(1)!.push({ ...p, distance: p.distance - t, identityA: id, identityB: id });
            return;
          }
          for (let draw = 0; draw < 10; draw++) {
            const order = rng.shuffle(w.genuine.map((_, i) => i));
            const refs = order.slice(0, r).map((i) => w.genuine[i]);
            const c = centroid(refs);
            const served = t + servedShift(card, refs);
            for (const i of order.slice(r))
              pooled.get(r)!.push({ distance: dist(w.genuine[i], c) - served, same: true, identityA: id, identityB: id });
            for (const f of w.forged) pooled.get(r)!.push({ distance: dist(f, c) - served, same: false, identityA: id, identityB: id });
          }
        });
      }
    } finally {
      model.dispose();
      tf.disposeVariables();
    }
  }
  const zero = { thresholds: { default: 0, defaultRule: 'each fold’s own served threshold' } } as unknown as Pick<ModelCard, 'thresholds'>;
  for (const r of counts) if (calibratedEverywhere.has(r)) collect?.(r, pooled.get(r)!);
  return {
    writers: allWriters,
    score:
      'distance minus the fold model’s served threshold (verify: thresholds.default; R references: thresholds.references' +
      (shifts.size ? `, plus ${[...shifts].join('/')} × the references’ leave-one-out spread: rule SPREAD)` : ')'),
    pooled: counts
      .filter((r) => calibratedEverywhere.has(r))
      .map((r) => ({
        references: r,
        ...evaluateForgeryPairs(pooled.get(r)!, allWriters, zero),
        // Session 27: each writer's own a-posteriori threshold, as signature papers also report (not servable).
        writerThresholdEer: identityThresholdEer(pooled.get(r)!),
      })),
    perFold,
  };
}

/**
 * How the calibration target transfers to new writers: for each fold model, its thresholds re-set at
 * validation FAR f (the 6 validation writers' genuine–forgery pairs; for R references the same seeded draws
 * as the card's calibration, reference-calibration.ts) for every f of `targetFars`, then its held-out writers
 * scored at them; pooled over the folds like `cv`. At f = the card's target it reproduces the served thresholds.
 */
export async function sweepTargetFar(
  folds: Array<{ modelDir: string; writers: string[] }>,
  targetFars: number[],
  validationWriters: string[],
  dataset = DEFAULT_DATASET,
) {
  await initBackend('auto');
  const counts = [1, 5, 10];
  const pooled = new Map<string, IdentityPairScore[]>();
  const at = (f: number, r: number) => `${f}:${r}`;
  const thresholds: Array<Record<string, unknown>> = [];
  const allWriters: string[] = [];
  for (const fold of folds) {
    const { model, card } = await loadModelDir(fold.modelDir);
    try {
      const val = await embedWriters(model, card, validationWriters, dataset);
      const held = await embedWriters(model, card, fold.writers, dataset);
      const offset = allWriters.length;
      allWriters.push(...fold.writers);
      const dist = (a: Float32Array, b: Float32Array) => distance(a, b, card.metric);
      // Validation writers flattened as the trainer lays them out: genuine signatures, then forgeries.
      const embeddings: Float32Array[] = [];
      const groups: number[][] = [];
      const forged: number[][] = [];
      for (const w of val) groups.push(w.genuine.map((e) => embeddings.push(e) - 1));
      for (const w of val) forged.push(w.forged.map((e) => embeddings.push(e) - 1));
      for (const f of targetFars) {
        const rule = { defaultRule: 'atTargetFar' as const, targetFar: f };
        const single = calibrate(writerPairs(val, dist), rule).thresholds.default;
        const refs = calibrateReferences({
          embeddings,
          groups,
          forged,
          metric: card.metric,
          // The card's verifyIdentity rule: CENTROID, or SPREAD's d − β·s.
          rule: { ...rule, referenceShift: card.thresholds.referenceShift },
          seed: card.seed,
          counts: counts.slice(1),
        });
        const tOf = (r: number) => (r === 1 ? single : refs.find((x) => x.references === r)!.threshold);
        thresholds.push({ model: fold.modelDir, targetFar: f, ...Object.fromEntries(counts.map((r) => [`R${r}`, tOf(r)])) });
        for (const r of counts) {
          const rng = new Rng(11 + r);
          const list = pooled.get(at(f, r)) ?? [];
          pooled.set(at(f, r), list);
          held.forEach((w, k) => {
            const id = offset + k;
            if (r === 1) {
              for (const p of writerPairs([w], dist)) list.push({ ...p, distance: p.distance - tOf(1), identityA: id, identityB: id });
              return;
            }
            for (let draw = 0; draw < 10; draw++) {
              const order = rng.shuffle(w.genuine.map((_, i) => i));
              const picked = order.slice(0, r).map((i) => w.genuine[i]);
              const c = centroid(picked);
              const t = tOf(r) + servedShift(card, picked);
              for (const i of order.slice(r)) list.push({ distance: dist(w.genuine[i], c) - t, same: true, identityA: id, identityB: id });
              for (const g of w.forged) list.push({ distance: dist(g, c) - t, same: false, identityA: id, identityB: id });
            }
          });
        }
      }
    } finally {
      model.dispose();
      tf.disposeVariables();
    }
  }
  const zero = { thresholds: { default: 0, defaultRule: 'each fold’s threshold at validation FAR f' } } as unknown as Pick<
    ModelCard,
    'thresholds'
  >;
  return {
    writers: allWriters,
    validationWriters,
    sweep: targetFars.flatMap((f) =>
      counts.map((r) => {
        const e = evaluateForgeryPairs(pooled.get(at(f, r))!, allWriters, zero);
        return { targetFar: f, references: r, farForgeries: e.farForgeries, frrGenuine: e.frrGenuine, accuracy: e.accuracy };
      }),
    ),
    thresholds,
  };
}

/**
 * Pools `api` / `api-refs` results of several fold models (each measured on its own held-out writers): every
 * call's distance minus its model's served threshold, so a pair is accepted when ≤ 0 as it was served; AUC,
 * EER, FAR on forgeries and FRR over all the writers, with writer-bootstrap intervals.
 */
/**
 * `tone`: what each fold model's answers owe to stroke tone (evaluate/tone-reliance.ts). The quantiles come from
 * `toneWriters` through each model's own preprocessing; each variant's pairs are pooled over the folds as `cv`
 * pools them (distance minus the fold's threshold). The paired differences are against own-class tones, which
 * change the inputs about as much as the swap does but keep each class's tone.
 */
export async function measureToneReliance(
  folds: Array<{ modelDir: string; writers: string[] }>,
  toneWriters: string[],
  dataset = DEFAULT_DATASET,
) {
  await initBackend('auto');
  type Kind = 'genuine' | 'forged';
  type Remap = (x: Float32Array, kind: Kind) => Float32Array;
  const variants = ['served', 'own class', 'swapped classes', 'common', 'all genuine'] as const;
  const pooled = new Map<string, IdentityPairScore[]>(variants.map((v) => [v, []]));
  const toneOnly: IdentityPairScore[] = [];
  const scanToneOnly: IdentityPairScore[] = [];
  const scans = { genuine: { paper: [] as number[], darkest: [] as number[] }, forged: { paper: [] as number[], darkest: [] as number[] } };
  const allWriters: string[] = [];
  for (const fold of folds) {
    const { model, card } = await loadModelDir(fold.modelDir);
    try {
      const prepare = (files: string[]) =>
        Promise.all(files.map(async (f) => (await preprocessImage(fs.readFileSync(f), card.preprocessing)).input));
      const reference = { genuine: [] as Float32Array[], forged: [] as Float32Array[] };
      for (const w of toneWriters) {
        const files = writerFiles(dataset, w);
        reference.genuine.push(...(await prepare(files.genuine)));
        reference.forged.push(...(await prepare(files.forged)));
      }
      const q = {
        genuine: strokeToneQuantiles(reference.genuine),
        forged: strokeToneQuantiles(reference.forged),
        all: strokeToneQuantiles([...reference.genuine, ...reference.forged]),
      };
      const remaps: Record<(typeof variants)[number], Remap> = {
        served: (x) => x,
        'own class': (x, k) => remapStrokeTones(x, q[k]),
        'swapped classes': (x, k) => remapStrokeTones(x, q[k === 'genuine' ? 'forged' : 'genuine']),
        common: (x) => remapStrokeTones(x, q.all),
        'all genuine': (x) => remapStrokeTones(x, q.genuine),
      };
      const inputs = [];
      for (const w of fold.writers) {
        const files = writerFiles(dataset, w);
        inputs.push({ writer: w, genuine: await prepare(files.genuine), forged: await prepare(files.forged) });
      }
      const offset = allWriters.length;
      allWriters.push(...fold.writers);
      const t = card.thresholds.default;
      const dist = (a: Float32Array, b: Float32Array) => distance(a, b, card.metric);
      const tag = (pairs: IdentityPairScore[], shift: number) =>
        pairs.map((p) => ({ ...p, distance: p.distance - shift, identityA: p.identityA + offset, identityB: p.identityB + offset }));
      for (const v of variants) {
        const embed = (xs: Float32Array[], k: Kind) =>
          embedPixels(
            model,
            xs.map((x) => remaps[v](x, k)),
            card.preprocessing,
            64,
            inferenceSpec(card),
          );
        const embedded: WriterEmbeddings[] = inputs.map((w) => ({
          writer: w.writer,
          genuine: embed(w.genuine, 'genuine'),
          forged: embed(w.forged, 'forged'),
        }));
        pooled.get(v)!.push(...tag(writerPairs(embedded, dist), t));
      }
      const histograms: WriterEmbeddings[] = inputs.map((w) => ({
        writer: w.writer,
        genuine: w.genuine.map((x) => Float32Array.from(toneHistogram(x))),
        forged: w.forged.map((x) => Float32Array.from(toneHistogram(x))),
      }));
      toneOnly.push(...tag(writerPairs(histograms, chiSquare), 0));
      const scanHistograms: WriterEmbeddings[] = [];
      for (const w of fold.writers) {
        const files = writerFiles(dataset, w);
        const read = async (kind: Kind) =>
          Promise.all(
            files[kind].map(async (f) => {
              const grey = new Uint8Array(await sharp(f).greyscale().raw().toBuffer());
              const sorted = Uint8Array.from(grey).sort();
              scans[kind].paper.push(sorted[Math.floor(0.9 * sorted.length)]);
              scans[kind].darkest.push(sorted[Math.floor(0.001 * sorted.length)]);
              return Float32Array.from(scanToneHistogram(grey));
            }),
          );
        scanHistograms.push({ writer: w, genuine: await read('genuine'), forged: await read('forged') });
      }
      scanToneOnly.push(...tag(writerPairs(scanHistograms, chiSquare), 0));
    } finally {
      model.dispose();
      tf.disposeVariables();
    }
  }
  const zero = { thresholds: { default: 0, defaultRule: 'each fold’s own served threshold' } } as unknown as Pick<ModelCard, 'thresholds'>;
  const summary = (pairs: IdentityPairScore[]) => {
    const e = evaluateForgeryPairs(pairs, allWriters, zero);
    return {
      genuinePairs: e.genuinePairs,
      forgeryPairs: e.forgeryPairs,
      eer: e.eer,
      auc: e.auc,
      farForgeries: e.farForgeries,
      frrGenuine: e.frrGenuine,
    };
  };
  const own = pooled.get('own class')!;
  return {
    writers: allWriters,
    toneWriters,
    folds: folds.map((f) => path.relative(process.cwd(), f.modelDir)),
    scans: Object.fromEntries(
      (['genuine', 'forged'] as const).map((k) => [k, { medianPaper: median(scans[k].paper), medianDarkest: median(scans[k].darkest) }]),
    ),
    scanToneAlone: { score: 'χ² between the raw scans’ 16-bin ink-tone histograms (g/t under Otsu’s t)', ...summary(scanToneOnly) },
    inputToneAlone: { score: 'χ² between the served inputs’ 16-bin stroke-tone histograms', ...summary(toneOnly) },
    variants: Object.fromEntries(
      variants.map((v) => {
        const pairs = pooled.get(v)!;
        const paired = v === 'own class' ? undefined : pairedEerBootstrap(own, pairs, allWriters.length, { seed: 25 });
        return [v, { ...summary(pairs), ...(paired && { minusOwnClass: { difference: paired.difference, interval: paired.interval } }) }];
      }),
    ),
  };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export function poolApiResults(args: string[]) {
  const pairs: IdentityPairScore[] = [];
  const writers: string[] = [];
  const files: string[] = [];
  for (const arg of args) {
    // FILE=T: score that file's calls against threshold T instead of the one served (e.g. the fold model's
    // threshold at another validation FAR, from `sweep`): d − T = (d − served) + served − T.
    const [f, other] = arg.split('=');
    files.push(f);
    const r = JSON.parse(fs.readFileSync(f, 'utf8')) as { servedThreshold: number | null; decisions: Array<[string, number, number]> };
    if (other !== undefined && r.servedThreshold === null)
      throw new Error(`${f}: each identity was served its own threshold (rule SPREAD); it cannot be re-scored at one threshold`);
    const shift = other === undefined ? 0 : r.servedThreshold! - Number(other);
    for (const [writer, same, shifted] of r.decisions) {
      let k = writers.indexOf(writer);
      if (k < 0) k = writers.push(writer) - 1;
      pairs.push({ distance: shifted + shift, same: same === 1, identityA: k, identityB: k });
    }
  }
  const zero = { thresholds: { default: 0, defaultRule: 'each fold’s own served threshold' } } as unknown as Pick<ModelCard, 'thresholds'>;
  return { files, calls: pairs.length, ...evaluateForgeryPairs(pairs, writers, zero) };
}

/** Stores a result in the card's evaluations[name] with the command that produced it (the weights, so the fingerprint, stay). */
function record(modelDir: string, name: string, result: object, argv: string[]): void {
  recordEvaluation(modelDir, name, result, ['node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts', ...argv].join(' '));
}

/** evaluations[name] = result, with `command` and the time, written atomically into modelDir's card. */
export function recordEvaluation(modelDir: string, name: string, result: object, command: string): void {
  const file = path.join(modelDir, 'model-card.json');
  const card = JSON.parse(fs.readFileSync(file, 'utf8'));
  card.evaluations = { ...(card.evaluations ?? {}), [name]: { ...result, command, at: new Date().toISOString() } };
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(card, null, 2) + '\n');
  fs.renameSync(`${file}.tmp`, file);
}

export async function main(argvIn: string[]): Promise<number> {
  const at = argvIn.indexOf('--record');
  const recordAs = at >= 0 ? argvIn[at + 1] : undefined;
  const argv = at >= 0 ? argvIn.filter((_, i) => i !== at && i !== at + 1) : argvIn;
  const [mode, modelDir, writersArg, dataset = DEFAULT_DATASET, refs = '3'] = argv;
  if (mode === 'sweep') {
    // sweep TARGET_FARS VALIDATION_WRITERS MODEL_DIR=@WRITERS … [--card DIR --record NAME]
    const cardAt = argv.indexOf('--card');
    const cardDir = cardAt >= 0 ? argv[cardAt + 1] : undefined;
    const folds = (cardAt >= 0 ? argv.slice(3, cardAt) : argv.slice(3)).map((a) => {
      const [modelDir, writers] = a.split('=');
      return { modelDir: path.resolve(modelDir), writers: parseFilterList([writers])! };
    });
    const out = await sweepTargetFar(folds, argv[1].split(',').map(Number), parseFilterList([argv[2]])!);
    console.log(JSON.stringify(out, null, 2));
    if (recordAs && cardDir) record(path.resolve(cardDir), recordAs, out, argv);
    return 0;
  }
  if (mode === 'pool') {
    // pool FILE[=T] … [--card DIR --record NAME]: the folds' API results pooled, stored in DIR's card with --record.
    const cardAt = argv.indexOf('--card');
    const pooled = poolApiResults(cardAt >= 0 ? argv.slice(1, cardAt) : argv.slice(1));
    if (cardAt >= 0 && recordAs) record(path.resolve(argv[cardAt + 1]), recordAs, pooled, argv);
    console.log(JSON.stringify(pooled, null, 2));
    return 0;
  }
  if (mode === 'tone') {
    // tone MODEL_DIR=@WRITERS … [--tones @WRITERS] [--card DIR --record NAME]
    const value = (name: string) => (argv.indexOf(name) >= 0 ? argv[argv.indexOf(name) + 1] : undefined);
    const skip = new Set(['--tones', '--card'].flatMap((n) => (argv.indexOf(n) >= 0 ? [argv.indexOf(n), argv.indexOf(n) + 1] : [])));
    const toneWriters = parseFilterList([value('--tones') ?? '@splits/cedar/validation-writers.txt'])!;
    const folds = argv
      .slice(1)
      .filter((_, i) => !skip.has(i + 1))
      .map((a) => {
        const [modelDir, writers] = a.split('=');
        return { modelDir: path.resolve(modelDir), writers: writers ? parseFilterList([writers])! : [] };
      });
    if (folds.length === 0 || folds.some((f) => f.writers.length === 0)) {
      console.error('usage: signature-measure.ts tone MODEL_DIR=@WRITERS … [--tones @WRITERS] [--card DIR --record NAME]');
      return 2;
    }
    const out = await measureToneReliance(folds, toneWriters);
    console.log(JSON.stringify(out, null, 2));
    const cardDir = value('--card') ?? (folds.length === 1 ? folds[0].modelDir : undefined);
    if (recordAs && cardDir) record(path.resolve(cardDir), recordAs, out, argv);
    else if (recordAs) console.error('--record in tone mode with several folds needs --card MODEL_DIR');
    return 0;
  }
  if (mode === 'paired') {
    if (argv.length !== 3) {
      console.error('usage: signature-measure.ts paired BASE_SCORES.json.gz CANDIDATE_SCORES.json.gz (from cv --scores)');
      return 2;
    }
    console.log(JSON.stringify(comparePaired(argv[1], argv[2]), null, 2));
    return 0;
  }
  if (mode === 'cv') {
    // `--card DIR`: the model whose card records the result (with --record), e.g. the final model of the recipe.
    // `--scores FILE.json.gz`: also write the pooled pairs, for `paired`.
    const cardAt = argv.indexOf('--card');
    const cardDir = cardAt >= 0 ? argv[cardAt + 1] : undefined;
    const scoresAt = argv.indexOf('--scores');
    const scoresFile = scoresAt >= 0 ? argv[scoresAt + 1] : undefined;
    // `--dataset DIR`: the writers' images from another copy of CEDAR's layout (session 39: scans with their strokes mended)
    const datasetAt = argv.indexOf('--dataset');
    const cvDataset = datasetAt >= 0 ? path.resolve(argv[datasetAt + 1]) : DEFAULT_DATASET;
    const flagged = (name: string) => (argv.indexOf(name) >= 0 ? [argv.indexOf(name), argv.indexOf(name) + 1] : []);
    const skip = new Set([...flagged('--card'), ...flagged('--scores'), ...flagged('--dataset')]);
    const folds = argv
      .slice(1)
      .filter((_, i) => !skip.has(i + 1))
      .map((a) => {
        const [modelDir, writers] = a.split('=');
        return { modelDir: path.resolve(modelDir), writers: parseFilterList([writers])! };
      });
    const pairs = new Map<number, readonly IdentityPairScore[]>();
    const out = await evaluateCrossValidation(folds, cvDataset, (r, list) => SCORE_REFERENCES.includes(r) && pairs.set(r, list));
    if (scoresFile) writeScores(scoresFile, out, pairs);
    console.log(JSON.stringify(out, null, 2));
    if (recordAs && cardDir) record(path.resolve(cardDir), recordAs, out, argv);
    else if (recordAs) console.error('--record in cv mode needs --card MODEL_DIR');
    return 0;
  }
  if (!mode || !modelDir || !writersArg || !['eval', 'api', 'refs', 'api-refs'].includes(mode)) {
    console.error(
      'usage: signature-measure.ts eval|api|refs|api-refs MODEL_DIR WRITERS(@file or comma list) [DATASET] [REFS] [--record NAME]',
    );
    return 2;
  }
  const writers = parseFilterList([writersArg])!;
  const out =
    mode === 'eval'
      ? await evaluateOffline(path.resolve(modelDir), writers, path.resolve(dataset))
      : mode === 'refs'
        ? await evaluateReferences(path.resolve(modelDir), writers, path.resolve(dataset))
        : mode === 'api-refs'
          ? await measureApiReferences(path.resolve(modelDir), writers, path.resolve(dataset), Number(argv[4] ?? 5))
          : await measureApi(path.resolve(modelDir), writers, path.resolve(dataset), Number(refs));
  console.log(JSON.stringify(out, null, 2));
  if (recordAs) record(path.resolve(modelDir), recordAs, out, argv);
  return 0;
}
