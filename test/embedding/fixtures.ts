import type { ArchitectureSpec, ModelCard, PreprocessSpec } from '../../src/embedding/model-card';

/** A `fast` encoder's architecture: conv widths, embedding size, L2-normalised, no normalisation layers. */
export const fastArch = (widths: number[], embeddingDim: number): ArchitectureSpec => ({
  backbone: 'fast',
  embeddingDim,
  normalization: 'none',
  l2Normalize: true,
  params: { widths },
});

/** A complete model card for tests; fingerprint/version left blank for saveModelDir to fill. */
export function testCard(architecture: ArchitectureSpec, preprocessing: PreprocessSpec): ModelCard {
  return {
    formatVersion: 1,
    name: 'test',
    version: '',
    createdAt: '2026-01-01T00:00:00.000Z',
    architecture,
    preprocessing,
    metric: 'euclidean',
    thresholds: { eer: 0.5, maxAccuracy: 0.5, atTargetFar: 0.4, targetFar: 0.001, default: 0.5, defaultRule: 'eer' },
    roc: [],
    validation: { auc: 0.5, eer: 0.5, positivePairs: 0, negativePairs: 0 },
    data: { sources: [], identities: 0, images: 0, trainIdentities: 0, validationIdentities: 0 },
    hyperparameters: {},
    seed: 1,
    training: { wallTimeSec: 0, steps: 0, epochs: 0, bestEpoch: 0, backend: 'wasm' },
    fingerprint: '',
    commands: { train: 'none', evaluate: [] },
  };
}

/** Deterministic values in [−1, 1) (LCG). */
export function lcg(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}
