import type { ArchitectureSpec } from '../../embedding/model-card';
import { DataParallelTrainer } from './data-parallel.trainer';

/**
 * Training throughput of data-parallel workers on the peer's workload
 * (../shared/peers/torch_seed_speed.py): the `seed` backbone at 100×100×1,
 * 512-d ReLU output, batches of 64 random pairs, contrastive loss with margin
 * 2, Adam at 5e-4. Random inputs, like the peer's (the cost does not depend
 * on pixel values). For `siamese bench` (src/bench/seed.bench.ts).
 */
export interface ParallelSeedOptions {
  workers?: number;
  batch?: number;
  microBatch?: number;
  height?: number;
  width?: number;
  /** Time budget of the timed steps, after one warm-up step. */
  budgetMs?: number;
  backend?: string;
}

export interface ParallelSeedResult {
  pairsPerSec: number;
  steps: number;
  msPerStep: number;
  /** CPU time of the whole process (all threads) per step: what the step costs on an idle machine, ≈ msPerStep × workers at best. */
  cpuMsPerStep: number;
  workers: number;
  microBatch: number;
  backend: string;
  /** Phase wall times of the last step (see DataParallelTrainer.lastTimings). */
  lastStep?: DataParallelTrainer['lastTimings'];
}

export const SEED_PEER_ARCH: ArchitectureSpec = { backbone: 'seed', embeddingDim: 512, normalization: 'none', l2Normalize: false };

export async function measureParallelSeedTrain(opts: ParallelSeedOptions = {}): Promise<ParallelSeedResult> {
  const batch = opts.batch ?? 64;
  const height = opts.height ?? 100;
  const width = opts.width ?? 100;
  const microBatch = opts.microBatch ?? 32;
  const budgetMs = opts.budgetMs ?? 20_000;
  const trainer = await DataParallelTrainer.start({
    arch: SEED_PEER_ARCH,
    input: { height, width, channels: 1 },
    seed: 1,
    workers: opts.workers,
    microBatch,
    backend: opts.backend ?? 'wasm',
    loss: { margin: 2, metric: 'euclidean' },
    adam: { learningRate: 5e-4 },
  });
  try {
    const a = gaussian(batch * height * width, 1);
    const b = gaussian(batch * height * width, 2);
    const same = Array.from({ length: batch }, (_, i) => i % 2 === 0);
    await trainer.step(a, b, same); // warm-up: operator caches, heap growth
    const times: number[] = [];
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    do {
      const t = performance.now();
      await trainer.step(a, b, same);
      times.push(performance.now() - t);
    } while (performance.now() - start < budgetMs);
    const total = times.reduce((x, y) => x + y, 0);
    const cpu = process.cpuUsage(cpu0);
    return {
      cpuMsPerStep: (cpu.user + cpu.system) / 1000 / times.length,
      pairsPerSec: (batch * times.length) / (total / 1000),
      steps: times.length,
      msPerStep: total / times.length,
      workers: trainer.workers,
      microBatch,
      backend: trainer.backend,
      lastStep: trainer.lastTimings,
    };
  } finally {
    await trainer.close();
  }
}

/** Deterministic N(0,1) samples (Box–Muller over an LCG). */
function gaussian(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 1) / 2 ** 32;
  };
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(u()));
    const t = 2 * Math.PI * u();
    out[i] = r * Math.cos(t);
    if (i + 1 < n) out[i + 1] = r * Math.sin(t);
  }
  return out;
}
