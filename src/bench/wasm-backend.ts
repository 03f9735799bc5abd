import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

/**
 * Puts tfjs on the wasm backend for a measurement, through the project's
 * backend registry (src/embedding/backend.ts: it also registers the kernels
 * wasm lacks, such as Conv2DBackpropFilter). The registry is required lazily so
 * that a broken or missing embedding module degrades the benchmark to plain
 * wasm (and says so) instead of taking the whole run down.
 */
export interface BackendInfo {
  backend: string;
  /** Set when the project's registry could not be used. */
  note?: string;
}

let ready: Promise<BackendInfo> | undefined;

export function useWasm(): Promise<BackendInfo> {
  ready ??= (async () => {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const registry = require('../embedding/backend') as { initBackend(p: string): Promise<string> };
      return { backend: await registry.initBackend('wasm') };
    } catch (e) {
      await tf.setBackend('wasm');
      await tf.ready();
      return {
        backend: tf.getBackend(),
        note: `project backend registry unavailable (${(e as Error).message.split('\n')[0]}): plain wasm, extra kernels not registered`,
      };
    }
  })();
  return ready;
}
