import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/embedding/backend';
import { buildEncoder } from '../../../src/embedding/backbones';
import { FaceApiDetector } from '../../../src/embedding/faces/face-api.detector';
import { alignFace } from '../../../src/embedding/faces/face-stage';
import { faceResnetPreprocessing } from '../../../src/embedding/faces/face-stage-defaults';
import { normalizePixels } from '../../../src/embedding/preprocess/normalize';
import { tripletLoss } from '../../../src/training/losses/triplet.loss';
import { lfw } from './face-fixtures';
import {
  faceResnetArch as arch,
  INPUT,
  loadReferenceNet,
  maxAbsDiff,
  modelInput as ourInput,
  predict,
  randomPixels,
  referenceDescriptor as reference,
  weightNames as names,
} from './face-resnet-fixtures';

/** Fine-tuning face-resnet29's Siamese head with the trunk frozen (params.trainable 'head'). */
let randomRef: Float32Array;
beforeAll(async () => {
  await initBackend('wasm');
  await loadReferenceNet();
  randomRef = await reference(randomPixels);
}, 60_000);

describe('face-resnet29 head training', () => {
  test('a few Adam steps of the head on 8 aligned LFW crops of 4 people lower the triplet loss and leave every trunk weight bit-identical; no leaks', async () => {
    const people = ['Aaron_Peirsol', 'Abdoulaye_Wade', 'Adam_Sandler', 'Ahmed_Chalabi'];
    const detector = new FaceApiDetector();
    const spec = faceResnetPreprocessing();
    const inputs: Float32Array[] = [];
    const labels: number[] = [];
    for (const [p, person] of people.entries()) {
      for (const n of [1, 2]) {
        const aligned = await alignFace(lfw(person, n), spec, detector);
        inputs.push(normalizePixels(aligned.pixels, spec));
        labels.push(p);
      }
    }

    const before = tf.memory().numTensors;
    const model = buildEncoder(arch({ trainable: 'head' }, true), INPUT, 1);
    expect(names(model.trainableWeights)).toEqual(['siamese_head/bias', 'siamese_head/kernel']);
    // The identity-initialised head reproduces the pretrained descriptor, L2-normalised.
    const [untrained] = predict(model, [ourInput(randomPixels)]);
    const norm = Math.hypot(...Array.from(randomRef));
    expect(
      maxAbsDiff(
        untrained,
        Array.from(randomRef, (v) => v / norm),
      ),
    ).toBeLessThan(1e-4);

    const snapshot = (ws: tf.LayerVariable[]) => ws.map((w) => Buffer.from((w.read().dataSync() as Float32Array).slice().buffer));
    const trunk = model.nonTrainableWeights;
    expect(trunk).toHaveLength(59);
    const trunkBefore = snapshot(trunk);
    const headBefore = snapshot(model.trainableWeights);

    const batch = tf.tensor4d(Float32Array.from(inputs.flatMap((a) => Array.from(a))), [8, 150, 150, 3]);
    const options = { margin: 0.5, metric: 'euclidean' as const, mining: 'none' as const };
    const lossOf = (training: boolean) => {
      const e = model.apply(batch, { training }) as tf.Tensor2D;
      const { loss, activeFraction } = tripletLoss(e, labels, options);
      e.dispose();
      activeFraction.dispose();
      return loss;
    };
    const evalLoss = () => {
      const l = tf.tidy(() => lossOf(false));
      const v = l.dataSync()[0];
      l.dispose();
      return v;
    };
    const optimizer = tf.train.adam(1e-2);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const loss0 = evalLoss();
    expect(loss0).toBeGreaterThan(0);
    for (let step = 0; step < 3; step++) {
      const l = optimizer.minimize(() => lossOf(true) as tf.Scalar, true, vars);
      l?.dispose();
    }
    const loss3 = evalLoss();
    expect(loss3).toBeLessThan(loss0 * 0.8);

    const trunkAfter = snapshot(trunk);
    trunkAfter.forEach((bytes, i) => expect(bytes.equals(trunkBefore[i])).toBe(true));
    const headAfter = snapshot(model.trainableWeights);
    expect(headAfter.some((bytes, i) => !bytes.equals(headBefore[i]))).toBe(true);

    batch.dispose();
    optimizer.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
