import * as tf from '@tensorflow/tfjs';
import { parentPort } from 'worker_threads';
import { initBackend, isBackendPreference } from '../../embedding/backend';
import { buildEncoder } from '../../embedding/backbones';
import { contrastiveLossFromEmbeddings } from '../losses/contrastive.loss';
import { adamUpdate } from './fused-adam';
import {
  type FromGradWorker,
  type GradsJob,
  type PhaseTimes,
  type ToGradWorker,
  type WorkerAttach,
  type WorkerInit,
  shardRange,
} from './protocol';
import { readValues, writeVariable } from './tensor-buffers';

/**
 * One data-parallel replica: its own tfjs engine and wasm instance and a copy
 * of the encoder. Per step it (1) computes its share of the batch's gradient
 * into shared memory and (2) runs Adam on its shard of the flat parameter
 * vector, summing every worker's contribution; then all replicas reload the
 * new weights. See data-parallel.trainer.ts.
 */
interface Replica {
  init: WorkerInit;
  model: tf.LayersModel;
  vars: tf.Variable[];
  offsets: number[];
  total: number;
  epsilon: number;
}

interface Shared {
  weights: Float32Array;
  grads: Float32Array[];
  mine: Float32Array;
  /** Adam moments and the summed gradient of this worker's shard [from, to). */
  m: Float32Array;
  v: Float32Array;
  g: Float32Array;
  shard: [number, number];
}

type State = Replica & Shared;

let replica: Replica | undefined;
let state: State | undefined;

function post(msg: FromGradWorker): void {
  parentPort!.postMessage(msg);
}

async function init(msg: WorkerInit): Promise<void> {
  if (!isBackendPreference(msg.backend)) throw new Error(`unknown backend '${msg.backend}'`);
  const backend = await initBackend(msg.backend);
  const model = buildEncoder(msg.arch, msg.input, msg.seed);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const offsets: number[] = [];
  let total = 0;
  for (const v of vars) {
    offsets.push(total);
    total += v.size;
  }
  replica = { init: msg, model, vars, offsets, total, epsilon: msg.adam.epsilon ?? tf.backend().epsilon() };
  post({ type: 'ready', id: msg.id, sizes: vars.map((v) => v.size), names: vars.map((v) => v.name), backend });
}

function attach(msg: WorkerAttach): void {
  const r = replica!;
  const weights = new Float32Array(msg.weights);
  if (weights.length !== r.total) throw new Error(`shared weights hold ${weights.length} floats, the model has ${r.total}`);
  const shard = shardRange(r.total, r.init.workers, r.init.index);
  const len = shard[1] - shard[0];
  state = {
    ...r,
    weights,
    grads: msg.grads.map((g) => new Float32Array(g)),
    mine: new Float32Array(msg.grads[r.init.index]),
    m: new Float32Array(len),
    v: new Float32Array(len),
    g: new Float32Array(len),
    shard,
  };
  if (msg.publishWeights) r.vars.forEach((v, i) => weights.set(readValues(v), r.offsets[i]));
}

/** Replica ← shared weights (new buffers: see writeVariable). */
function reload(s: State): void {
  s.vars.forEach((v, i) => writeVariable(v, (out) => out.set(s.weights.subarray(s.offsets[i], s.offsets[i] + v.size))));
}

function computeGrads(s: State, job: GradsJob): { loss: number; phases: PhaseTimes } {
  const t0 = performance.now();
  if (job.reload) reload(s);
  const phases: PhaseTimes = { reload: performance.now() - t0, gradients: 0, exchange: 0 };
  const { height, width, channels } = s.init.input;
  const n = job.same.length;
  const micro = Math.max(1, Math.min(s.init.microBatch, n));
  const pixels = height * width * channels;
  let loss = 0;
  for (let start = 0; start < n; start += micro) {
    const count = Math.min(micro, n - start);
    // Both towers in one pass of the shared encoder, as the single-thread trainer does.
    const x = tf.tidy(() =>
      tf.concat([
        tf.tensor4d(job.a.subarray(start * pixels, (start + count) * pixels), [count, height, width, channels]),
        tf.tensor4d(job.b.subarray(start * pixels, (start + count) * pixels), [count, height, width, channels]),
      ]),
    );
    const same = job.same.slice(start, start + count);
    const { value, grads } = tf.variableGrads(
      () =>
        tf.tidy(() => {
          const e = s.model.apply(x, { training: true }) as tf.Tensor2D;
          const [ea, eb] = tf.split(e, 2, 0) as [tf.Tensor2D, tf.Tensor2D];
          return contrastiveLossFromEmbeddings(ea, eb, same, s.init.loss);
        }),
      s.vars,
    );
    // Each micro-batch's loss is a mean over its pairs: weight it by its share of the batch.
    const w = job.scale * (count / n);
    loss += value.dataSync()[0] * w;
    const t1 = performance.now();
    s.vars.forEach((v, i) => {
      const g = grads[v.name];
      const dst = s.mine.subarray(s.offsets[i], s.offsets[i] + v.size);
      if (!g) {
        if (start === 0) dst.fill(0);
        return;
      }
      const src = readValues(g);
      if (start === 0) for (let j = 0; j < src.length; j++) dst[j] = w * src[j];
      else for (let j = 0; j < src.length; j++) dst[j] += w * src[j];
    });
    tf.dispose([x, value]);
    tf.dispose(grads);
    phases.exchange += performance.now() - t1;
  }
  phases.gradients = performance.now() - t0 - phases.reload - phases.exchange;
  return { loss, phases };
}

/** Adam on this worker's shard with Σ of every worker's gradient contribution (fixed order: deterministic). */
function apply(s: State, step: number, learningRate: number): void {
  const [from, to] = s.shard;
  const g = s.g;
  g.set(s.grads[0].subarray(from, to));
  for (let k = 1; k < s.grads.length; k++) {
    const other = s.grads[k];
    for (let i = 0; i < g.length; i++) g[i] += other[from + i];
  }
  const w = s.weights.subarray(from, to);
  const { beta1, beta2 } = s.init.adam;
  adamUpdate({ learningRate, beta1, beta2, epsilon: s.epsilon }, step, w, w, g, s.m, s.v, 0, g.length);
}

parentPort!.on('message', (msg: ToGradWorker) => {
  if (msg.type === 'close') {
    replica?.model.dispose();
    replica = undefined;
    state = undefined;
    parentPort!.close();
    return;
  }
  const fail = (e: unknown) => {
    const err = e instanceof Error ? e : new Error(String(e));
    post({ type: 'error', id: msg.id, message: err.message, stack: err.stack });
  };
  try {
    switch (msg.type) {
      case 'init':
        init(msg).catch(fail);
        break;
      case 'attach':
        attach(msg);
        post({ type: 'done', id: msg.id });
        break;
      case 'grads':
        post({ type: 'done', id: msg.id, ...computeGrads(state!, msg) });
        break;
      case 'apply':
        apply(state!, msg.step, msg.learningRate);
        post({ type: 'done', id: msg.id });
        break;
      case 'reload':
        reload(state!);
        post({ type: 'done', id: msg.id });
        break;
    }
  } catch (e) {
    fail(e);
  }
});
