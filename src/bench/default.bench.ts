import * as path from 'node:path';
import type * as EmbedderFactory from '../services/embedder-factory';
import type * as ModelStore from '../embedding/model-store';
import { loadBenchImages } from './bench-images';
import { loadLfwBenchImages } from './lfw';
import type { DefaultReport } from './report';
import { timeRuns } from './stats';

/**
 * Embedding speed of the shipped default model (the configured one:
 * SIAMESE_MODEL, else models/face-resnet29-lfw), end to end as the server
 * embeds: image bytes → sharp decode and preprocessing (the model card's) →
 * encoder → vectors, in batches of 64 ORL faces; for a model with a face stage
 * (detection, landmarks, alignment per image) batches of 16 LFW photos.
 * Measured in this thread (pool size 0) and with a pool of `instances` worker threads.
 */
export interface DefaultBenchOptions {
  modelDir: string | undefined;
  orlDir: string;
  /** LFW photos for models with a face stage. */
  lfwDir: string;
  /** Why there is no model, when modelDir is undefined (said in the report). */
  noModelReason?: string;
  instances: number;
  budgetMs: number;
}

export async function measureDefaultModel(o: DefaultBenchOptions, log: (m: string) => void): Promise<DefaultReport> {
  if (!o.modelDir) return { available: false, reason: o.noModelReason ?? 'no default model', embedImagesPerSec: null };
  // Lazy: the embedding stack loads only when this part runs.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { loadEmbedder } = require('../services/embedder-factory') as typeof EmbedderFactory;
  const { readModelCard } = require('../embedding/model-store') as typeof ModelStore;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const hasFaceStage = (await readModelCard(o.modelDir)).preprocessing.face !== undefined;
  const { images } = hasFaceStage
    ? loadLfwBenchImages(o.lfwDir, { people: 16, perPerson: 1 })
    : await loadBenchImages(o.orlDir, { perSubject: 2 });
  const batch = images.slice(0, hasFaceStage ? 16 : 64).map((b) => new Uint8Array(b));
  const measure = async (poolSize: number) => {
    const embedder = await loadEmbedder(o.modelDir!, { backend: 'wasm', poolSize });
    try {
      const times = await timeRuns(() => embedder.embedImages(batch), { minReps: 3, minMs: o.budgetMs / 2, maxMs: o.budgetMs });
      const perSec = (batch.length * times.length) / (times.reduce((a, b) => a + b, 0) / 1000);
      return { perSec, card: embedder.card, kind: embedder.constructor.name };
    } finally {
      await embedder.dispose?.();
    }
  };
  const single = await measure(0);
  log(`default: ${single.perSec.toFixed(1)} img/s (1 instance, ${path.basename(o.modelDir)})`);
  let pooled: number | null = null;
  let note: string | undefined;
  try {
    const p = await measure(o.instances);
    pooled = p.perSec;
    note =
      p.kind === single.kind
        ? 'the factory built the in-process embedder again: no pool'
        : 'worker-thread pool (services/embedder-factory)';
    log(`default: ${pooled.toFixed(1)} img/s (poolSize ${o.instances}: ${note})`);
  } catch (e) {
    note = `pool: ${(e as Error).message.split('\n')[0]}`;
  }
  const p = single.card.preprocessing;
  return {
    available: true,
    model: o.modelDir,
    backbone: single.card.architecture.backbone,
    input: [p.height, p.width, p.channels],
    embedImagesPerSec: single.perSec,
    instances: { count: o.instances, embedImagesPerSec: pooled, note },
  };
}
