/**
 * Retraining as the API sees it: labelled pairs in, training runs out, one at a time.
 *
 * `retrain` creates the run row (QUEUED; a second active run gets TRAINING_IN_PROGRESS
 * from the database's unique active slot, no queue) and returns at once. The work runs in
 * a child process (training.worker.ts), off the request path; this class owns the run
 * row: it applies the child's phase changes with compare-and-set transitions, persists
 * progress with a heartbeat (at most once a second, plus a periodic beat), publishes every
 * change to `trainingProgress` subscribers, and when a promoted model is ready swaps it in
 * through ModelActivationService. If this process dies the child exits with it and the next
 * start marks the run FAILED (`init` → failInterrupted); the serving version is whatever
 * the database had active, complete.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { ChildProcess } from 'child_process';
import type { Limits } from '../../config';
import {
  ACTIVE_TRAINING_STATUSES,
  createRepositories,
  type Database,
  type JsonValue,
  type LabelledPairRecord,
  type ModelVersionRecord,
  type Page,
  type Repositories,
  type TrainingRunPatch,
  type TrainingRunRecord,
  type TrainingStatus,
  type ErasureCounts,
  type UsedIds,
  scrubAfterErasure,
} from '../../db';
import { DomainError, ErrorCode, notFound } from '../../errors';
import { distance } from '../../metric/metric';
import { resolveImageInput, type ImageInputLike } from '../image-input';
import type { Logger } from '../logger';
import { embedWithNames } from '../service-context';
import type { ActiveModel, ServingModel } from '../serving-model';
import type { ServiceStore } from '../store.port';
import type { ModelActivationService } from './model-activation.service';
import { resolveRetrainOptions, type RetrainOptionsInput } from './retrain-options';
import { RunEvents } from './run-events';
import { predecessors } from './run-state';
import type { RunProgress } from './run-state';
import { spawnTrainingWorker } from './spawn-worker';
import { ErasedDataGuard, trainedOnErasedData } from './erased-data-guard';
import type { FromWorker, ToWorker, WorkerJob, WorkerResult, WriteRequest } from './worker-protocol';

export interface RetrainingDeps {
  db: Database;
  store: ServiceStore;
  active: ActiveModel;
  activation: ModelActivationService;
  limits: Limits;
  logger: Logger;
  databaseUrl: string;
  dataDir: string;
  /**
   * tfjs backend of the training child. Default 'auto' (tensorflow → wasm → cpu), whatever
   * the serving backend is: the pure-JS cpu backend trains ~1000× slower than wasm
   * (measured: 230 s vs 0.15 s for one step of the tiny test model).
   */
  trainingBackend?: string;
  /** Test knobs passed to the worker (see WorkerJob). */
  embedChunk?: number;
  embedDelayMs?: number;
  afterSnapshotDelayMs?: number;
  /** Run-row progress writes at most this often (default 1000 ms); also the heartbeat period ×5. */
  persistEveryMs?: number;
  spawn?: () => ChildProcess;
}

/** Weight of a pair that corrects the serving model (it decided the other way). */
export const CORRECTION_WEIGHT = 3;
/** The error of a run the server stopped on its way down (CANCELLED). */
export const SERVER_SHUTDOWN_REASON = 'server shutdown: the server stopped before this run finished; the previous model stayed active';
/** How long a cancelled child gets to stop before SIGKILL. */
const CANCEL_GRACE_MS = 3000;

export interface LabelledPairResult extends LabelledPairRecord {
  /** The serving model's distance between the two images when the pair was labelled. */
  modelDistance: number;
  modelVersion: string;
  /** True when the serving model decided the other way (stored as source 'correction'). */
  correction: boolean;
}

interface ActiveRun {
  id: string;
  record: TrainingRunRecord;
  child: ChildProcess;
  lastPersist: number;
  pending: TrainingRunPatch;
  heartbeat: NodeJS.Timeout;
  cancelled: boolean;
  swapping: boolean;
  /** The last training-phase progress (the final progress keeps its step/total/loss). */
  training?: RunProgress;
  /** The ids the run's snapshot read (from the child): checked against the Erasure log before promotion. */
  used?: UsedIds;
  finished: Promise<void>;
}

