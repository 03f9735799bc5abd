// type-graphql's decorators need the Reflect metadata polyfill before any schema class loads.
import 'reflect-metadata';
import * as tf from '@tensorflow/tfjs';
import type { AddressInfo } from 'net';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_MODEL_NAME, describeServableModels, type Config } from './config';
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
import { StorageHealth } from './services/storage-health';
import { guardDatabaseAgainstIndex } from './services/startup-guard';
import { loadEmbedder } from './services/embedder-factory';
import { CompanionSlot } from './services/companion-model';
import { CompanionWarmer } from './services/companion-warmer';
import { readModelCard } from './embedding/model-store';
import { buildGraphQLSchema } from './server/schema';
import { attachSubscriptions } from './server/graphql-ws';
import { ModelVersionRepository, openServiceStore } from './db';
import { ModelActivationService, RetrainingService, chooseStartupModel, type RetrainingDeps } from './services/retraining';
import { createHttpApp } from './server/http-app';
import { DecodeAdmission } from './services/decode-admission';
import { DataDirLock, describeLock } from './services/data-dir-lock';
import { openChangeFeed } from './db/change-feed';
import { openWorkLocks } from './db/work-lock';
import { checkDirectUrl, sessionUrlFor } from './db/pooler';
import { ChangeFollower } from './services/replication/change-follower';
import { TrainingLeaseSweeper } from './services/replication/training-lease';
import { PgvectorIndex, pgvectorProvider } from './db/pgvector.index';
import { ReadReplica, fanOutObserver } from './db/read-replica';
import { RoutedReadStore } from './db/routed-read-store';
import { DbStore } from './db/service-store';

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
  /** Issue 18: applies other replicas' changes to this process's index; absent for `siamese import`. */
  follower?: ChangeFollower;
  /** Issue 18 item 4: the streaming standby reads go to (DATABASE_READ_URL); its counters are served on /healthz. */
  readReplica?: ReadReplica;
  /** Embeds enrolled images with the companion encoder in the background (SIAMESE_COMPANION_MODEL); absent without one. */
  companionWarmer?: CompanionWarmer;
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
  /**
   * A companion encoder built by the caller (tests), as SIAMESE_COMPANION_MODEL would load one: it pairs with the
   * served model's version at start. It belongs to the caller (never disposed here).
   */
  companion?: {
    embedder: EmbedderPort;
    fromReferences: number;
    /** Default true; false leaves every companion vector to verifyIdentity's lazy write. */ warm?: boolean;
    /** The warmer's delay after another writer's enrolment (default companion-warmer.ts's FOREIGN_DELAY_MS). */
    foreignDelayMs?: number;
  };
  /** Retraining test knobs (re-embedding chunk size and pause, progress write period). */
  retraining?: Pick<RetrainingDeps, 'embedChunk' | 'embedDelayMs' | 'persistEveryMs' | 'afterSnapshotDelayMs'>;
  /**
   * Issue 18, `siamese import`: a process that only writes rows. It never writes index files
   * (the servers' followers index its rows from the change feed) and follows nothing.
   */
  writeOnly?: boolean;
}

