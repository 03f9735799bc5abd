import type { Limits } from '../config';
import { embedMissing } from './embed-missing';
import type { Logger } from './logger';
import { decodeLimitsOf } from './service-context';
import type { ActiveModel, CompanionModel } from './serving-model';
import type { ServiceStore } from './store.port';

/**
 * Embeds enrolled images with the serving pair's companion encoder in the background (SIAMESE_COMPANION_MODEL;
 * companion-model.ts), so that an identity's first verifyIdentity from `fromReferences` references on reads its
 * references' companion vectors instead of embedding them from their bytes in the request. Measured in session 49
 * (docs/experiments/signatures/nearest-writers/companion-costs.json, 2 cores): with five full-resolution signature
 * scans that first call took 1.35–1.49 s without it and 0.17 s with it when asked after the background had run (later
 * calls 0.17–0.18 s); enrolments made while it runs took 1.7–2.0 s instead of 1.0 s for five scans, the companion
 * embedding in a worker thread (main.ts; 2.3–2.8 s when it embedded on the request thread).
 *
 * It wakes on `notify()` (an enrolment committed, the server started, a model swap) and runs embed-missing.ts's pass
 * for the companion's version over every enrolled image without its vector, with a cursor (each image read once per
 * pass), so enrolments from before the companion was configured are embedded too. One pass at a time, CHUNK images per
 * embedder call, each chunk stored before the next is read; verifyIdentity's own lazy write
 * (identity-verification.service.ts) covers what it has not reached.
 *
 * Enrolments this server did not take (another replica's, `siamese import`'s) reach it through the change feed: the
 * follower calls `notifyLater()` when rows add vectors of the serving version (replication/change-follower.ts), and
 * the pass runs once a delay has passed since the latest such rows (FOREIGN_DELAY_MS plus up to half of it at random,
 * so that replicas do not wake together; at most MAX_DEFER delays after the first under a steady stream). For a
 * small enrolment the replica that took it, if it has the companion too, has embedded it by then, and the delayed
 * pass reads that nothing is missing (one query over the images without a companion vector). Otherwise (an import, a
 * replica without the companion, one that stopped mid-pass, or an enrolment longer than the delay) this one embeds
 * them.
 *
 * On PostgreSQL one replica at a time runs a pass (`lock`: an advisory lock on a connection of its own, freed with it
 * if the replica dies, db/work-lock.ts). A refused replica tries again soon (REFUSED_RETRY_MS, doubling up to the
 * foreign delay), so its own enrolments wait about as long as the holder's pass and no longer, and then walks whatever
 * is still missing: mostly nothing, since the holder walked the same images, but an image enrolled during the holder's
 * pass may sort before its cursor (ids are random UUIDs), and that one the later pass finds. Without the lock (SQLite's
 * single writer) or when its connection drops mid-pass, two writers that meet on an image store the same vector and
 * the store reads the lost race again (addEmbeddings): duplicate work, never a wrong vector.
 *
 * It does not queue behind the decode admission: it holds at most CHUNK decodes at once, and a busy server's
 * SERVER_BUSY must not look like an unreadable image to the pass (which skips those).
 */
const CHUNK = 2;
/** After a failed pass (storage, a concurrent write of the same rows), the next one waits this long at least. */
const RETRY_MS = 5_000;
/** How long after another writer's enrolment this server looks for companion vectors still missing (see above). */
export const FOREIGN_DELAY_MS = 10_000;
/** Under a steady stream of other writers' rows, the delayed pass runs at most this many delays after the first. */
export const MAX_DEFER = 4;
/** A pass refused the warm lock tries again after this long, doubling up to the foreign delay. */
export const REFUSED_RETRY_MS = 250;

export interface CompanionWarmerDeps {
  active: ActiveModel;
  store: Pick<ServiceStore, 'imagesMissingEmbedding' | 'addEmbeddings'>;
  limits: Limits;
  logger: Logger;
  /** Delay before a pass for enrolments another writer made (default FOREIGN_DELAY_MS; tests shorten it). */
  foreignDelayMs?: number;
  /** [0, 1) draws for the delay's jitter (default Math.random; tests pin it). */
  random?: () => number;
  /**
   * Across replicas, one pass at a time per companion version (db/work-lock.ts's PostgreSQL advisory lock); absent
   * (SQLite, one writer), every pass runs. A pass that does not get it is tried again after the foreign delay.
   */
  lock?: { tryLock(name: string): Promise<(() => Promise<void>) | undefined> };
}

export class CompanionWarmer {
  private running: Promise<void> | undefined;
  /** Images the companion cannot embed (corrupt bytes, refused by its preprocessing): not retried until a swap. */
  private readonly skipped = new Set<string>();
  private skippedFor: CompanionModel | undefined;
  private again = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private laterTimer: NodeJS.Timeout | undefined;
  /** When the delayed pass is due (the latest foreign rows plus the delay), and when the first of them arrived. */
  private dueAt = 0;
  private deferredSince = 0;
  /** Vectors stored since the server started (for tests and logs). */
  stored = 0;
  /** Passes not run because another replica held the warm lock (tests). */
  deniedPasses = 0;
  private refusedRetryMs = REFUSED_RETRY_MS;

