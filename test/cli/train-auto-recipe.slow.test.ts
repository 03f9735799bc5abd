import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { run as evalRun } from '../../src/cli/eval.command';
import { run as trainRun } from '../../src/cli/train.command';
import { writeSyntheticDataset } from '../training/fixtures/synthetic-images';

/**
 * Issue 17 end to end: `siamese train` with the default (auto) recipe on a tiny generated folder
 * for a few steps writes the recipe's decisions and the pixel baseline into the card, and
 * `siamese eval` prints the baseline beside the model (and records it with --record).
 */
let root: string;
beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'cli-auto-'));
  // 12 identities × 4 grey 20×20 stripe patterns (not ink: mostly mid-grey).
  await writeSyntheticDataset(path.join(root, 'data'), 12, 4, 20);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function capture(fn: () => Promise<number>) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (stdout.push(String(c)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => (stderr.push(String(c)), true));
  const cl = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void stdout.push(a.join(' ') + '\n'));
  const ce = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void stderr.push(a.join(' ') + '\n'));
  try {
    const code = await fn();
    return { code, stdout: stdout.join(''), stderr: stderr.join('') };
  } finally {
    o.mockRestore();
    e.mockRestore();
    cl.mockRestore();
    ce.mockRestore();
  }
}

it('trains with --recipe auto: decisions and baseline in the card, baseline beside the model in eval', async () => {
  const out = path.join(root, 'model');
  const train = await capture(() =>
    trainRun([
      '--data',
      path.join(root, 'data'),
      '--out',
      out,
      '--recipe',
      'auto',
      '--epochs',
      '2',
      '--steps-per-epoch',
      '2',
      '--widths',
      '8,16',
      '--backend',
      'wasm',
      '--seed',
      '3',
    ]),
  );
  expect(train.code).toBe(0);
  const card = JSON.parse(readFileSync(path.join(out, 'model-card.json'), 'utf8'));
  expect(card.recipe.name).toBe('auto');
  const byRule = Object.fromEntries(card.recipe.decisions.map((d: { rule: string }) => [d.rule, d]));
  // 20×20 grey stripes, 12 identities × 4: 20×20×1 input, photos, 5 held out, prototypical P×K = 7×4.
  expect(byRule['input width'].value).toBe(20);
  expect(byRule.channels.value).toBe(1);
  expect(byRule['validation split'].value).toBeCloseTo(5 / 12, 12);
  expect(byRule.loss.value).toBe('prototypical');
  expect(byRule.batch.value).toBe(28);
  expect(byRule.epochs.why).toBe('--epochs given (the rule would choose 40)');
  expect(card.preprocessing).toMatchObject({ width: 20, height: 20, channels: 1, normalize: 'unit' });
  expect(card.hyperparameters).toMatchObject({
    loss: 'prototypical',
    batchSize: 28,
    k: 4,
    augment: 'faces',
    patience: 8,
    patienceFrom: 'half-anneal', // RULE-4.md
    lrSchedule: 'cosine',
  });
  expect(card.data.validationIdentities).toBe(5);
  const baseline = card.evaluations.validation.baseline;
  for (const name of ['pixelEuclidean', 'pixelCosine']) {
    expect(baseline[name].auc).toBeGreaterThan(0.5);
    expect(baseline[name].eer).toBeGreaterThanOrEqual(0);
  }
  expect(train.stdout).toMatch(/same validation pairs by raw pixels: Euclidean AUC \d\.\d{4}, EER [\d.]+%; cosine AUC \d\.\d{4}/);
  expect(train.stderr).toMatch(/recipe auto: loss = prototypical \(median 4 images per identity/);
  expect(readFileSync(path.join(out, 'roc.svg'), 'utf8')).toContain('data-curve="pixels, cosine');

  const ev = await capture(() =>
    evalRun(['--model', out, '--data', path.join(root, 'data'), '--bootstrap', '0', '--record', 'all', '--backend', 'wasm']),
  );
  expect(ev.code).toBe(0);
  expect(ev.stdout).toMatch(/same pairs, model against raw pixels/);
  expect(ev.stdout).toMatch(/pixels, Euclidean\s+AUC \d\.\d{4}/);
  const recorded = JSON.parse(readFileSync(path.join(out, 'model-card.json'), 'utf8')).evaluations.all;
  expect(Object.keys(recorded.baseline).sort()).toEqual(['pixelCosine', 'pixelEuclidean']);
  // The warning appears exactly when the model does not beat the best pixel AUC on these pairs.
  const best = Math.max(recorded.baseline.pixelEuclidean.auc, recorded.baseline.pixelCosine.auc);
  expect(/siamese eval: warning: the model does not beat raw pixels on these pairs/.test(ev.stderr)).toBe(
    recorded.verification.auc <= best,
  );
});
