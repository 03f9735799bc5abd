import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/embedding/backend';
import { Embedder } from '../../src/embedding/embedder';
import type { ArchitectureSpec, PreprocessSpec } from '../../src/embedding/model-card';
import { loadModelDir, saveModelDir } from '../../src/embedding/model-store';
import { encodeBatch, inferenceSpec } from '../../src/embedding/preprocess/flip-average';
import { FolderImageSource } from '../../src/training/data/folder.source';
import { embedPixels } from '../../src/training/evaluate/embed';
import { evaluateVerification } from '../../src/training/evaluate/verification.eval';
import { testCard } from './fixtures';

/**
 * A 1×2 "image" through flatten → dense(2, identity kernel, no bias): f(x) = (x₀, x₁),
 * so f(mirror x) = (x₁, x₀) and every expected value below is hand-derived.
 */
function identityModel(): tf.LayersModel {
  const input = tf.input({ shape: [1, 2, 1] });
  const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 2, useBias: false, kernelInitializer: 'identity' }).apply(flat) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

const pre: PreprocessSpec = { width: 2, height: 1, channels: 1, normalize: 'unit', fit: 'fill' };
const arch: ArchitectureSpec = { backbone: 'fast', embeddingDim: 2, normalization: 'none', l2Normalize: true };
const close = (got: ArrayLike<number>, want: number[]) => want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 5));

let model: tf.LayersModel;
beforeAll(async () => {
  await initBackend('wasm');
  model = identityModel();
});
afterAll(() => model.dispose());

describe('flip test-time averaging', () => {
  it('off: the plain encoder output; on: L2(f(x) + f(mirror x)), or the mean without L2; no leaks', () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor4d([3, 4, 0, 2], [2, 1, 2, 1]);
    const plain = encodeBatch(model, x);
    const same = encodeBatch(model, x, { flipAverage: false, l2Normalize: true });
    const l2 = encodeBatch(model, x, { flipAverage: true, l2Normalize: true });
    const mean = encodeBatch(model, x, { flipAverage: true, l2Normalize: false });
    close(plain.dataSync(), [3, 4, 0, 2]);
    close(same.dataSync(), [3, 4, 0, 2]);
    // (3,4)+(4,3) = (7,7) → (1/√2, 1/√2); (0,2)+(2,0) = (2,2) → (1/√2, 1/√2)
    close(l2.dataSync(), [Math.SQRT1_2, Math.SQRT1_2, Math.SQRT1_2, Math.SQRT1_2]);
    close(mean.dataSync(), [3.5, 3.5, 1, 1]);
    tf.dispose([x, plain, same, l2, mean]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the card field drives the spec; cards without it (older models) stay single-view', () => {
    expect(inferenceSpec({ preprocessing: { ...pre }, architecture: arch })).toEqual({});
    expect(inferenceSpec({ preprocessing: { ...pre, flipAverage: false }, architecture: arch })).toEqual({});
    expect(inferenceSpec({ preprocessing: { ...pre, flipAverage: true }, architecture: { ...arch, l2Normalize: false } })).toEqual({
      flipAverage: true,
      l2Normalize: false,
    });
  });

  it('the Embedder (service path) and embedPixels (training validation) give the same vectors', async () => {
    const x = [Float32Array.from([3, 4]), Float32Array.from([1, 0])];
    const old = new Embedder(model, testCard(arch, pre));
    const tta = new Embedder(model, testCard(arch, { ...pre, flipAverage: true }));
    const a = await old.embedInputs(x);
    const b = await tta.embedInputs(x);
    close(a[0], [3, 4]);
    close(a[1], [1, 0]);
    // (1,0)+(0,1) = (1,1) → (1/√2, 1/√2)
    close(b[0], [Math.SQRT1_2, Math.SQRT1_2]);
    close(b[1], [Math.SQRT1_2, Math.SQRT1_2]);
    const v = embedPixels(model, x, pre, 64, inferenceSpec(tta.card));
    v.forEach((row, i) => close(row, Array.from(b[i])));
  });

  it('survives save/load and is honoured by evaluateVerification (eval CLI path)', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'flip-'));
    try {
      // Identity p: two mirror images of each other; identity q: two copies of one flat image.
      const px = { 'p/1.png': [230, 26], 'p/2.png': [26, 230], 'q/1.png': [51, 51], 'q/2.png': [51, 51] };
      for (const [file, [a, b]] of Object.entries(px)) {
        await fs.mkdir(path.join(root, 'data', path.dirname(file)), { recursive: true });
        await sharp(Buffer.from([a, b]), { raw: { width: 2, height: 1, channels: 1 } })
          .png()
          .toFile(path.join(root, 'data', file));
      }
      const noL2 = { ...arch, l2Normalize: false };
      const source = new FolderImageSource([path.join(root, 'data')]);
      const score = async (flipAverage: boolean) => {
        const dir = path.join(root, `m-${flipAverage}`);
        await saveModelDir(dir, identityModel(), testCard(noL2, { ...pre, flipAverage }));
        const loaded = await loadModelDir(dir);
        expect(Boolean(loaded.card.preprocessing.flipAverage)).toBe(flipAverage);
        const { report } = await evaluateVerification(loaded.model, loaded.card, source);
        loaded.model.dispose();
        return report;
      };
      // Single view: d(p1,p2) = √2·(204/255) ≈ 1.131 exceeds both different-pair distances ≈ 0.709,
      // d(q1,q2) = 0 beats them → AUC ½. Flip mean: p → (128/255)·(1,1), q → 0.2·(1,1): both same
      // pairs at 0, all different pairs at √2·(77/255) > 0 → AUC 1, EER 0.
      const single = await score(false);
      const flipped = await score(true);
      expect(single.positivePairs).toBe(2);
      expect(single.negativePairs).toBe(4);
      expect(single.auc).toBeCloseTo(0.5, 6);
      expect(flipped.auc).toBeCloseTo(1, 6);
      expect(flipped.eer).toBeCloseTo(0, 6);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});
