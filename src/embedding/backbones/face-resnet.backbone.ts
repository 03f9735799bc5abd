import { readFileSync } from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { badInput } from '../../errors';
import { ChannelZeroPad, L2Normalize } from '../layers';
import type { BackboneContext } from './backbone-kit';

/**
 * `face-resnet29`: a pretrained face trunk with a Siamese head.
 *
 * The trunk is dlib's face recognition ResNet (Davis King,
 * dlib_face_recognition_resnet_model_v1: a ResNet-34 cut to 29 conv layers,
 * 150×150×3 input, 128-d output, trained with a metric (pair hinge) loss on
 * about 3 million faces of ~7,500 people; dlib reports 99.38 % on LFW's
 * 6,000-pair protocol). Its weights ship inside the npm package
 * `@vladmandic/face-api` (MIT) as `face_recognition_model.bin`, 8-bit
 * quantised; they are read from there, dequantised and folded here. Why this
 * network: it is the only face embedding network whose weights come with an
 * npm package we can install here, it runs on tfjs's stock ops, and at
 * 150×150 it costs ~30 ms per face on one wasm thread.
 *
 * The layers are written here from face-api's forward pass (read, not
 * copied): every conv is conv + bias followed by an affine "scale" layer,
 * folded into one Conv2D (W' = W·s, b' = b·s + c) so the model is a plain
 * tf.LayersModel that trains, saves and serves like every other backbone:
 *
 *   conv 32@7×7/2 valid → maxpool 3/2 → 3× res32 → res64↓ + 3× res64
 *   → res128↓ + 2× res128 → res256↓ + 2× res256 → res256↓ → GAP → fc 128
 *   [→ Siamese head: dense D, identity-initialised] → L2
 *
 * res↓ = conv 3×3/2 valid → conv 3×3 same, shortcut avg-pool 2/2 with zero
 * channels appended (and the main path zero-padded by one row and column when
 * the shapes differ by one), then ReLU.
 *
 * params:
 *   pretrained (default true): load face-api's weights;
 *   trainable: 'head' (trunk frozen; default), 'last-block' (res256↓ out + fc + head), 'all';
 *   head: 'dense' (default: dense D initialised to the identity, so an untrained
 *         head reproduces the pretrained descriptor) or 'none'.
 * Input: 150×150×3, normalise 'standard' with mean = FACE_RESNET_MEAN, std 1.
 */
export const FACE_RESNET_INPUT = { width: 150, height: 150, channels: 3 } as const;
/** Per-channel means of dlib's training crops, as face-api subtracts them (RGB, divided by 255). */
export const FACE_RESNET_MEAN = [122.782 / 255, 117.001 / 255, 104.298 / 255];

type Trainable = 'head' | 'last-block' | 'all';
const LAST_BLOCK = 'conv256_down_out';

export function buildFaceResnet(ctx: BackboneContext): tf.LayersModel {
  const { height, width, channels } = ctx.input;
  if (height !== FACE_RESNET_INPUT.height || width !== FACE_RESNET_INPUT.width || channels !== 3) {
    throw badInput(`face-resnet29 takes 150×150×3 inputs, got ${height}×${width}×${channels} (use --input-size 150x150 --channels 3)`);
  }
  const params = ctx.arch.params ?? {};
  const trainable = (params.trainable ?? 'head') as Trainable;
  if (!['head', 'last-block', 'all'].includes(trainable))
    throw badInput(`face-resnet29: trainable must be head, last-block or all, got '${String(trainable)}'`);
  const head = (params.head ?? 'dense') as 'dense' | 'none';
  if (head !== 'dense' && head !== 'none') throw badInput(`face-resnet29: head must be dense or none`);
  if (head === 'none' && ctx.arch.embeddingDim !== 128) throw badInput('face-resnet29 without a head has 128 dimensions');

  const input = tf.input({ shape: [height, width, channels], name: 'image' });
  let x = conv(input, 'conv32_down', 32, 7, 2, 'valid', true);
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid', name: 'pool1' }).apply(x) as tf.SymbolicTensor;
  for (const name of ['conv32_1', 'conv32_2', 'conv32_3']) x = residual(x, name, 32);
  x = residualDown(x, 'conv64_down', 64);
  for (const name of ['conv64_1', 'conv64_2', 'conv64_3']) x = residual(x, name, 64);
  x = residualDown(x, 'conv128_down', 128);
  for (const name of ['conv128_1', 'conv128_2']) x = residual(x, name, 128);
  x = residualDown(x, 'conv256_down', 256);
  for (const name of ['conv256_1', 'conv256_2']) x = residual(x, name, 256);
  x = residualDown(x, LAST_BLOCK, 256);
  x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dense({ units: 128, useBias: false, name: 'fc' }).apply(x) as tf.SymbolicTensor;
  if (head === 'dense') {
    const dim = ctx.arch.embeddingDim;
    x = tf.layers
      .dense({ units: dim, name: 'siamese_head', kernelInitializer: dim === 128 ? tf.initializers.identity({}) : ctx.init.glorot() })
      .apply(x) as tf.SymbolicTensor;
  }
  if (ctx.arch.l2Normalize) x = new L2Normalize({ name: 'l2' }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: x, name: 'face_resnet29' });
  if (params.pretrained !== false) loadPretrained(model);
  setTrainable(model, trainable);
  return model;
}

