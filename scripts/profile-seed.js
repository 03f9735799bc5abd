#!/usr/bin/env node
'use strict';
/**
 * Per-kernel profile of one `seed` training step (and one embedding batch) on
 * the wasm backend, from the TypeScript sources (transpiled on load, like the
 * embedding pool's worker bootstrap).
 *
 *   node scripts/profile-seed.js [--pairs 64] [--micro 16] [--optimizer tfjs|fused] [--embed]
 *   node scripts/profile-seed.js --parallel 2 [--pairs 64] [--micro 32] [--budget 20000]
 *   node scripts/profile-seed.js --pool 2 [--budget 15000]    (EmbeddingPool, batches of 64 per worker)
 *
 * Prints one JSON object: wall time of a steady-state step, per-kernel times
 * from tf.profile (largest first) and the phases (gradients, optimizer).
 */
const fs = require('fs');
const path = require('path');
// A computed path: `npm run typecheck:scripts` checks scripts/, not the hook's internals.
require(path.join(__dirname, '../src/runtime/ts-register.js'));

const args = process.argv.slice(2);
/**
 * @param {string} name
 * @param {string} dflt
 */
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};

async function main() {
  const src = path.join(__dirname, '..', 'src');
  const tf = require('@tensorflow/tfjs');
  const { initBackend } = require(path.join(src, 'embedding/backend.ts'));
  const { buildSeedNet } = require(path.join(src, 'bench/seed-net.ts'));
  const { pairLosses, meanGradients, profileStep } = require(path.join(src, 'bench/seed.bench.ts'));
  const { FusedAdam } = require(path.join(src, 'training/parallel/fused-adam.ts'));
  if (args.includes('--pool')) {
    console.log(JSON.stringify(await measurePool(src, Number(opt('pool', '2')), Number(opt('budget', '15000')))));
    return;
  }
  if (args.includes('--parallel')) {
    const { measureParallelSeedTrain } = require(path.join(src, 'training/parallel/seed-throughput.ts'));
    const r = await measureParallelSeedTrain({
      workers: Number(opt('parallel', '2')),
      batch: Number(opt('pairs', '64')),
      microBatch: Number(opt('micro', '32')),
      budgetMs: Number(opt('budget', '20000')),
      backend: opt('backend', 'wasm'),
    });
    console.log(JSON.stringify(r));
    return;
  }
  await initBackend(opt('backend', 'wasm'));
  if (args.includes('--trace')) traceKernels(tf, opt('trace', 'Conv2DBackpropFilter').split(','));
  const pairs = Number(opt('pairs', '64'));
  const micro = Number(opt('micro', '16'));
  const model = buildSeedNet(100, 100);
  /** @type {Record<string, unknown> & { stepMs?: number }} */
  const out = { backend: tf.getBackend(), pairs, micro };
  if (args.includes('--embed')) {
    const x = tf.randomNormal([64, 100, 100, 1]);
    const run = () => tf.tidy(() => model.predict(x)).dataSync();
    run();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    run();
    out.embedMs64 = performance.now() - t0;
    const c = process.cpuUsage(c0);
    out.embedCpuMs64 = (c.user + c.system) / 1000;
    out.embedProfile = await profileStep(run, 12);
    x.dispose();
  }
  const optimizer = opt('optimizer', 'fused') === 'tfjs' ? tf.train.adam(5e-4) : new FusedAdam(5e-4);
  const a = tf.randomNormal([pairs, 100, 100, 1], 0, 1, 'float32', 1);
  const b = tf.randomNormal([pairs, 100, 100, 1], 0, 1, 'float32', 2);
  const same = Array.from({ length: pairs }, (_, i) => i % 2 === 0);
  const losses = pairLosses(model, a, b, same, micro);
  const phases = { gradsMs: 0, optimizerMs: 0 };
  const step = () => {
    const t0 = performance.now();
    const grads = meanGradients(losses);
    const t1 = performance.now();
    optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
    tf.dispose(grads);
    model.trainableWeights[0].read().dataSync();
    phases.gradsMs = t1 - t0;
    phases.optimizerMs = performance.now() - t1;
  };
  step(); // warm-up (creates the optimizer's slots)
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  step();
  out.stepMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  out.stepCpuMs = (c.user + c.system) / 1000;
  out.pairsPerSec = pairs / /** @type {number} */ (out.stepMs / 1000);
  out.phases = { ...phases };
  out.trainProfile = await profileStep(step, 16);
  out.memory = tf.memory();
  console.log(JSON.stringify(out, null, 1));
}
/**
 * Logs every call of the named kernels with its input shapes and CPU time (to stderr).
 * @param {typeof import('@tensorflow/tfjs')} tf
 * @param {string[]} names
 */
