/**
 * Keeps this replica's in-process index equal to the shared database (issue 18).
 *
 * Every enrollment, erasure and model activation appends rows to the change feed in its own
 * transaction (src/db/change-log.ts). The follower reads the rows after the last one it
 * applied, in order, and
 *  - applies `embedding.added` / `embedding.removed` of the serving version to the serving
 *    index (apply-changes.ts); an erasure is compacted and saved at once (the vector leaves
 *    this replica's disk too), additions go through the debounced save;
 *  - drops the saved index files of other versions that held an erased vector, or whose vectors
 *    were dropped (`model.dropped`): derived data, rebuilt if that version serves again;
 *  - on `model.activated` of another version, swaps model + index as one object through
 *    ModelActivationService.adopt, in the background: it may take a while (load the model,
 *    open its index), and erasures must keep reaching the index that serves meanwhile. A failed
 *    adoption (e.g. the model directory is not reachable from this host) is retried.
 *
 *  - tells `onVectorsAdded` (the companion warmer's notifyLater, main.ts) when rows add vectors of the serving
 *    version, so that images another writer enrolled get their companion vectors here too (companion-warmer.ts).
 *
 * When: PostgreSQL's NOTIFY at each commit wakes it at once; a timer polls as well (SQLite's
 * only trigger; on PostgreSQL a safety net for a lost connection). Reads are serialised: one
 * pass at a time, and a wake-up during a pass makes one more pass.
 *
 * Read-your-writes: the replica that takes a write adds it to its own index before answering
 * (enrollment.service.ts, identity.service.ts); the feed then brings the same row back, which
 * changes nothing (labels are never reused, applying a row twice is a no-op).
 */
import type { ChangeFeed, ChangeRecord, FeedPosition } from '../../db/change-feed';
import type { IndexLifecycle } from '../index-lifecycle.service';
import type { Logger } from '../logger';
import type { ActiveModel, ServingModel } from '../serving-model';
import type { ServiceStore } from '../store.port';
import { applyToIndex } from './apply-changes';

export interface ChangeFollowerDeps {
  feed: ChangeFeed;
  active: ActiveModel;
  indexes: IndexLifecycle;
  store: Pick<ServiceStore, 'vectorsByLabels'>;
  /** Swaps in a version another replica activated (ModelActivationService.adopt). */
  adopt(version: string): Promise<unknown>;
  logger: Logger;
  /** Poll period (ms). */
  pollMs: number;
  /** Rows per read (default 1000). */
  batch?: number;
  /** Called after a batch in which rows added vectors of the serving version (from any writer, this one included). */
  onVectorsAdded?: () => void;
}

/** Wait before retrying an adoption that failed (a model directory this host cannot reach…). */
const ADOPT_RETRY_MS = 10_000;

export class ChangeFollower {
  private position: FeedPosition = { seq: 0, at: '' };
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;
  private pass: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** The version the feed last activated, while this replica has not swapped to it yet. */
  private wanted: string | undefined;
  private adopting: Promise<void> | undefined;
  private adoptNotBefore = 0;
  private readonly waiters = new Set<{ seq: number; resolve: () => void }>();

  constructor(private readonly deps: ChangeFollowerDeps) {}

  /** The last feed row applied. */
  get applied(): FeedPosition {
    return this.position;
  }

  /** Starts after `from` (the position the opened index reflects). */
  async start(from: FeedPosition): Promise<void> {
    this.position = from;
    this.timer = setInterval(() => this.wake(), this.deps.pollMs);
    this.timer.unref();
    if (this.deps.feed.pushes) {
      try {
        this.unsubscribe = await this.deps.feed.subscribe(
          () => this.wake(),
          (e) => this.deps.logger.error('change feed connection lost; polling until it is back', { error: e.message }),
        );
      } catch (e) {
        this.deps.logger.error('change feed LISTEN failed; following by polling only', { error: (e as Error).message });
      }
    }
    this.wake();
  }

