// type-graphql's decorators need the Reflect metadata polyfill before any schema class loads.
import 'reflect-metadata';
import * as tf from '@tensorflow/tfjs';
import type { AddressInfo } from 'net';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_MODEL_NAME, type Config } from './config';
import {
  ActiveModel,
  IndexLifecycle,
  createLogger,
  createServices,
  type EmbedderPort,
  type Logger,
  type ServiceStore,
  type Services,
} from './services';
import { openServiceStore } from './services/db-store';
import { StorageHealth } from './services/storage-health';
import { guardDatabaseAgainstIndex } from './services/startup-guard';
import { loadEmbedder } from './services/embedder-factory';
import { readModelCard } from './embedding/model-store';
import { buildGraphQLSchema } from './server/schema';
import { attachSubscriptions } from './server/graphql-ws';
import { ModelVersionRepository } from './db';
import { ModelActivationService, RetrainingService, chooseStartupModel, type RetrainingDeps } from './services/retraining';
import { createHttpApp } from './server/http-app';
import { DecodeAdmission } from './services/decode-admission';

/**
 * Composition root. `openServiceStack` wires model → database → index →
 * services (used by `siamese import` too); `startServer` adds HTTP on top
 * (used by `siamese serve`, the end-to-end tests and the bench).
 * Start order: tfjs backend + model → database (migrations) → index (load /
 * repair / rebuild, embedding enrolled images the model has not seen) → HTTP.
 */
export interface ServiceStack {
  services: Services;
  active: ActiveModel;
  store: ServiceStore;
  indexes: IndexLifecycle;
  logger: Logger;
  /** How the index was obtained at start: loaded as saved, repaired against the database, or rebuilt. */
  indexOrigin: 'loaded' | 'repaired' | 'rebuilt';
  /** The budget of image jobs running at once (issue 13); its stats are served on /healthz. */
  admission: DecodeAdmission;
  close(): Promise<void>;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
  /** For tests, the bench and later features (retraining swaps `active`). */
  internals: ServiceStack;
}

export interface StartOptions {
  logger?: Logger;
  /** An embedder built by the caller (bench, tests); by default one is loaded from config.modelDir. */
  embedder?: EmbedderPort;
  /** Retraining test knobs (re-embedding chunk size and pause, progress write period). */
  retraining?: Pick<RetrainingDeps, 'embedChunk' | 'embedDelayMs' | 'persistEveryMs' | 'afterSnapshotDelayMs'>;
}

export async function openServiceStack(config: Readonly<Config>, opts: StartOptions = {}): Promise<ServiceStack> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  if (!config.modelDir && !opts.embedder) {
    throw new Error(
      `no model to serve: the default model ${DEFAULT_MODEL_NAME} is not in ${config.modelsDir}; ` +
        'set SIAMESE_MODEL to a model directory or to the name of one under models/ (e.g. SIAMESE_MODEL=orl-fast46x56-triplet)',
    );
  }
  const modelDir = config.modelDir ?? '(injected)';
  fs.mkdirSync(config.dataDir, { recursive: true });
  // Issue 13: before the model loads and before migrations could turn a lost database into an empty one.
  await guardDatabaseAgainstIndex(config, logger);

  const embedderOptions = { backend: config.backend, poolSize: await resolvePoolSize(config.embeddingPoolSize, opts.embedder ? undefined : modelDir) };
  let embedder: EmbedderPort = opts.embedder ?? (await loadEmbedder(modelDir, embedderOptions));
  let card = embedder.card;
  let version = card.version;
  let servedDir = modelDir;
  let store: ServiceStore | undefined;
  // Issue 13: the writers (database, index saves) report here; /healthz reads it from memory.
  const storageHealth = new StorageHealth(logger);
  try {
    const dbStore = await openServiceStore(config.databaseUrl, { storage: storageHealth.databaseObserver() });
    store = dbStore;
    // Issue 4: a retraining promotion or activateModel survives a restart (see startup-model.ts).
    const chosen = opts.embedder ? null : await chooseStartupModel(dbStore.db, version);
    if (chosen) {
      const loaded = await loadEmbedder(chosen.dir, embedderOptions).catch((e: Error) => {
        logger.error('active model version cannot be loaded; serving the configured model', { version: chosen.version, error: e.message });
        return undefined;
      });
      if (loaded && loaded.card.fingerprint === chosen.fingerprint) {
        await embedder.dispose?.();
        embedder = loaded;
        card = loaded.card;
        version = card.version;
        servedDir = chosen.dir;
      } else await loaded?.dispose?.();
    }
    await store.registerModelVersion({ version, dir: path.resolve(servedDir), fingerprint: card.fingerprint, metric: card.metric, card }, true);
    const indexes = new IndexLifecycle(store, IndexLifecycle.indexDir(config.dataDir), config.index, logger, storageHealth);
    const opened = await indexes.open(version, card, embedder);
    const active = new ActiveModel({ version, card, dir: servedDir, embedder, index: opened.index });
    const { limits } = config;
    const admission = new DecodeAdmission({
      capacity: limits.decodeBudgetMegapixels,
      maxQueued: limits.decodeQueueMegapixels,
      maxWaitMs: limits.decodeQueueTimeoutMs,
      jobTimeoutMs: limits.decodeTimeoutMs,
    });
    const services = createServices({ store, active, indexes, limits, logger, admission });
    // Issue 13 item 9: identities from before names were unique get their normalised-name key.
    await services.identities.backfillNameKeys();
    const activation = new ModelActivationService({
      active,
      indexes,
      store,
      modelVersions: new ModelVersionRepository(dbStore.db),
      loadEmbedder: (dir) => loadEmbedder(dir, embedderOptions),
      logger,
      keepEmbedders: new Set(opts.embedder ? [opts.embedder] : []),
    });
    const retraining = new RetrainingService({
      db: dbStore.db,
      store,
      active,
      activation,
      limits: config.limits,
      logger,
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      ...(opts.retraining ?? {}),
    });
    services.retraining = retraining;
    services.storage = storageHealth;
    const openStore = store;
    let closing: Promise<void> | undefined;
    return {
      services,
      active,
      store,
      indexes,
      logger,
      indexOrigin: opened.origin,
      admission,
      close: () =>
        (closing ??= (async () => {
          await retraining.close();
          await activation.close();
          indexes.flush();
          // An injected embedder belongs to the caller (it may serve a restarted stack).
          if (active.current.embedder !== opts.embedder) await active.current.embedder.dispose?.();
          await openStore.close();
        })()),
    };
  } catch (e) {
    if (embedder !== opts.embedder) await embedder.dispose?.();
    await store?.close().catch(() => undefined);
    throw e;
  }
}

