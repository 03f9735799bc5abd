import * as fs from 'fs';
import * as path from 'path';
import { HnswIndex } from '../index/hnsw.index';
import { indexFilePath, isLoadFailure, loadIndex, saveIndex, sidecarPath, type PersistableIndex } from '../index/index-store';
import type { ModelCard } from '../embedding/model-card';
import type { IndexSettings } from '../config';
import type { Logger } from './logger';
import type { EmbedderPort, ServingModel } from './serving-model';
import type { ServiceStore } from './store.port';
import type { StorageHealth } from './storage-health';
import { classifyStorageError } from '../db/storage-errors';

/**
 * Owns the on-disk life of each model version's index under
 * `<dataDir>/index/`. The database is the source of truth; the index is a
 * cache of it that is
 *  - opened at start: loaded when its sidecar matches the model, then
 *    reconciled label-by-label against the database (vectors committed but not
 *    yet saved are added, vectors of rows deleted before a crash are removed);
 *    rebuilt from the database when missing, foreign or corrupt;
 *  - saved atomically (index-store.ts) after changes, debounced so a burst of
 *    enrollments costs one write; erasures are saved at once.
 *
 * A save that fails (full disk, read-only directory) never fails the request
 * that caused it: the database committed, the in-memory index serves, and the
 * previous saved files stay as they were (index-store.ts never replaces them
 * with a short file). The failure marks the index area of StorageHealth
 * degraded and the save is retried with a backoff (1 s doubling to 30 s) and
 * at once when the database reports a successful write again (space is back).
 * An erasure whose save fails deletes the saved files instead: they still
 * hold the erased vectors, and the index is rebuilt from the database at start.
 */
export interface OpenedIndex {
  index: PersistableIndex;
  /** How it was obtained, for logs and tests. */
  origin: 'loaded' | 'repaired' | 'rebuilt';
  embeddedAtStart: number;
}

const PAGE = 1000;
const EMBED_CHUNK = 32;
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;

export class IndexLifecycle {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly dirty = new Map<string, ServingModel>();
  /** Saves that failed, by version, waiting for the retry timer or for the storage to recover. */
  private readonly failedSaves = new Map<string, ServingModel>();
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelayMs = 0;

  constructor(
    private readonly store: ServiceStore,
    private readonly dir: string,
    private readonly settings: IndexSettings,
    private readonly logger: Logger,
    private readonly health?: StorageHealth,
  ) {
    health?.onWritable(() => {
      if (this.failedSaves.size === 0) return;
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      this.retryFailedSaves();
    });
  }

  static indexDir(dataDir: string): string {
    return path.join(dataDir, 'index');
  }

  static indexName(version: string): string {
    return `model-${version.replace(/[^A-Za-z0-9._-]/g, '_')}`;
  }

  /**
   * Embeds enrolled images that have no vector for this model version yet
   * (a fresh model, or a crash mid re-embedding), then loads or rebuilds the
   * index so it holds exactly the database's vectors for `version`.
   */
  async open(version: string, card: ModelCard, embedder: EmbedderPort): Promise<OpenedIndex> {
    const embeddedAtStart = await this.embedMissing(version, embedder);
    const dbLabels = await this.store.allLabels(version);
    const name = IndexLifecycle.indexName(version);
    const loaded = loadIndex(this.dir, name, {
      modelFingerprint: card.fingerprint,
      metric: card.metric,
      dimension: card.architecture.embeddingDim,
    });

    let index: PersistableIndex;
    let origin: OpenedIndex['origin'];
    if (isLoadFailure(loaded)) {
      // A corrupt file is replaced by the rebuild: say so where operators look.
      const meta = { version, reason: loaded.reason, detail: loaded.detail, vectors: dbLabels.length };
      if (loaded.reason === 'corrupt') this.logger.error('index rebuild', meta);
      else this.logger.info('index rebuild', meta);
      index = await this.rebuild(version, card, dbLabels.length);
      origin = 'rebuilt';
    } else {
      index = loaded.index;
      origin = (await this.reconcile(version, index, dbLabels)) ? 'repaired' : 'loaded';
      this.applySettings(index);
    }
    // Not fatal when it fails: the index serves from memory and the save is retried.
    if (origin !== 'loaded' || embeddedAtStart > 0) this.trySave({ version, card, index });
    this.logger.info('index ready', { version, origin, vectors: index.size, embeddedAtStart });
    return { index, origin, embeddedAtStart };
  }

