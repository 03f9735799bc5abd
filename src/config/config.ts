import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * The service's whole configuration, parsed once from the environment by
 * `loadConfig` and passed down as plain values. Nothing else in the code base
 * reads `process.env`: that keeps every module testable with explicit inputs.
 */
export type NodeEnv = 'development' | 'production' | 'test';

export interface Limits {
  /** Largest JSON request body (bytes). Base64 images travel inside it, so it bounds them too. */
  readonly maxRequestBytes: number;
  /** Largest single multipart file (bytes). */
  readonly maxUploadBytes: number;
  /** Largest decoded image (width × height): refuses decompression bombs before decoding. */
  readonly maxPixels: number;
  /** Most images in one call (enrollImages, and files in one multipart request). */
  readonly maxImagesPerCall: number;
  /** Largest k accepted by searchSimilar. */
  readonly maxK: number;
  readonly maxQueryDepth: number;
  /** Static cost budget of one operation (graphql-query-complexity style estimate). */
  readonly maxQueryCost: number;
  /** Operations allowed in one batched HTTP request; 1 refuses batching. */
  readonly maxBatchSize: number;
  /** Largest `first` of a connection. */
  readonly maxPageSize: number;
  /** Per-client token bucket on verify/searchSimilar/enrollImages/detectFaces/retrain: refill per second (0 = off). */
  readonly rateLimitPerSecond: number;
  /** Per-client bucket size (requests a quiet client may send at once). */
  readonly rateLimitBurst: number;
  /** Request-body bytes that cost one more rate-limit token on an expensive operation (its images); 0 = fields only. */
  readonly rateLimitBytesPerToken: number;
  /**
   * While the decode queue is saturated, a POST /graphql whose body is larger than this
   * (or of unknown length) is refused with HTTP 503 SERVER_BUSY before its body is read; 0 = off.
   */
  readonly shedRequestBytes: number;
  /** Most lexical tokens in one GraphQL document over HTTP (graphql-js `maxTokens`): bounds parse work. */
  readonly maxQueryTokens: number;
  /**
   * Smallest accepted image side in pixels (IMAGE_TOO_SMALL below it). 16: the
   * smallest encoder input of the shipped models is 40×40, the images the test
   * suites send through the services are 48 px a side or more, and a 1×1 or 8×8
   * "photo" carries no identity. 1 turns the check off.
   */
  readonly minImageSide: number;
  /** Largest identity metadata, serialised as JSON (UTF-8 bytes): PAYLOAD_TOO_LARGE above it. */
  readonly maxMetadataBytes: number;
  /** Accept SVG images (rasterised by librsvg): off by default, an SVG's decode cost is not bounded by its size. */
  readonly allowSvg: boolean;
  /** Longest time one image job (decode, face stage, embedding) may take before DECODE_TIMEOUT; 0 = no limit. */
  readonly decodeTimeoutMs: number;
  /** Megapixels of images decoded and embedded at once (an image weighs its declared megapixels, at least 1). */
  readonly decodeBudgetMegapixels: number;
  /** Megapixels of images waiting for the decode budget before new ones are refused with SERVER_BUSY. */
  readonly decodeQueueMegapixels: number;
  /** Longest wait for the decode budget before SERVER_BUSY. */
  readonly decodeQueueTimeoutMs: number;
  /** Largest graphql-ws message (bytes): the WebSocket door carries subscriptions only, which are small. */
  readonly wsMaxMessageBytes: number;
  /** Open WebSocket connections one client (TCP peer address) may hold at once. */
  readonly wsMaxConnectionsPerClient: number;
  /**
   * Target open-set false-match rate α of searchSimilar: the probability that a
   * stranger's query gets `match: true` anywhere in the gallery. The 1:N
   * threshold is derived from it per gallery size (src/services/open-set-threshold.ts).
   * null (SIAMESE_OPEN_SET_FAR=off): `match` uses the model's 1:1 default threshold.
   */
  readonly openSetFar: number | null;
  /**
   * verifyIdentity with negatives labelled for the identity (rule LABELLED, where the card calibrated it):
   * capped = min(t_R, ½·(s + f) + offset), never looser than the card; midpoint = ½·(s + f) + offset;
   * off = CENTROID whatever was labelled (src/metric/labelled-threshold.ts,
   * docs/experiments/signatures/labelled/RULE.md for the default).
   */
  readonly labelledRule: LabelledRule;
}

