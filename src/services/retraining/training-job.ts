/**
 * One retraining run, as the training child process executes it:
 *
 *   RUNNING     read enrolled images + labelled pairs as one snapshot (its ids go to the
 *               parent, which refuses a model trained on data erased meanwhile); train (warm start from the serving
 *               model unless fromScratch) with the shared trainer of `siamese train`
 *   EVALUATING  score the serving model and the new one on the SAME held-out pairs;
 *               calibrate the new thresholds there; save the model directory under
 *               `<modelsDir>/<version>/` (same format as the CLI) and have the parent
 *               register the version (inactive); decide promotion
 *   REINDEXING  (promoted only) embed every enrolled image with the new model; the parent
 *               stores the vectors under the new version (the child never writes the
 *               database: worker-protocol.ts); the parent builds the index at the swap
 *
 * Everything is written BESIDE the serving model: the parent swaps afterwards. A kill at
 * any point leaves the serving version active and complete; the partial work of the new
 * version (embeddings, files) is inert until something activates that version, and
 * activation embeds whatever is still missing.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { ModelCard } from '../../embedding/model-card';
import { initBackend, isBackendPreference } from '../../embedding/backend';
import { loadModelDir, readModelCard } from '../../embedding/model-store';
import { preprocessImage } from '../../embedding/preprocess/preprocess-image';
import { Embedder } from '../../embedding/embedder';
import { distance } from '../../metric/metric';
import { train, type TrainOptions } from '../../training/trainer';
import { saveTrainedModel } from '../../training/save-trained-model';
import { calibrate } from '../../training/calibration/calibrate';
import { auc as rocAuc, computeRoc, equalErrorRate, accuracyAt, type ScoredPair } from '../../training/calibration/roc';
import { embedPixels, scorePairs, verificationPairs } from '../../training/evaluate/embed';
import { inferenceSpec } from '../../embedding/preprocess/flip-average';
import { groupByIdentity } from '../../training/data/split';
import { MemoryImageSource, type LabelledPair } from '../../training/data/labelled-image-source';
import { openServiceStore } from '../db-store';
import { createRepositories, readTrainingSnapshot } from '../../db';
import { ErasedDataGuard, trainedOnErasedData, writeSnapshotIds } from './erased-data-guard';
import { decidePromotion } from './promote-rule';
import { stepsPerEpoch } from './retrain-options';
import { buildTrainingData, type KeyedImage, type EnrolledImageBytes, type PairWithBytes } from './training-data';
import type { FromWorker, WorkerJob, WorkerResult, WriteRequest } from './worker-protocol';
import type { ModelScore, RunMetrics } from './run-state';

export interface JobIo {
  send(msg: FromWorker): void;
  /** A database write made by the parent; resolves once committed. */
  write(request: WriteRequest): Promise<void>;
  signal: AbortSignal;
}

export class JobCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'JobCancelled';
  }
}

const MAX_HELD_OUT_NEGATIVES = 20_000;

