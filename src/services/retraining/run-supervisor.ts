/**
 * The parent's side of ONE training run: it drives the child process (training.worker.ts)
 * and owns the run row while the child works.
 *
 *  - The child's messages are handled strictly in order (a phase change lands before the
 *    next progress); phase changes are compare-and-set transitions (run-state.ts).
 *  - Progress is persisted with a heartbeat: at most once per `persistEveryMs`, plus a beat
 *    every 5× that; every change is published to `trainingProgress` subscribers.
 *  - The child's database writes are made here, on this process's one connection
 *    (worker-protocol.ts), and acknowledged.
 *  - A promoted model goes live through ModelActivationService, after the ids the run read
 *    were checked against the Erasure log (erased-data-guard.ts), twice.
 *  - Exactly one final state is written (`settle`): the child's own verdict, or FAILED when
 *    it exits without one.
 */
import type { ChildProcess } from 'child_process';
import {
  ACTIVE_TRAINING_STATUSES,
  scrubAfterErasure,
  type Database,
  type ErasureCounts,
  type Repositories,
  type TrainingRunPatch,
  type TrainingRunRecord,
  type TrainingStatus,
  type UsedIds,
} from '../../db';
import { DomainError, ErrorCode } from '../../errors';
import type { Logger } from '../logger';
import type { ServiceStore } from '../store.port';
import { trainedOnErasedData, type ErasedDataGuard } from './erased-data-guard';
import type { ModelActivationService } from './model-activation.service';
import { discardModel } from './model-discard';
import type { RunEvents } from './run-events';
import { encodeCard, encodeMetrics, encodeProgress } from './run-json.codec';
import { predecessors, type RunMetrics, type RunProgress } from './run-state';
import type { FromWorker, ToWorker, WorkerJob, WorkerResult, WriteRequest } from './worker-protocol';

/** How long a cancelled child gets to stop before SIGKILL. */
const CANCEL_GRACE_MS = 3000;

export interface RunSupervisorDeps {
  db: Database;
  store: ServiceStore;
  repos: Repositories;
  activation: ModelActivationService;
  guard: ErasedDataGuard;
  events: RunEvents;
  logger: Logger;
  dataDir: string;
  /** Run-row progress writes at most this often; also the heartbeat period ×5. */
  persistEveryMs: number;
}