export class RetrainingService {
  readonly repos: Repositories;
  private readonly events = new RunEvents();
  private current: ActiveRun | undefined;
  private closed = false;

  private readonly guard: ErasedDataGuard;

  constructor(private readonly deps: RetrainingDeps) {
    this.repos = createRepositories(deps.db);
    this.guard = new ErasedDataGuard(this.repos.erasures);
  }

  /** At start: a run left active by a previous process was interrupted. */
  async init(): Promise<string[]> {
    const failed = await this.repos.trainingRuns.failInterrupted('interrupted: the server stopped while this run was active; the previous model stayed active');
    if (failed.length > 0) this.deps.logger.info('training runs interrupted by a restart marked FAILED', { runs: failed });
    return failed;
  }

  // --- labelled pairs -------------------------------------------------------------------------

  /**
   * `identityIds`: the people an uploaded side shows (enrolled sides tag their owner by
   * themselves); deleting one of them erases the pair with its uploaded bytes.
   */
  async labelPair(
    a: ImageInputLike,
    b: ImageInputLike,
    same: boolean,
    opts: { weight?: number | null; note?: string | null; identityIds?: readonly string[] | null } = {},
  ): Promise<LabelledPairResult> {
    const model = this.deps.active.current;
    const [ra, rb] = await Promise.all([resolveImageInput(a, this.deps.limits, 'a'), resolveImageInput(b, this.deps.limits, 'b')]);
    const vector = async (r: typeof ra, name: string) => {
      if (r.kind === 'bytes') return (await embedWithNames(model, [r.bytes], [name], this.deps.limits))[0];
      const v = await this.deps.store.findVector(r.imageId, model.version);
      if (v) return v;
      const bytes = await this.deps.store.imageBytes(r.imageId);
      if (!bytes) throw notFound('EnrolledImage', r.imageId);
      return (await embedWithNames(model, [bytes], [name], this.deps.limits))[0];
    };
    // Embedding both also proves they decode: an unusable image is refused before it is stored.
    const [va, vb] = await Promise.all([vector(ra, 'a'), vector(rb, 'b')]);
    const d = distance(va, vb, model.card.metric);
    const correction = d <= model.card.thresholds.default !== same;
    const side = (r: typeof ra) => (r.kind === 'bytes' ? { bytes: r.bytes } : { imageId: r.imageId });
    const rec = await this.repos.labelledPairs.create({
      a: side(ra),
      b: side(rb),
      same,
      weight: opts.weight ?? (correction ? CORRECTION_WEIGHT : 1),
      source: correction ? 'correction' : 'admin',
      note: opts.note ?? null,
      identityIds: opts.identityIds ?? [],
    });
    return { ...rec, modelDistance: d, modelVersion: model.version, correction };
  }

  listPairs(first: number, after?: string | null): Promise<Page<LabelledPairRecord>> {
    return this.repos.labelledPairs.list({ first, after });
  }

  /**
   * Erases one labelled pair (uploaded bytes included, logged in the Erasure log): later
   * runs never see it, and a run that already read it will not promote its model.
   */
  async deletePair(id: string): Promise<true> {
    if (!(await this.repos.labelledPairs.delete(id))) throw notFound('LabelledPair', id);
    return true;
  }

  // --- runs -----------------------------------------------------------------------------------

