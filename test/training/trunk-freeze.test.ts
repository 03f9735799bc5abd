import * as tf from '@tensorflow/tfjs';
import { buildEncoder } from '../../src/embedding/backbones';
import { ErrorCode } from '../../src/errors';
import { trainStep } from '../../src/training/loop/train-step';
import { trunkFreeze } from '../../src/training/loop/trunk-freeze';
import { contrastiveBatchLoss } from '../../src/training/losses';
import { Rng } from '../../src/training/samplers/rng';
import { fastArch } from '../embedding/fixtures';

/**
 * --freeze-trunk-epochs (loop/trunk-freeze.ts): which variables each epoch steps, where Adam restarts, the
 * cases that make it a no-op or a linear probe, and that a frozen batch-norm trunk keeps its running statistics.
 */
const shape = { height: 12, width: 12, channels: 1 };
const vars = (m: tf.LayersModel) => m.trainableWeights.map((w) => w.read() as tf.Variable);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

it('steps the head alone for N epochs, then every variable, restarting Adam exactly once at N + 1', () => {
  const model = buildEncoder(fastArch([4, 8], 6), shape, 1);
  const all = vars(model);
  const logs: string[] = [];
  const freeze = trunkFreeze(model, all, 2, 10, (m) => logs.push(m));
  // Trunk: 2 convs × (kernel, bias); head: dense kernel 8×6 and bias 6.
  expect(freeze.variablesFor(1).map((v) => v.shape)).toEqual([[8, 6], [6]]);
  expect(freeze.variablesFor(2)).toBe(freeze.variablesFor(1));
  expect(freeze.variablesFor(3)).toBe(all);
  expect([0, 1, 2, 3, 4].map((e) => freeze.frozen(e))).toEqual([true, true, true, false, false]);
  expect([1, 2, 3, 4, 5].filter((e) => freeze.unfreezesAt(e))).toEqual([3]);
  expect(logs).toEqual([]);
  // Off: every variable, always, in training mode, no restart.
  const off = trunkFreeze(model, all);
  expect(off.variablesFor(1)).toBe(all);
  expect([1, 2].map((e) => [off.frozen(e), off.unfreezesAt(e)])).toEqual([
    [false, false],
    [false, false],
  ]);
  model.dispose();
});

it('says when N covers the whole run (a linear probe), is a no-op when the trunk is already frozen, and refuses bad N', () => {
  const model = buildEncoder(fastArch([4, 8], 6), shape, 2);
  const logs: string[] = [];
  const probe = trunkFreeze(model, vars(model), 5, 5, (m) => logs.push(m));
  expect(probe.variablesFor(5)).toHaveLength(2);
  expect(probe.unfreezesAt(6)).toBe(true);
  expect(logs).toEqual(['--freeze-trunk-epochs 5 ≥ 5 epochs: the trunk stays frozen for the whole run (a linear probe)']);
  // A backbone that froze its own trunk (face-resnet29's trainable: head) leaves only the head trainable.
  const weighted = model.layers.filter((l) => l.getWeights().length > 0);
  for (const layer of weighted.slice(0, -1)) layer.trainable = false;
  const headOnly = vars(model);
  expect(headOnly).toHaveLength(2);
  const noop = trunkFreeze(model, headOnly, 3, 10, (m) => logs.push(m));
  expect(noop.frozen(1)).toBe(false);
  expect(noop.unfreezesAt(4)).toBe(false);
  expect(logs[1]).toMatch(/the trunk has no trainable weights to freeze/);
  for (const bad of [1.5, -1, NaN])
    expect(() => trunkFreeze(model, headOnly, bad)).toThrow(expect.objectContaining({ code: ErrorCode.BAD_USER_INPUT }));
  model.dispose();
});

it('a frozen batch-norm trunk keeps its weights and running statistics while the head learns; training mode would move them', () => {
  const arch = { ...fastArch([4, 8], 6), normalization: 'batch' as const };
  const rng = new Rng(3);
  const pixels = Array.from({ length: 8 }, () => Float32Array.from({ length: 144 }, () => rng.next()));
  const pairs = [0, 2, 4, 6].map((i) => ({ a: i, b: i + 1, same: i % 4 === 0, weight: 1 }));
  const run = (training: boolean) => {
    const model = buildEncoder(arch, shape, 4);
    const freeze = trunkFreeze(model, vars(model), 1);
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    const optimizer = tf.train.adam(0.05);
    const tensors = tf.memory().numTensors;
    const batch = contrastiveBatchLoss(pairs, { margin: 1, metric: 'euclidean' });
    trainStep(model, optimizer, freeze.variablesFor(1), batch, pixels, shape, null, new Rng(5), training);
    const grew = tf.memory().numTensors - tensors; // Adam's slots for the stepped variables
    const after = model.getWeights().map((w) => Array.from(w.dataSync()));
    const changed = model.weights.filter((_, i) => JSON.stringify(before[i]) !== JSON.stringify(after[i])).map((w) => w.name);
    optimizer.dispose();
    model.dispose();
    return { changed, grew };
  };
  const frozen = run(false);
  expect(frozen.changed.length).toBe(2);
  expect(frozen.changed.every((n) => /dense|head|embedding/i.test(n))).toBe(true);
  // Adam's first and second moments of the two head variables; nothing else outlives the step.
  expect(frozen.grew).toBe(4);
  const training = run(true);
  expect(training.changed.filter((n) => /moving_(mean|variance)/.test(n)).length).toBeGreaterThan(0);
});