/** SIAMESE_LABELLED_RULE (Limits.labelledRule). */
export type LabelledRule = 'capped' | 'midpoint' | 'off';
export const LABELLED_RULES: readonly LabelledRule[] = ['capped', 'midpoint', 'off'];
/** The default, set by docs/experiments/signatures/labelled/RULE.md (off: neither rule passed it; session 28). */
export const DEFAULT_LABELLED_RULE: LabelledRule = 'off';

/** SIAMESE_INDEX: where each model version's vectors are indexed (see README "Vector index"). */
export type IndexKind = 'hnsw' | 'exact' | 'pgvector';

export interface IndexSettings {
  /**
   * hnsw (default): hnswlib in this process, saved under <dataDir>/index; exact: brute force in
   * this process; pgvector: pgvector's HNSW inside PostgreSQL (needs a postgresql DATABASE_URL),
   * so replicas hold no index state at all.
   */
  readonly kind?: IndexKind;
  /** hnswlib M (graph degree). */
  readonly m: number;
  readonly efConstruction: number;
  /** Query-time ef; raised to k when k is larger. */
  readonly efSearch: number;
  /** Debounce before the index file is rewritten after changes (ms). */
  readonly saveDebounceMs: number;
}

export interface Config {
  readonly nodeEnv: NodeEnv;
  readonly isProduction: boolean;
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly databaseUrl: string;
  /**
   * DATABASE_DIRECT_URL (session 51): when set, the change feed's LISTEN and the work locks connect here, to PostgreSQL
   * itself (the same primary and database, checked at start: db/pooler.ts). It is what makes a DATABASE_URL through a
   * transaction pooler (`?pgbouncer=true`) push; unset, they use DATABASE_URL, or are off when it is pooled.
   */
  readonly directDatabaseUrl: string | undefined;
  /**
   * Model directory served at start: SIAMESE_MODEL, else `<modelsDir>/DEFAULT_MODEL_NAME`;
   * undefined when SIAMESE_MODEL is unset and the default is not there (the
   * server then refuses to start unless an embedder is injected; no other model is guessed).
   */
  readonly modelDir: string | undefined;
  /** Where trained models live (the default model, bare SIAMESE_MODEL names, retraining output). */
  readonly modelsDir: string;
  /**
   * SIAMESE_COMPANION_MODEL / SIAMESE_COMPANION_FROM: a second encoder that answers verifyIdentity from
   * `fromReferences` references on, beside the configured model (services/companion-model.ts); undefined: none.
   */
  readonly companion: CompanionSettings | undefined;
  /** undefined → admin mutations are refused with ADMIN_DISABLED. */
  readonly adminToken: string | undefined;
  /** Who may read what without the admin token (issue 13; README "Access model"). */
  readonly access: AccessConfig;
  readonly graphiql: boolean;
  readonly introspection: boolean;
  /** tfjs backend preference ('auto' | 'tensorflow-gpu' | 'tensorflow' | 'native' | 'wasm' | 'cpu'), undefined = auto. */
  readonly backend: string | undefined;
  /**
   * Embedding worker threads; 0 embeds on the main thread. 'auto' (the
   * default): one per core (at most 4) for a model with a face stage, whose
   * detection would otherwise hold the event loop 50–300 ms per image, and 0
   * for whole-image models (a 2 ms forward pass is cheaper than a thread hop).
   */
  readonly embeddingPoolSize: number | 'auto';
  readonly limits: Limits;
  readonly index: IndexSettings;
  /** Show stack traces of unexpected errors in responses (never in production). */
  readonly exposeStackTraces: boolean;
  readonly logLevel: 'silent' | 'error' | 'info';
  /**
   * On SIGTERM/SIGINT, how long the orderly shutdown (drain requests, stop a training run, save
   * the index, close the database) may take before in-flight work is abandoned and the process exits.
   */
  readonly shutdownGraceMs: number;
  /**
   * SIAMESE_RESET_INDEX=1: start even though the database has no schema while saved index
   * files hold vectors (a lost or replaced database). The index files are moved aside to
   * `<dataDir>/index-orphaned-<time>/`, never deleted. Off: such a start is refused.
   */
  readonly resetIndex: boolean;
  /** Replicas on one database (issue 18): the change feed and the training lease. */
  readonly replication: ReplicationSettings;
}

