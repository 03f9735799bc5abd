import * as fs from 'fs';
import * as path from 'path';
import { HnswIndex } from '../index/hnsw.index';
import { indexFilePath, isLoadFailure, loadIndex, saveIndex, sidecarPath, type PersistableIndex } from '../index/index-store';
import type { ModelCard } from '../embedding/model-card';
import type { IndexSettings } from '../config';
import type { Logger } from './logger';
import type { EmbedderPort, ServingModel } from './serving-model';
import type { ServiceStore } from './store.port';

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
 */
export interface OpenedIndex {
  index: PersistableIndex;
  /** How it was obtained, for logs and tests. */
  origin: 'loaded' | 'repaired' | 'rebuilt';
  embeddedAtStart: number;
}

const PAGE = 1000;
const EMBED_CHUNK = 32;

export class IndexLifecycle {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly dirty = new Map<string, ServingModel>();

  constructor(
    private readonly store: ServiceStore,
    private readonly dir: string,
    private readonly settings: IndexSettings,
    private readonly logger: Logger,
  ) {}

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
      this.logger.info('index rebuild', { version, reason: loaded.reason, detail: loaded.detail, vectors: dbLabels.length });
      index = await this.rebuild(version, card, dbLabels.length);
      origin = 'rebuilt';
    } else {
      index = loaded.index;
      origin = (await this.reconcile(version, index, dbLabels)) ? 'repaired' : 'loaded';
      this.applySettings(index);
    }
    if (origin !== 'loaded' || embeddedAtStart > 0) this.saveNow(version, card, index);
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
    const name = IndexLifecycle.indexName(version);
    for (const f of [sidecarPath(this.dir, name), indexFilePath(this.dir, name, 'hnsw'), indexFilePath(this.dir, name, 'exact')]) {
      fs.rmSync(f, { force: true });
    }
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

  /** Immediate save (after an erasure: the removed vectors must leave the disk now). */
  saveModelNow(model: ServingModel): void {
    const t = this.timers.get(model.version);
    if (t) clearTimeout(t);
    this.timers.delete(model.version);
    this.dirty.delete(model.version);
    this.saveNow(model.version, model.card, model.index as PersistableIndex);
  }

  /** Writes every pending save (graceful shutdown). */
  flush(): void {
    for (const [key, t] of this.timers) {
      clearTimeout(t);
      this.timers.delete(key);
    }
    for (const m of this.dirty.values()) this.trySave(m);
    this.dirty.clear();
  }

  private trySave(model: ServingModel): void {
    try {
      this.saveNow(model.version, model.card, model.index as PersistableIndex);
    } catch (e) {
      // The database still has everything: the next start repairs the index.
      this.logger.error('index save failed', { version: model.version, error: (e as Error).message });
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
