/**
 * Shapes shared by the face stage: an RGB image in memory, a detected face
 * (box, score, 68 landmarks in the iBUG 300-W order) and what an answer reports
 * about the face that was used.
 */
export interface Point {
  x: number;
  y: number;
}

export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Interleaved 8-bit RGB, height×width×3. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface DetectedFace {
  box: FaceBox;
  /** Detector confidence in [0, 1]. */
  score: number;
  /** 68 points (iBUG 300-W order: jaw 0–16, brows 17–26, nose 27–35, eyes 36–47, mouth 48–67). */
  landmarks: Point[];
}

/** The face an embedding was computed from, in the coordinates of the uploaded image (after EXIF rotation). */
export interface FaceInfo {
  box: FaceBox;
  score: number;
  /** [left eye, right eye, nose tip, left mouth corner, right mouth corner]. */
  keypoints: Point[];
}
