import * as os from 'node:os';
import type { BenchOptions } from './bench-args';
import {
  INDEX_BENCH_DEFAULTS,
  runIndexBenchForSize,
  runPgvectorBenchForSize,
  type IndexSizeResult,
  type PgvectorSizeResult,
} from './index.bench';
import { runInstances } from './instances';
import { measureMatMul, PEAK_SHAPES, type MatMulResult } from './matmul.bench';
import { runPeer } from './peer';
import { computeRatios, unavailableFace, type BenchReport, type IndexReport, type PeakReport, type SeedReport } from './report';
import { seedFlops } from './seed-flops';
import { measureSeedEmbed, measureSeedTrain, SEED_WORKLOAD, type StepProfile } from './seed.bench';
import { buildSeedNet, SEED_ENCODER } from './seed-net';
import { benchBackend, setBenchBackend, useWasm } from './wasm-backend';
import type * as SeedThroughput from '../training/parallel/seed-throughput';
import { measureDefaultModel } from './default.bench';
import { measureHttp } from './http.bench';
import { FACE_BENCH_DEFAULTS, measureFace } from './face.bench';

export type Log = (message: string) => void;

/** Where things are: resolved by the command from the configuration (the bench reads no environment). */
export interface BenchEnvironment {
  cwd: string;
  /** The default model directory (config: SIAMESE_MODEL, else models/face-resnet29-lfw), if any. */
  modelDir: string | undefined;
  /** Why modelDir is undefined, for the report (e.g. which directory was looked for). */
  noModelReason?: string;
  /** ORL faces, for real images in the default and http parts (models without a face stage). */
  orlDir: string;
  /** LFW photos (../shared/datasets/lfw-devtrain): the face part, and the default and http parts for face models. */
  lfwDir: string;
}

/**
 * Runs the selected parts one after another (never two measurements at once:
 * they would share the two cores) and assembles the report. Every part catches
 * its own failure and reports it, so one broken part never hides the others.
 * Order: the peer first (alone on the machine), then peak, seed, default,
 * face, index, http. About 7–8 minutes on a busy 2-core machine; --full adds
 * the 1M-vector index (tens of minutes).
 */
export async function runBench(o: BenchOptions, env: BenchEnvironment, log: Log): Promise<BenchReport> {
  const started = new Date();
  const t0 = performance.now();
  const loadavgStart = os.loadavg();
  setBenchBackend(o.backend);
  const notes: string[] = [];
  const report: BenchReport = {
    formatVersion: 1,
    startedAt: started.toISOString(),
    wallSec: 0,
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version, loadavgStart, loadavgEnd: [] },
    parts: o.parts,
    peakGflops: null,
    peak: null,
    seed: null,
    default: null,
    face: null,
    http: null,
    index: null,
    peer: null,
    ratios: { seedEmbed: null, seedEmbedAllCores: null, seedTrain: null, seedTrainAllCores: null, peak: null },
    notes,
  };
  if (loadavgStart[0] > report.machine.cpus * 0.5) {
    notes.push(
      `the machine was busy when the run started (load ${loadavgStart[0].toFixed(1)} on ${report.machine.cpus} cores): ` +
        'numbers are lower than on an idle machine',
    );
  }

  if (o.parts.includes('seed')) {
    if (o.peer.enabled) {
      log(`peer: ${o.peer.python} ${o.peer.script} ${o.peer.threads} …`);
      report.peer = await runPeer({ ...o.peer, timeoutMs: 240_000 });
      log(report.peer.available ? `peer: ${JSON.stringify(report.peer)}` : `peer: not available (${report.peer.reason})`);
    } else {
      report.peer = { available: false, reason: 'skipped (--no-peer)' };
    }
    report.peak = await guard('peak', log, () => measurePeak(o, log));
    report.peakGflops = report.peak && 'singleInstanceGflops' in report.peak ? report.peak.singleInstanceGflops : null;
    report.seed = await guard('seed', log, () => measureSeed(o, log));
  }
  if (o.parts.includes('default')) {
    const opts = {
      modelDir: env.modelDir,
      noModelReason: env.noModelReason,
      orlDir: env.orlDir,
      lfwDir: env.lfwDir,
      instances: o.instances,
      budgetMs: 8000,
    };
    report.default = await guard(
      'default',
      log,
      () => measureDefaultModel(opts, log),
      (reason) => ({
        available: false,
        reason,
        embedImagesPerSec: null,
      }),
    );
  }
  if (o.parts.includes('face')) {
    const opts = {
      modelDir: env.modelDir,
      noModelReason: env.noModelReason,
      lfwDir: env.lfwDir,
      cwd: env.cwd,
      poolSize: o.instances,
      ...FACE_BENCH_DEFAULTS,
    };
    report.face = await guard('face', log, () => measureFace(opts, log), unavailableFace);
  }
  if (o.parts.includes('index')) {
    report.index = await guard('index', log, () => measureIndex(o, log));
  }
  if (o.parts.includes('http')) {
    const opts = {
      modelDir: env.modelDir,
      noModelReason: env.noModelReason,
      orlDir: env.orlDir,
      lfwDir: env.lfwDir,
      cwd: env.cwd,
      instances: o.instances,
      requestsC1: 150,
      requestsC16: 320,
    };
    report.http = await guard(
      'http',
      log,
      () => measureHttp(opts, log),
      (reason) => ({
        available: false,
        reason,
        verifyP50Ms: null,
        verifyP99Ms: null,
      }),
    );
  }
  report.ratios = computeRatios(report);
  report.machine.loadavgEnd = os.loadavg();
  report.wallSec = (performance.now() - t0) / 1000;
  return report;
}