  constructor(private readonly deps: CompanionWarmerDeps) {}

  /** Something may be missing now: run a pass (or one more after the running one). */
  notify(): void {
    if (this.stopped || !this.deps.active.current.companion) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => (this.running = undefined));
  }

  /**
   * Another writer enrolled images (the change feed says so): run a pass once the delay has passed since the latest
   * such rows, so that the enrolling replica's own warmer goes first; under a steady stream of rows, at the latest
   * MAX_DEFER delays after the first (this replica's vectors must not wait for the stream to stop).
   */
  notifyLater(): void {
    if (this.stopped || !this.deps.active.current.companion) return;
    const now = Date.now();
    this.dueAt = Math.max(this.dueAt, now + this.foreignDelay());
    if (this.laterTimer) return;
    this.deferredSince = now;
    this.scheduleLater(now);
  }

  private foreignDelay(): number {
    const base = this.deps.foreignDelayMs ?? FOREIGN_DELAY_MS;
    return base + Math.floor((this.deps.random ?? Math.random)() * (base / 2));
  }

  private scheduleLater(now: number): void {
    const latest = this.deferredSince + MAX_DEFER * (this.deps.foreignDelayMs ?? FOREIGN_DELAY_MS);
    this.laterTimer = setTimeout(
      () => {
        this.laterTimer = undefined;
        const at = Date.now();
        // Rows arrived while waiting: wait for the latest of them too, within the bound.
        if (at < this.dueAt && at < latest) this.scheduleLater(at);
        else this.notify();
      },
      Math.max(0, Math.min(this.dueAt, latest) - now),
    ).unref();
  }

  /** Another replica holds the warm lock: look again soon, less often the longer it holds it (up to the delay). */
  private retryRefused(): void {
    if (this.stopped || this.laterTimer) return;
    const wait = this.refusedRetryMs;
    this.refusedRetryMs = Math.min(2 * wait, this.deps.foreignDelayMs ?? FOREIGN_DELAY_MS);
    this.laterTimer = setTimeout(() => {
      this.laterTimer = undefined;
      this.notify();
    }, wait).unref();
  }

  /** True while a delayed pass is scheduled (tests). */
  get scheduled(): boolean {
    return this.laterTimer !== undefined;
  }

  /** Resolves when no pass is running (tests; `close`). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.laterTimer) clearTimeout(this.laterTimer);
    this.laterTimer = undefined;
    await this.idle();
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      const companion = this.deps.active.current.companion;
      if (!companion || this.stopped) return;
      try {
        // One replica at a time walks the missing images (db/work-lock.ts on PostgreSQL); the others look again later.
        const release = this.deps.lock ? await this.deps.lock.tryLock(`companion-warm:${companion.version}`) : async () => undefined;
        if (!release) {
          this.deniedPasses++;
          this.retryRefused();
          return;
        }
        this.refusedRetryMs = REFUSED_RETRY_MS;
        try {
          await this.pass(companion);
        } finally {
          await release();
        }
      } catch (e) {
        if (this.stopped) return;
        this.deps.logger.error('warning: companion vectors not embedded in the background; verifyIdentity embeds them when asked', {
          version: companion.version,
          error: e instanceof Error ? e.message : String(e),
        });
        this.retryTimer ??= setTimeout(() => {
          this.retryTimer = undefined;
          this.notify();
        }, RETRY_MS).unref();
        return;
      }
    } while (this.again && !this.stopped);
  }

  private async pass(companion: CompanionModel): Promise<void> {
    if (this.skippedFor !== companion) {
      this.skipped.clear();
      this.skippedFor = companion;
    }
    const decodeLimits = decodeLimitsOf(this.deps.limits);
    const stored = await embedMissing({
      version: companion.version,
      source: this.deps.store,
      embedder: { embedImages: (images) => companion.embedder.embedImages(images, decodeLimits) },
      save: (items) => this.deps.store.addEmbeddings(companion.version, items),
      chunk: CHUNK,
      cursor: true,
      skipped: this.skipped,
      // Stop between chunks on close, or when the pair no longer serves this companion (a swap).
      checkpoint: () => {
        if (this.stopped || this.deps.active.current.companion !== companion) throw new StopPass();
      },
      onSkipped: (imageId, e) =>
        this.deps.logger.error('stored image cannot be embedded by the companion', {
          imageId,
          version: companion.version,
          error: e.message,
        }),
    }).catch((e) => {
      if (e instanceof StopPass) return 0;
      throw e;
    });
    this.stored += stored;
    if (stored > 0) this.deps.logger.info('companion vectors embedded', { version: companion.version, images: stored });
  }
}

class StopPass extends Error {}