export async function openServiceStack(config: Readonly<Config>, opts: StartOptions = {}): Promise<ServiceStack> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  if (!config.modelDir && !opts.embedder) {
    throw new Error(
      `no model to serve: the default model ${DEFAULT_MODEL_NAME} is not in ${config.modelsDir}; ${describeServableModels(config.modelsDir)}`,
    );
  }
  const modelDir = config.modelDir ?? '(injected)';
  fs.mkdirSync(config.dataDir, { recursive: true });
  // Issue 13: before the model loads and before migrations could turn a lost database into an empty one.
  await guardDatabaseAgainstIndex(config, logger);

  const embedderOptions = {
    backend: config.backend,
    poolSize: await resolvePoolSize(config.embeddingPoolSize, opts.embedder ? undefined : modelDir),
  };
  let embedder: EmbedderPort = opts.embedder ?? (await loadEmbedder(modelDir, embedderOptions));
  let card = embedder.card;
  let version = card.version;
  // SIAMESE_COMPANION_MODEL pairs with the configured model's version only (companion-model.ts); a write-only
  // process never answers verifyIdentity.
  const injected = opts.companion;
  const warmCompanion = injected ? (injected.warm ?? true) : (config.companion?.warm ?? true);
  const configured = { version, card };
  // The companion embeds in a worker thread (at least one) even where the served model does not: its background pass
  // must not hold the event loop that answers requests (companion-costs.json, session 49).
  const companionOptions = { ...embedderOptions, poolSize: Math.max(1, embedderOptions.poolSize) };
  const companions = opts.writeOnly
    ? undefined
    : injected
      ? new CompanionSlot({ dir: '(injected)', fromReferences: injected.fromReferences }, version, async () => injected.embedder, false)
      : config.companion
        ? new CompanionSlot(config.companion, version, (dir) => loadEmbedder(dir, companionOptions))
        : undefined;
  let servedDir = modelDir;
  let store: ServiceStore | undefined;
  // Issue 18 item 4: hears the primary's commits from the start (read-your-writes by WAL position).
  const readReplica =
    config.replication.readUrl && !opts.writeOnly ? new ReadReplica({ waitMs: config.replication.readLsnWaitMs, logger }) : undefined;
  // Issue 13: the writers (database, index saves) report here; /healthz reads it from memory.
  const storageHealth = new StorageHealth(logger);
  try {
    const dbStore = await openServiceStore(config.databaseUrl, {
      storage: fanOutObserver(storageHealth.databaseObserver(), readReplica?.observer()),
      // pgvector: connections start with the index's ef_search, so a search is one statement (not behind a pooler:
      // no startup options go there, and each search sets it in a short transaction; db/pooler.ts).
      pgSessionOptions: config.index.kind === 'pgvector' ? PgvectorIndex.sessionOptions(config.index.efSearch) : undefined,
    });
    store = dbStore;
    // Session 51: LISTEN and the work locks need a session; behind a transaction pooler that is DATABASE_DIRECT_URL's.
    const sessionUrl = sessionUrlFor(config.databaseUrl, config.directDatabaseUrl);
    if (config.directDatabaseUrl !== undefined && sessionUrl !== undefined) await checkDirectUrl(dbStore.db, sessionUrl);
    if (sessionUrl === undefined) {
      logger.info(
        'DATABASE_URL is pooled (pgbouncer=true) and DATABASE_DIRECT_URL is unset: the change feed is polled, the companion warm pass is not locked',
        {
          feedPollMs: config.replication.feedPollMs,
        },
      );
    }
    if (readReplica && config.replication.readUrl) {
      // Refused (READ_REPLICA_MISMATCH) unless it is a standby of this cluster and database.
      await readReplica.connect(dbStore.db, config.databaseUrl, config.replication.readUrl);
      logger.info('reads from a streaming standby', { standby: readReplica.stats().url, lsnWaitMs: config.replication.readLsnWaitMs });
    }
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
    // Issue 18: a write-only process (`siamese import`) beside running servers embeds with the
    // version they serve, and never activates another one for them.
    const servingRow = opts.writeOnly ? await store.activeModelVersion() : null;
    if (servingRow && servingRow.version !== version) {
      throw new Error(
        `the database serves model version ${servingRow.version} (${servingRow.dir}), not ${version}: ` +
          'set SIAMESE_MODEL to that model so the imported vectors are the ones the servers search',
      );
    }
    await store.registerModelVersion(
      { version, dir: path.resolve(servedDir), fingerprint: card.fingerprint, metric: card.metric, card },
      !opts.writeOnly || servingRow === null,
    );
    const indexes = new IndexLifecycle(store, IndexLifecycle.indexDir(config.dataDir), config.index, logger, storageHealth, {
      readOnly: opts.writeOnly,
      // SIAMESE_INDEX=pgvector (issue 18): the index is a table per model version in PostgreSQL.
      shared: config.index.kind === 'pgvector' ? pgvectorProvider(dbStore.db, config.index) : undefined,
    });
    // Issue 18: the change feed every replica follows (LISTEN on PostgreSQL, polling on SQLite).
    const feed = openChangeFeed(dbStore.db, sessionUrl);
    // Loaded and checked against the configured model even when another version serves (a promoted retraining): a
    // companion that cannot serve stops this start, not a later rollback to the configured version.
    const configuredCompanion = await companions?.forVersion(configured.version, configured.card);
    const companion = version === configured.version ? configuredCompanion : undefined;
    if (companions && !companion) logger.info('companion model not served: it pairs with the configured model only', { serving: version });
    const opened = await indexes.open(version, card, embedder, feed);
    const active = new ActiveModel({ version, card, dir: servedDir, embedder, index: opened.index, companion });
    const { limits } = config;
    const admission = new DecodeAdmission({
      capacity: limits.decodeBudgetMegapixels,
      maxQueued: limits.decodeQueueMegapixels,
      maxWaitMs: limits.decodeQueueTimeoutMs,
      jobTimeoutMs: limits.decodeTimeoutMs,
    });
    const reads = readReplica ? new RoutedReadStore(dbStore, new DbStore(readReplica.standby), readReplica) : undefined;
    // The companion's vectors of enrolled images, in the background: at start, after each enrolment and swap.
    const warmer =
      companions && warmCompanion
        ? new CompanionWarmer({
            active,
            store,
            limits,
            logger,
            foreignDelayMs: injected?.foreignDelayMs,
            lock:
              sessionUrl === undefined
                ? undefined
                : openWorkLocks(sessionUrl, {
                    onLost: (name, e) =>
                      logger.error('companion warm lock lost mid-pass; another replica may repeat part of it', {
                        lock: name,
                        error: e.message,
                      }),
                  }),
          })
        : undefined;
    const services = createServices({ store, reads, active, indexes, limits, logger, admission, companionWarmer: warmer });
    // Issue 13 item 9: identities from before names were unique get their normalised-name key.
    await services.identities.backfillNameKeys();
    const activation = new ModelActivationService({
      active,
      indexes,
      store,
      modelVersions: new ModelVersionRepository(dbStore.db),
      loadEmbedder: (dir) => loadEmbedder(dir, embedderOptions),
      companionFor: (v, c) => companions?.forVersion(v, c) ?? Promise.resolve(undefined),
      logger,
      keepEmbedders: new Set(opts.embedder ? [opts.embedder] : []),
      feed,
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
      replica: { holder: config.replication.replicaId, leaseMs: config.replication.trainingLeaseMs },
      ...(opts.retraining ?? {}),
    });
    services.retraining = retraining;
    services.storage = storageHealth;
    const follower = opts.writeOnly
      ? undefined
      : new ChangeFollower({
          feed,
          active,
          indexes,
          store,
          adopt: (v) => activation.adopt(v),
          logger,
          pollMs: config.replication.feedPollMs,
          // Images another replica or `siamese import` enrolled: their companion vectors, after the enrolling side's turn.
          onVectorsAdded: warmer ? () => warmer.notifyLater() : undefined,
        });
    await follower?.start(opened.feed ?? (await feed.head()));
    if (warmer) {
      active.onSwap(() => warmer.notify());
      warmer.notify();
    }
    // Issue 18: a run whose replica stopped heartbeating is failed by whichever replica notices first.
    const leaseSweeper = opts.writeOnly
      ? undefined
      : new TrainingLeaseSweeper(retraining.repos.trainingRuns, config.replication.trainingLeaseMs, logger);
    leaseSweeper?.start();
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
      follower,
      readReplica,
      companionWarmer: warmer,
      close: () =>
        (closing ??= (async () => {
          await follower?.close();
          await warmer?.close();
          await leaseSweeper?.close();
          await retraining.close();
          await activation.close();
          indexes.flush();
          // An injected embedder belongs to the caller (it may serve a restarted stack).
          if (active.current.embedder !== opts.embedder) await active.current.embedder.dispose?.();
          await companions?.dispose();
          await openStore.close();
          await readReplica?.close();
        })()),
    };
  } catch (e) {
    if (embedder !== opts.embedder) await embedder.dispose?.();
    await companions?.dispose().catch(() => undefined);
    await store?.close().catch(() => undefined);
    await readReplica?.close().catch(() => undefined);
    throw e;
  }
}

