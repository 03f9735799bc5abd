import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadConfig } from '../../src/config';
import { startServer, type RunningServer, type StartOptions } from '../../src/main';
import type { EmbedderPort, Logger } from '../../src/services';

/**
 * Starts the real server (Express + Apollo + Prisma + HNSW) on an ephemeral
 * loopback port, configured through loadConfig exactly like `siamese serve`.
 * SQLite in a temp data dir by default; `databaseUrl` switches to PostgreSQL.
 */
export interface TestServerOptions {
  dataDir: string;
  adminToken?: string;
  databaseUrl?: string;
  embedder?: EmbedderPort;
  /** A companion encoder (as SIAMESE_COMPANION_MODEL would load one), owned by the test. */
  companion?: StartOptions['companion'];
  modelDir?: string;
  env?: Record<string, string>;
  /** Receives the server's log lines whatever SIAMESE_LOG_LEVEL says (tests that assert on warnings). */
  logger?: Logger;
}

export async function startTestServer(o: TestServerOptions): Promise<RunningServer> {
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    SIAMESE_DATA_DIR: o.dataDir,
    SIAMESE_LOG_LEVEL: 'silent',
    SIAMESE_INDEX_SAVE_DEBOUNCE_MS: '20',
    SIAMESE_BACKEND: 'cpu',
    ...(o.adminToken ? { SIAMESE_ADMIN_TOKEN: o.adminToken } : {}),
    ...(o.databaseUrl ? { DATABASE_URL: o.databaseUrl } : {}),
    ...(o.modelDir ? { SIAMESE_MODEL: o.modelDir } : {}),
    // No model under the test's cwd: point model discovery at an empty folder.
    SIAMESE_MODELS_DIR: path.join(o.dataDir, 'no-models'),
    ...(o.env ?? {}),
  };
  return startServer(loadConfig(env, o.dataDir), { embedder: o.embedder, companion: o.companion, logger: o.logger });
}

/**
 * One of several servers on one database (the companion tests' replicas): `companion` with the warmer's foreign delay,
 * and the change feed read every 50 ms so that another server's rows arrive within the test's bounds.
 */
export function startFeedReplica(
  o: Omit<TestServerOptions, 'companion' | 'env'>,
  companion?: { embedder: EmbedderPort; fromReferences: number; foreignDelayMs: number },
): Promise<RunningServer> {
  return startTestServer({ ...o, ...(companion ? { companion } : {}), env: { SIAMESE_FEED_POLL_MS: '50' } });
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