/** A companion encoder for verifyIdentity with many references (docs/experiments/signatures/nearest-writers/DESIGN-two-encoders.md). */
export interface CompanionSettings {
  /** The companion's model directory. */
  readonly dir: string;
  /** R from which verifyIdentity asks the companion (≥ 2). */
  readonly fromReferences: number;
  /** SIAMESE_COMPANION_WARM: embed enrolled images with it in the background (default), or only when verifyIdentity needs them. */
  readonly warm: boolean;
}

/** Issue 18: several servers on one database (README "Replicas"). */
export interface ReplicationSettings {
  /**
   * SIAMESE_FEED_POLL_MS: how often a replica reads the change feed without being told.
   * SQLite has no notifications, so this is its lag (default 250 ms); on PostgreSQL LISTEN
   * announces each commit and the poll is only a safety net (default 5000 ms).
   */
  readonly feedPollMs: number;
  /**
   * SIAMESE_REPLICA_ID: names this server as the holder of a training run. Default: host name +
   * data directory, so a restarted server recognises (and fails) the run it was running.
   */
  readonly replicaId: string;
  /**
   * SIAMESE_TRAINING_LEASE_MS: a training run whose heartbeat is older than this is taken to
   * have lost its server, and any replica marks it FAILED (default 30 000; heartbeats every 5 s).
   */
  readonly trainingLeaseMs: number;
  /**
   * DATABASE_READ_URL: a PostgreSQL streaming standby of DATABASE_URL's server. Query-time
   * look-ups (search hits' identities, identities, images, thumbnails) are read there; writes and
   * the change feed stay on the primary (docs/replicas/read-scaling.md). Unset: every read on DATABASE_URL.
   */
  readonly readUrl: string | undefined;
  /**
   * SIAMESE_READ_LSN_WAIT_MS: how long a read after this replica's own write waits for the standby
   * to replay it (its WAL position) before it is answered from the primary instead (default 500).
   */
  readonly readLsnWaitMs: number;
}

