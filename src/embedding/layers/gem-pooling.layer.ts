import * as tf from '@tensorflow/tfjs';

/**
 * Generalized-mean (GeM) pooling over the spatial axes of an NHWC map:
 *
 *   y_c = ( mean_{h,w} max(x_{h,w,c}, ε)^p )^(1/p)
 *
 * Radenović, Tolias & Chum 2018, "Fine-tuning CNN Image Retrieval with No Human Annotation" (TPAMI), eq. 2. p = 1 is
 * global average pooling and p → ∞ global max pooling; p = 3 is the paper's initial value. Why a signature encoder may
 * want it (rule GEM, docs/experiments/signatures/gem/RULE.md): after the ink crop most of the `fast` encoder's last map
 * is paper, so the average mixes each stroke feature with a blank share that differs from scan to scan; a mean of cubes
 * weighs the inked cells. ε keeps the fractional power's gradient finite at ReLU's zeros. p is fixed (a config value,
 * not a weight), so a model's answer does not depend on a trained exponent.
 */
/**
 * The largest exponent accepted: with ε = 1e-6, ε^p stays a float32 above 0 up to p ≈ 7 (a channel of ReLU zeros would
 * otherwise have a zero mean, whose p-th root has an infinite slope: NaN gradients), and x^p overflows only for
 * activations above 3.4e38^(1/6) ≈ 2.6e6.
 */
export const GEM_MAX_P = 6;

export class GemPooling2D extends tf.layers.Layer {
  static readonly className = 'GemPooling2D';
  private readonly p: number;
  private readonly epsilon: number;

  constructor(config: tf.serialization.ConfigDict & { p?: number; epsilon?: number; name?: string } = {}) {
    super(config as object);
    this.p = (config.p as number | undefined) ?? 3;
    this.epsilon = (config.epsilon as number | undefined) ?? 1e-6;
    if (!(Number.isFinite(this.p) && this.p >= 1 && this.p <= GEM_MAX_P))
      throw new Error(`GemPooling2D: p must be a number from 1 to ${GEM_MAX_P} (got ${String(this.p)})`);
    if (!(Number.isFinite(this.epsilon) && this.epsilon > 0))
      throw new Error(`GemPooling2D: epsilon must be > 0 (got ${String(this.epsilon)})`);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const mean = tf.mean(tf.pow(tf.maximum(x, this.epsilon), this.p), [1, 2]);
      return tf.pow(mean, 1 / this.p);
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [shape[0], shape[3]];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), p: this.p, epsilon: this.epsilon };
  }
}

tf.serialization.registerClass(GemPooling2D);