function traceKernels(tf, names) {
  for (const name of names) {
    const config = tf.getKernel(name, tf.getBackend());
    const inner = config.kernelFunc;
    tf.unregisterKernel(name, tf.getBackend());
    tf.registerKernel({
      ...config,
      kernelFunc: (a) => {
        const c0 = process.cpuUsage();
        const out = inner(a);
        const c = process.cpuUsage(c0);
        const shapes = Object.entries(a.inputs)
          .map(([k, v]) => `${k}${JSON.stringify(v && v.shape)}`)
          .join(' ');
        console.error(`${name} ${shapes} ${((c.user + c.system) / 1000).toFixed(0)} ms`);
        return out;
      },
    });
  }
}

/**
 * EmbeddingPool throughput on the seed net (512-d, no norm, no L2: the peer's
 * network) saved to a temporary model directory: every request carries
 * size × 64 inputs, which the pool splits into one batch of 64 per worker.
 * @param {string} src
 * @param {number} size
 * @param {number} budgetMs
 */
async function measurePool(src, size, budgetMs) {
  const os = require('os');
  const tf = require('@tensorflow/tfjs');
  const { initBackend } = require(path.join(src, 'embedding/backend.ts'));
  const { buildEncoder } = require(path.join(src, 'embedding/backbones/index.ts'));
  const { saveModelDir } = require(path.join(src, 'embedding/model-store.ts'));
  const { EmbeddingPool } = require(path.join(src, 'embedding/embedding-pool.ts'));
  await initBackend('wasm');
  const architecture = { backbone: 'seed', embeddingDim: 512, normalization: 'none', l2Normalize: false };
  const preprocessing = { width: 100, height: 100, channels: 1, normalize: 'unit', fit: 'fill' };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seed-pool-'));
  const model = buildEncoder(architecture, { height: 100, width: 100, channels: 1 }, 1);
  await saveModelDir(path.join(dir, 'model'), model, {
    formatVersion: 1,
    name: 'seed-speed',
    version: '',
    createdAt: new Date(0).toISOString(),
    architecture,
    preprocessing,
    metric: 'euclidean',
    thresholds: { eer: 1, maxAccuracy: 1, atTargetFar: 1, targetFar: 0.001, default: 1, defaultRule: 'eer' },
    roc: [],
    validation: { auc: 0.5, eer: 0.5, positivePairs: 0, negativePairs: 0 },
    data: { sources: [], identities: 0, images: 0, trainIdentities: 0, validationIdentities: 0 },
    hyperparameters: {},
    seed: 1,
    training: { wallTimeSec: 0, steps: 0, epochs: 0, bestEpoch: 0, backend: 'wasm' },
    fingerprint: '',
    commands: { train: 'none', evaluate: [] },
  });
  model.dispose();
  const pool = await EmbeddingPool.fromDir(path.join(dir, 'model'), { size, maxBatch: 64, maxWaitMs: 1 });
  try {
    const inputs = Array.from({ length: size * 64 }, (_, i) => Float32Array.from({ length: 10000 }, (_, j) => Math.sin(i * 7 + j)));
    await pool.embedInputs(inputs); // warm-up
    let images = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    do {
      images += (await pool.embedInputs(inputs)).length;
    } while (performance.now() - t0 < budgetMs);
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    return { poolSize: size, imagesPerSec: images / (ms / 1000), images, cpuMsPerImage: (c.user + c.system) / 1000 / images };
  } finally {
    await pool.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
