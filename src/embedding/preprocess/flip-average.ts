/**
 * Horizontal-flip test-time augmentation, as part of the model: when the card
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

export interface InferenceSpec {
  /** Average the embedding of the image and its horizontal mirror. */
  flipAverage?: boolean;
  /** Whether the encoder output is L2-normalised (then the average is re-normalised). */
  l2Normalize?: boolean;
}

/** Embeds a batch x [N,H,W,C] → [N,D] honouring the card's inference options. Call inside or outside tf.tidy. */
export function encodeBatch(model: tf.LayersModel, x: tf.Tensor4D, spec: InferenceSpec = {}): tf.Tensor2D {
  return tf.tidy(() => {
    const y = model.predict(x) as tf.Tensor2D;
    if (!spec.flipAverage) return y;
    const sum = tf.add(y, model.predict(tf.reverse(x, 2)) as tf.Tensor2D) as tf.Tensor2D;
    if (!spec.l2Normalize) return tf.mul(sum, 0.5) as tf.Tensor2D;
    // ε keeps an all-zero embedding finite (it stays zero) instead of NaN.
    return tf.div(sum, tf.maximum(tf.norm(sum, 'euclidean', 1, true), 1e-12)) as tf.Tensor2D;
  });
}

/** The inference options a model card asks for ({} = a single plain view, as for every card before the field existed). */
export function inferenceSpec(card: { preprocessing: { flipAverage?: boolean }; architecture: { l2Normalize: boolean } }): InferenceSpec {
  return card.preprocessing.flipAverage ? { flipAverage: true, l2Normalize: card.architecture.l2Normalize } : {};
}
