import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { InstanceTask } from './bench.worker';

/**
 * Runs the same measurement in `count` worker threads at once and sums their
 * throughput: what `count` wasm instances (one per core) deliver together.
 * Workers load the compiled bench.worker.js, so this needs the build that
 * `npx siamese` runs from; under ts-jest / ts sources it reports why not.
 */
export type InstancesResult =
  { available: true; instances: number; total: number; perInstance: number[] } | { available: false; reason: string };

export async function runInstances(count: number, job: InstanceTask, timeoutMs: number): Promise<InstancesResult> {
  const file = path.join(__dirname, 'bench.worker.js');
  if (!fs.existsSync(file)) return { available: false, reason: 'worker instances need the compiled build (npm run build)' };
  const workers = Array.from({ length: count }, () => new Worker(file, { workerData: job }));
  const timer = setTimeout(() => workers.forEach((w) => void w.terminate()), timeoutMs);
  try {
    const ready = workers.map((w) => awaitMessage(w, 'ready'));
    await Promise.all(ready);
    const results = workers.map((w) => awaitMessage(w, 'result'));
    workers.forEach((w) => w.postMessage('go'));
    const perInstance = (await Promise.all(results)).map((m) => m.perSec as number);
    return { available: true, instances: count, total: perInstance.reduce((a, b) => a + b, 0), perInstance };
  } catch (e) {
    return { available: false, reason: (e as Error).message };
  } finally {
    clearTimeout(timer);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function awaitMessage(worker: Worker, type: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: Record<string, unknown>) => {
      if (m.type === type) {
        cleanup();
        resolve(m);
      } else if (m.type === 'error') {
        cleanup();
        reject(new Error(`instance failed: ${String(m.message)}`));
      }
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`instance exited (code ${code}) before '${type}'`));
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      worker.off('error', onError);
    };
    worker.on('message', onMessage);
    worker.on('exit', onExit);
    worker.on('error', onError);
  });
}
