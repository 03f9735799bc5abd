import type { DetectedFace, RgbImage } from './face.types';

/**
 * The port behind which a face detector sits (today face-api's networks, see
 * face-api.detector.ts). The face stage only needs boxes, scores and 68
 * landmarks; another detector (onnxruntime, a native one) implements this.
 */
export interface DetectOptions {
  detector: 'tiny' | 'ssd';
  minScore: number;
  /** Tiny detector input size (multiple of 32). */
  tinyInputSize?: number;
}

export interface FaceDetector {
  /** Every face found, with landmarks, in image pixel coordinates; [] when none. */
  detect(image: RgbImage, options: DetectOptions): Promise<DetectedFace[]>;
}