async function guard<T>(name: string, log: Log, fn: () => Promise<T>, onError?: (reason: string) => T): Promise<T | null> {
  try {
    return await fn();
  } catch (e) {
    const reason = (e as Error).message.split('\n')[0];
    log(`${name}: failed: ${reason}`);
    return onError ? onError(reason) : null;
  }
}

async function measurePeak(o: BenchOptions, log: Log): Promise<PeakReport> {
  const { backend } = await useWasm();
  const shapes: MatMulResult[] = [];
  for (const shape of PEAK_SHAPES) {
    const r = await measureMatMul(shape, 4000);
    log(`peak: ${shape.op} ${shape.m}×${shape.k}×${shape.n} → ${r.gflops.toFixed(1)} GFLOP/s`);
    shapes.push(r);
  }
  const best = shapes.reduce((a, b) => (b.gflops > a.gflops ? b : a));
  const inst = await runInstances(
    o.instances,
    { task: 'matmul', shape: { op: best.op, m: best.m, k: best.k, n: best.n }, budgetMs: 4000, backend: benchBackend() },
    120_000,
  );
  log(`peak: ${o.instances} instances → ${inst.available ? inst.total.toFixed(1) + ' GFLOP/s' : inst.reason}`);
  return {
    backend,
    singleInstanceGflops: best.gflops,
    shapes,
    instances: {
      count: o.instances,
      totalGflops: inst.available ? inst.total : null,
      note: inst.available ? `same op and shape as the best single instance (${best.op} ${best.m}×${best.k}×${best.n})` : inst.reason,
    },
  };
}

async function measureSeed(o: BenchOptions, log: Log): Promise<SeedReport> {
  const info = await useWasm();
  const w = SEED_WORKLOAD;
  const flops = seedFlops(w.height, w.width, 1);
  const notes: string[] = [];
  if (info.note) notes.push(info.note);
  const model = buildSeedNet(w.height, w.width);
  const embed = await measureSeedEmbed(w, model);
  log(`seed: embed ${embed.perSec.toFixed(1)} img/s (${embed.msPerRun.toFixed(0)} ms per batch of ${w.batch})`);
  let train: number | null = null;
  let trainError: string | undefined;
  let trainProfile: StepProfile | undefined;
  try {
    const t = await measureSeedTrain(w, model, { profile: true });
    train = t.perSec;
    trainProfile = t.profile;
    log(
      `seed: train ${t.perSec.toFixed(1)} pairs/s (${t.msPerRun.toFixed(0)} ms per step of ${w.batch} pairs in micro-batches of ${w.microBatch ?? w.batch})`,
    );
  } catch (e) {
    trainError = (e as Error).message.split('\n')[0];
    log(`seed: train failed: ${trainError}`);
  }
  if (trainProfile) {
    log(
      `seed: train step profile (${trainProfile.wallMs.toFixed(0)} ms): ${trainProfile.kernels.map((k) => `${k.kernel} ${(100 * k.share).toFixed(0)}%`).join(', ')}`,
    );
  }
  model.dispose();
  const instEmbed = await runInstances(o.instances, { task: 'embed', workload: w, backend: benchBackend() }, 180_000);
  log(`seed: ${o.instances} instances embed → ${instEmbed.available ? instEmbed.total.toFixed(1) + ' img/s' : instEmbed.reason}`);
  // Training on all cores: the project's data-parallel trainer (replicas in worker
  // threads, gradients averaged every step), on the same workload.
  let parallel: { pairsPerSec: number; workers: number; microBatch: number } | undefined;
  let parallelNote: string | undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const dp = require('../training/parallel/seed-throughput') as typeof SeedThroughput;
    parallel = await dp.measureParallelSeedTrain({
      workers: o.instances,
      batch: w.batch,
      height: w.height,
      width: w.width,
      budgetMs: w.budgetMs,
    });
    log(
      `seed: data-parallel train (${parallel.workers} workers, micro-batch ${parallel.microBatch}) → ${parallel.pairsPerSec.toFixed(1)} pairs/s`,
    );
  } catch (e) {
    parallelNote = `data-parallel training: ${(e as Error).message.split('\n')[0]}`;
    log(`seed: ${parallelNote}`);
  }
  if ((w.microBatch ?? w.batch) < w.batch) {
    notes.push(
      `seed training (1 instance): each Adam step averages the gradients of ${w.batch / (w.microBatch ?? w.batch)} micro-batches ` +
        `of ${w.microBatch} pairs (= one ${w.batch}-pair step): one ${w.batch}-pair pass overflows the 4 GB wasm heap`,
    );
  }
  notes.push(
    `seed "${o.instances} instances": embedding = ${o.instances} independent wasm instances in worker threads at once; ` +
      'training = src/training/parallel DataParallelTrainer (gradients averaged across workers every step)',
    "seed GFLOP/s count the direct convolution's FLOPs (seed-flops.ts); the second conv layer and its gradients run as " +
      'Winograd F(4×4, 3×3) (src/embedding/kernels/winograd-*.kernel.ts, 4× fewer multiplies), so these figures can exceed the matMul peak',
  );
  return {
    backend: info.backend,
    batch: w.batch,
    input: [w.height, w.width, 1],
    embedImagesPerSec: embed.perSec,
    trainPairsPerSec: train,
    embedGflops: (embed.perSec * flops.forwardPerImage) / 1e9,
    trainGflops: train == null ? null : (train * flops.trainPerPair) / 1e9,
    flopsPerImage: flops.forwardPerImage,
    flopsPerPair: flops.trainPerPair,
    instances: {
      count: o.instances,
      embedImagesPerSec: instEmbed.available ? instEmbed.total : null,
      trainPairsPerSec: parallel?.pairsPerSec ?? null,
      trainMicroBatch: parallel?.microBatch,
      note: [instEmbed.available ? undefined : instEmbed.reason, parallelNote].filter(Boolean).join('; ') || undefined,
    },
    encoder: SEED_ENCODER,
    trainMicroBatch: w.microBatch ?? w.batch,
    trainError,
    trainProfile,
    notes,
  };
}

