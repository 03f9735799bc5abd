import type { EmbedderPort } from './serving-model';

/**
 * Builds the embedder for a model directory: the tfjs backend first (the
 * preference from config, else the best available), then either the
 * in-process Embedder (poolSize 0) or the worker-thread pool with dynamic
 * batching (same API; one wasm instance per worker, the event loop stays free).
 */
export interface EmbedderFactoryOptions {
  backend: string | undefined;
  poolSize: number;
}

export async function loadEmbedder(modelDir: string, opts: EmbedderFactoryOptions): Promise<EmbedderPort> {
  // Lazy: the embedding stack (tfjs) loads only when a server or import actually starts.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const backend = require('../embedding/backend') as typeof import('../embedding/backend');
  const pref = opts.backend ?? 'auto';
  if (!backend.isBackendPreference(pref)) throw new Error(`unknown tfjs backend '${pref}'`);
  if (opts.poolSize > 0) {
    const { EmbeddingPool } = require('../embedding/embedding-pool') as typeof import('../embedding/embedding-pool');
    // Workers pick their own backend; 'auto' there means the pool's default (wasm).
    const pool = await EmbeddingPool.fromDir(modelDir, { size: opts.poolSize, ...(pref === 'auto' ? {} : { backend: pref }) });
    return {
      card: pool.card,
      embedImages: (images, limits) => pool.embedImages(images, limits),
      embedImagesWithFaces: (images, limits) => pool.embedImagesWithFaces(images, limits),
      detectFaces: (bytes, limits) => pool.detectFaces(bytes, limits),
      dispose: () => pool.close(),
    };
  }
  await backend.initBackend(pref);
  const { Embedder } = require('../embedding/embedder') as typeof import('../embedding/embedder');
  /* eslint-enable @typescript-eslint/no-require-imports */
  return Embedder.fromDir(modelDir);
}
