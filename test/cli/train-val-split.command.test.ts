import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { run as ensembleRun } from '../../src/cli/ensemble.command';
import { run as trainRun } from '../../src/cli/train.command';
import { writeSyntheticDataset } from '../training/fixtures/synthetic-images';

// 8 identities × 4 images in two parent folders: group0 = id0 id2 id4 id6, group1 = id1 id3 id5 id7.
let root: string;
beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'cli-val-split-'));
  await writeSyntheticDataset(path.join(root, 'data'), 8, 4, 20);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function quiet<T>(fn: () => Promise<T>): Promise<{ result: T; stderr: string }> {
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  const log = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void (stderr += `${a.join(' ')}\n`));
  try {
    return { result: await fn(), stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    log.mockRestore();
  }
}

const tiny = ['--recipe', 'manual', '--input-size', '16', '--widths', '8,16', '--embedding-dim', '8', '--steps-per-epoch', '2'];
const more = ['--epochs', '1', '--lr', '0.005', '--backend', 'wasm', '--split-seed', '5', '--json'];
const card = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'model-card.json'), 'utf8'));
const train = (out: string, seed: string, ...flags: string[]) =>
  quiet(() => trainRun(['--data', path.join(root, 'data'), '--out', path.join(root, out), ...tiny, ...more, '--seed', seed, ...flags]));

it('--val-split superclass holds out a whole parent folder; the card records it and an ensemble validates on the same folder', async () => {
  const a = await train('a', '3', '--val-split', 'superclass', '--val-fraction', '0.25');
  expect(a.result).toBe(0);
  // round(8 · 0.25) = 2 identities are asked for; a folder holds 4, so one whole folder (4 identities) goes.
  expect(a.stderr).toMatch(/validation: 4 identities \(50 %\) of 1 held-out superclass \(data\/group[01]\)/);
  const ca = card(path.join(root, 'a'));
  expect(ca.hyperparameters.valSplit).toBe('superclass');
  // 4 validation identities × C(4, 2) genuine pairs each
  expect(ca.validation.positivePairs).toBe(24);

  expect((await train('b', '4', '--val-split', 'superclass', '--val-fraction', '0.25')).result).toBe(0);
  const ens = await quiet(() =>
    ensembleRun([
      '--model',
      path.join(root, 'a'),
      '--model',
      path.join(root, 'b'),
      '--out',
      path.join(root, 'ab'),
      '--backend',
      'wasm',
      '--json',
    ]),
  );
  expect(ens.result).toBe(0);
  expect(card(path.join(root, 'ab')).validation.positivePairs).toBe(24);

  // The identity split of the same fraction holds out 2 identities (12 genuine pairs), so it cannot join them.
  expect((await train('c', '5', '--val-fraction', '0.25')).result).toBe(0);
  expect(card(path.join(root, 'c')).validation.positivePairs).toBe(12);
  expect(card(path.join(root, 'c')).hyperparameters.valSplit).toBeUndefined();
  const mixed = await quiet(() =>
    ensembleRun(['--model', path.join(root, 'a'), '--model', path.join(root, 'c'), '--out', path.join(root, 'ac'), '--backend', 'wasm']),
  );
  expect(mixed.result).toBe(1);
  expect(mixed.stderr).toMatch(/different data or validation splits/);
});

it('refuses an unknown split kind, and --val-split beside --val-fold', async () => {
  const bad = await train('x', '3', '--val-split', 'alphabet');
  expect(bad.result).toBe(1);
  expect(bad.stderr).toMatch(/--val-split/);
  const fold = await train('y', '3', '--val-split', 'superclass', '--val-fold', '1/3');
  expect(fold.result).toBe(1);
  expect(fold.stderr).toMatch(/--val-split applies to --val-fraction splits; --val-fold/);
});
