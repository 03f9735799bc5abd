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

/** `siamese bench --backend`: 'wasm' (default) or 'native' (the project's C++ kernels, src/embedding/native). */
export type BenchBackend = 'wasm' | 'native';
let chosen: BenchBackend = 'wasm';

export function setBenchBackend(backend: BenchBackend): void {
  chosen = backend;
  ready = undefined;
}

export function benchBackend(): BenchBackend {
  return chosen;
}

/** The chosen backend (the name is historical: wasm unless --backend native). */
export function useWasm(): Promise<BackendInfo> {
  ready ??= (async () => {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const registry = require('../embedding/backend') as { initBackend(p: string): Promise<string> };
      const backend = await registry.initBackend(chosen);
      if (backend !== 'native') return { backend };
      // Which CPU path the native GEMMs took (runtime dispatch), for the report.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const native = require('../embedding/native/native-backend') as typeof import('../embedding/native/native-backend');
      const r = native.registerNativeBackend();
      return { backend: r.ok ? `native (${r.info.path}, up to ${r.info.threads} threads per GEMM)` : backend };
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