  async retrain(input: RetrainOptionsInput | null | undefined): Promise<TrainingRunRecord> {
    if (this.closed) throw new DomainError(ErrorCode.CONFLICT, 'the server is shutting down');
    const base = this.deps.active.current;
    const options = resolveRetrainOptions(input, Math.floor(Math.random() * 2 ** 31));
    if (!fs.existsSync(path.join(base.dir, 'model-card.json'))) {
      throw new DomainError(ErrorCode.MODEL_INCOMPATIBLE, `the serving model ${base.version} has no model directory to retrain from`);
    }
    // A run still finishing in this process (its row is final, its child is exiting) also blocks.
    if (this.current) {
      throw new DomainError(ErrorCode.TRAINING_IN_PROGRESS, 'a training run is already in progress', { runId: this.current.id });
    }
    const record = await this.repos.trainingRuns.create({ options: options as unknown as JsonValue, baseModelVersion: base.version });
    try {
      this.start(record, base, options);
    } catch (e) {
      await this.repos.trainingRuns.transition(record.id, 'FAILED', { patch: { error: `could not start the training process: ${(e as Error).message}` } });
      throw e;
    }
    return (this.current as ActiveRun | undefined)?.record ?? record;
  }

  async get(id: string): Promise<TrainingRunRecord | null> {
    if (this.current?.id === id) return this.current.record;
    return this.repos.trainingRuns.get(id);
  }

  async list(first: number, after?: string | null): Promise<Page<TrainingRunRecord>> {
    const page = await this.repos.trainingRuns.list({ first, after });
    const cur = this.current;
    return cur ? { ...page, items: page.items.map((r) => (r.id === cur.id ? cur.record : r)) } : page;
  }

  /**
   * Cancels an active run: the row goes CANCELLED at once (compare-and-set), the child is
   * asked to stop, then killed. A run whose model is already being swapped in cannot be
   * cancelled (CONFLICT); a finished run is returned unchanged.
   */
  async cancel(id: string): Promise<TrainingRunRecord> {
    const run = await this.get(id);
    if (!run) throw notFound('TrainingRun', id);
    if (!ACTIVE_TRAINING_STATUSES.includes(run.status)) return run;
    const cur = this.current?.id === id ? this.current : undefined;
    if (cur?.swapping) throw new DomainError(ErrorCode.CONFLICT, `training run ${id} is swapping in its model; it can no longer be cancelled (use activateModel to roll back)`);
    const updated = await this.repos.trainingRuns.transition(id, 'CANCELLED', { patch: { error: 'cancelled by an admin' } });
    if (!updated) return (await this.repos.trainingRuns.get(id))!;
    if (cur) {
      cur.cancelled = true;
      cur.record = updated;
      this.stopChild(cur);
    }
    this.events.publish(updated);
    return updated;
  }

  /** Live states of a run: the current one first, then every change, ending when final. */
  async subscribe(id: string): Promise<AsyncIterableIterator<TrainingRunRecord>> {
    const run = await this.get(id);
    if (!run) throw notFound('TrainingRun', id);
    return this.events.subscribe(run);
  }

  // --- model versions ---------------------------------------------------------------------------

  /**
   * Rollback / roll forward. A version a run trained on since-erased data (left behind by an
   * interrupted run: its ids are beside the model) is refused and deleted, like at promotion.
   */
  async activateModel(version: string): Promise<ModelVersionRecord> {
    if (this.current?.swapping) {
      throw new DomainError(ErrorCode.TRAINING_IN_PROGRESS, 'a training run is swapping in its model; try again when it finished', { runId: this.current.id });
    }
    const rec = await this.repos.modelVersions.get(version);
    const check = async () => {
      if (!rec || rec.active || this.deps.active.current.version === version) return;
      const erased = await this.guard.erasedFromModelDir(rec.dir);
      if (!erased) return;
      await this.discardModel(version, rec.dir);
      throw trainedOnErasedData(erased, 'the model was deleted and cannot be activated');
    };
    await check();
    return this.deps.activation.activate(version, { beforeSwap: check });
  }

  listModelVersions(): Promise<ModelVersionRecord[]> {
    return this.repos.modelVersions.list();
  }

  /**
   * Stops a running job and waits for the child. Its row is closed here, CANCELLED with the
   * reason, rather than left active for the next start to find as "interrupted" (issue 13).
   */
  async close(): Promise<void> {
    this.closed = true;
    const cur = this.current;
    if (!cur) return;
    if (!cur.swapping) {
      const r = await this.repos.trainingRuns.transition(cur.id, 'CANCELLED', { patch: { error: SERVER_SHUTDOWN_REASON } }).catch(() => null);
      if (r) cur.record = r;
      cur.cancelled = true;
      this.stopChild(cur);
    }
    await cur.finished;
  }

