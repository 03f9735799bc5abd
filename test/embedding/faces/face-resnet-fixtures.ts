import * as tf from '@tensorflow/tfjs';
import { faceApiModelDir } from '../../../src/embedding/faces/face-api.detector';
import { faceResnetPreprocessing } from '../../../src/embedding/faces/face-stage-defaults';
import type { ArchitectureSpec } from '../../../src/embedding/model-card';
import { normalizePixels } from '../../../src/embedding/preprocess/normalize';
import { lcg } from '../fixtures';

/** face-api's own FaceRecognitionNet: the reference for face-resnet29 (same weights, its forward pass). */
interface FaceApiRecognition {
  nets: { faceRecognitionNet: { loadFromDisk(dir: string): Promise<void>; computeFaceDescriptor(x: tf.Tensor3D): Promise<Float32Array> } };
}

const faceapi = (): FaceApiRecognition => require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApiRecognition;

/** Loads face-api's recognition net (once per process; its weights stay resident). Call after initBackend. */
export function loadReferenceNet(): Promise<void> {
  return faceapi().nets.faceRecognitionNet.loadFromDisk(faceApiModelDir());
}

/** face-api's descriptor of 150×150 8-bit RGB pixels. */
export async function referenceDescriptor(pixels: Uint8Array): Promise<Float32Array> {
  const x = tf.tensor3d(Int32Array.from(pixels), [150, 150, 3], 'int32');
  try {
    return await faceapi().nets.faceRecognitionNet.computeFaceDescriptor(x);
  } finally {
    x.dispose();
  }
}

export const INPUT = { height: 150, width: 150, channels: 3 };

export const faceResnetArch = (params: Record<string, unknown>, l2Normalize: boolean, embeddingDim = 128): ArchitectureSpec => ({
  backbone: 'face-resnet29',
  embeddingDim,
  normalization: 'none',
  l2Normalize,
  params,
});

/** 8-bit RGB pixels of a deterministic 150×150 "image" (LCG). */
export const randomPixels = Uint8Array.from(lcg(150 * 150 * 3, 5), (v) => Math.floor((v + 1) * 127.99));

/** face-api's normalisation, (x − dlib's channel means) / 255, is ours with mean = FACE_RESNET_MEAN, std 1. */
export const modelInput = (pixels: Uint8Array) => normalizePixels(pixels, faceResnetPreprocessing());

export function predict(model: tf.LayersModel, inputs: Float32Array[]): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(Float32Array.from(inputs.flatMap((a) => Array.from(a))), [inputs.length, 150, 150, 3]);
    const y = (model.predict(x) as tf.Tensor).dataSync() as Float32Array;
    const d = y.length / inputs.length;
    return inputs.map((_, i) => y.slice(i * d, (i + 1) * d));
  });
}

export const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

/** Weight names without tfjs's per-model uniquifying suffixes, sorted. */
export const weightNames = (ws: tf.LayerVariable[]) => ws.map((w) => w.originalName).sort();