/** The shape of src/services/access AccessSettings (config imports no service code). */
export interface AccessConfig {
  /**
   * SIAMESE_ANONYMOUS_ACCESS: the role of callers without a credential. 'search' (default):
   * verify / searchSimilar / detectFaces / model with images they send; 'none': nothing;
   * 'read': also identities, metadata, hashes, imageId inputs (the behaviour before issue 13).
   */
  readonly anonymous: 'none' | 'search' | 'read';
  /** SIAMESE_SEARCH_NAMES: search-role callers see Identity.name in answers (default false: ids only). */
  readonly searchSeesNames: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/**
 * Parses and validates the environment. Every problem is collected and
 * reported together, so a misconfigured deployment is fixed in one round.
 * The result is deep-frozen.
 */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Readonly<Config> {
  const problems: string[] = [];
  const r = new Reader(env, problems);

  const nodeEnvRaw = (env.NODE_ENV ?? 'development').trim() || 'development';
  let nodeEnv: NodeEnv = 'development';
  if (nodeEnvRaw === 'production' || nodeEnvRaw === 'test' || nodeEnvRaw === 'development') nodeEnv = nodeEnvRaw;
  else problems.push(`NODE_ENV must be development, production or test (got '${nodeEnvRaw}')`);
  const isProduction = nodeEnv === 'production';

  const dataDir = path.resolve(cwd, r.str('SIAMESE_DATA_DIR') ?? './data');
  const databaseUrl = r.str('DATABASE_URL') ?? `file:${path.join(dataDir, 'siamese.db')}`;
  if (!/^(file:|postgres(ql)?:\/\/)/.test(databaseUrl)) {
    problems.push(`DATABASE_URL must start with file: (SQLite) or postgresql:// (got '${redactUrl(databaseUrl)}')`);
  }

  // Issue 18 item 4: reads from a streaming standby; both ends must be PostgreSQL, on the same schema.
  const readUrl = r.str('DATABASE_READ_URL');
  if (readUrl !== undefined) {
    if (paramOf(readUrl, 'pgbouncer') !== null) {
      // Session 51: pooled standbys are not supported (the read pool's schema would not be checked).
      problems.push('DATABASE_READ_URL takes no pgbouncer parameter: point it at the standby itself, not through a pooler');
    } else if (!/^postgres(ql)?:\/\//.test(readUrl)) {
      problems.push(`DATABASE_READ_URL must be a postgresql:// URL of a streaming standby (got '${redactUrl(readUrl)}')`);
    } else if (!/^postgres(ql)?:\/\//.test(databaseUrl)) {
      problems.push('DATABASE_READ_URL reads from a PostgreSQL standby: DATABASE_URL must be the postgresql:// URL of its primary');
    } else {
      const readSchema = paramOf(readUrl, 'schema');
      if (readSchema !== null && readSchema !== (paramOf(databaseUrl, 'schema') ?? 'public')) {
        problems.push(
          `DATABASE_READ_URL names schema '${readSchema}', DATABASE_URL '${paramOf(databaseUrl, 'schema') ?? 'public'}': leave it out or make them equal`,
        );
      }
    }
  }

  // Session 51: a transaction pooler (PgBouncer) in front of DATABASE_URL (`?pgbouncer=true`), and the direct URL for what
  // needs a session (LISTEN, work locks; db/pooler.ts checks at start that both reach the same primary and database).
  const pgbouncerParam = paramOf(databaseUrl, 'pgbouncer');
  if (pgbouncerParam !== null && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push("DATABASE_URL's pgbouncer parameter is for a postgresql:// URL (SQLite has no pooler)");
  } else if (pgbouncerParam !== null && !['true', 'false'].includes(pgbouncerParam)) {
    problems.push(`DATABASE_URL's pgbouncer parameter must be true or false (got '${pgbouncerParam}')`);
  }
  const pooled = pgbouncerParam === 'true';
  const directUrl = r.str('DATABASE_DIRECT_URL');
  if (directUrl !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(directUrl) || !/^postgres(ql)?:\/\//.test(databaseUrl)) {
      problems.push(`DATABASE_DIRECT_URL and DATABASE_URL must both be postgresql:// URLs (got '${redactUrl(directUrl)}')`);
    } else if (paramOf(directUrl, 'pgbouncer') !== null) {
      problems.push('DATABASE_DIRECT_URL takes no pgbouncer parameter: it must reach PostgreSQL itself (LISTEN and locks need a session)');
    } else {
      const directSchema = paramOf(directUrl, 'schema');
      const schema = paramOf(databaseUrl, 'schema') ?? 'public';
      if (directSchema !== null && directSchema !== schema) {
        problems.push(`DATABASE_DIRECT_URL names schema '${directSchema}', DATABASE_URL '${schema}': leave it out or make them equal`);
      }
    }
  }
  // Commits are pushed (LISTEN) on PostgreSQL unless the only URL is pooled; without pushes the follower polls often.
  const feedPushes = /^postgres(ql)?:\/\//.test(databaseUrl) && (!pooled || directUrl !== undefined);

  const modelsDir = path.resolve(cwd, r.str('SIAMESE_MODELS_DIR') ?? './models');
  const modelRaw = r.str('SIAMESE_MODEL');
  let modelDir: string | undefined;
  if (modelRaw !== undefined) {
    modelDir = resolveModel(modelRaw, cwd, modelsDir);
    if (!fs.existsSync(path.join(modelDir, 'model-card.json'))) {
      problems.push(`SIAMESE_MODEL: no model-card.json in ${modelDir}; ${describeServableModels(modelsDir)}`);
    }
  } else {
    modelDir = defaultModelDir(modelsDir);
  }

