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
import type { ModelCard } from '../../embedding/model-card';
import { initBackend, isBackendPreference, type BackendPreference } from '../../embedding/backend';
import { loadModelDir, readModelCard } from '../../embedding/model-store';
import { Embedder } from '../../embedding/embedder';
import { throwIfCancelled } from '../../errors';
import { train, type TrainOptions, type TrainResult } from '../../training/trainer';
import { saveTrainedModel } from '../../training/save-trained-model';
import { calibrateReferences } from '../../training/calibration/reference-calibration';
import { calibrate } from '../../training/calibration/calibrate';
import type { ScoredPair } from '../../training/calibration/roc';
import { verificationPairs } from '../../training/evaluate/embed';
import { groupByIdentity } from '../../training/data/split';
import { MemoryImageSource } from '../../training/data/labelled-image-source';
import { createRepositories, openServiceStore, readTrainingSnapshot, type DbStore, type TrainingSnapshot } from '../../db';
import { embedMissing } from '../embed-missing';
import { ErasedDataGuard, trainedOnErasedData, writeSnapshotIds } from './erased-data-guard';
import { evaluateOnHeldOut, hasBothKinds, modelScore, type Evaluation, type HeldOutSet } from './held-out-evaluation';
import { decidePromotion } from './promote-rule';
import { stepsPerEpoch } from './retrain-options';
import { buildTrainingData, type KeyedImage, type TrainingData } from './training-data';
import type { FromWorker, WorkerJob, WorkerResult, WriteRequest } from './worker-protocol';
import type { RunMetrics, RunProgress } from './run-state';

export interface JobIo {
  send(msg: FromWorker): void;
  /** A database write made by the parent; resolves once committed. */
  write(request: WriteRequest): Promise<void>;
  signal: AbortSignal;
}

const MAX_HELD_OUT_NEGATIVES = 20_000;

