import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/embedding/backend';
import { buildEncoder } from '../../../src/embedding/backbones';
import { FACE_RESNET_MEAN, setTrainable } from '../../../src/embedding/backbones/face-resnet.backbone';
import { FaceApiDetector } from '../../../src/embedding/faces/face-api.detector';
import { alignFace } from '../../../src/embedding/faces/face-stage';
import { faceResnetPreprocessing } from '../../../src/embedding/faces/face-stage-defaults';
import { DomainError, ErrorCode } from '../../../src/errors';
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

/**
 * face-resnet29: dlib's face ResNet with face-api's weights, as a tf.LayersModel.
 * face-api's own FaceRecognitionNet is the reference: same weights, its forward pass.
 * (Head training: face-resnet29-training.slow.test.ts.)
 */
let randomRef: Float32Array;
beforeAll(async () => {
  await initBackend('wasm');
  await loadReferenceNet();
  randomRef = await reference(randomPixels);
}, 60_000);

describe('face-resnet29 parity with face-api', () => {
  test("head 'none', no L2: the 128-d descriptor of face-api's FaceRecognitionNet within 1e-4 (random input and an aligned LFW face); no leaks", async () => {
    const aligned = await alignFace(lfw('Aaron_Peirsol'), faceResnetPreprocessing(), new FaceApiDetector());
    const faceRef = await reference(aligned.pixels);
    const before = tf.memory().numTensors;
    const model = buildEncoder(arch({ head: 'none' }, false), INPUT);
    expect(model.outputs[0].shape).toEqual([null, 128]);
    expect(model.trainableWeights).toEqual([]); // no head: nothing trains under 'head'
    const [onRandom, onFace] = predict(model, [ourInput(randomPixels), ourInput(aligned.pixels)]);
    expect(maxAbsDiff(onRandom, randomRef)).toBeLessThan(1e-4);
    expect(maxAbsDiff(onFace, faceRef)).toBeLessThan(1e-4);
    // The normalisation is face-api's: pixel 0's red channel → (p − 122.782)/255.
    expect(ourInput(randomPixels)[0]).toBeCloseTo(randomPixels[0] / 255 - FACE_RESNET_MEAN[0], 6);
    // dlib descriptors are not unit vectors (which is why the head path ends with L2).
    expect(Math.hypot(...Array.from(onFace))).toBeGreaterThan(0.3);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('face-resnet29 trainable sets', () => {
  test("'last-block' = conv256_down_out/* + fc + siamese_head; setTrainable switches to 'head' and 'all'", () => {
    const before = tf.memory().numTensors;
    const model = buildEncoder(arch({ trainable: 'last-block' }, true), INPUT);
    const all = names(model.weights);
    expect(names(model.trainableWeights)).toEqual([
      'conv256_down_out/conv1/bias',
      'conv256_down_out/conv1/kernel',
      'conv256_down_out/conv2/bias',
      'conv256_down_out/conv2/kernel',
      'fc/kernel',
      'siamese_head/bias',
      'siamese_head/kernel',
    ]);
    setTrainable(model, 'head');
    expect(names(model.trainableWeights)).toEqual(['siamese_head/bias', 'siamese_head/kernel']);
    expect(names(model.nonTrainableWeights)).toEqual(all.filter((n) => !n.startsWith('siamese_head/')));
    setTrainable(model, 'all');
    expect(names(model.trainableWeights)).toEqual(all);
    // 29 conv layers (1 stem + 2 × 14 residual blocks), each kernel + bias, + fc + head kernel and bias = 61.
    expect(all).toHaveLength(29 * 2 + 1 + 2);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  test('bad parameters are BAD_USER_INPUT before anything is built', () => {
    const expectBad = (f: () => unknown, pattern: RegExp) => {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DomainError);
      expect((err as DomainError).code).toBe(ErrorCode.BAD_USER_INPUT);
      expect((err as DomainError).message).toMatch(pattern);
    };
    expectBad(() => buildEncoder(arch({ trainable: 'trunk' }, true), INPUT), /trainable must be head, last-block or all/);
    expectBad(() => buildEncoder(arch({ head: 'mlp' }, true), INPUT), /head must be dense or none/);
    expectBad(() => buildEncoder(arch({ head: 'none' }, true, 64), INPUT), /without a head has 128 dimensions/);
    expectBad(() => buildEncoder(arch({}, true), { height: 112, width: 112, channels: 3 }), /150×150×3/);
    expectBad(() => buildEncoder(arch({}, true), { height: 150, width: 150, channels: 1 }), /150×150×3/);
  });
});
