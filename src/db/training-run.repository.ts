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

/** The error of a run failed because its replica stopped heartbeating (issue 18). */
export const LEASE_EXPIRED_REASON =
  'lease expired: the server running this run stopped sending heartbeats (crashed or cut off); the previous model stayed active';

/** Active runs whose last heartbeat (or, before the first one, creation) is older than `cutoff`. */
const expiredWhere = (cutoff: Date) => [{ heartbeatAt: { lt: cutoff } }, { heartbeatAt: null, createdAt: { lt: cutoff } }];

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
   * (the caller may surface it as is: "one run at a time"), on any replica: the unique active
   * slot lives in the shared database. `holder` names the replica (issue 18); with `leaseMs`,
   * a run holding the slot whose heartbeat expired is failed first (failExpired).
   */
  async create(input: {
    options: JsonValue;
    baseModelVersion?: string | null;
    holder?: string | null;
    leaseMs?: number;
  }): Promise<TrainingRunRecord> {
    const insert = () =>
      this.db.run((p) =>
        p.trainingRun.create({
          data: {
            status: 'QUEUED',
            options: input.options as object,
            baseModelVersion: input.baseModelVersion ?? null,
            activeSlot: ACTIVE_SLOT,
            holder: input.holder ?? null,
          },
        }),
      );
    try {
      return toTrainingRun(await insert());
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      // Issue 18: the slot may be held by a run whose replica died (its lease expired): free it once.
      if (input.leaseMs !== undefined && (await this.failExpired(input.leaseMs, LEASE_EXPIRED_REASON)).length > 0) {
        try {
          return toTrainingRun(await insert());
        } catch (again) {
          if (!isUniqueViolation(again)) throw again;
        }
      }
      const active = await this.findActive();
      throw new DomainError(ErrorCode.TRAINING_IN_PROGRESS, 'a training run is already in progress', {
        runId: active?.id ?? null,
      });
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
    const where = pos ? { OR: [{ createdAt: { lt: pos.createdAt } }, { createdAt: pos.createdAt, id: { lt: pos.id } }] } : {};
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
    const { count } = await this.db.run((p) => p.trainingRun.updateMany({ where: { id, status: { in: [...from] } }, data }));
    return count === 0 ? null : this.get(id);
  }

  /**
   * Progress/metrics update of an active run (heartbeatAt set to now unless given).
   * Returns false when the run is gone or already final (the worker should stop).
   */
  async update(id: string, patch: TrainingRunPatch): Promise<boolean> {
    const data = this.data(patch);
    if (data.heartbeatAt === undefined) data.heartbeatAt = new Date();
    const { count } = await this.db.run((p) => p.trainingRun.updateMany({ where: { id, activeSlot: ACTIVE_SLOT }, data }));
    return count > 0;
  }

  /**
   * At start: no worker survives a restart, so every run still marked active was
   * interrupted. Marks them FAILED with `reason`; returns their ids.
   */
  async failInterrupted(reason: string, replica?: { holder: string; leaseMs: number }): Promise<string[]> {
    // Issue 18: with replicas, only this replica's own runs (held under its name, or under no
    // name: written before holders existed) and runs whose lease expired were interrupted.
    const cutoff = replica ? new Date(Date.now() - replica.leaseMs) : null;
    const where = replica
      ? { activeSlot: ACTIVE_SLOT, OR: [{ holder: replica.holder }, { holder: null }, ...expiredWhere(cutoff!)] }
      : { activeSlot: ACTIVE_SLOT };
    const active = await this.db.run((p) => p.trainingRun.findMany({ where, select: { id: true } }));
    const failed: string[] = [];
    for (const { id } of active) {
      if (await this.transition(id, 'FAILED', { patch: { error: reason } })) failed.push(id);
    }
    return failed;
  }

  /**
   * Issue 18, the training lease: marks FAILED every active run whose heartbeat is older than
   * `leaseMs` (its replica crashed or lost the database). Compare-and-set on the stale heartbeat,
   * so a run that beats meanwhile is left alone. Returns the ids failed. Heartbeats are written
   * with the holder's clock and compared with this one's: keep clocks in sync (NTP) well within
   * the lease.
   */
  async failExpired(leaseMs: number, reason: string = LEASE_EXPIRED_REASON): Promise<string[]> {
    const cutoff = new Date(Date.now() - leaseMs);
    const stale = await this.db.run((p) =>
      p.trainingRun.findMany({ where: { activeSlot: ACTIVE_SLOT, OR: expiredWhere(cutoff) }, select: { id: true } }),
    );
    const failed: string[] = [];
    for (const { id } of stale) {
      const now = new Date();
      const { count } = await this.db.run((p) =>
        p.trainingRun.updateMany({
          where: { id, activeSlot: ACTIVE_SLOT, OR: expiredWhere(cutoff) },
          data: { status: 'FAILED', activeSlot: null, finishedAt: now, error: reason },
        }),
      );
      if (count > 0) failed.push(id);
    }
    return failed;
  }
}
