import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/embedding/backend';
import { applyWeightDecay, superclassesOf, swapIn, updateEma } from '../../src/training/trainer';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('decoupled weight decay', () => {
  it('shrinks each variable by (1 − factor) in place, without leaking tensors', () => {
    const a = tf.variable(
      tf.tensor2d([
        [2, 4],
        [-8, 0],
      ]),
    );
    const b = tf.variable(tf.tensor1d([10]));
    const before = tf.memory().numTensors;
    applyWeightDecay([a, b], 0.25);
    expect(Array.from(a.dataSync())).toEqual([1.5, 3, -6, 0]);
    expect(Array.from(b.dataSync())).toEqual([7.5]);
    applyWeightDecay([a], 0);
    expect(Array.from(a.dataSync())).toEqual([1.5, 3, -6, 0]);
    expect(tf.memory().numTensors).toBe(before);
    a.dispose();
    b.dispose();
  });
});

describe('weight averaging (EMA)', () => {
  it('shadow ← d·shadow + (1 − d)·w, replacing (not leaking) the old shadow', () => {
    const w = tf.variable(tf.tensor1d([10, -10]));
    let shadow: tf.Tensor[] = [tf.tensor1d([0, 0])];
    const before = tf.memory().numTensors;
    shadow = updateEma(shadow, [w], 0.75);
    // 0.75·0 + 0.25·10 = 2.5; 0.75·0 + 0.25·(−10) = −2.5
    expect(Array.from(shadow[0].dataSync())).toEqual([2.5, -2.5]);
    shadow = updateEma(shadow, [w], 0.5);
    // 0.5·2.5 + 0.5·10 = 6.25
    expect(Array.from(shadow[0].dataSync())).toEqual([6.25, -6.25]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([w, ...shadow]);
  });

  it('swapIn puts the averaged values in and hands back the live ones, which swap back exactly', () => {
    const w = tf.variable(tf.tensor1d([1, 2]));
    const avg = [tf.tensor1d([5, 6])];
    const before = tf.memory().numTensors;
    const live = swapIn([w], avg);
    expect(Array.from(w.dataSync())).toEqual([5, 6]);
    expect(Array.from(live[0].dataSync())).toEqual([1, 2]);
    tf.dispose(swapIn([w], live).concat(live));
    expect(Array.from(w.dataSync())).toEqual([1, 2]);
    // the shadow is untouched by the round trip
    expect(Array.from(avg[0].dataSync())).toEqual([5, 6]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([w, ...avg]);
  });
});

describe('superclassesOf', () => {
  it('groups identities by parent folder and gives each rotation turn its own superclass', () => {
    const ids = ['s1/Greek/c1', 's1/Greek/c2', 's1/Latin/c1'];
    // 3 originals + 3 rotated copies of one turn, appended in the originals' order.
    expect(superclassesOf(ids, 6)).toEqual([0, 0, 1, 2, 2, 3]);
    expect(superclassesOf(ids, 3)).toEqual([0, 0, 1]);
  });
});
