import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/embedding/backend';
import { buildEncoder } from '../../../src/embedding/backbones';
import type { ModelCard } from '../../../src/embedding/model-card';
import { evaluateOneShot } from '../../../src/training/evaluate/oneshot.eval';
import { writeSyntheticDataset } from '../fixtures/synthetic-images';

let root: string;
beforeAll(async () => {
  await initBackend('wasm');
  root = mkdtempSync(path.join(tmpdir(), 'oneshot-'));
  await writeSyntheticDataset(path.join(root, 'src'), 3, 1, 20);
  // Lake's layout: each test item is an exact copy of one training image, so any encoder
  // (even an untrained one) finds it at distance 0: the expected accuracy is known by construction.
  const files = ['group0/id0', 'group1/id1', 'group0/id2'].map((d) => path.join(root, 'src', d, readdirSync(path.join(root, 'src', d))[0]));
  const run = path.join(root, 'runs', 'run01');
  mkdirSync(path.join(run, 'training'), { recursive: true });
  mkdirSync(path.join(run, 'test'), { recursive: true });
  const perm = [2, 0, 1]; // item k is a copy of class perm[k]
  files.forEach((f, i) => copyFileSync(f, path.join(run, 'training', `class0${i + 1}.png`)));
  perm.forEach((c, k) => copyFileSync(files[c], path.join(run, 'test', `item0${k + 1}.png`)));
  const lines = perm.map((c, k) => `run01/test/item0${k + 1}.png run01/training/class0${c + 1}.png`);
  writeFileSync(path.join(run, 'class_labels.txt'), lines.join('\n') + '\n');
  // run02 has one wrong label: 2 of 3 correct.
  const run2 = path.join(root, 'runs', 'run02');
  mkdirSync(run2);
  for (const sub of ['training', 'test']) {
    mkdirSync(path.join(run2, sub));
    for (const f of readdirSync(path.join(run, sub))) copyFileSync(path.join(run, sub, f), path.join(run2, sub, f));
  }
  const wrong = [...lines.map((l) => l.replace(/run01/g, 'run02'))];
  wrong[0] = wrong[0].replace(/class0\d/, 'class02');
  writeFileSync(path.join(run2, 'class_labels.txt'), wrong.join('\n') + '\n');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('scores Lake-format runs by the nearest training image: 3/3 and 2/3', async () => {
  const card = {
    metric: 'euclidean',
    preprocessing: { width: 20, height: 20, channels: 1, normalize: 'unit', fit: 'fill' },
  } as unknown as ModelCard;
  const model = buildEncoder(
    { backbone: 'fast', embeddingDim: 8, normalization: 'none', l2Normalize: true, params: { widths: [4] } },
    { height: 20, width: 20, channels: 1 },
    1,
  );
  const before = tf.memory().numTensors;
  const report = await evaluateOneShot(model, card, path.join(root, 'runs'));
  expect(report.runs.map((r) => [r.run, r.correct, r.total])).toEqual([
    ['run01', 3, 3],
    ['run02', 2, 3],
  ]);
  expect(report.accuracy).toBeCloseTo(5 / 6, 12);
  expect(report.ways).toBe(3);
  const withTta = await evaluateOneShot(model, card, path.join(root, 'runs'), { tta: 2 });
  expect(withTta.tta).toBe(2);
  expect(withTta.total).toBe(6);
  expect(tf.memory().numTensors).toBe(before);
  model.dispose();
});
