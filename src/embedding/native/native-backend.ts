import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerExtraKernels } from '../kernels';
import { loadNativeAddon, type NativeAddon, type NativeInfo, type NativeLoad } from './native-addon';
import { nativeKernelConfigs } from './native-kernels';

/**
 * The `native` tfjs backend: its own tfjs-backend-wasm instance (tensors in a
 * wasm heap, every wasm kernel and the project's wasm kernels from ../kernels:
 * pooling, reductions, element-wise ops run there), with the heavy kernels
 * (GEMM, BatchMatMul, Conv2D and its two gradients, fused variants) replaced by
 * native/ through native-kernels.ts, which reads and writes the heap in place.
 *
 * Why not the cpu backend's tensors: its JavaScript kernels for everything but
 * the heavy ops cost more than the GEMMs saved (a seed train step on cpu +
 * native GEMM/conv measured MaxPoolGrad 78.6 s, Sum 16.7 s, Add 8.6 s per step,
 * against 0.05–0.2 s on wasm; scratch run noted in docs/benchmarks/2026-12-02-native.md).
 *
 * Gradients are registered by kernel name, so training works unchanged.
 */
export const NATIVE_BACKEND = 'native';

export type NativeRegistration = { ok: true; info: NativeInfo; addon: NativeAddon } | { ok: false; reason: string };

let registered: { file: string | undefined; result: NativeRegistration } | undefined;

/** Registers the backend once per thread (each worker thread has its own tfjs). Never throws. */
export function registerNativeBackend(file?: string): NativeRegistration {
  if (registered && (registered.result.ok || registered.file === file)) return registered.result;
  const load: NativeLoad = loadNativeAddon(file);
  const result = load.ok ? register(load.addon) : { ok: false as const, reason: load.reason };
  registered = { file, result };
  return result;
}

/**
 * The loaded addon while `native` is the active tfjs backend, for work outside tfjs's kernels
 * (the seed bench's fused Adam step); undefined otherwise.
 */
export function activeNativeAddon(): NativeAddon | undefined {
  const result = registered?.result;
  return result?.ok && tf.getBackend() === NATIVE_BACKEND ? result.addon : undefined;
}

function register(addon: NativeAddon): NativeRegistration {
  try {
    const wasmFactory = tf.findBackendFactory('wasm');
    if (!wasmFactory) return { ok: false, reason: 'tfjs-backend-wasm is not registered' };
    if (!tf.findBackendFactory(NATIVE_BACKEND)) {
      registerExtraKernels();
      // A second wasm instance of its own (its own heap), made by the wasm backend's factory.
      tf.registerBackend(NATIVE_BACKEND, wasmFactory, 0);
      const replaced = nativeKernelConfigs(addon, NATIVE_BACKEND, (name) => {
        const k = tf.getKernel(name, 'wasm');
        if (!k) throw new Error(`the wasm backend has no ${name} kernel`);
        return k.kernelFunc;
      });
      const names = new Set(replaced.map((k) => k.kernelName));
      for (const kernel of tf.getKernelsForBackend('wasm')) {
        if (!names.has(kernel.kernelName) && !tf.getKernel(kernel.kernelName, NATIVE_BACKEND)) {
          tf.registerKernel({ ...kernel, backendName: NATIVE_BACKEND });
        }
      }
      // Keep the replaced wasm kernel's setup (it binds its wasm functions to each new instance): the fallbacks need it.
      for (const kernel of replaced) {
        const original = tf.getKernel(kernel.kernelName, 'wasm');
        tf.registerKernel({ ...kernel, setupFunc: original?.setupFunc, disposeFunc: original?.disposeFunc });
      }
    }
    return { ok: true, info: addon.info(), addon };
  } catch (e) {
    return { ok: false, reason: `registering the native backend failed: ${(e as Error).message}` };
  }
}
