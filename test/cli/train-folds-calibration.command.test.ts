import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { run as trainRun } from '../../src/cli/train.command';
import { writeSyntheticDataset } from '../training/fixtures/synthetic-images';

let root: string;
beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'cli-folds-'));
  await writeSyntheticDataset(path.join(root, 'data'), 8, 4, 20);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function quiet<T>(fn: () => Promise<T>): Promise<T> {
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const log = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    return await fn();
  } finally {
    out.mockRestore();
    err.mockRestore();
    log.mockRestore();
  }
}

const tiny = [
  '--input-size',
  '16',
  '--widths',
  '8,16',
  '--embedding-dim',
  '8',
  '--steps-per-epoch',
  '3',
  '--lr',
  '0.005',
  '--backend',
  'wasm',
  '--seed',
  '3',
  '--json',
];
const card = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'model-card.json'), 'utf8'));

it('k-fold run saves out-of-fold scores; a final all-identity run calibrates on them and keeps its last epoch', async () => {
  const data = path.join(root, 'data');
  const foldOut = path.join(root, 'fold1');
  const scores = path.join(root, 'fold1.scores.json');
  expect(
    await quiet(() =>
      trainRun([
        // The fixed defaults of the flags (issue 17's auto recipe would choose its own).
        '--recipe',
        'manual',
        '--data',
        data,
        '--out',
        foldOut,
        ...tiny,
        '--epochs',
        '2',
        '--loss',
        'prototypical',
        '--batch',
        '8',
        '--k',
        '2',
        '--augment',
        'faces-strong',
        '--flip-average',
        '--weight-decay',
        '0.1',
        '--ema',
        '0.9',
        '--val-fold',
        '1/3',
        '--save-val-scores',
        scores,
      ]),
    ),
  ).toBe(0);
  const fold = card(foldOut);
  // 8 identities id0…id7, fold 1 of 3 = id0, id3, id6
  expect(fold.data).toMatchObject({ identities: 8, trainIdentities: 5, validationIdentities: 3 });
  expect(fold.preprocessing.flipAverage).toBe(true);
  expect(fold.hyperparameters).toMatchObject({ valFold: '1/3', weightDecay: 0.1, ema: 0.9, augment: 'faces-strong' });
  const saved = JSON.parse(readFileSync(scores, 'utf8'));
  // 3 identities × 4 images: 3·C(4,2) = 18 same pairs, C(12,2) − 18 = 48 different pairs
  expect(saved.positives).toHaveLength(18);
  expect(saved.negatives).toHaveLength(48);
  expect(fold.validation).toMatchObject({ positivePairs: 18, negativePairs: 48 });

  const finalOut = path.join(root, 'final');
  expect(
    await quiet(() =>
      trainRun([
        // The fixed defaults of the flags (issue 17's auto recipe would choose its own).
        '--recipe',
        'manual',
        '--data',
        data,
        '--out',
        finalOut,
        ...tiny,
        '--epochs',
        '3',
        '--loss',
        'triplet',
        '--mining',
        'batch-all',
        '--batch',
        '8',
        '--val-fraction',
        '0',
        '--select',
        'last',
        '--calibration-scores',
        scores,
      ]),
    ),
  ).toBe(0);
  const final = card(finalOut);
  expect(final.data).toMatchObject({ trainIdentities: 8, validationIdentities: 0 });
  expect(final.training.bestEpoch).toBe(3);
  expect(final.hyperparameters.selectBy).toBe('last');
  expect(final.evaluations.validation.calibratedOn).toMatch(/^out-of-fold validation scores \(fold1\.scores\.json\)/);
  // thresholds and the card's validation metrics come from the 18 + 48 saved pairs
  expect(final.validation).toMatchObject({ positivePairs: 18, negativePairs: 48 });
  expect(final.preprocessing.flipAverage).toBeUndefined();
});

it('rejects a malformed fold and an unreadable score file', async () => {
  const data = path.join(root, 'data');
  expect(await quiet(() => trainRun(['--data', data, '--out', path.join(root, 'x'), ...tiny, '--val-fold', '4/3']))).toBe(1);
  expect(
    await quiet(() =>
      trainRun(['--data', data, '--out', path.join(root, 'y'), ...tiny, '--calibration-scores', path.join(root, 'none.json')]),
    ),
  ).toBe(1);
});
