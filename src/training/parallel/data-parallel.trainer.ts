import * as os from 'os';
import type { Worker } from 'worker_threads';
import type { ArchitectureSpec } from '../../embedding/model-card';
import type { Metric } from '../../metric/metric';
import { type FromGradWorker, type PhaseTimes, type ToGradWorker, shardRange } from './protocol';
import { spawnWorker } from './spawn-worker';

/**
 * Synchronous data-parallel training of a Siamese encoder across worker
 * threads (one wasm instance and model replica each), so a training step uses
 * every core: wasm runs one thread per instance in Node.
 *
 * One step on a batch of N pairs, W workers:
 *  1. worker k gets its contiguous share of the pairs and writes
 *     (n_k/N)·∇L_k into its shared gradient buffer (L_k = mean contrastive loss
 *     of its pairs, computed in micro-batches of `microBatch` pairs to bound
 *     wasm memory); Σₖ (n_k/N)·∇L_k = ∇ of the batch-mean loss, i.e. the
 *     single-thread gradient;
 *  2. worker k runs Adam (FusedAdam's loop) on its 1/W shard of the flat
 *     parameter vector, summing the W contributions in a fixed order, and
 *     writes the new weights to the shared weight buffer;
 *  3. every replica reloads the weights (at the start of the next step).
 * So a step is the same Adam step as single-thread training on the whole
 * batch, up to float rounding (test/parallel/data-parallel.test.ts).
 *
 * Only trainable weights are synchronised: a model with batch-norm moving
 * statistics would keep one set per replica (use norm 'none', 'group' or
 * 'instance'; `seed` and `fast` qualify).
 */
export interface DataParallelOptions {
  arch: ArchitectureSpec;
  input: { height: number; width: number; channels: number };
  /** Weight-initialisation seed of the replicas (worker 0's weights are broadcast to the others). */
  seed?: number;
  /** Initial weights (flat per trainable weight, in trainableWeights order) instead of worker 0's. */
  initialWeights?: Float32Array[];
  /** Worker threads (default: available cores). */
  workers?: number;
  /** Pairs per forward/backward pass inside a worker (default 32). */
  microBatch?: number;
  /** tfjs backend of the workers (default 'wasm'). */
  backend?: string;
  loss: { margin: number; metric: Metric };
  adam: { learningRate: number; beta1?: number; beta2?: number; epsilon?: number };
}

type Pending = { resolve: (m: FromGradWorker) => void; reject: (e: Error) => void };

class Replica {
  readonly pending = new Map<number, Pending>();
  private nextId = 1;
  dead: Error | undefined;

  constructor(readonly worker: Worker) {
    worker.on('message', (m: FromGradWorker) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.type === 'error') p.reject(Object.assign(new Error(`gradient worker: ${m.message}`), { stack: m.stack }));
      else p.resolve(m);
    });
    const fail = (e: Error) => {
      this.dead ??= e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`gradient worker exited with code ${code}`)));
  }

  request(msg: ToGradWorker & { id: number }, transfer: ArrayBuffer[] = []): Promise<FromGradWorker> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...msg, id }, transfer);
    });
  }
}

export class DataParallelTrainer {
  private steps = 0;
  private needsReload = false;
  private closed = false;
  /** Wall times of the last step: per worker (reload, gradients, exchange) and the apply phase. */
  lastTimings: { workers: PhaseTimes[]; applyMs: number; stepMs: number } | undefined;
  /** Adam's learning rate for the next steps (a schedule may change it between steps). */
  learningRate: number;

  private constructor(
    private readonly replicas: Replica[],
    private readonly weightsView: Float32Array,
    /** Element count of each trainable weight, in trainableWeights order. */
    readonly sizes: number[],
    /** Variable names in worker 0 (for diagnostics; main-thread names differ). */
    readonly names: string[],
    /** tfjs backend the workers run on. */
    readonly backend: string,
    private readonly input: { height: number; width: number; channels: number },
    learningRate: number,
  ) {
    this.learningRate = learningRate;
  }