/** Marks which layers train: the head always, the last block and fc for 'last-block', everything for 'all'. */
export function setTrainable(model: tf.LayersModel, trainable: Trainable): void {
  for (const layer of model.layers) {
    const inHead = layer.name === 'siamese_head';
    const inLast = layer.name.startsWith(`${LAST_BLOCK}/`) || layer.name === 'fc';
    layer.trainable = trainable === 'all' || inHead || (trainable === 'last-block' && inLast);
  }
}

function conv(
  x: tf.SymbolicTensor,
  name: string,
  filters: number,
  kernel: number,
  stride: number,
  padding: 'same' | 'valid',
  relu: boolean,
): tf.SymbolicTensor {
  const y = tf.layers.conv2d({ filters, kernelSize: kernel, strides: stride, padding, useBias: true, name }).apply(x) as tf.SymbolicTensor;
  return relu ? (tf.layers.reLU({ name: `${name}/relu` }).apply(y) as tf.SymbolicTensor) : y;
}

function residual(x: tf.SymbolicTensor, name: string, filters: number): tf.SymbolicTensor {
  let out = conv(x, `${name}/conv1`, filters, 3, 1, 'same', true);
  out = conv(out, `${name}/conv2`, filters, 3, 1, 'same', false);
  out = tf.layers.add({ name: `${name}/add` }).apply([out, x]) as tf.SymbolicTensor;
  return tf.layers.reLU({ name: `${name}/relu` }).apply(out) as tf.SymbolicTensor;
}

function residualDown(x: tf.SymbolicTensor, name: string, filters: number): tf.SymbolicTensor {
  let out = conv(x, `${name}/conv1`, filters, 3, 2, 'valid', true);
  out = conv(out, `${name}/conv2`, filters, 3, 1, 'same', false);
  let pooled = tf.layers
    .averagePooling2d({ poolSize: 2, strides: 2, padding: 'valid', name: `${name}/pool` })
    .apply(x) as tf.SymbolicTensor;
  const [, ph, pw, pc] = pooled.shape as number[];
  const [, oh, ow] = out.shape as number[];
  if (ph !== oh || pw !== ow) {
    out = tf.layers
      .zeroPadding2d({
        padding: [
          [0, ph - oh],
          [0, pw - ow],
        ],
        name: `${name}/pad`,
      })
      .apply(out) as tf.SymbolicTensor;
  }
  if (pc !== filters) pooled = new ChannelZeroPad({ extra: filters - pc, name: `${name}/widen` }).apply(pooled) as tf.SymbolicTensor;
  out = tf.layers.add({ name: `${name}/add` }).apply([pooled, out]) as tf.SymbolicTensor;
  return tf.layers.reLU({ name: `${name}/relu` }).apply(out) as tf.SymbolicTensor;
}

interface ManifestGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

/** face-api's weight files: `<package>/model/face_recognition_model*`. */
export function faceRecognitionWeightFiles(): { manifest: string; bin: string } {
  const dir = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
  return { manifest: path.join(dir, 'face_recognition_model-weights_manifest.json'), bin: path.join(dir, 'face_recognition_model.bin') };
}

/** Reads, dequantises and folds face-api's weights into the model's Conv2D and fc layers. */
function loadPretrained(model: tf.LayersModel): void {
  const files = faceRecognitionWeightFiles();
  const groups = JSON.parse(readFileSync(files.manifest, 'utf8')) as ManifestGroup[];
  const specs = groups.flatMap((g) => g.weights);
  const bytes = readFileSync(files.bin);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const weights = tf.io.decodeWeights(buffer, specs);
  try {
    tf.tidy(() => {
      for (const layer of model.layers) {
        if (layer.getClassName() === 'Conv2D') {
          const w = weights[`${layer.name}/conv/filters`];
          const b = weights[`${layer.name}/conv/bias`];
          const s = weights[`${layer.name}/scale/weights`];
          const c = weights[`${layer.name}/scale/biases`];
          if (!w || !b || !s || !c) throw new Error(`face-api weights lack ${layer.name}`);
          layer.setWeights([tf.mul(w, s), tf.add(tf.mul(b, s), c)]);
        } else if (layer.name === 'fc') {
          const fc = weights['fc'];
          if (!fc) throw new Error('face-api weights lack fc');
          layer.setWeights([fc]);
        }
      }
    });
  } finally {
    Object.values(weights).forEach((t) => t.dispose());
  }
}
