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
import { embedMissing } from './embed-missing';
import type { ChangeFeed, FeedPosition } from '../db/change-feed';
import { applyToIndex } from './replication/apply-changes';
import { ExactIndex } from '../index/exact.index';
import type { VectorIndex } from '../index/vector-index';
import type { SharedIndexProvider } from './shared-index.port';

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
  /** In this process (hnsw, exact: PersistableIndex) or shared in the database (pgvector). */
  index: VectorIndex;
  /** How it was obtained, for logs and tests. */
  origin: 'loaded' | 'repaired' | 'rebuilt';
  embeddedAtStart: number;
  /**
   * With a change feed (issue 18): the feed position the index reflects, where a follower
   * starts. Null without a feed.
   */
  feed: FeedPosition | null;
}

/** Feed rows read per page when a loaded index catches up from its saved position. */
const FEED_PAGE = 5000;

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
  /** Per version: the change-feed position its in-memory index reflects, saved in its sidecar. */
  private readonly feedPositions = new Map<string, FeedPosition>();
  /** Issue 18: a process that only writes the database (`siamese import`) leaves the index files to the servers. */
  private readonly readOnly: boolean;
  /** SIAMESE_INDEX=pgvector: indexes live in the database; nothing here is loaded or saved. */
  private readonly shared: SharedIndexProvider | undefined;

  constructor(
    private readonly store: ServiceStore,
    private readonly dir: string,
    private readonly settings: IndexSettings,
    private readonly logger: Logger,
    private readonly health?: StorageHealth,
    options: { readOnly?: boolean; shared?: SharedIndexProvider } = {},
  ) {
    this.readOnly = options.readOnly ?? false;
    this.shared = options.shared;
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
  async open(version: string, card: ModelCard, embedder: EmbedderPort, feed?: ChangeFeed): Promise<OpenedIndex> {
    if (this.shared) return this.openShared(this.shared, version, card, embedder);
    if (this.readOnly) {
      // `siamese import` (issue 18): it writes rows (and their feed entries) only; the servers
      // index them. An empty in-memory index takes its enrollments and is never saved.
      return { index: await this.rebuildEmpty(card), origin: 'rebuilt', embeddedAtStart: 0, feed: null };
    }
    // Read first: every change after it is applied later by the follower, or replayed (idempotent).
    const head = feed ? await feed.head() : null;
    const embeddedAtStart = await this.embedMissing(version, embedder);
    const name = IndexLifecycle.indexName(version);
    const loaded = loadIndex(this.dir, name, {
      modelFingerprint: card.fingerprint,
      metric: card.metric,
      dimension: card.architecture.embeddingDim,
    });

    // Issue 18: a saved index that knows its feed position applies only the changes after it
    // (no full label scan of the database: what makes a restart at 10M vectors cheap).
    if (feed && head && !isLoadFailure(loaded) && loaded.sidecar.feed) {
      const resumed = await this.resumeFromFeed(version, loaded.index, loaded.sidecar.feed, head, feed);
      if (resumed) {
        this.applySettings(loaded.index);
        this.feedPositions.set(version, resumed.position);
        const origin = resumed.changed > 0 ? 'repaired' : 'loaded';
        if (origin !== 'loaded' || embeddedAtStart > 0) this.trySave({ version, card, index: loaded.index });
        this.logger.info('index ready', { version, origin, vectors: loaded.index.size, embeddedAtStart, feedSeq: resumed.position.seq });
        return { index: loaded.index, origin, embeddedAtStart, feed: resumed.position };
      }
    }

    const dbLabels = await this.store.allLabels(version);
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
    if (head) this.feedPositions.set(version, head);
    // Not fatal when it fails: the index serves from memory and the save is retried.
    if (origin !== 'loaded' || embeddedAtStart > 0 || (head !== null && (isLoadFailure(loaded) || loaded.sidecar.feed?.seq !== head.seq)))
      this.trySave({ version, card, index });
    this.logger.info('index ready', { version, origin, vectors: index.size, embeddedAtStart });
    return { index, origin, embeddedAtStart, feed: head };
  }

  /**
   * The feed position the in-memory index of `version` now reflects (the follower calls this
   * after applying rows); it goes into the sidecar at the next save.
   */
  setFeedPosition(version: string, position: FeedPosition): void {
    this.feedPositions.set(version, position);
  }

  /**
   * Applies the feed rows after `saved` to a loaded index. Null when the position cannot be
   * trusted in this database (its row is gone or differs: a restored or different database; or
   * the version's vectors were dropped since): the caller then reconciles label by label.
   */
  private async resumeFromFeed(
    version: string,
    index: PersistableIndex,
    saved: FeedPosition,
    head: FeedPosition,
    feed: ChangeFeed,
  ): Promise<{ position: FeedPosition; changed: number } | null> {
    if (saved.seq > head.seq) return null;
    const here = await feed.position(saved.seq);
    if (!here || here.at !== saved.at) return null;
    let position = saved;
    let changed = 0;
    let removed = 0;
    for (;;) {
      const rows = await feed.readSince(position.seq, FEED_PAGE);
      if (rows.length === 0) break;
      if (rows.some((r) => r.kind === 'model.dropped' && r.modelVersion === version)) return null;
      const applied = await applyToIndex(this.store, version, index, rows);
      changed += applied.added + applied.removed;
      removed += applied.removed;
      const last = rows[rows.length - 1];
      position = { seq: last.seq, at: last.createdAt.toISOString() };
    }
    if (removed > 0 && index.kind === 'hnsw') index.compact();
    if (changed > 0) this.logger.info('index caught up from the change feed', { version, from: saved.seq, to: position.seq, changed });
    return { position, changed };
  }

  /**
   * SIAMESE_INDEX=pgvector: the version's index is a table in the database. Opening it
   * embeds what has no vector yet and brings the table up to the Embedding rows (vectors
   * committed by an enrollment whose process died before its insert; with the table's
   * foreign key, erased rows are already gone). Nothing is loaded into memory or saved.
   * A `siamese import` (readOnly) opens the table too: its enrollments insert there.
   */
  private async openShared(shared: SharedIndexProvider, version: string, card: ModelCard, embedder: EmbedderPort): Promise<OpenedIndex> {
    const embeddedAtStart = this.readOnly ? 0 : await this.embedMissing(version, embedder);
    const opened = await shared.open(version, card.metric, card.architecture.embeddingDim);
    const changed =
      this.readOnly && !opened.created ? false : await this.reconcile(version, opened.index, await this.store.allLabels(version));
    await opened.finish();
    const origin: OpenedIndex['origin'] = opened.created ? 'rebuilt' : changed ? 'repaired' : 'loaded';
    this.logger.info('index ready', { version, origin, kind: shared.kind, vectors: await opened.index.count(), embeddedAtStart });
    return { index: opened.index, origin, embeddedAtStart, feed: null };
  }

  /** An empty in-process index of the configured kind (SIAMESE_INDEX=hnsw or exact). */
  private emptyIndex(card: ModelCard, capacity: number): PersistableIndex {
    if (this.settings.kind === 'exact') {
      return new ExactIndex({ metric: card.metric, dimension: card.architecture.embeddingDim, initialCapacity: capacity });
    }
    return new HnswIndex({
      metric: card.metric,
      dimension: card.architecture.embeddingDim,
      M: this.settings.m,
      efConstruction: this.settings.efConstruction,
      ef: this.settings.efSearch,
      initialCapacity: capacity,
    });
  }

  private async rebuildEmpty(card: ModelCard): Promise<PersistableIndex> {
    return this.emptyIndex(card, 1024);
  }

  /** Fresh index from every vector the database holds for `version`. */
  async rebuild(version: string, card: ModelCard, expected: number): Promise<PersistableIndex> {
    const index = this.emptyIndex(card, Math.max(1024, expected));
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
    if (model.index.kind === 'pgvector') return true; // it is in the database already: no file to write
    if (this.readOnly) return true;
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
    if (this.readOnly) return;
    const name = IndexLifecycle.indexName(version);
    for (const f of [sidecarPath(this.dir, name), indexFilePath(this.dir, name, 'hnsw'), indexFilePath(this.dir, name, 'exact')]) {
      fs.rmSync(f, { force: true });
    }
  }

  private saveNow(version: string, card: ModelCard, index: PersistableIndex): void {
    // The feed position is read now, before writing: the index holds at least what it says.
    const feed = this.feedPositions.get(version) ?? null;
    saveIndex(this.dir, IndexLifecycle.indexName(version), index, { modelFingerprint: card.fingerprint, modelVersion: version, feed });
  }

  private applySettings(index: PersistableIndex): void {
    if (index.kind === 'hnsw') index.ef = this.settings.efSearch;
  }

  /** Makes the index's label set equal the database's. Returns whether anything changed. */
  private async reconcile(version: string, index: VectorIndex, dbLabels: number[], removeExtra = true): Promise<boolean> {
    const inDb = new Set(dbLabels);
    // One labels() read, not a has() per label: for a database index (pgvector) each call is a query.
    const inIndex = new Set(await index.labels());
    const extra = removeExtra ? [...inIndex].filter((l) => !inDb.has(l)) : [];
    const missing = dbLabels.filter((l) => !inIndex.has(l));
    for (const l of extra) await index.remove(l);
    for (let i = 0; i < missing.length; i += PAGE) {
      const rows = await this.store.vectorsByLabels(version, missing.slice(i, i + PAGE));
      if (index.addMany) await index.addMany(rows);
      else for (const { label, vector } of rows) await index.add(label, vector);
    }
    if (extra.length > 0 && index.kind === 'hnsw') (index as HnswIndex).compact();
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

  /** Embeds and stores what has no vector for `version` yet (embed-missing.ts). */
  private embedMissing(version: string, embedder: EmbedderPort): Promise<number> {
    return embedMissing({
      version,
      source: this.store,
      embedder,
      save: (items) => this.store.addEmbeddings(version, items),
      chunk: EMBED_CHUNK,
      onSkipped: (imageId, e) => this.logger.error('stored image cannot be embedded', { imageId, error: e.message }),
    });
  }
}
