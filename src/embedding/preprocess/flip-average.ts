/**
 * Test-time views as part of the model (horizontal flip here; fixed pose views in
 * test-time-views.ts, both summed before one normalisation). When the card
 * sets `preprocessing.flipAverage`, an image's embedding is
 *
 *     e(x) = normalise( f(x) + f(mirror(x)) )
 *
 * with normalise = L2 normalisation when the encoder ends L2-normalised
 * (`architecture.l2Normalize`, so e stays on the unit sphere the thresholds
 * were calibrated on) and ×½ otherwise. Faces are roughly mirror-symmetric and
 * the training augmentation flips them, so the two views are two samples of
 * the same identity; averaging them removes part of the pose/lighting noise.
 *
 * Every inference path (Embedder → service, eval CLI, training validation)
 * calls `encodeBatch`, so the card's thresholds and the served distances come
 * from the same function. Cards without the field behave exactly as before.
 */
import * as tf from '@tensorflow/tfjs';
import type { PreprocessSpec } from '../model-card';
import { applyView, type TestTimeView, type ViewFill } from './test-time-views';

export interface InferenceSpec {
  /** Average the embedding of the image and its horizontal mirror. */
  flipAverage?: boolean;
  /** Whether the encoder output is L2-normalised (then the average is re-normalised). */
  l2Normalize?: boolean;
  /** Fixed extra views summed with the plain one (card `preprocessing.testTimeViews`; test-time-views.ts). */
  views?: readonly TestTimeView[];
  /** What a view reads outside the input (with `views`). */
  viewFill?: ViewFill;
}

/** Embeds a batch x [N,H,W,C] → [N,D] honouring the card's inference options. Call inside or outside tf.tidy. */
export function encodeBatch(model: tf.LayersModel, x: tf.Tensor4D, spec: InferenceSpec = {}): tf.Tensor2D {
  return tf.tidy(() => {
    const views = spec.views ?? [];
    if (!spec.flipAverage && views.length === 0) return model.predict(x) as tf.Tensor2D;
    // Every input seen: the image and each fixed view of it, and with flipAverage the mirror of each.
    const inputs = [x, ...views.map((v) => applyView(x, v, spec.viewFill ?? 'nearest'))];
    const seen = spec.flipAverage ? inputs.flatMap((i) => [i, tf.reverse(i, 2) as tf.Tensor4D]) : inputs;
    const sum = tf.addN(seen.map((i) => model.predict(i) as tf.Tensor2D)) as tf.Tensor2D;
    if (!spec.l2Normalize) return tf.div(sum, seen.length) as tf.Tensor2D;
    // ε keeps an all-zero embedding finite (it stays zero) instead of NaN.
    return tf.div(sum, tf.maximum(tf.norm(sum, 'euclidean', 1, true), 1e-12)) as tf.Tensor2D;
  });
}

/** The inference options a model card asks for ({} = a single plain view, as for every card before the fields existed). */
export function inferenceSpec(card: {
  preprocessing: Pick<PreprocessSpec, 'flipAverage' | 'testTimeViews' | 'normalize'>;
  architecture: { l2Normalize: boolean };
}): InferenceSpec {
  const p = card.preprocessing;
  const views = p.testTimeViews?.length ? p.testTimeViews : undefined;
  if (!p.flipAverage && !views) return {};
  return {
    ...(p.flipAverage ? { flipAverage: true } : {}),
    l2Normalize: card.architecture.l2Normalize,
    // ink = 1 on paper = 0: outside the input is paper; other inputs repeat their edge
    ...(views ? { views, viewFill: p.normalize === 'invert-unit' ? { constant: 0 } : 'nearest' } : {}),
  };
}
