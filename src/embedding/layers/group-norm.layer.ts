import * as tf from '@tensorflow/tfjs';

/**
 * Group normalisation (Wu & He, 2018) for NHWC feature maps:
 *   y = γ · (x − μ_g) / √(σ²_g + ε) + β,
 * with μ_g, σ²_g the mean and variance over H, W and the C/G channels of each
 * group, per sample. `groups = channels` is instance normalisation (Ulyanov et
 * al., 2016); `groups = 1` is layer normalisation over the feature map.
 *
 * Unlike batch norm it does not mix the samples of a batch, which matters for
 * pair/triplet training where a batch's composition is chosen by the sampler,
 * and it behaves the same at training and inference.
 */
export class GroupNormalization extends tf.layers.Layer {
  static readonly className = 'GroupNormalization';
  readonly groups: number;
  readonly epsilon: number;
  private gamma?: tf.LayerVariable;
  private beta?: tf.LayerVariable;

  constructor(config: tf.serialization.ConfigDict & { groups?: number; epsilon?: number; name?: string } = {}) {
    super(config as object);
    this.groups = (config.groups as number | undefined) ?? 8;
    this.epsilon = (config.epsilon as number | undefined) ?? 1e-5;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const channels = shape[shape.length - 1];
    if (channels == null || channels % this.groups !== 0) {
      throw new Error(`GroupNormalization: ${channels} channels are not divisible into ${this.groups} groups`);
    }
    this.gamma = this.addWeight('gamma', [channels], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [channels], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const [n, h, w, c] = x.shape;
      const g = this.groups;
      const grouped = tf.reshape(x, [n, h, w, g, c / g]);
      const { mean, variance } = tf.moments(grouped, [1, 2, 4], true);
      const normed = tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, this.epsilon)));
      const y = tf.reshape(normed, [n, h, w, c]);
      return tf.add(tf.mul(y, this.gamma!.read()), this.beta!.read());
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), groups: this.groups, epsilon: this.epsilon };
  }
}

tf.serialization.registerClass(GroupNormalization);
