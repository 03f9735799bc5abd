import type { Point } from './face.types';

/**
 * The five alignment points from the 68 iBUG 300-W landmarks (image left/right):
 * left eye centre = mean of 36–41, right eye centre = mean of 42–47, nose tip
 * = 30, mouth corners = 48 and 54. Eye centres average six points each, which
 * makes them the steadiest; the nose and mouth fix scale and tilt.
 */
export const KEYPOINT_NAMES = ['leftEye', 'rightEye', 'noseTip', 'mouthLeft', 'mouthRight'] as const;

export function fivePoints(landmarks: readonly Point[]): Point[] {
  if (landmarks.length !== 68) throw new Error(`expected 68 landmarks, got ${landmarks.length}`);
  const centre = (from: number, to: number): Point => {
    let x = 0;
    let y = 0;
    for (let i = from; i <= to; i++) {
      x += landmarks[i].x;
      y += landmarks[i].y;
    }
    const n = to - from + 1;
    return { x: x / n, y: y / n };
  };
  return [centre(36, 41), centre(42, 47), { ...landmarks[30] }, { ...landmarks[48] }, { ...landmarks[54] }];
}
