import * as tf from '@tensorflow/tfjs';

/**
 * Appends zero channels: [N,H,W,C] → [N,H,W,C+extra]. The parameter-free
 * shortcut of a ResNet block that widens (He et al. 2016, "option A"), as in
 * dlib's face ResNet: avg-pool the input, then pad the channels with zeros.
 */
export class ChannelZeroPad extends tf.layers.Layer {
  static readonly className = 'ChannelZeroPad';
  private readonly extra: number;

  constructor(config: tf.serialization.ConfigDict & { extra?: number; name?: string } = {}) {
    super(config as object);
    this.extra = (config.extra as number | undefined) ?? 0;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (this.extra === 0) return tf.clone(x);
      return tf.pad(x, [
        [0, 0],
        [0, 0],
        [0, 0],
        [0, this.extra],
      ]);
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const c = s[s.length - 1];
    return [...s.slice(0, -1), c === null ? null : (c as number) + this.extra];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), extra: this.extra };
  }
}

tf.serialization.registerClass(ChannelZeroPad);
