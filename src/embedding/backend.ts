import { isMainThread } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerExtraKernels } from './kernels';
import { NATIVE_BACKEND, registerNativeBackend } from './native/native-backend';

/**
 * The tfjs backend registry: tensorflow-gpu → tensorflow → native → wasm → cpu.
 *
 * `native` is the project's own kernel module (native/, built by node-gyp at
 * `npm install`; src/embedding/native/): the cpu backend's tensors with GEMM,
 * the convolutions and their gradients in C++ (AVX-512 / AVX2+FMA / portable,
 * chosen at run time). Where it was not built or does not load, 'auto' says so
 * in one log line and goes on to wasm.
 *
 * tfjs-node and tfjs-node-gpu download libtensorflow at install time, so they
 * cannot be dependencies of this project (they would break `npm ci` on machines
 * without network access to Google's storage). Users with a CUDA machine run
 * `npm install @tensorflow/tfjs-node-gpu@4.22` (or `@tensorflow/tfjs-node@4.22`
 * on a plain CPU box) next to the project and `initBackend('auto')` picks it up:
 * the packages are required lazily through a computed name, so TypeScript,
 * jest and bundlers never try to resolve them.
 *
 * The wasm backend is the embedded default. In Node it runs one thread per
 * instance (no SharedArrayBuffer workers), which is why serving uses a pool of
 * worker threads (embedding-pool.ts).
 */
export type BackendPreference = 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'native' | 'wasm' | 'cpu';

export const BACKEND_PREFERENCES: readonly BackendPreference[] = ['auto', 'tensorflow-gpu', 'tensorflow', 'native', 'wasm', 'cpu'];

/** Test and tooling hooks of the registry (the service passes none). */
export interface BackendOptions {
  /** Where the native module is (default native/build/Release/siamese_native.node). */
  nativeAddonFile?: string;
  /** Receives the one line that says the native module is unavailable under 'auto' (default console.warn). */
  log?: (line: string) => void;
}

const NODE_PACKAGES: Record<'tensorflow-gpu' | 'tensorflow', string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
};

let initialised: Promise<string> | undefined;
let initialisedWith: BackendPreference | undefined;

export function isBackendPreference(value: string): value is BackendPreference {
  return (BACKEND_PREFERENCES as readonly string[]).includes(value);
}

/**
 * Selects and initialises a backend and returns its tfjs name ('tensorflow',
 * 'wasm' or 'cpu'). Idempotent: later calls with the same preference return
 * the same promise; a later call with a different explicit preference switches.
 * An explicit preference that cannot be satisfied throws (no silent fallback),
 * 'auto' falls through the list.
 */
export function initBackend(preference: BackendPreference = 'auto', options: BackendOptions = {}): Promise<string> {
  if (initialised && (initialisedWith === preference || preference === 'auto')) return initialised;
  initialisedWith = preference;
  initialised = selectBackend(preference, options).catch((e) => {
    initialised = undefined;
    initialisedWith = undefined;
    throw e;
  });
  return initialised;
}

async function selectBackend(preference: BackendPreference, options: BackendOptions): Promise<string> {
  // The project's wasm kernels (wasm only; cpu and tfjs-node keep theirs): kernels/README.md has the dispatch table.
  registerExtraKernels();
  silenceCpuBanner();
  const order: BackendPreference[] = preference === 'auto' ? ['tensorflow-gpu', 'tensorflow', 'native', 'wasm', 'cpu'] : [preference];
  const failures: string[] = [];
  for (const candidate of order) {
    try {
      const name = await trySet(candidate, options);
      if (name) return name;
      failures.push(`${candidate}: unavailable`);
    } catch (e) {
      failures.push(`${candidate}: ${(e as Error).message}`);
    }
  }
  throw new Error(`no tfjs backend could be initialised (${failures.join('; ')})`);
}

async function trySet(candidate: BackendPreference, options: BackendOptions): Promise<string | undefined> {
  if (candidate === 'native') {
    const native = registerNativeBackend(options.nativeAddonFile);
    if (!native.ok) {
      // One line per thread, only where the module was expected to take over (an explicit 'native' throws instead).
      if (initialisedWith === 'auto') logNativeUnavailable(native.reason, options.log);
      else throw new Error(native.reason);
      return undefined;
    }
    return (await tf.setBackend(NATIVE_BACKEND)) ? NATIVE_BACKEND : undefined;
  }
  if (candidate === 'tensorflow-gpu' || candidate === 'tensorflow') {
    if (!loadNodeBinding(NODE_PACKAGES[candidate])) return undefined;
    // Both packages register a backend named 'tensorflow'.
    return (await tf.setBackend('tensorflow')) ? 'tensorflow' : undefined;
  }
  if (candidate === 'wasm' || candidate === 'cpu') {
    return (await tf.setBackend(candidate)) ? candidate : undefined;
  }
  return undefined;
}

let nativeUnavailableLogged = false;

function logNativeUnavailable(reason: string, log: (line: string) => void = (l) => console.warn(l)): void {
  // Worker threads (embedding pool, trainer replicas) repeat the main thread's finding: one line per process.
  if (nativeUnavailableLogged || !isMainThread) return;
  nativeUnavailableLogged = true;
  log(`[siamese] native kernels unavailable (${reason}): using the wasm backend`);
}

/** Lazily loads an optional native binding; false when it is not installed or does not load. */
function loadNodeBinding(pkg: string): boolean {
  if (tf.findBackendFactory('tensorflow')) return true;
  try {
    // A computed name keeps tsc, jest and bundlers from resolving the optional package.
    const dynamicRequire: NodeRequire = require;
    dynamicRequire(pkg);
    return tf.findBackendFactory('tensorflow') != null;
  } catch {
    return false;
  }
}

/**
 * The cpu backend prints an "install tfjs-node" banner on its first tensor in
 * Node. We choose backends deliberately, so mark it as already shown.
 */
function silenceCpuBanner(): void {
  try {
    const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
    if (cpu) cpu.firstUse = false;
  } catch {
    // Creating the cpu backend can only fail if tfjs itself is broken; nothing to silence then.
  }
}

/** Name of the active backend, initialising the default if nothing was chosen yet. */
export async function activeBackend(): Promise<string> {
  return initialised ? initialised : initBackend('auto');
}
