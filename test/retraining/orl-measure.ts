/**
 * Issue 4's measurement on ORL (run by hand, not part of `npm test`; takes minutes):
 *
 *   node test/retraining/fixtures/ts-run.js test/retraining/orl-measure.ts BASE_MODEL_DIR [ORL_DIR] [STEPS] [RETRAIN_INPUT_JSON]
 *
 * BASE_MODEL_DIR: a model trained on s1–s20 (`siamese train --include s1..s20 …`). Starts the real
 * server on it, enrolls s21–s40 (10 images each) over HTTP, labels 50 pairs drawn from s21–s30
 * (half same, half different, seeded), measures verification EER on s31–s40 with the base model,
 * retrains over HTTP (default options + STEPS) while firing searchSimilar continuously, and
 * reports the EER on s31–s40 with the new model, the run's own held-out comparison, its wall
 * time, and searchSimilar latency p50/p99 idle vs during the run. Prints one JSON object.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadConfig } from '../../src/config';
import { startServer } from '../../src/main';
import { Embedder } from '../../src/embedding/embedder';
import { initBackend } from '../../src/embedding/backend';
import { distance, type Metric } from '../../src/metric/metric';
import { auc, computeRoc, equalErrorRate } from '../../src/training/calibration/roc';
import { gql } from '../e2e/http-client';
import { CREATE, ENROLL, LABEL, MODEL, RETRAIN, SEARCH, TOKEN, getRun, isFinal } from './helpers';

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? +s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))].toFixed(1) : NaN;
};

function verification(vectors: Map<string, Float32Array[]>, metric: Metric) {
  const ids = [...vectors.keys()];
  const scores: Array<{ distance: number; same: boolean }> = [];
  for (let i = 0; i < ids.length; i++) {
    const A = vectors.get(ids[i])!;
    for (let x = 0; x < A.length; x++)
      for (let y = x + 1; y < A.length; y++) scores.push({ distance: distance(A[x], A[y], metric), same: true });
    for (let j = i + 1; j < ids.length; j++)
      for (const a of A) for (const b of vectors.get(ids[j])!) scores.push({ distance: distance(a, b, metric), same: false });
  }
  const roc = computeRoc(scores);
  return { eer: +equalErrorRate(roc).eer.toFixed(4), auc: +auc(roc).toFixed(4), positives: roc.positives, negatives: roc.negatives };
}

async function embedSubjects(modelDir: string, orl: string, subjects: string[]) {
  const e = await Embedder.fromDir(modelDir);
  const out = new Map<string, Float32Array[]>();
  for (const s of subjects) {
    const files = fs
      .readdirSync(path.join(orl, s))
      .filter((f) => f.endsWith('.png'))
      .sort();
    out.set(s, await e.embedImages(files.map((f) => fs.readFileSync(path.join(orl, s, f)))));
  }
  const metric = e.card.metric;
  e.dispose();
  return { vectors: out, metric };
}

export async function main(argv: string[]): Promise<number> {
  const [baseDir, orlArg, stepsArg, extraArg] = argv;
  const extra = extraArg ? (JSON.parse(extraArg) as Record<string, unknown>) : {};
  const orl = path.resolve(orlArg ?? '../shared/datasets/orl-faces');
  const steps = Number(stepsArg ?? 200);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'siamese-orl-retrain-'));
  await initBackend('wasm');
  const config = loadConfig(
    {
      PORT: '0',
      HOST: '127.0.0.1',
      SIAMESE_DATA_DIR: dataDir,
      SIAMESE_MODEL: path.resolve(baseDir),
      SIAMESE_ADMIN_TOKEN: TOKEN,
      SIAMESE_LOG_LEVEL: 'error',
      SIAMESE_MODELS_DIR: path.join(dataDir, 'none'),
    },
    dataDir,
  );
  const server = await startServer(config);
  const { url } = server;
  const subj = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => `s${a + i}`);
  const images = new Map<string, string[]>();
  const tEnroll = Date.now();
  for (const s of subj(21, 40)) {
    const id = (await gql(url, CREATE, { name: s }, { token: TOKEN })).data.createIdentity.id;
    const files = fs
      .readdirSync(path.join(orl, s))
      .filter((f) => f.endsWith('.png'))
      .sort();
    const res = await gql(
      url,
      ENROLL,
      { id, images: files.map((f) => ({ base64: fs.readFileSync(path.join(orl, s, f)).toString('base64') })) },
      { token: TOKEN },
    );
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    images.set(
      s,
      res.data.enrollImages.map((i: { id: string }) => i.id),
    );
  }
  const enrollSec = (Date.now() - tEnroll) / 1000;

  // 50 labelled pairs from s21–s30: 25 same, 25 different (seeded LCG, reproducible).
  let seed = 12345;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const pool = subj(21, 30);
  let corrections = 0;
  for (let i = 0; i < 50; i++) {
    const same = i % 2 === 0;
    const s1 = pool[rnd(10)];
    let s2 = same ? s1 : pool[rnd(10)];
    while (!same && s2 === s1) s2 = pool[rnd(10)];
    const a = images.get(s1)![rnd(10)];
    let b = images.get(s2)![rnd(10)];
    while (b === a) b = images.get(s2)![rnd(10)];
    const r = await gql(url, LABEL, { a: { imageId: a }, b: { imageId: b }, same }, { token: TOKEN });
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    if (r.data.labelPair.correction) corrections++;
  }

  const before = await embedSubjects(baseDir, orl, subj(31, 40));
  const query = (i: number) => {
    const s = `s${31 + (i % 10)}`;
    return fs.readFileSync(path.join(orl, s, `${1 + ((i >> 3) % 10)}.png`)).toString('base64');
  };
  const idle: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t = performance.now();
    const r = await gql(url, SEARCH, { image: { base64: query(i) }, k: 5 });
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    idle.push(performance.now() - t);
  }

  const t0 = Date.now();
  const started = await gql(url, RETRAIN, { o: { steps, ...extra } }, { token: TOKEN });
  if (started.errors) throw new Error(JSON.stringify(started.errors));
  const runId = started.data.retrain.id;
  const during: number[] = [];
  let errors = 0;
  let run: any;
  for (let i = 0; ; i++) {
    const t = performance.now();
    const r = await gql(url, SEARCH, { image: { base64: query(i) }, k: 5 });
    during.push(performance.now() - t);
    if (r.errors) errors++;
    if (i % 10 === 0) {
      run = await getRun(url, runId);
      if (isFinal(run)) break;
    }
  }
  const wallSec = (Date.now() - t0) / 1000;
  const served = (await gql(url, MODEL)).data.model.version;
  const after = run.modelVersion ? await embedSubjects(path.join(dataDir, 'models', run.modelVersion), orl, subj(31, 40)) : null;
  await server.close();
  const result = {
    base: path.resolve(baseDir),
    enrolled: { identities: 20, images: 200, seconds: +enrollSec.toFixed(1) },
    labelledPairs: { total: 50, corrections },
    run: {
      id: runId,
      status: run.status,
      error: run.error,
      options: run.options,
      wallSec: +wallSec.toFixed(1),
      workerWallSec: run.metrics?.wallTimeSec,
      promoted: run.promoted,
      decision: run.metrics?.decision,
      heldOut: run.metrics?.heldOut,
      old: run.metrics?.old,
      new: run.metrics?.new,
      trainingIdentities: run.metrics?.trainingIdentities,
      servedAfter: served,
    },
    s31_s40: {
      before: verification(before.vectors, before.metric),
      after: after ? verification(after.vectors, after.metric) : null,
      note: 's31–s40 are enrolled, so the retraining saw those not held out by the run',
    },
    searchSimilarMs: {
      idle: { n: idle.length, p50: pct(idle, 50), p99: pct(idle, 99) },
      duringRun: { n: during.length, p50: pct(during, 50), p99: pct(during, 99), errors },
    },
    machine: `${os.cpus().length}× ${os.cpus()[0]?.model} load ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join('/')}`,
  };
  console.log(JSON.stringify(result, null, 2));
  fs.rmSync(dataDir, { recursive: true, force: true });
  return 0;
}
