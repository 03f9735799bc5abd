import { seedFlops } from '../../src/bench/seed-flops';

test('seed backbone FLOPs at 100×100×1, derived by hand', () => {
  const f = seedFlops(100, 100, 1);
  // conv1: 98·98 outputs × 64 filters × 3·3·1 MACs × 2
  const conv1 = 98 * 98 * 64 * 9 * 2; // 11,063,808
  // pool → 49×49; conv2: 47·47 × 128 × 3·3·64 × 2
  const conv2 = 47 * 47 * 128 * 576 * 2; // 325,730,304
  // pool → 23×23 (floor); dense: 23·23·128 = 67,712 inputs × 512 × 2
  const dense = 67712 * 512 * 2; // 69,337,088
  expect(f.layers).toEqual([
    { name: 'conv1', forward: conv1 },
    { name: 'conv2', forward: conv2 },
    { name: 'dense', forward: dense },
  ]);
  expect(f.forwardPerImage).toBe(406_131_200);
  // A pair: 2 images × (forward + weight grads of all + input grads of conv2 and dense)
  expect(f.trainPerPair).toBe(2 * (3 * 406_131_200 - conv1));
});

test('other input sizes follow the same shapes (105×105: 103 → 51 → 49 → 24)', () => {
  const f = seedFlops(105, 105, 1);
  expect(f.layers[0].forward).toBe(103 * 103 * 64 * 9 * 2);
  expect(f.layers[1].forward).toBe(49 * 49 * 128 * 576 * 2);
  expect(f.layers[2].forward).toBe(24 * 24 * 128 * 512 * 2);
});
