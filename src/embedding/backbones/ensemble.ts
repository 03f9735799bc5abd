/**
 * An ensemble of trained encoders served as one model: every member embeds the
 * same preprocessed image, the L2-normalised member embeddings are
 * concatenated and the result is L2-normalised again, i.e. each member's unit
 * vector is scaled by 1/√M. For unit members this makes the ensemble's squared
 * Euclidean distance the mean of the members' squared distances,
 *
 *     ||e(x) − e(y)||² = (1/M) Σ_m ||e_m(x) − e_m(y)||²,
 *
 * the classic "average the distances of independently trained nets" ensemble
 * (e.g. Koch et al. 2015 average several Siamese nets' scores) as one tfjs
 * LayersModel: the model store, the embedding pool, the index and calibration
 * need nothing new. Members must share input shape and be L2-normalised.
 */
import * as tf from '@tensorflow/tfjs';
import { L2Normalize } from '../layers';

export function composeEnsemble(members: readonly tf.LayersModel[], name = 'ensemble'): tf.LayersModel {
  if (members.length < 2) throw new RangeError('an ensemble needs at least two members');
  const shape = members[0].inputs[0].shape.slice(1) as number[];
  for (const m of members) {
    if (JSON.stringify(m.inputs[0].shape.slice(1)) !== JSON.stringify(shape)) {
      throw new RangeError(`ensemble members need one input shape (got ${JSON.stringify(m.inputs[0].shape)} and ${JSON.stringify(members[0].inputs[0].shape)})`);
    }
  }
  const input = tf.input({ shape, name: `${name}_image` });
  const outputs = members.map((m, i) => {
    // Nested models become layers of the ensemble, whose names must be unique.
    Object.defineProperty(m, 'name', { value: `${name}_member${i}`, configurable: true, writable: true });
    return m.apply(input) as tf.SymbolicTensor;
  });
  const joined = tf.layers.concatenate({ axis: -1, name: `${name}_concat` }).apply(outputs) as tf.SymbolicTensor;
  const out = new L2Normalize({ name: `${name}_l2` }).apply(joined) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name });
}
