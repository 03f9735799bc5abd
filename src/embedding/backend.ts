import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerExtraKernels } from './kernels';

/**
 * The tfjs backend registry: tensorflow-gpu → tensorflow → wasm → cpu.
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
export type BackendPreference = 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export const BACKEND_PREFERENCES: readonly BackendPreference[] = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

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
export function initBackend(preference: BackendPreference = 'auto'): Promise<string> {
  if (initialised && (initialisedWith === preference || preference === 'auto')) return initialised;
  initialisedWith = preference;
  initialised = selectBackend(preference).catch((e) => {
    initialised = undefined;
    initialisedWith = undefined;
    throw e;
  });
  return initialised;
}

async function selectBackend(preference: BackendPreference): Promise<string> {
  // The project's wasm kernels (wasm only; cpu and tfjs-node keep theirs): kernels/README.md has the dispatch table.
  registerExtraKernels();
  silenceCpuBanner();
  const order: BackendPreference[] =
    preference === 'auto' ? ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] : [preference];
  const failures: string[] = [];
  for (const candidate of order) {
    try {
      const name = await trySet(candidate);
      if (name) return name;
      failures.push(`${candidate}: unavailable`);
    } catch (e) {
      failures.push(`${candidate}: ${(e as Error).message}`);
    }
  }
  throw new Error(`no tfjs backend could be initialised (${failures.join('; ')})`);
}

async function trySet(candidate: BackendPreference): Promise<string | undefined> {
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
