/**
 * Retraining as the API sees it: labelled pairs in, training runs out, one at a time.
 *
 * `retrain` creates the run row (QUEUED; a second active run gets TRAINING_IN_PROGRESS
 * from the database's unique active slot, no queue) and returns at once. The work runs in
 * a child process (training.worker.ts), off the request path, driven by a RunSupervisor
 * (run-supervisor.ts: phases, progress heartbeat, the child's writes, promotion). This class
 * keeps the one current run, cancels and stops it, and serves runs, subscriptions and model
 * versions. Labelled pairs are their own service (labelled-pairs.service.ts), reached
 * through the delegating methods below. If this process dies the child exits with it and the
 * next start marks the run FAILED (`init` → failInterrupted); the serving version is whatever
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
  type LabelledPairRecord,
  type ModelVersionRecord,
  type Page,
  type Repositories,
  type TrainingRunRecord,
} from '../../db';
import { DomainError, ErrorCode, notFound } from '../../errors';
import type { ImageInputLike } from '../image-input';
import type { Logger } from '../logger';
import type { ActiveModel, ServingModel } from '../serving-model';
import type { ServiceStore } from '../store.port';
import { ErasedDataGuard, trainedOnErasedData } from './erased-data-guard';
import { LabelledPairsService, type LabelPairOptions, type LabelledPairResult } from './labelled-pairs.service';
import type { ModelActivationService } from './model-activation.service';
import { discardModel } from './model-discard';
import { resolveRetrainOptions, type RetrainOptions, type RetrainOptionsInput } from './retrain-options';
import { RunEvents } from './run-events';
import { encodeOptions } from './run-json.codec';
import { RunSupervisor } from './run-supervisor';
import { spawnTrainingWorker } from './spawn-worker';
import type { WorkerJob } from './worker-protocol';

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
  /**
   * Issue 18, replicas on one database: this server's name as a run's holder, and the lease after
   * which a run whose heartbeat stopped is failed by anyone. Absent: every active run found at
   * start is taken as this server's own (one server per database).
   */
  replica?: { holder: string; leaseMs: number };
}

/** The error of a run the server stopped on its way down (CANCELLED). */
export const SERVER_SHUTDOWN_REASON = 'server shutdown: the server stopped before this run finished; the previous model stayed active';

export class RetrainingService {
  readonly repos: Repositories;
  readonly pairs: LabelledPairsService;
  private readonly events = new RunEvents();
  private readonly guard: ErasedDataGuard;
  private current: RunSupervisor | undefined;
  private closed = false;

  constructor(private readonly deps: RetrainingDeps) {
    this.repos = createRepositories(deps.db);
    this.guard = new ErasedDataGuard(this.repos.erasures);
    this.pairs = new LabelledPairsService({ repos: this.repos, store: deps.store, active: deps.active, limits: deps.limits });
  }

  /** At start: a run left active by a previous process was interrupted. */
  async init(): Promise<string[]> {
    const failed = await this.repos.trainingRuns.failInterrupted(
      'interrupted: the server stopped while this run was active; the previous model stayed active',
      this.deps.replica,
    );
    if (failed.length > 0) this.deps.logger.info('training runs interrupted by a restart marked FAILED', { runs: failed });
    return failed;
  }

  // --- labelled pairs (labelled-pairs.service.ts) ------------------------------------------------

  labelPair(a: ImageInputLike, b: ImageInputLike, same: boolean, opts: LabelPairOptions = {}): Promise<LabelledPairResult> {
    return this.pairs.labelPair(a, b, same, opts);
  }

  listPairs(first: number, after?: string | null): Promise<Page<LabelledPairRecord>> {
    return this.pairs.list(first, after);
  }

  deletePair(id: string): Promise<true> {
    return this.pairs.delete(id);
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
    const record = await this.repos.trainingRuns.create({
      options: encodeOptions(options),
      baseModelVersion: base.version,
      holder: this.deps.replica?.holder,
      leaseMs: this.deps.replica?.leaseMs,
    });
    try {
      this.start(record, base, options);
    } catch (e) {
      await this.repos.trainingRuns.transition(record.id, 'FAILED', {
        patch: { error: `could not start the training process: ${(e as Error).message}` },
      });
      throw e;
    }
    return (this.current as RunSupervisor | undefined)?.record ?? record;
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
    if (cur?.swapping)
      throw new DomainError(
        ErrorCode.CONFLICT,
        `training run ${id} is swapping in its model; it can no longer be cancelled (use activateModel to roll back)`,
      );
    const updated = await this.repos.trainingRuns.transition(id, 'CANCELLED', { patch: { error: 'cancelled by an admin' } });
    if (!updated) return (await this.repos.trainingRuns.get(id))!;
    cur?.stop(updated);
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
      throw new DomainError(ErrorCode.TRAINING_IN_PROGRESS, 'a training run is swapping in its model; try again when it finished', {
        runId: this.current.id,
      });
    }
    const rec = await this.repos.modelVersions.get(version);
    const check = async () => {
      if (!rec || rec.active || this.deps.active.current.version === version) return;
      const erased = await this.guard.erasedFromModelDir(rec.dir);
      if (!erased) return;
      await discardModel({ ...this.deps, repos: this.repos }, version, rec.dir);
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
      const r = await this.repos.trainingRuns
        .transition(cur.id, 'CANCELLED', { patch: { error: SERVER_SHUTDOWN_REASON } })
        .catch(() => null);
      cur.stop(r);
    }
    await cur.finished;
  }

  private start(record: TrainingRunRecord, base: ServingModel, options: RetrainOptions): void {
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
    const supervisorDeps = {
      ...this.deps,
      repos: this.repos,
      guard: this.guard,
      events: this.events,
      persistEveryMs: this.deps.persistEveryMs ?? 1000,
    };
    const run: RunSupervisor = new RunSupervisor(supervisorDeps, record, child, job, () => {
      if (this.current === run) this.current = undefined;
    });
    this.current = run;
  }
}

/** `rt-20261128T213501-1a2b3c`: sortable by time, unique per run, safe as a folder name. */
export function newVersionName(runId: string, now = new Date()): string {
  const ts = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, '');
  return `rt-${ts}-${runId
    .replace(/[^a-z0-9]/gi, '')
    .slice(0, 6)
    .toLowerCase()}`;
}
