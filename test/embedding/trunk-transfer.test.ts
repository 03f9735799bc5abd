import * as tf from '@tensorflow/tfjs';
import { buildEncoder } from '../../src/embedding/backbones';
import { fastArch } from './fixtures';
import { composeEnsemble } from '../../src/embedding/backbones/ensemble';
import {
  TrunkMismatchError,
  headVariables,
  transferTrunk,
  trunkArchitectureDifference,
} from '../../src/embedding/backbones/trunk-transfer';

/**
 * --trunk-from: the trunk (every weighted layer before the embedding head) of a `fast` encoder
 * built for one input size goes into a fresh one built for another; the head stays the new one's.
 */
const arch = fastArch;
const small = { height: 12, width: 12, channels: 1 };
const wide = { height: 10, width: 20, channels: 1 };

const values = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

it('copies every conv kernel and bias into an encoder of another input size and head width, and leaves the head fresh', () => {
  const source = buildEncoder(arch([4, 8], 8), small, 1);
  const target = buildEncoder(arch([4, 8], 16), wide, 2);
  const headBefore = values(target).slice(4);
  const before = tf.memory().numTensors;
  const copied = transferTrunk(target, source);
  expect(tf.memory().numTensors).toBe(before);
  // conv 3×3×1×4 + 4 biases = 40; conv 3×3×4×8 + 8 biases = 296
  expect(copied.parameters).toBe(40 + 296);
  expect(copied.layers.map((l) => l.shapes)).toEqual([
    [[3, 3, 1, 4], [4]],
    [[3, 3, 4, 8], [8]],
  ]);
  expect(values(target).slice(0, 4)).toEqual(values(source).slice(0, 4));
  expect(values(target).slice(4)).toEqual(headBefore);
  // The copy outlives its source: the target's variables hold their own reference to the values.
  const sourceTrunk = values(source).slice(0, 4);
  source.dispose();
  expect(values(target).slice(0, 4)).toEqual(sourceTrunk);
  const y = tf.tidy(() => target.predict(tf.ones([1, 10, 20, 1])) as tf.Tensor);
  expect(y.shape).toEqual([1, 16]);
  y.dispose();
  target.dispose();
});

it('takes the trunk of the chosen ensemble member, and says how to choose when none is given', async () => {
  const a = buildEncoder(arch([4, 8], 8), small, 1);
  const b = buildEncoder(arch([4, 8], 8), small, 3);
  const bTrunk = values(b).slice(0, 4);
  const ensemble = await composeEnsemble([a, b]);
  const target = buildEncoder(arch([4, 8], 6), wide, 4);
  const before = tf.memory().numTensors;
  expect(() => transferTrunk(target, ensemble)).toThrow(/ensemble of 2 members: choose one with a member index \(0–1\)/);
  expect(() => transferTrunk(target, ensemble, 2)).toThrow(/member 2 is out of range: the ensemble has members 0–1/);
  transferTrunk(target, ensemble, 1);
  expect(values(target).slice(0, 4)).toEqual(bTrunk);
  expect(() => transferTrunk(target, a, 0)).toThrow(/not an ensemble/);
  expect(tf.memory().numTensors).toBe(before);
  for (const m of [a, b, ensemble, target]) m.dispose();
});

