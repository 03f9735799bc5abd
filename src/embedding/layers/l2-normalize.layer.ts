import * as tf from '@tensorflow/tfjs';

/**
 * y = x / max(‖x‖₂, ε) along the last axis. With it, euclidean distances lie
 * in [0, 2] and d² = 2 − 2·cos, so a contrastive margin has a fixed scale.
 */
export class L2Normalize extends tf.layers.Layer {
  static readonly className = 'L2Normalize';
  private readonly epsilon: number;

  constructor(config: tf.serialization.ConfigDict & { epsilon?: number; name?: string } = {}) {
    super(config as object);
    this.epsilon = (config.epsilon as number | undefined) ?? 1e-12;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const sumSq = tf.sum(tf.square(x), -1, true);
      return tf.mul(x, tf.rsqrt(tf.maximum(sumSq, this.epsilon * this.epsilon)));
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}

tf.serialization.registerClass(L2Normalize);
