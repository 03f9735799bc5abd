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
 * (identity-verification.service.ts) covers what it has not reached, and enrolments made through another replica or
 * `siamese import` (this warmer hears only its own server's; they are embedded at its next start or on first use).
 * It does not queue behind the decode admission: it holds at most CHUNK decodes at once, and a busy server's
 * SERVER_BUSY must not look like an unreadable image to the pass (which skips those).
 */
const CHUNK = 2;
/** After a failed pass (storage, a concurrent write of the same rows), the next one waits this long at least. */
const RETRY_MS = 5_000;

export interface CompanionWarmerDeps {
  active: ActiveModel;
  store: Pick<ServiceStore, 'imagesMissingEmbedding' | 'addEmbeddings'>;
  limits: Limits;
  logger: Logger;
}

export class CompanionWarmer {
  private running: Promise<void> | undefined;
  /** Images the companion cannot embed (corrupt bytes, refused by its preprocessing): not retried until a swap. */
  private readonly skipped = new Set<string>();
  private skippedFor: CompanionModel | undefined;
  private again = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Vectors stored since the server started (for tests and logs). */
  stored = 0;

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

  /** Resolves when no pass is running (tests; `close`). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.idle();
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      const companion = this.deps.active.current.companion;
      if (!companion || this.stopped) return;
      try {
        await this.pass(companion);
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
