import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
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

it('finds faces in a folder of real photos and trains on the pretrained face trunk, saying why', async () => {
  // Four LFW people with three photos each (the first such in name order), linked into a folder of their own.
  const lfw = path.resolve(__dirname, '../../../shared/datasets/lfw-devtrain');
  const people = readdirSync(lfw)
    .sort()
    .filter((p) => statSync(path.join(lfw, p)).isDirectory() && readdirSync(path.join(lfw, p)).length >= 3)
    .slice(0, 4);
  const data = path.join(root, 'faces');
  for (const p of people) {
    mkdirSync(path.join(data, p), { recursive: true });
    for (const f of readdirSync(path.join(lfw, p)).sort().slice(0, 3)) symlinkSync(path.join(lfw, p, f), path.join(data, p, f));
  }
  const out = path.join(root, 'face-model');
  const common = ['--data', data, '--epochs', '1', '--steps-per-epoch', '1', '--backend', 'wasm', '--seed', '3'];
  const train = await capture(() => trainRun([...common, '--out', out, '--face-cache', path.join(root, 'face-cache')]));
  expect(train.code).toBe(0);
  const card = JSON.parse(readFileSync(path.join(out, 'model-card.json'), 'utf8'));
  const byRule = Object.fromEntries(card.recipe.decisions.map((d: { rule: string }) => [d.rule, d]));
  // All 12 photos are in the sample (12 at most); LFW's photos each show a face, and the share needs 10.
  expect(byRule.encoder.value).toBe('face-resnet29');
  expect(byRule.encoder.why).toMatch(/^faces in 1[0-2] of 12 sampled photos \(80 % of 12 needed\): dlib's pretrained face ResNet/);
  expect(card.architecture.backbone).toBe('face-resnet29');
  expect(card.architecture.embeddingDim).toBe(128);
  expect(card.preprocessing).toMatchObject({ width: 150, height: 150, channels: 3, normalize: 'standard' });
  expect(card.preprocessing.face).toMatchObject({ detector: 'tiny', fallbackDetector: 'ssd' });
  expect(card.preprocessing.flipAverage).toBe(true);
  expect(train.stderr).toMatch(/recipe auto: encoder = face-resnet29 \(faces in/);
  // The detections were cached for the training run's face stage.
  expect(readdirSync(path.join(root, 'face-cache')).length).toBeGreaterThan(0);

  // --no-flip-average keeps the face trunk without the flip; with --flip-average too it is refused.
  const noFlip = path.join(root, 'face-no-flip');
  const plain = await capture(() =>
    trainRun([...common, '--out', noFlip, '--no-flip-average', '--face-cache', path.join(root, 'face-cache')]),
  );
  expect(plain.code).toBe(0);
  const plainCard = JSON.parse(readFileSync(path.join(noFlip, 'model-card.json'), 'utf8'));
  expect(plainCard.architecture.backbone).toBe('face-resnet29');
  expect(plainCard.preprocessing.flipAverage).toBeUndefined();
  expect(plainCard.recipe.decisions.find((d: { rule: string }) => d.rule === 'flip averaging')).toEqual({
    rule: 'flip averaging',
    value: false,
    why: '--flip-average / --no-flip-average given (the rule would choose true)',
  });
  const both = await capture(() => trainRun([...common, '--out', noFlip, '--flip-average', '--no-flip-average']));
  expect(both.code).toBe(1); // a bad combination of flags, as every refused input of siamese train
  expect(both.stderr).toMatch(/--flip-average and --no-flip-average exclude each other/);

  // A --backbone given skips the check and says so.
  const given = path.join(root, 'fast-model');
  const flagged = await capture(() =>
    trainRun([...common, '--out', given, '--backbone', 'fast', '--widths', '8,16', '--face-cache', 'none']),
  );
  expect(flagged.code).toBe(0);
  const givenCard = JSON.parse(readFileSync(path.join(given, 'model-card.json'), 'utf8'));
  expect(givenCard.recipe.decisions.find((d: { rule: string }) => d.rule === 'encoder')).toEqual({
    rule: 'encoder',
    value: 'fast',
    why: '--backbone given (no face check run)',
  });
  expect(givenCard.preprocessing).toMatchObject({ width: 48, height: 48, channels: 3, normalize: 'unit' });
  expect(givenCard.preprocessing.flipAverage).toBeUndefined();

  // A from-scratch setting (here the conv widths) fixes the encoder too: no check, and the card says which flag.
  const scratch = path.join(root, 'scratch-model');
  const widths = await capture(() => trainRun([...common, '--out', scratch, '--widths', '8,16', '--face-cache', 'none']));
  expect(widths.code).toBe(0);
  const scratchCard = JSON.parse(readFileSync(path.join(scratch, 'model-card.json'), 'utf8'));
  expect(scratchCard.architecture.backbone).toBe('fast');
  expect(scratchCard.recipe.decisions.find((d: { rule: string }) => d.rule === 'encoder').why).toBe(
    'fast conv encoder from scratch (--widths given, a setting of an encoder trained from scratch: no face check run)',
  );
});
