import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../config';
import type * as MainModule from '../main';

/**
 * The real server for the http and face parts: src/main.ts on an ephemeral
 * loopback port, a fresh SQLite database in a temp directory (never the
 * user's DATABASE_URL), the given model on the wasm backend, and an embedding
 * pool of `poolSize` worker threads (SIAMESE_EMBEDDING_POOL_SIZE: the items of
 * one request are split across idle workers, so the two images of a verify are
 * embedded in parallel with 2 workers).
 */
export interface BenchServer {
  url: string;
  /** POSTs one GraphQL operation; throws on GraphQL errors (code: message) and HTTP errors. */
  post(query: string, variables: Record<string, unknown>, admin?: boolean): Promise<Record<string, unknown>>;
}

export interface BenchServerOptions {
  modelDir: string;
  cwd: string;
  poolSize: number;
}

/** Loads the server module lazily (Apollo, Prisma and the embedding stack load only when a part needs them). */
export function requireServer(): typeof MainModule {
  try {
    /* eslint-disable @typescript-eslint/no-require-imports */
    // type-graphql needs the metadata polyfill before any decorated class loads.
    require('reflect-metadata');
    return require('../main') as typeof MainModule;
    /* eslint-enable @typescript-eslint/no-require-imports */
  } catch (e) {
    throw new Error(`server not available: ${(e as Error).message.split('\n')[0]}`);
  }
}

export async function withBenchServer<T>(o: BenchServerOptions, fn: (server: BenchServer) => Promise<T>): Promise<T> {
  const main = requireServer();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'siamese-bench-http-'));
  const token = randomBytes(16).toString('hex');
  try {
    const config = loadConfig(
      {
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: '0',
        SIAMESE_DATA_DIR: dataDir,
        SIAMESE_MODEL: o.modelDir,
        SIAMESE_ADMIN_TOKEN: token,
        SIAMESE_LOG_LEVEL: 'silent',
        SIAMESE_BACKEND: 'wasm',
        SIAMESE_EMBEDDING_POOL_SIZE: String(o.poolSize),
      },
      o.cwd,
    );
    const server = await main.startServer(config);
    try {
      const post = async (query: string, variables: Record<string, unknown>, admin = false) => {
        const res = await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(admin ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify({ query, variables }),
        });
        const body = (await res.json()) as {
          data?: Record<string, unknown>;
          errors?: { message: string; extensions?: { code?: string } }[];
        };
        if (body.errors?.length) throw new Error(`${body.errors[0].extensions?.code ?? 'ERROR'}: ${body.errors[0].message}`);
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        return body.data!;
      };
      return await fn({ url: server.url, post });
    } finally {
      await server.close();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
