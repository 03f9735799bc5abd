import type { FaceInfo } from '../embedding/faces/face.types';
import { badInput } from '../errors';
import { distance, isMatch, similarityFromDistance, type Metric } from '../metric/metric';
import type { ImageInputLike } from './image-input';
import { embedInputsWithFaces, type ServiceDeps } from './service-context';

export interface VerificationResult {
  match: boolean;
  distance: number;
  similarity: number;
  threshold: number;
  metric: Metric;
  modelVersion: string;
  /** The faces compared (models with a face stage; null for a stored image's vector, see EmbeddedInput). */
  faceA: FaceInfo | null;
  faceB: FaceInfo | null;
}

/** 1:1 verification: one model pair for both images, the calibrated threshold unless given. */
export class VerificationService {
  constructor(private readonly deps: ServiceDeps) {}

  async verify(a: ImageInputLike, b: ImageInputLike, threshold?: number | null): Promise<VerificationResult> {
    if (threshold !== undefined && threshold !== null && (!Number.isFinite(threshold) || threshold < 0)) {
      throw badInput(`threshold must be a finite distance ≥ 0 (got ${threshold})`, { argument: 'threshold' });
    }
    const model = this.deps.active.current;
    const [ea, eb] = await embedInputsWithFaces(this.deps, model, [a, b], ['a', 'b']);
    const [va, vb] = [ea.vector, eb.vector];
    const metric = model.card.metric;
    const d = clampDistance(distance(va, vb, metric));
    const t = threshold ?? model.card.thresholds.default;
    return {
      match: isMatch(d, t),
      distance: d,
      similarity: similarityFromDistance(d, metric),
      threshold: t,
      metric,
      modelVersion: model.version,
      faceA: ea.face,
      faceB: eb.face,
    };
  }
}

/** Float error can make 1 − cos slightly negative for identical images. */
export function clampDistance(d: number): number {
  return d < 0 ? 0 : d;
}