export async function runTrainingJob(job: WorkerJob, io: JobIo): Promise<WorkerResult> {
  const t0 = Date.now();
  const checkCancel = () => {
    if (io.signal.aborted) throw new JobCancelled();
  };
  const backend = job.backend && isBackendPreference(job.backend) ? job.backend : 'auto';
  await initBackend(backend);
  const store = await openServiceStore(job.databaseUrl);
  const repos = createRepositories(store.db);
  try {
    // --- RUNNING: data + training ------------------------------------------------------------
    io.send({ type: 'phase', status: 'RUNNING' });
    io.send({ type: 'progress', progress: { phase: 'loading', step: 0, total: job.options.steps, loss: null, pairsPerSec: null, etaSeconds: null } });
    // ONE consistent snapshot (a single read transaction): a deletion can never land between the
    // images and the pairs read. The ids it read go to the parent, which refuses to promote if
    // any of them is erased before the swap (erased-data-guard.ts).
    const snapshot = await readTrainingSnapshot(store.db);
    const images: EnrolledImageBytes[] = snapshot.images.map((r) => ({ id: r.id, identityId: r.identityId, bytes: new Uint8Array(r.bytes) }));
    const pairRows: PairWithBytes[] = snapshot.pairs;
    io.send({ type: 'snapshot', used: snapshot.used });
    io.send({ type: 'progress', progress: { phase: 'preparing', step: 0, total: job.options.steps, loss: null, pairsPerSec: null, etaSeconds: null } });
    checkCancel();
    if (job.afterSnapshotDelayMs) await new Promise((r) => setTimeout(r, job.afterSnapshotDelayMs));
    const data = buildTrainingData(images, pairRows, { heldOutFraction: 0.2, minTrainIdentities: 2, seed: job.options.seed });
    const guard = new ErasedDataGuard(repos.erasures);
    /** Stops before anything trained on since-erased data is written (the parent checks again before the swap). */
    const refuseIfErased = async () => {
      const erased = await guard.erasedFrom(snapshot.used);
      if (erased) throw trainedOnErasedData(erased, 'the model was not saved');
    };

    const baseCard = await readModelCard(job.base.dir);
    const opts: TrainOptions = {
      name: `${baseCard.name.replace(/-ft-[0-9a-z-]+$/i, '')}-ft-${job.newVersion}`,
      architecture: baseCard.architecture,
      preprocessing: baseCard.preprocessing,
      metric: baseCard.metric,
      loss: job.options.loss,
      margin: job.options.margin,
      mining: 'semi-hard',
      epochs: job.options.epochs,
      stepsPerEpoch: stepsPerEpoch(job.options),
      batchSize: job.options.batchSize,
      learningRate: job.options.learningRate,
      augment: null,
      // Calibration and the promotion decision use our own held-out identities (below), so the
      // trainer keeps every training identity: a labelled pair must never land in its validation
      // split, where it would be ignored.
      valFraction: 0,
      seed: job.options.seed,
      backend,
      from: job.options.fromScratch ? undefined : job.base.dir,
      // No epoch 0: the trainer's AUC on training identities is often already 1.0 for a pretrained face
      // trunk, so keeping the start would silently drop the user's corrections; the promotion rule
      // (held-out identities, IF_BETTER) is what protects against a worse model.
      validateStart: false,
      commands: {
        train: `retrain(options: ${JSON.stringify(job.options)}) — training run ${job.runId} from model ${job.base.version}`,
        evaluate: [],
      },
      notes: `Retrained by the service from ${job.options.fromScratch ? 'scratch' : `model ${job.base.version}`} on ${data.train.length} images and ${data.pairs.length} labelled pairs.`,
    };
    const source = new MemoryImageSource(data.train, data.pairs, ['database: enrolled images + labelled pairs']);
    let lastSent = 0;
    const trained = await train(opts, source, {
      signal: io.signal,
      onStep: (s) => {
        const now = Date.now();
        if (now - lastSent < 200 && s.step < s.totalSteps) return;
        lastSent = now;
        io.send({
          type: 'progress',
          progress: { phase: 'training', step: s.step, total: s.totalSteps, loss: s.loss, pairsPerSec: s.itemsPerSec, etaSeconds: s.etaSec },
        });
      },
    });
    checkCancel();
    await refuseIfErased();

    // --- EVALUATING: old vs new on the same held-out pairs -----------------------------------------
    io.send({ type: 'phase', status: 'EVALUATING' });
    io.send({ type: 'progress', progress: { phase: 'evaluating', step: trained.card.training.steps, total: trained.card.training.steps, loss: null, pairsPerSec: null, etaSeconds: 0 } });
    const heldGroups = groupByIdentity(data.heldOut);
    // groupByIdentity keeps the objects it is given: these still carry their bytes.
    const heldImages = heldGroups.images as KeyedImage[];
    const heldPairs = verificationPairs(heldGroups.groups, MAX_HELD_OUT_NEGATIVES, job.options.seed + 11);
    const oldModel = await loadModelDir(job.base.dir);
    let oldEval: Evaluation;
    try {
      oldEval = await evaluate(oldModel.model, oldModel.card, heldImages, heldPairs, data);
    } finally {
      oldModel.model.dispose();
    }
    let card = trained.card;
    let newEval: Evaluation;
    try {
      newEval = await evaluate(trained.model, card, heldImages, heldPairs, data, (scores) => {
        // Held-out identities are what production looks like: calibrate the thresholds there.
        if (!data.disjoint || !hasBothKinds(scores)) return card;
        const c = calibrate(scores, { targetFar: card.thresholds.targetFar, defaultRule: card.thresholds.defaultRule });
        card = {
          ...card,
          thresholds: c.thresholds,
          roc: c.roc,
          validation: c.metrics,
          data: { ...card.data, validationIdentities: heldGroups.identities.length, identities: card.data.identities + heldGroups.identities.length },
          evaluations: { ...(card.evaluations ?? {}), heldOut: { identities: heldGroups.identities.length, images: heldGroups.images.length, calibratedOn: 'held-out identities' } },
        };
        return card;
      });
      checkCancel();
      await refuseIfErased();
      card = { ...card, version: job.newVersion };
      const dir = path.join(job.modelsDir, job.newVersion);
      card = await saveTrainedModel(dir, trained.model, card);
      // What the model learnt from, kept with it: activating this version later checks it again.
      writeSnapshotIds(dir, snapshot.used);
      await io.write({ kind: 'registerModel', version: card.version, dir, card });

      const score = (e: Evaluation, version: string): ModelScore | null =>
        e.auc === null ? null : { version, auc: e.auc, eer: e.eer!, accuracy: e.accuracy, labelledPairAccuracy: e.pairAccuracy };
      const oldScore = score(oldEval, job.base.version);
      const newScore = score(newEval, card.version);
      const decision = decidePromotion(job.options.promote, oldScore, newScore);
      const metrics: RunMetrics = {
        heldOut: {
          disjoint: data.disjoint,
          identities: heldGroups.identities.length,
          images: heldGroups.images.length,
          positivePairs: heldPairs.filter((p) => p.same).length,
          negativePairs: heldPairs.filter((p) => !p.same).length,
        },
        old: oldScore,
        new: newScore,
        labelledPairs: data.pairs.length,
        trainingImages: data.train.length,
        trainingIdentities: new Set(data.train.map((i) => i.identity)).size,
        promoted: decision.promote,
        decision: decision.reason,
      };
      io.send({ type: 'metrics', metrics });

      // --- REINDEXING: the new model's vectors and index, beside the serving ones ----------------
      if (decision.promote) {
        checkCancel();
        io.send({ type: 'phase', status: 'REINDEXING' });
        const embedder = new Embedder(trained.model, card);
        await reembed(job, store, embedder, card, io, checkCancel); // the model is disposed below
      }
      metrics.wallTimeSec = +((Date.now() - t0) / 1000).toFixed(2);
      return { version: card.version, dir, card, promoted: decision.promote, metrics };
    } finally {
      trained.model.dispose();
    }
  } finally {
    await store.close();
  }
}

