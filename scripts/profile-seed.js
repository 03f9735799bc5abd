#!/usr/bin/env node
'use strict';
/**
 * Per-kernel profile of one `seed` training step (and one embedding batch) on
 * the wasm backend, from the TypeScript sources (transpiled on load, like the
 * embedding pool's worker bootstrap).
 *
 *   node scripts/profile-seed.js [--pairs 64] [--micro 16] [--optimizer tfjs|fused] [--embed]
 *   node scripts/profile-seed.js --parallel 2 [--pairs 64] [--micro 32] [--budget 20000]
 *
 * Prints one JSON object: wall time of a steady-state step, per-kernel times
 * from tf.profile (largest first) and the phases (gradients, optimizer).
 */
const fs = require('fs');
const path = require('path');
const Module = require('module');
const ts = require('typescript');
Module._extensions['.ts'] = function (m, filename) {
  const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, experimentalDecorators: true },
  });
  m._compile(out.outputText, filename);
};

const args = process.argv.slice(2);
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
  const pairs = Number(opt('pairs', '64'));
  const micro = Number(opt('micro', '16'));
  const model = buildSeedNet(100, 100);
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
  out.pairsPerSec = pairs / (out.stepMs / 1000);
  out.phases = { ...phases };
  out.trainProfile = await profileStep(step, 16);
  out.memory = tf.memory();
  console.log(JSON.stringify(out, null, 1));
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