  const companionRaw = r.str('SIAMESE_COMPANION_MODEL');
  const companionFrom = r.int('SIAMESE_COMPANION_FROM', 3, 2, 10_000);
  let companion: CompanionSettings | undefined;
  if (companionRaw !== undefined) {
    const dir = resolveModel(companionRaw, cwd, modelsDir);
    if (!fs.existsSync(path.join(dir, 'model-card.json'))) {
      problems.push(`SIAMESE_COMPANION_MODEL: no model-card.json in ${dir}; ${describeServableModels(modelsDir)}`);
    } else if (modelDir !== undefined && path.resolve(dir) === path.resolve(modelDir)) {
      problems.push('SIAMESE_COMPANION_MODEL names the served model itself: name a second model, or leave it unset');
    }
    companion = { dir, fromReferences: companionFrom, warm: r.bool('SIAMESE_COMPANION_WARM', true) };
  } else {
    for (const name of ['SIAMESE_COMPANION_FROM', 'SIAMESE_COMPANION_WARM'])
      if (r.str(name) !== undefined) problems.push(`${name} is set without SIAMESE_COMPANION_MODEL: set both, or neither`);
  }

  const adminToken = r.str('SIAMESE_ADMIN_TOKEN');
  if (adminToken !== undefined && adminToken.length < 16 && isProduction) {
    problems.push('SIAMESE_ADMIN_TOKEN must be at least 16 characters in production');
  }

  const anonymousAccess = (r.str('SIAMESE_ANONYMOUS_ACCESS') ?? 'search').toLowerCase();
  if (!['none', 'search', 'read'].includes(anonymousAccess)) {
    problems.push(`SIAMESE_ANONYMOUS_ACCESS must be none, search or read (got '${anonymousAccess}')`);
  }

  const backend = r.str('SIAMESE_BACKEND');
  if (backend !== undefined && !['auto', 'tensorflow-gpu', 'tensorflow', 'native', 'wasm', 'cpu'].includes(backend)) {
    problems.push(`SIAMESE_BACKEND must be auto, tensorflow-gpu, tensorflow, native, wasm or cpu (got '${backend}')`);
  }

  const logLevelRaw = r.str('SIAMESE_LOG_LEVEL') ?? (nodeEnv === 'test' ? 'error' : 'info');
  if (!['silent', 'error', 'info'].includes(logLevelRaw)) problems.push(`SIAMESE_LOG_LEVEL must be silent, error or info`);

  const indexKind = (r.str('SIAMESE_INDEX') ?? 'hnsw').toLowerCase();
  if (!['hnsw', 'exact', 'pgvector'].includes(indexKind)) {
    problems.push(`SIAMESE_INDEX must be hnsw, exact or pgvector (got '${indexKind}')`);
  } else if (indexKind === 'pgvector' && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('SIAMESE_INDEX=pgvector keeps the index in PostgreSQL: DATABASE_URL must be a postgresql:// URL');
  }

  const labelledRule = (r.str('SIAMESE_LABELLED_RULE') ?? DEFAULT_LABELLED_RULE).toLowerCase() as LabelledRule;
  if (!LABELLED_RULES.includes(labelledRule)) {
    problems.push(`SIAMESE_LABELLED_RULE must be ${LABELLED_RULES.join(', ')} (got '${labelledRule}')`);
  }

  const decodeBudget = r.int('SIAMESE_DECODE_BUDGET_MP', Math.max(16, 8 * availableCores()), 1, 1_000_000);