interface Evaluation {
  auc: number | null;
  eer: number | null;
  accuracy: number | null;
  pairAccuracy: number | null;
}

function hasBothKinds(scores: readonly ScoredPair[]): boolean {
  return scores.some((s) => s.same) && scores.some((s) => !s.same);
}

/**
 * Scores `model` on the held-out pairs (AUC, EER, accuracy at its default threshold,
 * after `recalibrate` may replace the card) and on the explicit labelled pairs.
 */
async function evaluate(
  model: tf.LayersModel,
  card: ModelCard,
  heldImages: readonly KeyedImage[],
  heldPairs: ReturnType<typeof verificationPairs>,
  data: { train: KeyedImage[]; pairs: LabelledPair[] },
  recalibrate?: (scores: ScoredPair[]) => ModelCard,
): Promise<Evaluation> {
  const p = card.preprocessing;
  const shape = { height: p.height, width: p.width, channels: p.channels };
  const embedAll = async (imgs: readonly { bytes: Uint8Array }[]) =>
    // The card's preprocessing (face stage included) and inference options (flip averaging), exactly as the service will embed.
    embedPixels(model, await Promise.all(imgs.map(async (i) => (await preprocessImage(i.bytes, p)).input)), shape, 64, inferenceSpec(card));

  let out: Evaluation = { auc: null, eer: null, accuracy: null, pairAccuracy: null };
  let threshold = card.thresholds.default;
  if (heldPairs.length > 0) {
    const emb = await embedAll(heldImages);
    const scores = scorePairs(emb, heldPairs, card.metric);
    if (hasBothKinds(scores)) {
      if (recalibrate) threshold = recalibrate(scores).thresholds.default;
      const roc = computeRoc(scores);
      out = { auc: rocAuc(roc), eer: equalErrorRate(roc).eer, accuracy: accuracyAt(scores, threshold), pairAccuracy: null };
    }
  }
  if (data.pairs.length > 0) {
    const byKey = new Map(data.train.map((i) => [i.key, i]));
    const keys = [...new Set(data.pairs.flatMap((q) => [q.a, q.b]))].filter((k) => byKey.has(k));
    const emb = await embedAll(keys.map((k) => byKey.get(k)!));
    const at = new Map(keys.map((k, i) => [k, emb[i]]));
    let right = 0;
    let n = 0;
    for (const q of data.pairs) {
      const a = at.get(q.a);
      const b = at.get(q.b);
      if (!a || !b) continue;
      n++;
      if ((distance(a, b, card.metric) <= threshold) === q.same) right++;
    }
    out.pairAccuracy = n > 0 ? right / n : null;
  }
  return out;
}