  // --- the run driver ----------------------------------------------------------------------------

  private start(record: TrainingRunRecord, base: ServingModel, options: ReturnType<typeof resolveRetrainOptions>): void {
    const newVersion = newVersionName(record.id);
    const job: WorkerJob = {
      runId: record.id,
      databaseUrl: this.deps.databaseUrl,
      dataDir: this.deps.dataDir,
      modelsDir: path.join(this.deps.dataDir, 'models'),
      newVersion,
      base: { version: base.version, dir: path.resolve(base.dir) },
      options,
      backend: this.deps.trainingBackend ?? 'auto',
      embedChunk: this.deps.embedChunk,
      embedDelayMs: this.deps.embedDelayMs,
      afterSnapshotDelayMs: this.deps.afterSnapshotDelayMs,
    };
    const child = (this.deps.spawn ?? spawnTrainingWorker)();
    let resolveFinished!: () => void;
    const finished = new Promise<void>((r) => (resolveFinished = r));
    const every = this.deps.persistEveryMs ?? 1000;
    const run: ActiveRun = {
      id: record.id,
      record,
      child,
      lastPersist: 0,
      pending: {},
      heartbeat: setInterval(() => void this.persist(run, true), every * 5),
      cancelled: false,
      swapping: false,
      finished,
    };
    run.heartbeat.unref();
    this.current = run;

    // Messages are handled strictly in order (a phase change must land before the next progress).
    let queue: Promise<void> = Promise.resolve();
    let settled = false;
    const settle = async (fn: () => Promise<void>) => {
      if (settled) return;
      settled = true;
      try {
        await fn();
      } catch (e) {
        this.deps.logger.error('training run bookkeeping failed', { runId: run.id, error: (e as Error).message });
      }
    };
    child.on('message', (msg: FromWorker) => {
      queue = queue.then(() => this.onMessage(run, msg, settle)).catch((e) => {
        this.deps.logger.error('training run message failed', { runId: run.id, error: (e as Error).message });
      });
    });
    child.once('exit', (code, signal) => {
      queue = queue
        .then(() =>
          settle(() => this.finish(run, 'FAILED', { error: run.cancelled ? 'cancelled' : `the training process exited unexpectedly (${signal ?? `code ${code}`})` })),
        )
        .finally(() => {
          clearInterval(run.heartbeat);
          if (this.current === run) this.current = undefined;
          resolveFinished();
        });
    });
    child.once('error', (e) => this.deps.logger.error('training process error', { runId: run.id, error: e.message }));
    child.send({ type: 'start', job } satisfies ToWorker);
    this.deps.logger.info('training run started', { runId: run.id, base: base.version, newVersion, pid: child.pid });
  }

  private async onMessage(run: ActiveRun, msg: FromWorker, settle: (fn: () => Promise<void>) => Promise<void>): Promise<void> {
    if (run.cancelled) return;
    switch (msg.type) {
      case 'phase':
        await this.transition(run, msg.status);
        return;
      case 'progress':
        if (msg.progress.phase === 'training') run.training = msg.progress;
        this.patch(run, { progress: msg.progress as unknown as JsonValue });
        await this.persist(run, false);
        return;
      case 'write':
        await this.write(run, msg.seq, msg.request);
        return;
      case 'metrics':
        this.patch(run, { metrics: msg.metrics as unknown as JsonValue });
        await this.persist(run, true);
        return;
      case 'snapshot':
        run.used = msg.used;
        // The child's read transaction is over: an erasure made while it was open could not cut
        // the WAL then (scrubAfterErasure never waits for readers); do it now.
        await scrubAfterErasure(this.deps.db);
        return;
      case 'done':
        await settle(() => this.complete(run, msg.result));
        return;
      case 'cancelled':
        await settle(() => this.finish(run, 'CANCELLED', { error: 'cancelled' }));
        return;
      case 'error':
        await settle(() => this.finish(run, 'FAILED', { error: msg.message }));
        return;
    }
  }

