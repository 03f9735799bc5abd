/**
 * Training runs and their state machine:
 *   QUEUED → RUNNING → EVALUATING → REINDEXING → SUCCEEDED, and any active state → FAILED |
 *   CANCELLED. Final states never change again.
 * Transitions are compare-and-set (`UPDATE … WHERE status IN (from)`), so a cancel racing
 * a success resolves to exactly one winner. One active run at a time is enforced by the
 * database (unique `activeSlot`), not by a check-then-insert that two requests could pass.
 */
import { badInput, DomainError, ErrorCode } from '../errors';
import type { Database } from './database';
import { checkFirst, decodeCursor, encodeCursor } from './cursor';
import {
  ACTIVE_TRAINING_STATUSES,
  FINAL_TRAINING_STATUSES,
  JsonValue,
  Page,
  PageArgs,
  TRAINING_STATUSES,
  TrainingRunPatch,
  TrainingRunRecord,
  TrainingStatus,
} from './db.types';
import { toTrainingRun } from './mappers';
import { isUniqueViolation } from './prisma-errors';

const ACTIVE_SLOT = 'active';

export class TrainingRunRepository {
  constructor(private readonly db: Database) {}

  private json(value: JsonValue | null | undefined): unknown {
    if (value === undefined) return undefined;
    return value === null ? this.db.dbNull : value;
  }

  private data(patch: TrainingRunPatch): Record<string, unknown> {
    const data: Record<string, unknown> = {};
    if (patch.progress !== undefined) data.progress = this.json(patch.progress);
    if (patch.metrics !== undefined) data.metrics = this.json(patch.metrics);
    for (const k of ['newModelVersion', 'error', 'startedAt', 'finishedAt', 'heartbeatAt'] as const) {
      if (patch[k] !== undefined) data[k] = patch[k];
    }
    return data;
  }

  /**
   * Creates a QUEUED run. Throws TRAINING_IN_PROGRESS when another run is still active
   * (the caller may surface it as is: "one run at a time").
   */
  async create(input: { options: JsonValue; baseModelVersion?: string | null }): Promise<TrainingRunRecord> {
    try {
      const row = await this.db.run((p) =>
        p.trainingRun.create({
          data: {
            status: 'QUEUED',
            options: input.options as object,
            baseModelVersion: input.baseModelVersion ?? null,
            activeSlot: ACTIVE_SLOT,
          },
        }),
      );
      return toTrainingRun(row);
    } catch (e) {
      if (isUniqueViolation(e)) {
        const active = await this.findActive();
        throw new DomainError(ErrorCode.TRAINING_IN_PROGRESS, 'a training run is already in progress', {
          runId: active?.id ?? null,
        });
      }
      throw e;
    }
  }

  async get(id: string): Promise<TrainingRunRecord | null> {
    const row = await this.db.run((p) => p.trainingRun.findUnique({ where: { id } }));
    return row ? toTrainingRun(row) : null;
  }

  /** Newest first, strictly before the cursor. */
  async list(args: PageArgs): Promise<Page<TrainingRunRecord>> {
    const first = checkFirst(args.first);
    const pos = args.after ? decodeCursor(args.after) : null;
    const where = pos
      ? { OR: [{ createdAt: { lt: pos.createdAt } }, { createdAt: pos.createdAt, id: { lt: pos.id } }] }
      : {};
    const rows = await this.db.run((p) =>
      p.trainingRun.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: first + 1 }),
    );
    const items = rows.slice(0, first).map(toTrainingRun);
    const cursors = items.map(encodeCursor);
    return { items, cursors, endCursor: cursors.at(-1) ?? null, hasNextPage: rows.length > first };
  }

  /** The run that is QUEUED/RUNNING/EVALUATING/REINDEXING, if any. */
  async findActive(): Promise<TrainingRunRecord | null> {
    const row = await this.db.run((p) => p.trainingRun.findFirst({ where: { activeSlot: ACTIVE_SLOT } }));
    return row ? toTrainingRun(row) : null;
  }

  /**
   * Moves a run to `to` if its status is one of `from` (default: any active status),
   * applying `patch` in the same statement. Final states set finishedAt (unless given)
   * and free the active slot. Returns the updated run, or null when the run does not
   * exist or was not in `from` (someone else won the race).
   */
  async transition(
    id: string,
    to: TrainingStatus,
    options: { from?: readonly TrainingStatus[]; patch?: TrainingRunPatch } = {},
  ): Promise<TrainingRunRecord | null> {
    if (!TRAINING_STATUSES.includes(to)) throw badInput(`unknown training status ${to}`);
    const from = options.from ?? ACTIVE_TRAINING_STATUSES;
    if (from.some((s) => FINAL_TRAINING_STATUSES.includes(s))) throw badInput('a finished run cannot change status');
    const data = this.data(options.patch ?? {});
    data.status = to;
    const now = new Date();
    if (FINAL_TRAINING_STATUSES.includes(to)) {
      data.activeSlot = null;
      if (data.finishedAt === undefined) data.finishedAt = now;
    }
    if (to === 'RUNNING' && data.startedAt === undefined) data.startedAt = now;
    const { count } = await this.db.run((p) =>
      p.trainingRun.updateMany({ where: { id, status: { in: [...from] } }, data }),
    );
    return count === 0 ? null : this.get(id);
  }

  /**
   * Progress/metrics update of an active run (heartbeatAt set to now unless given).
   * Returns false when the run is gone or already final (the worker should stop).
   */
  async update(id: string, patch: TrainingRunPatch): Promise<boolean> {
    const data = this.data(patch);
    if (data.heartbeatAt === undefined) data.heartbeatAt = new Date();
    const { count } = await this.db.run((p) =>
      p.trainingRun.updateMany({ where: { id, activeSlot: ACTIVE_SLOT }, data }),
    );
    return count > 0;
  }

  /**
   * At start: no worker survives a restart, so every run still marked active was
   * interrupted. Marks them FAILED with `reason`; returns their ids.
   */
  async failInterrupted(reason: string): Promise<string[]> {
    const active = await this.db.run((p) =>
      p.trainingRun.findMany({ where: { activeSlot: ACTIVE_SLOT }, select: { id: true } }),
    );
    const failed: string[] = [];
    for (const { id } of active) {
      if (await this.transition(id, 'FAILED', { patch: { error: reason } })) failed.push(id);
    }
    return failed;
  }
}
