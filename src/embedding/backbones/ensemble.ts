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

export async function composeEnsemble(members: readonly tf.LayersModel[], name = 'ensemble'): Promise<tf.LayersModel> {
  if (members.length < 2) throw new RangeError('an ensemble needs at least two members');
  const shape = members[0].inputs[0].shape.slice(1) as number[];
  for (const m of members) {
    if (JSON.stringify(m.inputs[0].shape.slice(1)) !== JSON.stringify(shape)) {
      throw new RangeError(
        `ensemble members need one input shape (got ${JSON.stringify(m.inputs[0].shape)} and ${JSON.stringify(members[0].inputs[0].shape)})`,
      );
    }
  }
  const input = tf.input({ shape, name: `${name}_image` });
  const renamedMembers = await Promise.all(members.map((m, i) => withPrefixedNames(m, `${name}_m${i}_`)));
  const outputs = renamedMembers.map((m) => m.apply(input) as tf.SymbolicTensor);
  const joined = tf.layers.concatenate({ axis: -1, name: `${name}_concat` }).apply(outputs) as tf.SymbolicTensor;
  const out = new L2Normalize({ name: `${name}_l2` }).apply(joined) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name });
}

/**
 * A copy of `model` whose layer (and so weight) names all start with `prefix`.
 * Members trained in different processes carry the same auto-generated names
 * (conv2d_Conv2D1/kernel…), and a saved model may not hold two weights of one
 * name; renaming the inner layers keeps the ensemble loadable. The topology is
 * rebuilt from its JSON with every layer name token replaced, then the
 * member's weights are copied in order.
 */
async function withPrefixedNames(model: tf.LayersModel, prefix: string): Promise<tf.LayersModel> {
  const topology = model.toJSON(null, false) as unknown as { config: { name?: string; layers: Array<{ name: string }> } };
  const names = new Set<string>([...topology.config.layers.map((l) => l.name), ...(topology.config.name ? [topology.config.name] : [])]);
  let text = JSON.stringify(topology);
  for (const n of names) text = text.split(JSON.stringify(n)).join(JSON.stringify(prefix + n));
  const copy = await tf.models.modelFromJSON(JSON.parse(text));
  const weights = model.getWeights();
  copy.setWeights(weights);
  return copy;
}