  /** Database writes of the child, made on this process's one connection (worker-protocol.ts). */
  private async write(run: ActiveRun, seq: number, request: WriteRequest): Promise<void> {
    let error: string | undefined;
    try {
      if (request.kind === 'registerModel') {
        const { version, dir, card } = request;
        await this.repos.modelVersions.register({ version, dir, fingerprint: card.fingerprint, metric: card.metric, card: card as unknown as JsonValue });
      } else {
        // Re-wrap: a typed array from IPC deserialisation belongs to the main realm, which fails
        // `instanceof Float32Array` checks inside other realms (jest's test sandbox).
        const items = request.items.map((i) => ({ imageId: i.imageId, vector: new Float32Array(i.vector) }));
        await this.deps.store.addEmbeddings(request.version, items);
      }
    } catch (e) {
      error = (e as Error).message;
    }
    if (run.child.connected) run.child.send({ type: 'ack', seq, error } satisfies ToWorker);
  }

  /**
   * The promoted model goes live through the same path as activateModel. Before that, and once
   * more right before the swap, the ids the run read are checked against the Erasure log: a
   * model trained on someone erased meanwhile is never promoted (nor kept, promoted or not).
   */
  private async complete(run: ActiveRun, result: WorkerResult): Promise<void> {
    const final = { newModelVersion: result.version, metrics: result.metrics as unknown as JsonValue };
    const refuse = async (erased: ErasureCounts) => {
      await this.discardModel(result.version, result.dir);
      const error = trainedOnErasedData(erased, 'the model was deleted and not promoted; the previous model stayed active').message;
      const metrics = { ...result.metrics, promoted: false, decision: `refused: ${ErrorCode.TRAINED_ON_ERASED_DATA}` };
      await this.finish(run, 'FAILED', { metrics: metrics as unknown as JsonValue, newModelVersion: null, error });
    };
    if (!run.used) {
      // A worker that never said what it read: nothing proves the model free of erased data.
      await this.discardModel(result.version, result.dir);
      const metrics = { ...result.metrics, promoted: false, decision: 'refused: no data snapshot reported' };
      await this.finish(run, 'FAILED', { metrics: metrics as unknown as JsonValue, newModelVersion: null, error: 'the training process did not report its data snapshot; the model was deleted and not promoted' });
      return;
    }
    const erasedNow = await this.guard.erasedFrom(run.used);
    if (erasedNow) {
      await refuse(erasedNow);
      return;
    }
    if (!result.promoted) {
      await this.finish(run, 'SUCCEEDED', { ...final, progress: this.finalProgress(run) });
      return;
    }
    this.patch(run, { newModelVersion: result.version, progress: { ...this.progressOf(run), phase: 'swapping' } as unknown as JsonValue });
    await this.persist(run, true);
    let erasedLate: ErasureCounts | null = null;
    try {
      await this.deps.activation.activate(result.version, {
        beforeSwap: async () => {
          // Past this point a cancel would leave a swapped model under a CANCELLED run.
          if (run.cancelled) throw new DomainError(ErrorCode.CONFLICT, 'cancelled');
          // Building the new index took a while: an erasure may have landed meanwhile.
          erasedLate = await this.guard.erasedFrom(run.used!);
          if (erasedLate) throw trainedOnErasedData(erasedLate, 'not promoted');
          if (run.cancelled) throw new DomainError(ErrorCode.CONFLICT, 'cancelled');
          run.swapping = true;
        },
      });
    } catch (e) {
      run.swapping = false;
      if (run.cancelled) return;
      if (erasedLate) {
        await refuse(erasedLate);
        return;
      }
      await this.finish(run, 'FAILED', { ...final, error: `the new model could not be activated: ${(e as Error).message}` });
      return;
    }
    await this.finish(run, 'SUCCEEDED', { ...final, progress: this.finalProgress(run) });
    run.swapping = false;
  }