export async function startServer(config: Readonly<Config>, opts: StartOptions = {}): Promise<RunningServer> {
  const stack = await openServiceStack(config, opts);
  try {
    // Only the server owns training runs: a run left active by a previous server process was
    // interrupted. (Not in openServiceStack: `siamese import` beside a live server must not fail its run.)
    await stack.services.retraining?.init();
    const schema = await buildGraphQLSchema();
    const { server, apollo, policy } = await createHttpApp({
      config,
      services: stack.services,
      schema,
      logger: stack.logger,
      // Memory facts for the soak test (issue 7): flat over time, or something leaks.
      // Tensors are the main thread's; an embedding pool's workers keep their own.
      // decodeQueue: the image-job budget's counters (in memory, no decode or database behind them).
      // numTensors: only once this thread has a tfjs backend. With an embedding pool (the default face
      // model) the main thread never initialises one, and tf.memory() would throw (every /healthz a 500).
      health: () => ({
        rssBytes: process.memoryUsage().rss,
        numTensors: tf.getBackend() ? tf.memory().numTensors : 0,
        decodeQueue: stack.admission.stats(),
      }),
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const subscriptions = attachSubscriptions({ server, schema, services: stack.services, config, policy });
    const port = (server.address() as AddressInfo).port;
    const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    const url = `http://${host}:${port}/graphql`;
    stack.logger.info('listening', { url, modelVersion: stack.active.current.version, vectors: stack.active.current.index.size });
    let closing: Promise<void> | undefined;
    // The orderly shutdown (`siamese serve` runs it on SIGTERM/SIGINT): stop accepting
    // (WebSocket door, then HTTP: Apollo's drain plugin lets in-flight requests finish),
    // then the stack: the training run is stopped and its row closed, the index saved, the
    // database closed. Each step only after the previous one, so nothing writes to a closed store.
    const close = () =>
      (closing ??= (async () => {
        await subscriptions.close();
        await apollo.stop(); // drains in-flight requests, then closes the http server
        await stack.close();
        stack.logger.info('shutdown complete', { vectors: stack.active.current.index.size });
      })());
    return { url, port, close, internals: stack };
  } catch (e) {
    await stack.close();
    throw e;
  }
}

/** SIAMESE_EMBEDDING_POOL_SIZE=auto: worker threads for face models (see Config.embeddingPoolSize). */
async function resolvePoolSize(setting: number | 'auto', modelDir: string | undefined): Promise<number> {
  if (setting !== 'auto') return setting;
  if (!modelDir) return 0;
  const card = await readModelCard(modelDir).catch(() => undefined);
  return card?.preprocessing.face ? Math.min(4, Math.max(1, os.cpus().length)) : 0;
}