export async function runTrainingJob(job: WorkerJob, io: JobIo): Promise<WorkerResult> {
  const t0 = Date.now();
  const checkCancel = () => throwIfCancelled(io.signal);
  const backend = job.backend && isBackendPreference(job.backend) ? job.backend : 'auto';
  await initBackend(backend);
  const store = await openServiceStore(job.databaseUrl);
  try {
    // --- RUNNING: data + training ------------------------------------------------------------
    io.send({ type: 'phase', status: 'RUNNING' });
    io.send({ type: 'progress', progress: idle('loading', job.options.steps) });
    // ONE consistent snapshot (a single read transaction): a deletion can never land between the
    // images and the pairs read. The ids it read go to the parent, which refuses to promote if
    // any of them is erased before the swap (erased-data-guard.ts).
    const snapshot = await readTrainingSnapshot(store.db);
    io.send({ type: 'snapshot', used: snapshot.used });
    io.send({ type: 'progress', progress: idle('preparing', job.options.steps) });
    checkCancel();
    if (job.afterSnapshotDelayMs) await new Promise((r) => setTimeout(r, job.afterSnapshotDelayMs));
    const data = trainingDataOf(snapshot, job.options.seed);
    const guard = new ErasedDataGuard(createRepositories(store.db).erasures);
    /** Stops before anything trained on since-erased data is written (the parent checks again before the swap). */
    const refuseIfErased = async () => {
      const erased = await guard.erasedFrom(snapshot.used);
      if (erased) throw trainedOnErasedData(erased, 'the model was not saved');
    };
    // The serving model's card, read once: the recipe to warm-start from and the verifyIdentity rule to keep.
    const baseCard = await readModelCard(job.base.dir);
    const trained = await trainOnData(job, baseCard, backend, data, io);
    try {
      checkCancel();
      await refuseIfErased();

      // --- EVALUATING: old vs new on the same held-out pairs -----------------------------------------
      io.send({ type: 'phase', status: 'EVALUATING' });
      const steps = trained.card.training.steps;
      io.send({ type: 'progress', progress: { ...idle('evaluating', steps), step: steps, etaSeconds: 0 } });
      const heldGroups = groupByIdentity(data.heldOut);
      // groupByIdentity keeps the objects it is given: these still carry their bytes.
      const heldOut: HeldOutSet = {
        images: heldGroups.images as KeyedImage[],
        pairs: verificationPairs(heldGroups.groups, MAX_HELD_OUT_NEGATIVES, job.options.seed + 11),
      };
      const oldEval = await evaluateServingModel(job, heldOut, data);
      // verifyIdentity's rule SPREAD (thresholds.referenceShift) stays the serving model's where the new one is calibrated here.
      const referenceShift = baseCard.thresholds.referenceShift;
      let card = trained.card;
      const newEval = await evaluateOnHeldOut(trained.model, card, heldOut, data, (scores, embeddings) => {
        // Held-out identities are what production looks like: calibrate the thresholds there.
        if (data.disjoint && hasBothKinds(scores))
          card = calibratedOnHeldOut(card, scores, heldGroups, embeddings, job.options.seed, referenceShift);
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

      const oldScore = modelScore(oldEval, job.base.version);
      const newScore = modelScore(newEval, card.version);
      const decision = decidePromotion(job.options.promote, oldScore, newScore);
      const metrics: RunMetrics = {
        heldOut: {
          disjoint: data.disjoint,
          identities: heldGroups.identities.length,
          images: heldGroups.images.length,
          positivePairs: heldOut.pairs.filter((p) => p.same).length,
          negativePairs: heldOut.pairs.filter((p) => !p.same).length,
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
        await reembed(job, store, new Embedder(trained.model, card), card, io, checkCancel); // the model is disposed below
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

/** Progress outside the training steps: no loss, no rate. */
function idle(phase: string, total: number): RunProgress {
  return { phase, step: 0, total, loss: null, pairsPerSec: null, etaSeconds: null };
}

function trainingDataOf(snapshot: TrainingSnapshot, seed: number): TrainingData {
  const images = snapshot.images.map((r) => ({ id: r.id, identityId: r.identityId, bytes: new Uint8Array(r.bytes) }));
  return buildTrainingData(images, snapshot.pairs, { heldOutFraction: 0.2, minTrainIdentities: 2, seed });
}

/** Trains with the shared trainer of `siamese train`, warm-started from the serving model unless fromScratch. */
async function trainOnData(
  job: WorkerJob,
  baseCard: ModelCard,
  backend: BackendPreference,
  data: TrainingData,
  io: JobIo,
): Promise<TrainResult> {
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
  return train(opts, source, {
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
}

/** The serving model, scored on the same held-out pairs as the new one. */
async function evaluateServingModel(job: WorkerJob, heldOut: HeldOutSet, data: TrainingData): Promise<Evaluation> {
  const oldModel = await loadModelDir(job.base.dir);
  try {
    return await evaluateOnHeldOut(oldModel.model, oldModel.card, heldOut, data);
  } finally {
    oldModel.model.dispose();
  }
}

/**
 * The new card with thresholds, ROC and validation metrics calibrated on the held-out identities; `referenceShift`
 * keeps the serving card's rule SPREAD. Exported for its test (test/retraining/held-out-calibration.test.ts).
 */
export function calibratedOnHeldOut(
  card: ModelCard,
  scores: ScoredPair[],
  heldGroups: { identities: readonly unknown[]; images: readonly unknown[]; groups: number[][] },
  embeddings: Float32Array[],
  seed: number,
  referenceShift: number | undefined,
): ModelCard {
  const c = calibrate(scores, { targetFar: card.thresholds.targetFar, defaultRule: card.thresholds.defaultRule });
  if (referenceShift !== undefined) c.thresholds.referenceShift = referenceShift;
  // verifyIdentity's thresholds on the same identities (the trainer had no validation split to do it).
  const references = calibrateReferences({ embeddings, groups: heldGroups.groups, metric: card.metric, rule: c.thresholds, seed });
  return {
    ...card,
    thresholds: references.length ? { ...c.thresholds, references } : c.thresholds,
    roc: c.roc,
    validation: c.metrics,
    data: {
      ...card.data,
      validationIdentities: heldGroups.identities.length,
      identities: card.data.identities + heldGroups.identities.length,
    },
    evaluations: {
      ...(card.evaluations ?? {}),
      heldOut: { identities: heldGroups.identities.length, images: heldGroups.images.length, calibratedOn: 'held-out identities' },
    },
  };
}

/**
 * Embeds every enrolled image that has no vector for the new version yet (embed-missing.ts);
 * the parent stores each chunk before the next is read (so "missing" stays accurate, and a
 * restarted run or a later activateModel resumes instead of starting over).
 */
async function reembed(
  job: WorkerJob,
  store: DbStore,
  embedder: Embedder,
  card: ModelCard,
  io: JobIo,
  checkCancel: () => void,
): Promise<void> {
  const toEmbed = await createRepositories(store.db).images.count();
  const before = await store.countEmbeddings(card.version);
  const progress = (embedded: number) =>
    io.send({ type: 'progress', progress: { ...idle('embedding', toEmbed), step: embedded, embedded, toEmbed } });
  progress(before);
  await embedMissing({
    version: card.version,
    source: store,
    embedder,
    // The child never writes the database (worker-protocol.ts): the parent stores each chunk.
    save: (items) => io.write({ kind: 'embeddings', version: card.version, items }),
    chunk: job.embedChunk ?? 32,
    checkpoint: checkCancel,
    afterChunk: async (stored) => {
      progress(before + stored);
      if (job.embedDelayMs) await new Promise((r) => setTimeout(r, job.embedDelayMs));
    },
  });
}
