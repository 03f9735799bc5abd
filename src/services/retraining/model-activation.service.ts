/**
 * Makes a model version the serving one, without downtime and without ever mixing two
 * models' vectors: load its encoder, bring its index up to the database BESIDE the
 * serving pair (embedding any enrolled image it has no vector for), check the pair,
 * record the version as active, then swap the ONE object requests read
 * (`ActiveModel.swap`). Queries that already took the old pair finish on it; the old
 * encoder is disposed after a drain delay. Retraining promotion and `activateModel`
 * (rollback / roll forward) take this same path; activations are serialised.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DomainError, ErrorCode, notFound } from '../../errors';
import type { ModelVersionRecord, ModelVersionRepository } from '../../db';
import type { IndexLifecycle } from '../index-lifecycle.service';
import type { Logger } from '../logger';
import type { ActiveModel, CompanionModel, EmbedderPort } from '../serving-model';
import type { ModelCard } from '../../embedding/model-card';
import type { ServiceStore } from '../store.port';
import type { ChangeFeed } from '../../db/change-feed';

export interface ActivationDeps {
  active: ActiveModel;
  indexes: IndexLifecycle;
  store: ServiceStore;
  modelVersions: ModelVersionRepository;
  loadEmbedder(dir: string): Promise<EmbedderPort>;
  /**
   * The companion encoder served with `version` (SIAMESE_COMPANION_MODEL pairs with the configured model only:
   * services/companion-model.ts); absent or undefined: none. It lives as long as the server, never retired here.
   */
  companionFor?(version: string, card: ModelCard): Promise<CompanionModel | undefined>;
  logger: Logger;
  /** Embedders the caller owns (e.g. injected by tests): never disposed here. */
  keepEmbedders?: ReadonlySet<EmbedderPort>;
  /** How long an old encoder stays alive for requests still using it (default 30 s). */
  drainMs?: number;
  /** The change feed (issue 18): a new version's index records where in the feed it starts. */
  feed?: ChangeFeed;
}

export class ModelActivationService {
  private chain: Promise<unknown> = Promise.resolve();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly retired = new Set<EmbedderPort>();

  constructor(private readonly deps: ActivationDeps) {}

  /** Activations run one at a time, in call order. */
  activate(version: string, hooks: { beforeSwap?: () => void | Promise<void> } = {}): Promise<ModelVersionRecord> {
    const run = this.chain.then(() => this.activateNow(version, hooks));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Issue 18: serves a version another replica activated (the feed's `model.activated`): the same
   * swap as `activate`, without writing the database (it already says so). Skipped when the
   * version already serves, or is no longer the active one (a later activation superseded it).
   */
  adopt(version: string): Promise<ModelVersionRecord | null> {
    const run = this.chain.then(async () => {
      if (this.deps.active.current.version === version) return null;
      const activeNow = await this.deps.modelVersions.getActive();
      if (activeNow?.version !== version) return null;
      return this.activateNow(version, {}, false);
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async activateNow(
    version: string,
    hooks: { beforeSwap?: () => void | Promise<void> },
    record = true,
  ): Promise<ModelVersionRecord> {
    const { active, indexes, modelVersions, logger } = this.deps;
    const rec = await modelVersions.get(version);
    if (!rec) throw notFound('ModelVersion', version);
    if (active.current.version === version) {
      await hooks.beforeSwap?.();
      return await modelVersions.activate(version);
    }
    if (!fs.existsSync(path.join(rec.dir, 'model-card.json'))) {
      throw new DomainError(ErrorCode.MODEL_INCOMPATIBLE, `model version ${version}: its directory ${rec.dir} is gone`, { version });
    }
    const t0 = Date.now();
    const embedder = await this.deps.loadEmbedder(rec.dir);
    try {
      const card = embedder.card;
      if (card.fingerprint !== rec.fingerprint) {
        throw new DomainError(
          ErrorCode.MODEL_INCOMPATIBLE,
          `model version ${version}: the weights in ${rec.dir} are not the registered ones`,
          { version },
        );
      }
      // First: a companion that cannot serve refuses the activation before any index work.
      const companion = await this.deps.companionFor?.(version, card);
      // Beside the serving pair: embeds what is missing for this version, loads or rebuilds its index.
      const opened = await indexes.open(version, card, embedder, this.deps.feed);
      if (opened.index.dimension !== card.architecture.embeddingDim || opened.index.metric !== card.metric) {
        throw new DomainError(
          ErrorCode.MODEL_INCOMPATIBLE,
          `model version ${version}: its index is ${opened.index.metric}/${opened.index.dimension}, the model ${card.metric}/${card.architecture.embeddingDim}`,
        );
      }
      await hooks.beforeSwap?.();
      // Database first: a crash right after serves this version at restart, which is consistent
      // (its vectors are complete); the in-memory swap follows in the same tick of work.
      const activated = record ? await modelVersions.activate(version) : rec;
      const previous = active.swap({ version, card, dir: rec.dir, embedder, index: opened.index, companion });
      // Enrollments that committed while the index was being built (they embedded with the old pair).
      await indexes.catchUp(active.current);
      await this.dropErased(version);
      indexes.saveModelNow(active.current);
      this.retire(previous.embedder);
      logger.info(record ? 'model activated' : 'model activated by another replica', {
        version,
        previous: previous.version,
        vectors: opened.index.size,
        ms: Date.now() - t0,
      });
      return activated;
    } catch (e) {
      if (active.current.embedder !== embedder) await embedder.dispose?.();
      throw e;
    }
  }

  /**
   * An erasure that committed while the new index was being built removed its vectors from
   * the serving index only: remove them from the new one too. The index is read BEFORE the
   * database: an enrollment adds to the index only after its commit, so a label in the
   * index snapshot but not in the later database read was deleted, never just enrolled.
   */
  private async dropErased(version: string): Promise<void> {
    const { index } = this.deps.active.current;
    const snapshot = await index.labels();
    const inDb = new Set(await this.deps.store.allLabels(version));
    const gone = snapshot.filter((l) => !inDb.has(l));
    for (const l of gone) await index.remove(l);
    if (gone.length > 0) this.deps.logger.info('erased vectors dropped from the new index', { version, count: gone.length });
  }

  /** Deletes the saved index of a version that will never serve (a refused model). */
  discardIndex(version: string): void {
    if (this.deps.active.current.version !== version) this.deps.indexes.discard(version);
  }

  private retire(embedder: EmbedderPort): void {
    if (this.deps.keepEmbedders?.has(embedder) || !embedder.dispose) return;
    this.retired.add(embedder);
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.retired.delete(embedder);
      if (this.deps.active.current.embedder !== embedder) void Promise.resolve(embedder.dispose?.()).catch(() => undefined);
    }, this.deps.drainMs ?? 30_000);
    t.unref();
    this.timers.add(t);
  }

  /** Waits for a running activation, then disposes retired encoders now (shutdown). */
  async close(): Promise<void> {
    await this.chain;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const e of this.retired) if (this.deps.active.current.embedder !== e) await Promise.resolve(e.dispose?.()).catch(() => undefined);
    this.retired.clear();
  }
}
