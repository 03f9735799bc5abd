/**
 * `buildEnsemble` with signature members (trained with `forgeries`): the ensemble is calibrated the way
 * their trainer validated, on the validation writers' genuine–genuine against genuine–skilled-forgery
 * pairs, not on cross-identity pairs; the writer split is read from the cards (or given for older cards),
 * and a member that validated on other writers is refused.
 *
 * Data: writers w0..w3 with 4 genuine and 3 forged images each; validation writers w1 and w3.
 * Hand-derived pair counts: per validation writer C(4,2) = 6 genuine pairs and 4 · 3 = 12 forgery pairs.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/embedding/backend';
import { FolderImageSource } from '../../src/training/data/folder.source';
import { run as ensembleCommand } from '../../src/cli/ensemble.command';
import { buildEnsemble } from '../../src/training/ensemble';
import type { ModelCard } from '../../src/embedding/model-card';
import { saveTrainedModel } from '../../src/training/save-trained-model';
import { train, type TrainOptions } from '../../src/training/trainer';
import { syntheticImage } from '../fixtures/synthetic-images';
import { TINY_FORGERY_LAYOUT, tinyForgeryOptions } from './fixtures/tiny-forgery-options';

const layout = TINY_FORGERY_LAYOUT;
const base: TrainOptions = tinyForgeryOptions({ name: 'sig', backend: 'wasm' });

let root: string;
const dirs: Record<string, string> = {};
const source = () => new FolderImageSource([path.join(root, 'data')]);

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'ensemble-forgeries-'));
  for (let w = 0; w < 4; w++) {
    for (const kind of ['genuine', 'forged']) mkdirSync(path.join(root, 'data', `w${w}`, kind), { recursive: true });
    for (let s = 0; s < 4; s++) writeFileSync(path.join(root, 'data', `w${w}`, 'genuine', `g${s}.png`), await syntheticImage(w, s));
    // A forgery: the writer's pattern drawn by someone else (another identity's shots, so it differs).
    for (let s = 0; s < 3; s++) writeFileSync(path.join(root, 'data', `w${w}`, 'forged', `f${s}.png`), await syntheticImage(10 + w, s));
  }
  await initBackend('wasm');
  const variants: Record<string, Partial<TrainOptions>> = {
    a: {},
    b: { seed: 4, splitSeed: 3 },
    // Another seed without --split-seed: the writer list, not the seed, is the split.
    c: { seed: 5 },
    otherWriters: { forgeries: { ...layout, validationWriters: ['w0', 'w2'] } },
  };
  for (const [name, v] of Object.entries(variants)) {
    const r = await train({ ...base, ...v, name }, source());
    dirs[name] = path.join(root, name);
    await saveTrainedModel(dirs[name], r.model, r.card);
    r.model.dispose();
  }
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const memberCard = (dir: string): ModelCard => JSON.parse(readFileSync(path.join(dir, 'model-card.json'), 'utf8'));

it('records the writer split in the card and calibrates the ensemble on the validation writers’ forgery pairs', async () => {
  const a = memberCard(dirs.a);
  expect(a.hyperparameters.forgeries).toEqual({ ...layout, forgeryShare: 0.5 });
  const before = tf.memory().numTensors;
  const { model, card } = await buildEnsemble({ memberDirs: [dirs.a, dirs.b, dirs.c], name: 'ens' }, source);
  expect(card.validation.positivePairs).toBe(2 * 6);
  expect(card.validation.negativePairs).toBe(2 * 12);
  expect(card.evaluations?.validation).toMatchObject({ writers: ['w1', 'w3'], images: 2 * (4 + 3) });
  expect(String((card.evaluations?.validation as { calibratedOn: string }).calibratedOn)).toMatch(/forgery/);
  expect(card.hyperparameters.forgeries).toMatchObject(layout);
  model.dispose();
  expect(tf.memory().numTensors).toBe(before);
});

it('an ensemble of one member twice reproduces that member’s validation exactly (same pairs, same distances)', async () => {
  const a = memberCard(dirs.a);
  const { model, card } = await buildEnsemble({ memberDirs: [dirs.a, dirs.a], name: 'self' }, source);
  // mean of two equal squared distances is that distance: the ROC, AUC and EER are the member's.
  expect(card.validation.auc).toBeCloseTo(a.validation.auc, 6);
  expect(card.validation.eer).toBeCloseTo(a.validation.eer, 6);
  expect(card.thresholds.default).toBeCloseTo(a.thresholds.default, 5);
  // verifyIdentity's thresholds too: the same writers, draws (same seed) and centroid distances.
  expect(a.thresholds.references?.length).toBeGreaterThan(0);
  expect(card.thresholds.references!.map((r) => [r.references, r.positivePairs, r.negativePairs])).toEqual(
    a.thresholds.references!.map((r) => [r.references, r.positivePairs, r.negativePairs]),
  );
  card.thresholds.references!.forEach((r, i) => expect(r.threshold).toBeCloseTo(a.thresholds.references![i].threshold, 5));
  // And the offsets for labelled forgeries (rule LABELLED).
  expect(a.thresholds.labelled?.length).toBeGreaterThan(0);
  expect(card.thresholds.labelled!.map((e) => [e.references, e.labelled])).toEqual(
    a.thresholds.labelled!.map((e) => [e.references, e.labelled]),
  );
  card.thresholds.labelled!.forEach((e, i) => expect(e.offset).toBeCloseTo(a.thresholds.labelled![i].offset, 5));
  model.dispose();
});

it("carries a member card's referenceShift (rule SPREAD) and calibrates verifyIdentity's thresholds on d − β·s", async () => {
  const shifted = path.join(root, 'shifted-a');
  cpSync(dirs.a, shifted, { recursive: true });
  const c = memberCard(shifted);
  c.thresholds.referenceShift = 0.5;
  writeFileSync(path.join(shifted, 'model-card.json'), JSON.stringify(c));
  const plain = await buildEnsemble({ memberDirs: [dirs.a, dirs.a], name: 'plain' }, source);
  const spread = await buildEnsemble({ memberDirs: [shifted, shifted], name: 'spread' }, source);
  expect(plain.card.thresholds.referenceShift).toBeUndefined();
  expect(spread.card.thresholds.referenceShift).toBe(0.5);
  // Every score is moved down by ½·s ≥ 0 and the same draws are read, so each R's threshold at the target FAR (an
  // order statistic of the forgery scores) is at most the plain one, and lower once the references differ.
  const [p, s] = [plain.card.thresholds.references!, spread.card.thresholds.references!];
  expect(s.map((r) => [r.references, r.positivePairs, r.negativePairs])).toEqual(
    p.map((r) => [r.references, r.positivePairs, r.negativePairs]),
  );
  s.forEach((r, i) => expect(r.threshold).toBeLessThanOrEqual(p[i].threshold + 1e-9));
  expect(s.some((r, i) => r.threshold < p[i].threshold - 1e-6)).toBe(true);
  // 1:1 is untouched.
  expect(spread.card.thresholds.default).toBeCloseTo(plain.card.thresholds.default, 9);
  // Members that disagree on the rule are refused: the result would depend on their order.
  await expect(buildEnsemble({ memberDirs: [shifted, dirs.a], name: 'mixed' }, source)).rejects.toThrow(
    /referenceShift 0.5 and undefined|referenceShift undefined and 0.5/,
  );
  plain.model.dispose();
  spread.model.dispose();
});

it('takes the writer split as an option for cards that do not record it, and refuses members of another split', async () => {
  const old = path.join(root, 'old-a');
  cpSync(dirs.a, old, { recursive: true });
  const c = memberCard(old);
  delete c.hyperparameters.forgeries;
  writeFileSync(path.join(old, 'model-card.json'), JSON.stringify(c));
  const { model, card } = await buildEnsemble({ memberDirs: [old, dirs.b], name: 'given', forgeries: layout }, source);
  expect(card.validation.negativePairs).toBe(2 * 12);
  model.dispose();

  await expect(buildEnsemble({ memberDirs: [dirs.a, dirs.otherWriters], name: 'x' }, source)).rejects.toThrow(/validated on writers w0 w2/);
  await expect(
    buildEnsemble({ memberDirs: [dirs.a, dirs.b], name: 'x', forgeries: { ...layout, validationWriters: ['w1'] } }, source),
  ).rejects.toThrow(/validated on writers w1 w3, not w1/);
});

it('`siamese ensemble --forgeries … --val-writers …` writes a signature ensemble; --val-writers alone is refused', async () => {
  const errors: string[] = [];
  const spy = jest.spyOn(console, 'error').mockImplementation((m: unknown) => void errors.push(String(m)));
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    const out = path.join(root, 'cli-ens');
    const code = await ensembleCommand([
      ...['--model', dirs.a, '--model', dirs.b, '--forgeries', 'forged', '--val-writers', 'w1,w3'],
      ...['--backend', 'wasm', '--out', out, '--json'],
    ]);
    expect(code).toBe(0);
    const card = memberCard(out);
    expect(card.validation.negativePairs).toBe(2 * 12);
    expect(card.commands.train).toContain('--forgeries forged --val-writers w1,w3');
    expect(await ensembleCommand(['--model', dirs.a, '--model', dirs.b, '--val-writers', 'w1', '--out', path.join(root, 'x')])).toBe(1);
    expect(errors.join('\n')).toMatch(/--val-writers and --genuine need --forgeries/);
  } finally {
    spy.mockRestore();
    log.mockRestore();
  }
});