/**
 * Embeds every enrolled image that has no vector for the new version yet, in chunks; the
 * parent stores each chunk before the next is read (so "missing" stays accurate, and a
 * restarted run or a later activateModel resumes instead of starting over).
 */
async function reembed(
  job: WorkerJob,
  store: Awaited<ReturnType<typeof openServiceStore>>,
  embedder: Embedder,
  card: ModelCard,
  io: JobIo,
  checkCancel: () => void,
): Promise<void> {
  const chunk = Math.max(1, job.embedChunk ?? 32);
  const repos = createRepositories(store.db);
  const toEmbed = await repos.images.count();
  let embedded = await store.countEmbeddings(card.version);
  const progress = () =>
    io.send({ type: 'progress', progress: { phase: 'embedding', step: embedded, total: toEmbed, loss: null, pairsPerSec: null, etaSeconds: null, embedded, toEmbed } });
  progress();
  const failed = new Set<string>();
  for (;;) {
    checkCancel();
    const batch = (await store.imagesMissingEmbedding(card.version, chunk + failed.size)).filter((b) => !failed.has(b.id)).slice(0, chunk);
    if (batch.length === 0) break;
    const ok: Array<{ imageId: string; vector: Float32Array }> = [];
    try {
      const vectors = await embedder.embedImages(batch.map((b) => b.bytes));
      batch.forEach((b, i) => ok.push({ imageId: b.id, vector: vectors[i] }));
    } catch {
      // One bad stored image must not stop the others (nor fail the run): retry one by one.
      for (const b of batch) {
        try {
          const [v] = await embedder.embedImages([b.bytes]);
          ok.push({ imageId: b.id, vector: v });
        } catch {
          failed.add(b.id);
        }
      }
    }
    if (ok.length > 0) await io.write({ kind: 'embeddings', version: card.version, items: ok });
    embedded += ok.length;
    progress();
    if (job.embedDelayMs) await new Promise((r) => setTimeout(r, job.embedDelayMs));
  }
  checkCancel();
}