  /** Fresh index from every vector the database holds for `version`. */
  async rebuild(version: string, card: ModelCard, expected: number): Promise<PersistableIndex> {
    const index = new HnswIndex({
      metric: card.metric,
      dimension: card.architecture.embeddingDim,
      M: this.settings.m,
      efConstruction: this.settings.efConstruction,
      ef: this.settings.efSearch,
      initialCapacity: Math.max(1024, expected),
    });
    let after = -1;
    for (;;) {
      const page = await this.store.vectorsPage(version, after, PAGE);
      if (page.length === 0) break;
      for (const { label, vector } of page) index.add(label, vector);
      after = page[page.length - 1].label;
      // Let the event loop breathe between pages (health checks during a long rebuild).
      await new Promise((r) => setImmediate(r));
    }
    return index;
  }

  /**
   * Brings a serving pair's index up to the database: embeds enrolled images
   * that have no vector for its version yet and adds every missing vector
   * (deletions are applied by the delete path itself). For a model swap: build the new pair
   * with `open`, swap it in, then `catchUp` it to pick up enrollments that
   * committed during the build. Returns the number of vectors changed.
   */
  async catchUp(model: ServingModel): Promise<number> {
    const embedded = await this.embedMissing(model.version, model.embedder);
    const index = model.index as PersistableIndex;
    // Add only: while serving, a label in the index but not in a label list read
    // a moment ago is an enrollment that just committed, not a stale vector.
    const changed = await this.reconcile(model.version, index, await this.store.allLabels(model.version), false);
    if (changed || embedded > 0) this.scheduleSave(model);
    return embedded + (changed ? 1 : 0);
  }

  /**
   * Deletes the saved index of a version that is not being served. Used on
   * erasure: an inactive version's file would otherwise keep the erased
   * vectors; it is derived data and is rebuilt from the database if that
   * version is activated again.
   */
  discard(version: string): void {
    const t = this.timers.get(version);
    if (t) clearTimeout(t);
    this.timers.delete(version);
    this.dirty.delete(version);
    this.failedSaves.delete(version);
    this.removeFiles(version);
  }

  /** Debounced save of the pair's index. */
  scheduleSave(model: ServingModel): void {
    const key = model.version;
    this.dirty.set(key, model);
    if (this.timers.has(key)) return;
    const t = setTimeout(() => {
      this.timers.delete(key);
      const m = this.dirty.get(key);
      this.dirty.delete(key);
      if (m) this.trySave(m);
    }, this.settings.saveDebounceMs);
    t.unref();
    this.timers.set(key, t);
  }

  /**
   * Immediate save (after an erasure: the removed vectors must leave the disk now). When the
   * save fails, the saved files are deleted instead (they hold the erased vectors) and the
   * save is retried later; never throws: the erasure itself committed.
   */
  saveModelNow(model: ServingModel): void {
    const t = this.timers.get(model.version);
    if (t) clearTimeout(t);
    this.timers.delete(model.version);
    this.dirty.delete(model.version);
    if (this.trySave(model)) return;
    try {
      this.removeFiles(model.version);
    } catch (e) {
      this.logger.error('stale index files cannot be deleted', { version: model.version, error: (e as Error).message });
    }
  }

  /** Writes every pending save, failed ones included (graceful shutdown). */
  flush(): void {
    for (const [key, t] of this.timers) {
      clearTimeout(t);
      this.timers.delete(key);
    }
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const pending = new Map([...this.failedSaves, ...this.dirty]);
    this.failedSaves.clear();
    this.dirty.clear();
    for (const m of pending.values()) this.trySave(m);
    if (this.retryTimer) clearTimeout(this.retryTimer); // shutting down: no retry after this
    this.retryTimer = undefined;
  }

