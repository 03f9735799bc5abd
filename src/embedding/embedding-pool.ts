import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { EmbeddedImage } from './embedder';
import type { FaceInfo } from './faces/face.types';
import type { ModelCard } from './model-card';
import type { DecodeLimits } from './preprocess/decode-image';
import { DomainError, badInput } from '../errors';
import { type FromWorker, type ItemResult, type ToWorker, type WorkItem, deserializeError } from './worker/protocol';
import { TS_WORKER_BOOTSTRAP } from '../runtime/ts-bootstrap';

/**
 * A pool of worker threads, each with its own wasm instance and copy of the
 * model (wasm runs one thread per instance in Node, so this is how embedding
 * uses every core and keeps the server's event loop free), plus a dynamic
 * batcher: items of concurrent requests are queued and sent to an idle worker
 * as one batch when `maxBatch` items are waiting or the oldest has waited
 * `maxWaitMs` — except that when every worker is idle the queue goes out at
 * once (nothing else is in flight to batch with). A batch is split across idle
 * workers (ceil(queued / idle) each).
 *
 * Same API as Embedder (face stage included: workers run preprocessImage, and
 * detectFaces runs in a worker too, never on the event loop). Results are identical to single-threaded embedding
 * (same model, same kernels; a row does not depend on its batch-mates) and in
 * input order; a bad image fails only the request it belongs to.
 *
 * Worker code: from `dist/` the compiled `worker/embedding.worker.js` is
 * spawned directly. Under ts-jest or ts-node this module is a `.ts` file and
 * there is no compiled worker, so the worker is started from a small inline
 * bootstrap that installs a `require` hook transpiling the project's `.ts`
 * files with `typescript.transpileModule` (a devDependency, present wherever
 * `.ts` sources run) and then requires the `.ts` worker entry.
 */
export interface EmbeddingPoolOptions {
  /** Worker threads (default: available cores). */
  size?: number;
  /** Items per batch sent to one worker (default 64). */
  maxBatch?: number;
  /** How long the first queued item may wait for batch-mates (default 2 ms). */
  maxWaitMs?: number;
  /** tfjs backend in each worker (default 'wasm'). */
  backend?: string;
}

type OkResult = Extract<ItemResult, { ok: true }>;

interface Request {
  results: unknown[];
  remaining: number;
  failed: boolean;
  /** Turns a worker's answer into what the caller gets (throws when it is the wrong kind). */
  pick: (r: OkResult) => unknown;
  resolve: (v: unknown[]) => void;
  reject: (e: Error) => void;
}

interface Queued {
  item: WorkItem;
  request: Request;
  index: number;
  enqueuedAt: number;
}

interface PoolWorker {
  worker: Worker;
  busy: Queued[] | undefined;
  jobId: number;
  alive: boolean;
}