export async function startServer(config: Readonly<Config>, opts: StartOptions = {}): Promise<RunningServer> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  // Issue 14: `<data dir>/server.lock` tells `siamese import` this directory is served (data-dir-lock.ts).
  // Taken first, so an import cannot start while this server opens; never a reason to refuse the start.
  let lock: DataDirLock | undefined;
  let lockError: Error | undefined;
  try {
    lock = DataDirLock.acquire(config.dataDir);
  } catch (e) {
    lockError = e as Error; // an unwritable data dir: the start fails below with its real cause, or is logged then
  }
  let stack: ServiceStack;
  try {
    stack = await openServiceStack(config, { ...opts, logger });
  } catch (e) {
    lock?.release();
    throw e;
  }
  if (lockError) logger.error('data dir lock not written: siamese import cannot tell that this server runs', { error: lockError.message });
  if (lock?.replaced)
    logger.error('another live server process holds this data dir: two servers must not share one', { other: describeLock(lock.replaced) });
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
      // Large request bodies are refused unread while this queue is saturated (shed-when-busy.ts).
      admission: stack.admission,
      // Memory facts for the soak test (issue 7): flat over time, or something leaks.
      // Tensors are the main thread's; an embedding pool's workers keep their own.
      // decodeQueue: the image-job budget's counters (in memory, no decode or database behind them).
      // numTensors: only once this thread has a tfjs backend. With an embedding pool (the default face
      // model) the main thread never initialises one, and tf.memory() would throw (every /healthz a 500).
      health: () => ({
        rssBytes: process.memoryUsage().rss,
        numTensors: tf.getBackend() ? tf.memory().numTensors : 0,
        decodeQueue: stack.admission.stats(),
        // Issue 18 item 4: where reads went, fallbacks to the primary, and the standby's lag (last sample).
        ...(stack.readReplica ? { readReplica: stack.readReplica.stats() } : {}),
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
    // The model by name and folder too: a version hash alone says nothing to whoever reads the log.
    const served = stack.active.current;
    stack.logger.info('listening', {
      url,
      model: served.card.name,
      modelDir: served.dir,
      modelVersion: served.version,
      vectors: served.index.size,
      ...(served.companion
        ? {
            companion: served.companion.card.name,
            companionVersion: served.companion.version,
            companionFrom: served.companion.fromReferences,
          }
        : {}),
    });
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
        lock?.release();
        stack.logger.info('shutdown complete', { vectors: stack.active.current.index.size });
      })());
    return { url, port, close, internals: stack };
  } catch (e) {
    await stack.close();
    lock?.release();
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