  /** True when saved. On failure: health degraded, retry armed; the database still has everything. */
  private trySave(model: Pick<ServingModel, 'version' | 'card' | 'index'>): boolean {
    try {
      this.saveNow(model.version, model.card, model.index as PersistableIndex);
    } catch (e) {
      const firstFailure = this.failedSaves.size === 0;
      this.failedSaves.set(model.version, model as ServingModel);
      this.health?.failed('index', classifyStorageError(e) ?? 'unavailable', e);
      if (firstFailure) this.logger.error('index save failed; retrying', { version: model.version, error: (e as Error).message });
      this.armRetry();
      return false;
    }
    this.failedSaves.delete(model.version);
    if (this.failedSaves.size === 0) {
      this.retryDelayMs = 0;
      this.health?.succeeded('index');
    }
    return true;
  }

  private armRetry(): void {
    if (this.retryTimer) return;
    this.retryDelayMs = this.retryDelayMs === 0 ? RETRY_FIRST_MS : Math.min(RETRY_MAX_MS, this.retryDelayMs * 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.retryFailedSaves();
    }, this.retryDelayMs);
    this.retryTimer.unref();
  }

  private retryFailedSaves(): void {
    const pending = [...this.failedSaves.values()];
    for (const m of pending) {
      // A newer debounced save of the same version is on its way: let it carry the changes.
      if (!this.timers.has(m.version)) this.trySave(m);
    }
  }

  private removeFiles(version: string): void {
    const name = IndexLifecycle.indexName(version);
    for (const f of [sidecarPath(this.dir, name), indexFilePath(this.dir, name, 'hnsw'), indexFilePath(this.dir, name, 'exact')]) {
      fs.rmSync(f, { force: true });
    }
  }

  private saveNow(version: string, card: ModelCard, index: PersistableIndex): void {
    saveIndex(this.dir, IndexLifecycle.indexName(version), index, { modelFingerprint: card.fingerprint, modelVersion: version });
  }

  private applySettings(index: PersistableIndex): void {
    if (index instanceof HnswIndex) index.ef = this.settings.efSearch;
  }

  /** Makes the index's label set equal the database's. Returns whether anything changed. */
  private async reconcile(version: string, index: PersistableIndex, dbLabels: number[], removeExtra = true): Promise<boolean> {
    const inDb = new Set(dbLabels);
    const extra = removeExtra ? index.labels().filter((l) => !inDb.has(l)) : [];
    const missing = dbLabels.filter((l) => !index.has(l));
    for (const l of extra) index.remove(l);
    for (let i = 0; i < missing.length; i += PAGE) {
      const rows = await this.store.vectorsByLabels(version, missing.slice(i, i + PAGE));
      for (const { label, vector } of rows) index.add(label, vector);
    }
    if (extra.length > 0 && index instanceof HnswIndex) index.compact();
    if (extra.length > 0 && dbLabels.length === 0) {
      // Legitimate only if everything was erased just before a crash: worth an operator's look.
      this.logger.error('index emptied: the database holds no vectors for this model', { version, removed: extra.length });
      return true;
    }
    if (extra.length + missing.length > 0) {
      this.logger.info('index repaired', { version, removed: extra.length, added: missing.length });
      return true;
    }
    return false;
  }

  private async embedMissing(version: string, embedder: EmbedderPort): Promise<number> {
    let done = 0;
    const failed = new Set<string>();
    for (;;) {
      const batch = (await this.store.imagesMissingEmbedding(version, EMBED_CHUNK + failed.size)).filter((b) => !failed.has(b.id));
      if (batch.length === 0) break;
      const chunk = batch.slice(0, EMBED_CHUNK);
      const ok: Array<{ imageId: string; vector: Float32Array }> = [];
      try {
        const vectors = await embedder.embedImages(chunk.map((b) => b.bytes));
        chunk.forEach((b, i) => ok.push({ imageId: b.id, vector: vectors[i] }));
      } catch {
        // One bad image must not stop the others: retry the chunk one by one.
        for (const b of chunk) {
          try {
            const [v] = await embedder.embedImages([b.bytes]);
            ok.push({ imageId: b.id, vector: v });
          } catch (e) {
            failed.add(b.id);
            this.logger.error('stored image cannot be embedded', { imageId: b.id, error: (e as Error).message });
          }
        }
      }
      if (ok.length > 0) await this.store.addEmbeddings(version, ok);
      done += ok.length;
    }
    return done;
  }
}