export class EmbeddingPool {
  readonly size: number;
  readonly maxBatch: number;
  readonly maxWaitMs: number;
  private readonly workers: PoolWorker[] = [];
  private readonly queue: Queued[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closing = false;
  private nextJobId = 1;
  private idleWaiters: Array<() => void> = [];

  private constructor(
    readonly modelDir: string,
    readonly card: ModelCard,
    readonly backend: string,
    options: Required<Pick<EmbeddingPoolOptions, 'size' | 'maxBatch' | 'maxWaitMs'>>,
  ) {
    this.size = options.size;
    this.maxBatch = options.maxBatch;
    this.maxWaitMs = options.maxWaitMs;
  }

  /** Starts the workers and waits until every one has loaded the model. */
  static async fromDir(modelDir: string, options: EmbeddingPoolOptions = {}): Promise<EmbeddingPool> {
    const size = Math.max(1, Math.floor(options.size ?? defaultPoolSize()));
    const maxBatch = Math.max(1, Math.floor(options.maxBatch ?? 64));
    const maxWaitMs = Math.max(0, options.maxWaitMs ?? 2);
    const backend = options.backend ?? 'wasm';
    const started = await Promise.allSettled(Array.from({ length: size }, () => startWorker(modelDir, backend, maxBatch)));
    const failure = started.find((s) => s.status === 'rejected') as PromiseRejectedResult | undefined;
    if (failure) {
      await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.worker.terminate() : undefined)));
      throw failure.reason;
    }
    const ready = started.map((s) => (s as PromiseFulfilledResult<{ worker: Worker; card: ModelCard; backend: string }>).value);
    const pool = new EmbeddingPool(path.resolve(modelDir), ready[0].card, ready[0].backend, { size, maxBatch, maxWaitMs });
    for (const r of ready) pool.adopt(r.worker);
    return pool;
  }

  get dim(): number {
    return this.card.architecture.embeddingDim;
  }

  get hasFaceStage(): boolean {
    return this.card.preprocessing.face !== undefined;
  }

  embedImages(images: Uint8Array[], limits?: DecodeLimits): Promise<Float32Array[]> {
    return this.submit(imageItems(images, limits), vectorOf);
  }

  /** embedImages, plus the face each vector was computed from (absent for models without a face stage). */
  embedImagesWithFaces(images: Uint8Array[], limits?: DecodeLimits): Promise<EmbeddedImage[]> {
    return this.submit(imageItems(images, limits), (r): EmbeddedImage => {
      const vector = vectorOf(r);
      return 'face' in r && r.face ? { vector, face: r.face } : { vector };
    });
  }

  /** Every face of the image, largest first, found by a worker (see Embedder.detectFaces). */
  async detectFaces(bytes: Uint8Array, limits?: DecodeLimits): Promise<FaceInfo[]> {
    // Checked here too so the answer does not wait for a worker.
    if (!this.hasFaceStage) throw badInput(`model ${this.card.version} has no face stage: it embeds whole images and detects no faces`);
    const [faces] = await this.submit([{ kind: 'detect', bytes: new Uint8Array(bytes), limits }], (r) => {
      if (!('faces' in r)) throw new Error('embedding worker answered a detect item without faces');
      return r.faces;
    });
    return faces;
  }

  embedInputs(inputs: Float32Array[]): Promise<Float32Array[]> {
    const p = this.card.preprocessing;
    const size = p.height * p.width * p.channels;
    const bad = inputs.findIndex((x) => !(x instanceof Float32Array) || x.length !== size);
    if (bad >= 0) return Promise.reject(badInput(`input ${bad} has ${inputs[bad]?.length ?? 0} values; the model takes ${size}`));
    return this.submit(
      inputs.map((x) => ({ kind: 'input', data: new Float32Array(x) })),
      vectorOf,
    );
  }

  /** Finishes queued and running work, then stops the workers. New requests are refused. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    while (this.queue.length > 0 || this.workers.some((w) => w.busy)) {
      if (!this.workers.some((w) => w.alive)) {
        for (const q of this.queue.splice(0)) settle(q, { ok: false, error: { domain: false, message: 'no embedding workers left' } });
        break;
      }
      await new Promise<void>((resolve) => {
        this.idleWaiters.push(resolve);
        this.dispatch(true);
      });
    }
    if (this.timer) clearTimeout(this.timer);
    await Promise.all(
      this.workers.map(async (w) => {
        if (!w.alive) return;
        const exited = new Promise<void>((resolve) => w.worker.once('exit', () => resolve()));
        w.worker.postMessage({ type: 'close' } satisfies ToWorker);
        const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 2000).unref());
        if ((await Promise.race([exited, timeout])) === 'timeout') await w.worker.terminate();
      }),
    );
  }

  dispose(): Promise<void> {
    return this.close();
  }

  private submit<T>(items: WorkItem[], pick: (r: OkResult) => T): Promise<T[]> {
    if (this.closing) return Promise.reject(new Error('EmbeddingPool is closed'));
    if (items.length === 0) return Promise.resolve([]);
    return new Promise<T[]>((resolve, reject) => {
      const request: Request = {
        results: new Array(items.length),
        remaining: items.length,
        failed: false,
        pick,
        resolve: resolve as (v: unknown[]) => void,
        reject,
      };
      const now = Date.now();
      items.forEach((item, index) => this.queue.push({ item, request, index, enqueuedAt: now }));
      this.dispatch(false);
    });
  }

  /** Sends batches to idle workers when a batch is full or the oldest item has waited long enough. */
  private dispatch(force: boolean): void {
    if (this.queue.length === 0) return;
    const idle = this.workers.filter((w) => w.alive && !w.busy);
    if (idle.length === 0) return;
    const waited = Date.now() - this.queue[0].enqueuedAt;
    // Waiting for a fuller batch only pays while other work is in flight: when every
    // worker is idle (a lone request), waiting adds maxWaitMs of pure latency.
    const allIdle = idle.length === this.workers.filter((w) => w.alive).length;
    if (!force && !allIdle && this.queue.length < this.maxBatch && waited < this.maxWaitMs) {
      if (!this.timer) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.dispatch(true);
        }, this.maxWaitMs - waited);
      }
      return;
    }
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    for (let i = 0; i < idle.length && this.queue.length > 0; i++) {
      const share = Math.min(this.maxBatch, Math.ceil(this.queue.length / (idle.length - i)));
      this.send(idle[i], this.queue.splice(0, share));
    }
  }

  private send(w: PoolWorker, batch: Queued[]): void {
    w.busy = batch;
    w.jobId = this.nextJobId++;
    const transfer: ArrayBuffer[] = batch.map((q) => (q.item.kind === 'input' ? q.item.data.buffer : q.item.bytes.buffer) as ArrayBuffer);
    w.worker.postMessage({ type: 'job', id: w.jobId, items: batch.map((q) => q.item) } satisfies ToWorker, transfer);
  }

  private adopt(worker: Worker): void {
    const w: PoolWorker = { worker, busy: undefined, jobId: 0, alive: true };
    this.workers.push(w);
    worker.on('message', (msg: FromWorker) => {
      if ((msg.type === 'result' || msg.type === 'job-error') && w.busy && msg.id === w.jobId) {
        const batch = w.busy;
        w.busy = undefined;
        if (msg.type === 'result') batch.forEach((q, i) => settle(q, msg.results[i]));
        else batch.forEach((q) => settle(q, { ok: false, error: msg.error }));
        this.afterJob();
      }
    });
    const fail = (why: string) => {
      if (!w.alive) return;
      w.alive = false;
      const batch = w.busy;
      w.busy = undefined;
      batch?.forEach((q) => settle(q, { ok: false, error: { domain: false, message: `embedding worker ${why}` } }));
      if (!this.closing) this.replace(w);
      this.afterJob();
    };
    worker.on('error', (e) => fail(`failed: ${e.message}`));
    worker.on('exit', (code) => fail(`exited with code ${code}`));
  }

  /** A worker died outside close(): start another so the pool keeps its size. */
  private replace(dead: PoolWorker): void {
    const i = this.workers.indexOf(dead);
    if (i >= 0) this.workers.splice(i, 1);
    startWorker(this.modelDir, this.backend, this.maxBatch).then(
      ({ worker }) => {
        if (this.closing) void worker.terminate();
        else {
          this.adopt(worker);
          this.dispatch(true);
        }
      },
      () => {
        // Could not restart: the remaining workers carry on; if none are left, queued requests fail.
        if (!this.workers.some((w) => w.alive)) {
          for (const q of this.queue.splice(0)) settle(q, { ok: false, error: { domain: false, message: 'no embedding workers left' } });
        }
      },
    );
  }

  private afterJob(): void {
    this.dispatch(this.closing || this.queue.length > 0);
    if (!this.workers.some((w) => w.busy)) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      waiters.forEach((f) => f());
    }
  }
}