async function measureIndex(o: BenchOptions, log: Log): Promise<IndexReport> {
  const opts = { ...INDEX_BENCH_DEFAULTS, sizes: o.full ? [10_000, 100_000, 1_000_000] : INDEX_BENCH_DEFAULTS.sizes };
  const sizes: IndexSizeResult[] = [];
  for (const n of opts.sizes) {
    log(`index: ${n} uniform vectors …`);
    sizes.push(runIndexBenchForSize(n, opts, log));
  }
  log('index: 100000 clustered vectors …');
  const clustered = runIndexBenchForSize(100_000, { ...opts, dataset: 'clustered' }, log);
  const at100k = sizes.find((s) => s.n === 100_000) ?? sizes[sizes.length - 1];
  const notes = [
    'index "uniform": vectors uniform in [0,1)^128, the hardest case for HNSW (no structure, distances concentrate); top-level index.qps/recallAt10 are these at 100k',
    `index "clustered": 10k identities × 10 unit vectors (noise norm 0.6 around each centre), queries = new members of enrolled identities: closer to a real gallery`,
  ];
  if (!o.full)
    notes.push(
      'index at 1M vectors skipped (hnswlib and pgvector builds take about 1-2 h together on 2 shared cores: docs/replicas/pgvector.md): run with --full',
    );
  // Issue 18: pgvector's HNSW inside PostgreSQL on the same uniform vectors (SIAMESE_INDEX=pgvector).
  const pgvector: PgvectorSizeResult[] = [];
  if (o.pgvector) {
    for (const n of opts.sizes) {
      log(`index: ${n} uniform vectors in pgvector …`);
      pgvector.push(await runPgvectorBenchForSize(n, opts, o.pgvector, log));
    }
    notes.push(
      'index "pgvector": the same uniform vectors in PostgreSQL (pgvector HNSW, vector_l2_ops, same M/efC); build = binary COPY + CREATE INDEX; memory = pg_total_relation_size (table + HNSW index) per vector, nothing in the Node process; q/s include one client round trip (a short transaction) per query',
    );
  } else
    notes.push(
      'index "pgvector" not run: pass --pgvector postgresql://… (a database with the vector extension, see scripts/pgvector-setup.sh)',
    );
  return {
    qps: at100k?.chosen.qps ?? null,
    recallAt10: at100k?.chosen.recallAt10 ?? null,
    M: opts.M,
    efConstruction: opts.efConstruction,
    ef: at100k?.chosen.ef ?? null,
    sizes,
    clustered,
    pgvector: o.pgvector ? pgvector : null,
    notes,
  };
}