it('refuses trunks that do not line up, naming the layer and both shapes, and changes nothing', () => {
  const source = buildEncoder(arch([4, 8], 8), small, 1);
  const otherWidth = buildEncoder(arch([4, 6], 8), wide, 2);
  const deeper = buildEncoder(arch([4, 8, 8], 8), wide, 2);
  const colour = buildEncoder(arch([4, 8], 8), { ...wide, channels: 3 }, 2);
  const untouched = values(otherWidth);
  const before = tf.memory().numTensors;
  expect(() => transferTrunk(otherWidth, source)).toThrow(TrunkMismatchError);
  expect(() => transferTrunk(otherWidth, source)).toThrow(/trunk layer 2 differs: .* has weights 3×3×4×8, 8, .* has 3×3×4×6, 6/);
  expect(values(otherWidth)).toEqual(untouched);
  expect(() => transferTrunk(deeper, source)).toThrow(/2 weighted layers and the new encoder's has 3/);
  expect(() => transferTrunk(colour, source)).toThrow(/trunk layer 1 differs: .* 3×3×1×4, 4, .* 3×3×3×4, 4/);
  expect(tf.memory().numTensors).toBe(before);
  for (const m of [source, otherWidth, deeper, colour]) m.dispose();
});

it('tells architectures whose trunks compute differently apart, though their weight shapes may agree', () => {
  const fast = arch([4, 8], 8);
  // The head's size and L2 normalisation are the head's business.
  expect(trunkArchitectureDifference(fast, { ...arch([4, 8], 32), l2Normalize: false })).toBeUndefined();
  expect(trunkArchitectureDifference(fast, { ...fast, backbone: 'seed' })).toBe('backbone fast against seed');
  // Group and instance normalisation both hold γ and β of shape [C], over other groups of channels.
  expect(trunkArchitectureDifference({ ...fast, normalization: 'group' }, { ...fast, normalization: 'instance' })).toBe(
    'normalization group against instance',
  );
  // Two convs per block of widths 16, 32 has the weights of one conv per block of 16, 16, 32, 32, pooled elsewhere.
  expect(
    trunkArchitectureDifference(
      { ...fast, params: { widths: [16, 32], convsPerBlock: 2 } },
      { ...fast, params: { widths: [16, 16, 32, 32] } },
    ),
  ).toBe('params [["convsPerBlock",2],["widths",[16,32]]] against [["widths",[16,16,32,32]]]');
  // face-resnet29's trainable / head params do not change its trunk.
  const face = { ...fast, backbone: 'face-resnet29', params: { trainable: 'head' } };
  expect(trunkArchitectureDifference(face, { ...face, params: { trainable: 'all', head: 'none' } })).toBeUndefined();
});

it("names the head's variables (the last weighted layer: a dense kernel and bias) for --freeze-trunk-epochs", async () => {
  const model = buildEncoder(arch([4, 8], 6), wide, 5);
  const before = tf.memory().numTensors;
  const head = headVariables(model);
  expect(tf.memory().numTensors).toBe(before);
  // dense 8 → 6: kernel 8×6 and 6 biases; they are the model's last two weights, the same variables.
  expect(head.map((v) => v.shape)).toEqual([[8, 6], [6]]);
  const last = model.trainableWeights.slice(-2).map((w) => w.read());
  expect(head.map((v) => v.id)).toEqual(last.map((v) => v.id));
  const ensemble = await composeEnsemble([model, buildEncoder(arch([4, 8], 6), wide, 6)]);
  expect(() => headVariables(ensemble)).toThrow(TrunkMismatchError);
  expect(() => headVariables(ensemble)).toThrow(/nests models: an ensemble has no single head/);
  ensemble.dispose();
});

describe('--trunk-extend (rule DEEP): a deeper fast encoder takes the source trunk as its first blocks', () => {
  it('copies the source trunk into the first blocks and leaves the added block and the head as built', () => {
    const source = buildEncoder(arch([4, 8], 8), small, 1);
    const target = buildEncoder(arch([4, 8, 8], 16), wide, 2);
    // weights in order: conv1 kernel, bias, conv2 kernel, bias, conv3 kernel, bias, dense kernel, bias
    const freshAfter = values(target).slice(4);
    const before = tf.memory().numTensors;
    expect(() => transferTrunk(target, source)).toThrow(/2 weighted layers and the new encoder's has 3/);
    const copied = transferTrunk(target, source, undefined, { extend: true });
    expect(tf.memory().numTensors).toBe(before);
    // conv 3×3×1×4 + 4 = 40 and conv 3×3×4×8 + 8 = 296, as above; the third conv (3×3×8×8 + 8) is not counted
    expect(copied.parameters).toBe(40 + 296);
    expect(copied.freshLayers).toBe(1);
    expect(values(target).slice(0, 4)).toEqual(values(source).slice(0, 4));
    expect(values(target).slice(4)).toEqual(freshAfter);
    const y = tf.tidy(() => target.predict(tf.ones([1, 10, 20, 1])) as tf.Tensor);
    expect(y.shape).toEqual([1, 16]);
    y.dispose();
    for (const m of [source, target]) m.dispose();
  });

  it('refuses an extension that is not longer, and one whose first blocks differ', () => {
    const source = buildEncoder(arch([4, 8], 8), small, 1);
    const same = buildEncoder(arch([4, 8], 8), wide, 2);
    const otherFirst = buildEncoder(arch([4, 6, 8], 8), wide, 2);
    const untouched = values(otherFirst);
    expect(() => transferTrunk(same, source, undefined, { extend: true })).toThrow(/an extended trunk needs more blocks than the source's/);
    expect(() => transferTrunk(otherFirst, source, undefined, { extend: true })).toThrow(/trunk layer 2 differs/);
    expect(values(otherFirst)).toEqual(untouched);
    for (const m of [source, same, otherFirst]) m.dispose();
  });

  it('lets the architectures differ only by blocks added after the source widths, on the fast backbone', () => {
    const fast = arch([4, 8], 8);
    expect(trunkArchitectureDifference(fast, arch([4, 8, 16], 32), { extend: true })).toBeUndefined();
    // without extend the widths are part of the trunk
    expect(trunkArchitectureDifference(fast, arch([4, 8, 16], 32))).toBe('params [["widths",[4,8]]] against [["widths",[4,8,16]]]');
    expect(trunkArchitectureDifference(fast, arch([4, 8], 32), { extend: true })).toBe(
      "widths 4-8 are not the first blocks of 4-8 (an extended trunk adds blocks after the source's)",
    );
    expect(trunkArchitectureDifference(fast, arch([8, 8, 16], 32), { extend: true })).toBe(
      "widths 4-8 are not the first blocks of 8-8-16 (an extended trunk adds blocks after the source's)",
    );
    // other trunk params still have to agree
    expect(
      trunkArchitectureDifference({ ...fast, params: { widths: [4, 8], convsPerBlock: 2 } }, arch([4, 8, 16], 8), { extend: true }),
    ).toBe('params [["convsPerBlock",2]] against []');
    const seed = { ...fast, backbone: 'seed' };
    expect(trunkArchitectureDifference(seed, { ...seed, params: { widths: [4, 8, 16] } }, { extend: true })).toBe(
      'extending a trunk needs the fast backbone (got seed)',
    );
  });
});