  /** Reads the feed now (or once more after the pass in progress). */
  wake(): void {
    if (this.stopped) return;
    if (this.pass) {
      this.again = true;
      return;
    }
    this.pass = this.drain()
      .catch((e: Error) => this.deps.logger.error('change feed pass failed; retrying at the next poll', { error: e.message }))
      .finally(() => {
        this.pass = undefined;
        if (this.again && !this.stopped) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Resolves once every row up to `seq` is applied (tests, tools). */
  waitFor(seq: number): Promise<void> {
    if (this.position.seq >= seq) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.add({ seq, resolve });
      this.wake();
    });
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.unsubscribe?.().catch(() => undefined);
    await this.pass;
    await this.adopting;
    for (const w of this.waiters) w.resolve();
    this.waiters.clear();
  }

  private async drain(): Promise<void> {
    const take = this.deps.batch ?? 1000;
    for (;;) {
      const rows = await this.deps.feed.readSince(this.position.seq, take);
      if (rows.length > 0) await this.apply(rows);
      if (rows.length < take || this.stopped) break;
    }
    this.maybeAdopt();
  }

  private async apply(rows: ChangeRecord[]): Promise<void> {
    // Only the last activation of a batch matters: an earlier one is superseded before it could serve.
    const lastActivation = [...rows].reverse().find((r) => r.kind === 'model.activated');
    if (lastActivation?.modelVersion) this.wanted = lastActivation.modelVersion;

    const model = this.deps.active.current;
    const shared = (model.index as { kind?: string }).kind === 'pgvector';
    if (!shared) {
      const { added, removed } = await applyToIndex(this.deps.store, model.version, model.index, rows);
      const last = rows[rows.length - 1];
      this.deps.indexes.setFeedPosition(model.version, { seq: last.seq, at: last.createdAt.toISOString() });
      if (removed > 0) this.erased(model, removed);
      else if (added > 0) this.deps.indexes.scheduleSave(model);
    }
    // Saved indexes of other versions that held an erased vector, or whose vectors were dropped.
    const stale = new Set<string>();
    for (const r of rows) {
      if ((r.kind === 'embedding.removed' || r.kind === 'model.dropped') && r.modelVersion && r.modelVersion !== model.version)
        stale.add(r.modelVersion);
    }
    for (const version of stale) if (version !== this.deps.active.current.version) this.deps.indexes.discard(version);

    const last = rows[rows.length - 1];
    this.position = { seq: last.seq, at: last.createdAt.toISOString() };
    for (const w of this.waiters) {
      if (w.seq <= this.position.seq) {
        this.waiters.delete(w);
        w.resolve();
      }
    }
    // After the position moved: a hook that throws must not make these rows be read again at every poll.
    if (this.deps.onVectorsAdded && rows.some((r) => r.kind === 'embedding.added' && r.modelVersion === model.version)) {
      try {
        this.deps.onVectorsAdded();
      } catch (e) {
        this.deps.logger.error('change feed listener failed', { error: (e as Error).message });
      }
    }
  }

  /** Same policy as IdentityService.eraseVectors: compact when small or when tombstones pile up, then save now. */
  private erased(model: ServingModel, removed: number): void {
    const idx = model.index as { compact?: () => void; deletedCount?: number; size?: number };
    const size = idx.size ?? 0;
    if (removed > 0 && idx.compact && (size < 10_000 || (idx.deletedCount ?? 0) > 0.1 * size)) idx.compact();
    this.deps.indexes.saveModelNow(model);
  }

  /** Swaps to the version the feed activated, in the background (see the file comment). */
  private maybeAdopt(): void {
    const version = this.wanted;
    if (!version || this.adopting || this.stopped) return;
    if (this.deps.active.current.version === version) {
      this.wanted = undefined;
      return;
    }
    if (Date.now() < this.adoptNotBefore) return;
    this.adopting = Promise.resolve()
      .then(() => this.deps.adopt(version))
      .then(
        () => {
          if (this.wanted === version) this.wanted = undefined;
        },
        (e: Error) => {
          this.adoptNotBefore = Date.now() + ADOPT_RETRY_MS;
          this.deps.logger.error('model activated by another replica cannot be served here yet; retrying', { version, error: e.message });
        },
      )
      .finally(() => {
        this.adopting = undefined;
        // A newer activation may have arrived meanwhile.
        if (this.wanted && this.wanted !== this.deps.active.current.version) this.wake();
      });
  }
}