  private progressOf(run: ActiveRun): RunProgress {
    return ((run.record.progress ?? {}) as unknown as RunProgress) ?? ({} as RunProgress);
  }

  private finalProgress(run: ActiveRun): JsonValue {
    const p = this.progressOf(run);
    return { ...p, ...(run.training ?? {}), phase: 'done', etaSeconds: 0 } as unknown as JsonValue;
  }

  private patch(run: ActiveRun, patch: TrainingRunPatch): void {
    Object.assign(run.pending, patch);
    run.record = { ...run.record, ...(patch as Partial<TrainingRunRecord>), heartbeatAt: new Date() };
    this.events.publish(run.record);
  }

  private async persist(run: ActiveRun, force: boolean): Promise<void> {
    const now = Date.now();
    if (!force && now - run.lastPersist < (this.deps.persistEveryMs ?? 1000)) return;
    if (run.cancelled || !ACTIVE_TRAINING_STATUSES.includes(run.record.status)) return;
    run.lastPersist = now;
    const patch = run.pending;
    run.pending = {};
    const alive = await this.repos.trainingRuns.update(run.id, patch);
    if (!alive && !run.cancelled) {
      // Someone else finished the row (another process's failInterrupted): stop working on it.
      run.cancelled = true;
      this.stopChild(run);
    }
  }

  private async transition(run: ActiveRun, to: TrainingStatus): Promise<void> {
    const patch = run.pending;
    run.pending = {};
    const updated = await this.repos.trainingRuns.transition(run.id, to, { from: predecessors(to), patch });
    if (!updated) {
      run.cancelled = true;
      this.stopChild(run);
      return;
    }
    run.record = updated;
    run.lastPersist = Date.now();
    this.events.publish(updated);
  }

  private async finish(run: ActiveRun, to: 'SUCCEEDED' | 'FAILED' | 'CANCELLED', patch: TrainingRunPatch): Promise<void> {
    const all = { ...run.pending, ...patch };
    run.pending = {};
    const updated = await this.repos.trainingRuns.transition(run.id, to, { from: to === 'SUCCEEDED' ? predecessors('SUCCEEDED') : undefined, patch: all });
    const rec = updated ?? (await this.repos.trainingRuns.get(run.id));
    if (rec) {
      run.record = rec;
      this.events.publish(rec);
    }
    if (updated) this.deps.logger.info('training run finished', { runId: run.id, status: to, error: patch.error ?? null, newModelVersion: rec?.newModelVersion ?? null });
  }

  /**
   * Deletes a model trained on since-erased data: its vectors (other people's, but computed by
   * it), its inactive version row, its saved index and its directory. Only a directory under
   * `<dataDir>/models/` is removed: never the configured model or one the admin placed.
   */
  private async discardModel(version: string, dir: string): Promise<void> {
    await this.repos.embeddings.deleteModelVersion(version);
    await this.repos.modelVersions.delete(version).catch((e: Error) => this.deps.logger.error('could not forget a model version', { version, error: e.message }));
    this.deps.activation.discardIndex(version);
    const modelsDir = path.resolve(this.deps.dataDir, 'models');
    const target = path.resolve(dir);
    if (target.startsWith(modelsDir + path.sep)) fs.rmSync(target, { recursive: true, force: true });
    this.deps.logger.info('model trained on erased data deleted', { version });
  }

  private stopChild(run: ActiveRun): void {
    const { child } = run;
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      if (child.connected) child.send({ type: 'cancel' } satisfies ToWorker);
    } catch {
      /* already gone */
    }
    const t = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }, CANCEL_GRACE_MS);
    t.unref();
    child.once('exit', () => clearTimeout(t));
  }
}

/** `rt-20261128T213501-1a2b3c`: sortable by time, unique per run, safe as a folder name. */
export function newVersionName(runId: string, now = new Date()): string {
  const ts = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '');
  return `rt-${ts}-${runId.replace(/[^a-z0-9]/gi, '').slice(0, 6).toLowerCase()}`;
}