  const config: Config = {
    nodeEnv,
    isProduction,
    port: r.int('PORT', 4000, 0, 65535),
    host: r.str('HOST') ?? '0.0.0.0',
    dataDir,
    databaseUrl,
    directDatabaseUrl: directUrl,
    modelDir,
    modelsDir,
    companion,
    adminToken,
    access: {
      anonymous: ['none', 'search', 'read'].includes(anonymousAccess) ? (anonymousAccess as AccessConfig['anonymous']) : 'search',
      searchSeesNames: r.bool('SIAMESE_SEARCH_NAMES', false),
    },
    graphiql: r.bool('SIAMESE_GRAPHIQL', !isProduction),
    introspection: r.bool('SIAMESE_INTROSPECTION', !isProduction),
    backend,
    embeddingPoolSize:
      r.str('SIAMESE_EMBEDDING_POOL_SIZE') === 'auto'
        ? 'auto'
        : r.str('SIAMESE_EMBEDDING_POOL_SIZE') === undefined
          ? 'auto'
          : r.int('SIAMESE_EMBEDDING_POOL_SIZE', 0, 0, 64),
    limits: {
      maxRequestBytes: r.int('SIAMESE_MAX_REQUEST_BYTES', 8 * 1024 * 1024, 1024, 1 << 30),
      maxUploadBytes: r.int('SIAMESE_MAX_UPLOAD_BYTES', 5 * 1024 * 1024, 1024, 1 << 30),
      maxPixels: r.int('SIAMESE_MAX_PIXELS', 4096 * 4096, 1, 1 << 30),
      maxImagesPerCall: r.int('SIAMESE_MAX_IMAGES_PER_CALL', 32, 1, 10_000),
      maxK: r.int('SIAMESE_MAX_K', 100, 1, 10_000),
      maxQueryDepth: r.int('SIAMESE_MAX_QUERY_DEPTH', 8, 2, 100),
      maxQueryCost: r.int('SIAMESE_MAX_QUERY_COST', 5000, 10, 1_000_000),
      maxBatchSize: r.int('SIAMESE_MAX_BATCH', 1, 1, 100),
      maxPageSize: r.int('SIAMESE_MAX_PAGE_SIZE', 100, 1, 10_000),
      // Generous defaults: they stop a runaway client, not the test suites or the bench.
      rateLimitPerSecond: r.int('SIAMESE_RATE_LIMIT_PER_SEC', 1000, 0, 1_000_000),
      rateLimitBurst: r.int('SIAMESE_RATE_LIMIT_BURST', 2000, 1, 10_000_000),
      rateLimitBytesPerToken: r.int('SIAMESE_RATE_LIMIT_BYTES_PER_TOKEN', 1024 * 1024, 0, 1 << 30),
      shedRequestBytes: r.int('SIAMESE_SHED_REQUEST_BYTES', 1024 * 1024, 0, 1 << 30),
      maxQueryTokens: r.int('SIAMESE_MAX_QUERY_TOKENS', 10_000, 100, 1_000_000),
      minImageSide: r.int('SIAMESE_MIN_IMAGE_SIDE', 16, 1, 4096),
      maxMetadataBytes: r.int('SIAMESE_MAX_METADATA_BYTES', 16 * 1024, 2, 16 * 1024 * 1024),
      allowSvg: r.bool('SIAMESE_ALLOW_SVG', false),
      decodeTimeoutMs: r.int('SIAMESE_DECODE_TIMEOUT_MS', 10_000, 0, 600_000),
      // Default budget: 8 MP per core (two 4096² photos on 4 cores), at least 16 MP; the queue holds 4 budgets.
      decodeBudgetMegapixels: decodeBudget,
      decodeQueueMegapixels: r.int('SIAMESE_DECODE_QUEUE_MP', 4 * decodeBudget, 0, 1_000_000),
      decodeQueueTimeoutMs: r.int('SIAMESE_DECODE_QUEUE_TIMEOUT_MS', 3000, 0, 600_000),
      wsMaxMessageBytes: r.int('SIAMESE_WS_MAX_MESSAGE_BYTES', 16 * 1024, 1024, 1 << 24),
      wsMaxConnectionsPerClient: r.int('SIAMESE_WS_MAX_CONNECTIONS_PER_CLIENT', 16, 1, 100_000),
      openSetFar: r.rateOrOff('SIAMESE_OPEN_SET_FAR', 0.05),
      labelledRule,
    },
    index: {
      kind: indexKind as IndexKind,
      m: r.int('SIAMESE_HNSW_M', 16, 2, 128),
      efConstruction: r.int('SIAMESE_HNSW_EF_CONSTRUCTION', 200, 10, 4096),
      efSearch: r.int('SIAMESE_HNSW_EF_SEARCH', 64, 1, 4096),
      saveDebounceMs: r.int('SIAMESE_INDEX_SAVE_DEBOUNCE_MS', 500, 0, 600_000),
    },
    exposeStackTraces: !isProduction && r.bool('SIAMESE_STACK_TRACES', false),
    logLevel: logLevelRaw as Config['logLevel'],
    shutdownGraceMs: r.int('SIAMESE_SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    resetIndex: r.bool('SIAMESE_RESET_INDEX', false),
    replication: {
      feedPollMs: r.int('SIAMESE_FEED_POLL_MS', feedPushes ? 5000 : 250, 10, 600_000),
      replicaId: r.str('SIAMESE_REPLICA_ID') ?? `${os.hostname()}:${dataDir}`,
      trainingLeaseMs: r.int('SIAMESE_TRAINING_LEASE_MS', 30_000, 1000, 3_600_000),
      readUrl,
      readLsnWaitMs: r.int('SIAMESE_READ_LSN_WAIT_MS', 500, 0, 60_000),
    },
  };

  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

/** A bare name (no slash) is looked up under the models directory first. */
function resolveModel(raw: string, cwd: string, modelsDir: string): string {
  if (!raw.includes('/') && !raw.includes(path.sep)) {
    const underModels = path.join(modelsDir, raw);
    if (fs.existsSync(underModels)) return underModels;
  }
  return path.resolve(cwd, raw);
}

/**
 * The model served when SIAMESE_MODEL is unset: the pretrained face trunk
 * fine-tuned on LFW (face stage included), by name. Named rather than
 * discovered (it used to be "the first folder whose name contains orl") so
 * that adding a model under models/ never changes what a default server serves.
 */
export const DEFAULT_MODEL_NAME = 'face-resnet29-lfw';

/** `<modelsDir>/DEFAULT_MODEL_NAME` when it holds a model card; undefined otherwise (no fallback to another model). */
export function defaultModelDir(modelsDir: string): string | undefined {
  const dir = path.join(modelsDir, DEFAULT_MODEL_NAME);
  return fs.existsSync(path.join(dir, 'model-card.json')) ? dir : undefined;
}

/** The folders of `modelsDir` that hold a model card (servable by bare name), sorted; [] when it cannot be read. */
export function servableModels(modelsDir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(modelsDir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => (e.isDirectory() || e.isSymbolicLink()) && fs.existsSync(path.join(modelsDir, e.name, 'model-card.json')))
    .map((e) => e.name)
    .sort();
}

/** "models in <dir>: a, b (set SIAMESE_MODEL to one of them or to a model directory)", for messages that refuse a model. */
export function describeServableModels(modelsDir: string): string {
  const names = servableModels(modelsDir);
  return names.length > 0
    ? `models in ${modelsDir}: ${names.join(', ')} (SIAMESE_MODEL takes one of these names or a model directory)`
    : `no models in ${modelsDir} (SIAMESE_MODELS_DIR); SIAMESE_MODEL takes a model directory`;
}

function availableCores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');
}

class Reader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  str(name: string): string | undefined {
    const v = this.env[name];
    if (v === undefined) return undefined;
    const t = v.trim();
    return t === '' ? undefined : t;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.str(name);
    if (raw === undefined) return fallback;
    if (!/^-?\d+$/.test(raw)) {
      this.problems.push(`${name} must be an integer (got '${raw}')`);
      return fallback;
    }
    const n = Number(raw);
    if (n < min || n > max) {
      this.problems.push(`${name} must be between ${min} and ${max} (got ${n})`);
      return fallback;
    }
    return n;
  }

  /** A probability in (0, 1), or off/none/false → null (the feature is disabled). */
  rateOrOff(name: string, fallback: number): number | null {
    const raw = this.str(name);
    if (raw === undefined) return fallback;
    if (['off', 'none', 'false'].includes(raw.toLowerCase())) return null;
    const n = /^(\d+(\.\d*)?|\.\d+)(e-?\d+)?$/i.test(raw) ? Number(raw) : Number.NaN;
    if (!(n > 0 && n < 1)) {
      this.problems.push(`${name} must be a rate strictly between 0 and 1, or off (got '${raw}')`);
      return fallback;
    }
    return n;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.str(name);
    if (raw === undefined) return fallback;
    const v = raw.toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    this.problems.push(`${name} must be true or false (got '${raw}')`);
    return fallback;
  }
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** A URL's query parameter, or null (also for a malformed URL: it fails at connect, with the driver's words). */
function paramOf(url: string, name: string): string | null {
  try {
    return new URL(url).searchParams.get(name);
  } catch {
    return null;
  }
}
