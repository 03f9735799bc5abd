import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { DetectOptions, FaceDetector } from './face-detector.port';
import type { DetectedFace, RgbImage } from './face.types';

/**
 * FaceDetector on @vladmandic/face-api (MIT), whose weights ship inside the npm
 * package and load from disk: SSD MobileNet v1 (Liu et al. 2016; WIDER FACE),
 * the Tiny Face Detector (a Tiny-YOLOv2 variant) and the 68-point landmark net.
 * face-api's node-wasm build requires the same `@tensorflow/tfjs` instance as
 * this project, so it runs on whatever backend `initBackend` chose (wasm here).
 *
 * Measured on this 2-core machine (wasm, a 250×250 LFW photo): SSD ≈ 290 ms,
 * tiny (320) ≈ 40 ms, landmarks ≈ 15 ms per face.
 *
 * Only the few members used are typed here (face-api's own .d.ts drags in a
 * second copy of tfjs's types).
 */
interface FaceApiResult {
  detection: { box: { x: number; y: number; width: number; height: number }; score: number };
  landmarks: { positions: { x: number; y: number }[] };
}

interface FaceApiNet {
  loadFromDisk(dir: string): Promise<void>;
  isLoaded: boolean;
}

interface FaceApiModule {
  nets: { ssdMobilenetv1: FaceApiNet; tinyFaceDetector: FaceApiNet; faceLandmark68Net: FaceApiNet };
  SsdMobilenetv1Options: new (o: { minConfidence: number; maxResults?: number }) => unknown;
  TinyFaceDetectorOptions: new (o: { inputSize: number; scoreThreshold: number }) => unknown;
  detectAllFaces(input: tf.Tensor3D, options: unknown): { withFaceLandmarks(): Promise<FaceApiResult[]> };
}

const FACE_API_BUILD = '@vladmandic/face-api/dist/face-api.node-wasm.js';

/** Directory of the weights shipped in the package. */
export function faceApiModelDir(): string {
  return path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}

let loaded: Promise<FaceApiModule> | undefined;

/** Loads the module and the three networks once per thread (each worker thread has its own tfjs engine). */
function loadFaceApi(): Promise<FaceApiModule> {
  loaded ??= (async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const api = require(FACE_API_BUILD) as FaceApiModule;
    const dir = faceApiModelDir();
    await Promise.all([
      api.nets.ssdMobilenetv1.loadFromDisk(dir),
      api.nets.tinyFaceDetector.loadFromDisk(dir),
      api.nets.faceLandmark68Net.loadFromDisk(dir),
    ]);
    return api;
  })().catch((e: unknown) => {
    loaded = undefined;
    throw e;
  });
  return loaded;
}

export class FaceApiDetector implements FaceDetector {
  async detect(image: RgbImage, options: DetectOptions): Promise<DetectedFace[]> {
    const api = await loadFaceApi();
    const opts =
      options.detector === 'ssd'
        ? new api.SsdMobilenetv1Options({ minConfidence: options.minScore, maxResults: 20 })
        : new api.TinyFaceDetectorOptions({ inputSize: options.tinyInputSize ?? 320, scoreThreshold: options.minScore });
    const input = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
    try {
      const found = await api.detectAllFaces(input, opts).withFaceLandmarks();
      return found.map((r) => ({
        box: { x: r.detection.box.x, y: r.detection.box.y, width: r.detection.box.width, height: r.detection.box.height },
        score: r.detection.score,
        landmarks: r.landmarks.positions.map((p) => ({ x: p.x, y: p.y })),
      }));
    } finally {
      input.dispose();
    }
  }
}

let shared: FaceDetector | undefined;

/** The process's (thread's) detector: face-api, unless a CLI installed a caching one (setDefaultFaceDetector). */
export function defaultFaceDetector(): FaceDetector {
  shared ??= new FaceApiDetector();
  return shared;
}

/** Replaces the process's detector (`siamese train/eval --face-cache DIR` wraps face-api in CachedFaceDetector). */
export function setDefaultFaceDetector(detector: FaceDetector): void {
  shared = detector;
}