type FinalStatus = 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export class RunSupervisor {
  readonly id: string;
  /** The run as the API serves it while this process drives it (newer than the row between persists). */
  record: TrainingRunRecord;
  /** Cancelled, stopped at shutdown, or its row finished by someone else: the child's messages are ignored. */
  cancelled = false;
  /** The promoted model is being swapped in: no cancel from here on. */
  swapping = false;
  /** Resolves once the child exited and the row is final. */
  readonly finished: Promise<void>;

  private lastPersist = 0;
  private pending: TrainingRunPatch = {};
  private readonly heartbeat: NodeJS.Timeout;
  /** The last progress reported, and the last of the training phase (the final progress keeps its step/total/loss). */
  private progress: RunProgress = { phase: 'starting', step: 0, total: 0, loss: null, pairsPerSec: null, etaSeconds: null };
  private training?: RunProgress;
  /** The ids the run's snapshot read (from the child): checked against the Erasure log before promotion. */
  private used?: UsedIds;
  private queue: Promise<void> = Promise.resolve();
  private settled = false;

  /** Starts driving `child` (already spawned) through `job`; `onExit` runs once the child is gone and the row is final. */
  constructor(
    private readonly deps: RunSupervisorDeps,
    record: TrainingRunRecord,
    private readonly child: ChildProcess,
    job: WorkerJob,
    onExit: () => void,
  ) {
    this.id = record.id;
    this.record = record;
    let resolveFinished!: () => void;
    this.finished = new Promise<void>((r) => (resolveFinished = r));
    this.heartbeat = setInterval(() => void this.persist(true), deps.persistEveryMs * 5);
    this.heartbeat.unref();

    child.on('message', (msg: FromWorker) => {
      this.queue = this.queue
        .then(() => this.onMessage(msg))
        .catch((e) => {
          deps.logger.error('training run message failed', { runId: this.id, error: (e as Error).message });
        });
    });
    child.once('exit', (code, signal) => {
      this.queue = this.queue
        .then(() =>
          this.settle(() =>
            this.finish('FAILED', {
              error: this.cancelled ? 'cancelled' : `the training process exited unexpectedly (${signal ?? `code ${code}`})`,
            }),
          ),
        )
        .finally(() => {
          clearInterval(this.heartbeat);
          onExit();
          resolveFinished();
        });
    });
    child.once('error', (e) => deps.logger.error('training process error', { runId: this.id, error: e.message }));
    child.send({ type: 'start', job } satisfies ToWorker);
    deps.logger.info('training run started', { runId: this.id, base: job.base.version, newVersion: job.newVersion, pid: child.pid });
  }

  /**
   * The row was finished from outside (an admin's cancel, the shutdown): stop the child.
   * `updated` is the row after that transition (null when the transition found it final).
   */
  stop(updated: TrainingRunRecord | null): void {
    if (updated) this.record = updated;
    this.cancelled = true;
    this.stopChild();
  }

  /** Writes one final state, once; bookkeeping errors are logged (the child is gone anyway). */
  private async settle(fn: () => Promise<void>): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    try {
      await fn();
    } catch (e) {
      this.deps.logger.error('training run bookkeeping failed', { runId: this.id, error: (e as Error).message });
    }
  }

  private async onMessage(msg: FromWorker): Promise<void> {
    if (this.cancelled) return;
    switch (msg.type) {
      case 'phase':
        await this.transition(msg.status);
        return;
      case 'progress':
        if (msg.progress.phase === 'training') this.training = msg.progress;
        this.progress = msg.progress;
        this.patch({ progress: encodeProgress(msg.progress) });
        await this.persist(false);
        return;
      case 'write':
        await this.write(msg.seq, msg.request);
        return;
      case 'metrics':
        this.patch({ metrics: encodeMetrics(msg.metrics) });
        await this.persist(true);
        return;
      case 'snapshot':
        this.used = msg.used;
        // The child's read transaction is over: an erasure made while it was open could not cut
        // the WAL then (scrubAfterErasure never waits for readers); do it now.
        await scrubAfterErasure(this.deps.db);
        return;
      case 'done':
        await this.settle(() => this.complete(msg.result));
        return;
      case 'cancelled':
        await this.settle(() => this.finish('CANCELLED', { error: 'cancelled' }));
        return;
      case 'error':
        await this.settle(() => this.finish('FAILED', { error: msg.message }));
        return;
    }
  }

  /** Database writes of the child, made on this process's one connection (worker-protocol.ts). */
  private async write(seq: number, request: WriteRequest): Promise<void> {
    let error: string | undefined;
    try {
      if (request.kind === 'registerModel') {
        const { version, dir, card } = request;
        await this.deps.repos.modelVersions.register({
          version,
          dir,
          fingerprint: card.fingerprint,
          metric: card.metric,
          card: encodeCard(card),
        });
      } else {
        // Re-wrap: a typed array from IPC deserialisation belongs to the main realm, which fails
        // `instanceof Float32Array` checks inside other realms (jest's test sandbox).
        const items = request.items.map((i) => ({ imageId: i.imageId, vector: new Float32Array(i.vector) }));
        await this.deps.store.addEmbeddings(request.version, items);
      }
    } catch (e) {
      error = (e as Error).message;
    }
    if (this.child.connected) this.child.send({ type: 'ack', seq, error } satisfies ToWorker);
  }

  /**
   * The promoted model goes live through the same path as activateModel. Before that, and once
   * more right before the swap, the ids the run read are checked against the Erasure log: a
   * model trained on someone erased meanwhile is never promoted (nor kept, promoted or not).
   */
  private async complete(result: WorkerResult): Promise<void> {
    const final = { newModelVersion: result.version, metrics: encodeMetrics(result.metrics) };
    const refused = (decision: string): RunMetrics => ({ ...result.metrics, promoted: false, decision });
    const refuse = async (erased: ErasureCounts) => {
      await this.discard(result);
      const error = trainedOnErasedData(erased, 'the model was deleted and not promoted; the previous model stayed active').message;
      await this.finish('FAILED', {
        metrics: encodeMetrics(refused(`refused: ${ErrorCode.TRAINED_ON_ERASED_DATA}`)),
        newModelVersion: null,
        error,
      });
    };
    const used = this.used;
    if (!used) {
      // A worker that never said what it read: nothing proves the model free of erased data.
      await this.discard(result);
      await this.finish('FAILED', {
        metrics: encodeMetrics(refused('refused: no data snapshot reported')),
        newModelVersion: null,
        error: 'the training process did not report its data snapshot; the model was deleted and not promoted',
      });
      return;
    }
    const erasedNow = await this.deps.guard.erasedFrom(used);
    if (erasedNow) {
      await refuse(erasedNow);
      return;
    }
    if (!result.promoted) {
      await this.finish('SUCCEEDED', { ...final, progress: this.finalProgress() });
      return;
    }
    this.progress = { ...this.progress, phase: 'swapping' };
    this.patch({ newModelVersion: result.version, progress: encodeProgress(this.progress) });
    await this.persist(true);
    let erasedLate: ErasureCounts | null = null;
    try {
      await this.deps.activation.activate(result.version, {
        beforeSwap: async () => {
          // Past this point a cancel would leave a swapped model under a CANCELLED run.
          if (this.cancelled) throw new DomainError(ErrorCode.CONFLICT, 'cancelled');
          // Building the new index took a while: an erasure may have landed meanwhile.
          erasedLate = await this.deps.guard.erasedFrom(used);
          if (erasedLate) throw trainedOnErasedData(erasedLate, 'not promoted');
          if (this.cancelled) throw new DomainError(ErrorCode.CONFLICT, 'cancelled');
          this.swapping = true;
        },
      });
    } catch (e) {
      this.swapping = false;
      if (this.cancelled) return;
      if (erasedLate) {
        await refuse(erasedLate);
        return;
      }
      await this.finish('FAILED', { ...final, error: `the new model could not be activated: ${(e as Error).message}` });
      return;
    }
    await this.finish('SUCCEEDED', { ...final, progress: this.finalProgress() });
    this.swapping = false;
  }

  private discard(result: WorkerResult): Promise<void> {
    return discardModel({ ...this.deps }, result.version, result.dir);
  }

  private finalProgress() {
    return encodeProgress({ ...this.progress, ...(this.training ?? {}), phase: 'done', etaSeconds: 0 });
  }

  private patch(patch: TrainingRunPatch): void {
    Object.assign(this.pending, patch);
    this.record = { ...this.record, ...(patch as Partial<TrainingRunRecord>), heartbeatAt: new Date() };
    this.deps.events.publish(this.record);
  }

  private async persist(force: boolean): Promise<void> {
    const now = Date.now();
    if (!force && now - this.lastPersist < this.deps.persistEveryMs) return;
    if (this.cancelled || !ACTIVE_TRAINING_STATUSES.includes(this.record.status)) return;
    this.lastPersist = now;
    const patch = this.pending;
    this.pending = {};
    const alive = await this.deps.repos.trainingRuns.update(this.id, patch);
    if (!alive && !this.cancelled) {
      // Someone else finished the row (another process's failInterrupted): stop working on it.
      this.cancelled = true;
      this.stopChild();
    }
  }

  private async transition(to: TrainingStatus): Promise<void> {
    const patch = this.pending;
    this.pending = {};
    const updated = await this.deps.repos.trainingRuns.transition(this.id, to, { from: predecessors(to), patch });
    if (!updated) {
      this.cancelled = true;
      this.stopChild();
      return;
    }
    this.record = updated;
    this.lastPersist = Date.now();
    this.deps.events.publish(updated);
  }

  private async finish(to: FinalStatus, patch: TrainingRunPatch): Promise<void> {
    const all = { ...this.pending, ...patch };
    this.pending = {};
    const { trainingRuns } = this.deps.repos;
    const updated = await trainingRuns.transition(this.id, to, {
      from: to === 'SUCCEEDED' ? predecessors('SUCCEEDED') : undefined,
      patch: all,
    });
    const rec = updated ?? (await trainingRuns.get(this.id));
    if (rec) {
      this.record = rec;
      this.deps.events.publish(rec);
    }
    if (updated)
      this.deps.logger.info('training run finished', {
        runId: this.id,
        status: to,
        error: patch.error ?? null,
        newModelVersion: rec?.newModelVersion ?? null,
      });
  }

  private stopChild(): void {
    const { child } = this;
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