  static async start(opts: DataParallelOptions): Promise<DataParallelTrainer> {
    const count = Math.max(1, Math.floor(opts.workers ?? defaultWorkers()));
    const replicas: Replica[] = [];
    try {
      for (let k = 0; k < count; k++) replicas.push(new Replica(spawnWorker('gradient.worker')));
      const readies = (await Promise.all(
        replicas.map((r, k) =>
          r.request({
            type: 'init',
            id: 0,
            index: k,
            workers: count,
            backend: opts.backend ?? 'wasm',
            arch: opts.arch,
            input: opts.input,
            seed: opts.seed,
            loss: opts.loss,
            adam: { beta1: opts.adam.beta1 ?? 0.9, beta2: opts.adam.beta2 ?? 0.999, epsilon: opts.adam.epsilon },
            microBatch: Math.max(1, Math.floor(opts.microBatch ?? 32)),
          }),
        ),
      )) as Extract<FromGradWorker, { type: 'ready' }>[];
      const sizes = readies[0].sizes;
      const total = sizes.reduce((s, x) => s + x, 0);
      const weights = new SharedArrayBuffer(total * 4);
      const grads = Array.from({ length: count }, () => new SharedArrayBuffer(total * 4));
      await Promise.all(
        replicas.map((r, k) => r.request({ type: 'attach', id: 0, weights, grads, publishWeights: k === 0 && !opts.initialWeights })),
      );
      const trainer = new DataParallelTrainer(
        replicas,
        new Float32Array(weights),
        sizes,
        readies[0].names,
        readies[0].backend,
        opts.input,
        opts.adam.learningRate,
      );
      if (opts.initialWeights) trainer.writeWeights(opts.initialWeights);
      await trainer.reloadAll();
      return trainer;
    } catch (e) {
      await Promise.all(replicas.map((r) => r.worker.terminate()));
      throw e;
    }
  }

  get workers(): number {
    return this.replicas.length;
  }

  /** Adam steps taken. */
  get stepCount(): number {
    return this.steps;
  }

  /**
   * One Adam step on a batch of N ≥ workers pairs: `a` and `b` hold N images
   * each ([N, H, W, C] row-major), `same[i]` says whether pair i shows one
   * identity. Resolves to the batch-mean loss before the step.
   */
  async step(a: Float32Array, b: Float32Array, same: boolean[]): Promise<number> {
    if (this.closed) throw new Error('DataParallelTrainer is closed');
    const n = same.length;
    const pixels = this.input.height * this.input.width * this.input.channels;
    if (n < this.replicas.length) throw new RangeError(`a batch needs at least ${this.replicas.length} pairs (one per worker), got ${n}`);
    if (a.length !== n * pixels || b.length !== n * pixels) {
      throw new RangeError(`expected ${n} images of ${pixels} values per tower, got ${a.length / pixels} and ${b.length / pixels}`);
    }
    const reload = this.needsReload;
    const t0 = performance.now();
    const done = await Promise.all(
      this.replicas.map((r, k) => {
        const [from, to] = shardRange(n, this.replicas.length, k);
        const ra = a.slice(from * pixels, to * pixels);
        const rb = b.slice(from * pixels, to * pixels);
        return r.request({ type: 'grads', id: 0, reload, a: ra, b: rb, same: same.slice(from, to), scale: (to - from) / n }, [
          ra.buffer as ArrayBuffer,
          rb.buffer as ArrayBuffer,
        ]);
      }),
    );
    this.steps++;
    const t1 = performance.now();
    await Promise.all(this.replicas.map((r) => r.request({ type: 'apply', id: 0, step: this.steps, learningRate: this.learningRate })));
    this.needsReload = true;
    const t2 = performance.now();
    this.lastTimings = {
      workers: done.map((m) => (m.type === 'done' && m.phases ? m.phases : { reload: 0, gradients: 0, exchange: 0 })),
      applyMs: t2 - t1,
      stepMs: t2 - t0,
    };
    return done.reduce((s, m) => s + (m.type === 'done' ? (m.loss ?? 0) : 0), 0);
  }

  /** Current weights, one flat copy per trainable weight (trainableWeights order). */
  getWeights(): Float32Array[] {
    let offset = 0;
    return this.sizes.map((size) => {
      const w = this.weightsView.slice(offset, offset + size);
      offset += size;
      return w;
    });
  }

  /** Replaces the weights of every replica (e.g. from a main-thread model). Adam's moments are kept. */
  async setWeights(weights: Float32Array[]): Promise<void> {
    this.writeWeights(weights);
    await this.reloadAll();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      this.replicas.map(async ({ worker, dead }) => {
        if (dead) return;
        const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
        worker.postMessage({ type: 'close' } satisfies ToGradWorker);
        const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 2000).unref());
        if ((await Promise.race([exited, timeout])) === 'timeout') await worker.terminate();
      }),
    );
  }

  private writeWeights(weights: Float32Array[]): void {
    if (weights.length !== this.sizes.length || weights.some((w, i) => w.length !== this.sizes[i])) {
      throw new RangeError(`expected ${this.sizes.length} weights of sizes ${this.sizes.join(',')}`);
    }
    let offset = 0;
    for (const w of weights) {
      this.weightsView.set(w, offset);
      offset += w.length;
    }
  }

  private async reloadAll(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.request({ type: 'reload', id: 0 })));
    this.needsReload = false;
  }
}

export function defaultWorkers(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}