function settle(q: Queued, r: ItemResult): void {
  const req = q.request;
  if (req.failed) return;
  if (!r.ok) {
    req.failed = true;
    req.reject(withIndex(deserializeError(r.error), q.index));
    return;
  }
  try {
    req.results[q.index] = req.pick(r);
  } catch (e) {
    req.failed = true;
    req.reject(e as Error);
    return;
  }
  if (--req.remaining === 0) req.resolve(req.results);
}

// Copies: the bytes are transferred to a worker, and the caller's buffers must stay usable.
function imageItems(images: Uint8Array[], limits: DecodeLimits | undefined): WorkItem[] {
  return images.map((b) => ({ kind: 'image', bytes: new Uint8Array(b), limits }));
}

function vectorOf(r: OkResult): Float32Array {
  if (!('vector' in r)) throw new Error('embedding worker answered an image item without a vector');
  return r.vector;
}

/** Like Embedder: a refused image says its position in the request (`details.index`). */
function withIndex(e: Error, index: number): Error {
  if (!(e instanceof DomainError) || typeof e.details.index === 'number') return e;
  return new DomainError(e.code, e.message, { ...e.details, index });
}

export function defaultPoolSize(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

function startWorker(modelDir: string, backend: string, maxBatch: number): Promise<{ worker: Worker; card: ModelCard; backend: string }> {
  const worker = spawnWorker();
  return new Promise((resolve, reject) => {
    const onExit = (code: number) => reject(new Error(`embedding worker exited with code ${code} while loading`));
    const onError = (e: Error) => reject(e);
    worker.once('exit', onExit);
    worker.once('error', onError);
    worker.once('message', (msg: FromWorker) => {
      worker.off('exit', onExit);
      worker.off('error', onError);
      if (msg.type === 'ready') resolve({ worker, card: msg.card, backend: msg.backend });
      else {
        void worker.terminate();
        reject(msg.type === 'init-error' ? deserializeError(msg.error) : new Error(`unexpected worker message ${msg.type}`));
      }
    });
    worker.postMessage({ type: 'init', modelDir: path.resolve(modelDir), backend, maxBatch } satisfies ToWorker);
  });
}

function spawnWorker(): Worker {
  const compiled = path.join(__dirname, 'worker', 'embedding.worker.js');
  if (__filename.endsWith('.js')) return new Worker(compiled);
  // Running from TypeScript sources (ts-jest, ts-node): transpile on the fly inside the worker.
  const entry = path.join(__dirname, 'worker', 'embedding.worker.ts');
  return new Worker(TS_WORKER_BOOTSTRAP, { eval: true, workerData: { entry } });
}
