/**
 * `siamese eval --forgeries` (issue 17): a signature model measured the way it is served, on writers it never saw.
 * A tiny model is trained on writers w0..w3 (validation w1, w3: its card gets verifyIdentity's thresholds for
 * R = 2, 3 and rule LABELLED's offsets for K = 1, 2); held-out writers w4, w5 have 4 genuine signatures and 3
 * forgeries each. Hand-derived counts:
 *   verify: 2 writers × C(4,2) = 12 genuine pairs, 2 × 4 × 3 = 24 genuine–forgery pairs;
 *   R = 2: 2 writers × 10 draws × 2 questions = 40 genuine, × 3 forgeries = 60; R = 3: 20 and 60;
 *   LABELLED (R, K): genuine as for R, forgeries 2 × 10 × (3 − K): 40 for K = 1, 20 for K = 2.
 * Whatever the model, `capped` accepts only what both CENTROID and `midpoint` accept.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../src/embedding/backend';
import { run as evalRun } from '../../src/cli/eval.command';
import { FolderImageSource } from '../../src/training/data/folder.source';
import { saveTrainedModel } from '../../src/training/save-trained-model';
import { train } from '../../src/training/trainer';
import type { ForgeryVerificationReport } from '../../src/training/evaluate/forgery-verification.eval';
import { syntheticImage } from '../fixtures/synthetic-images';
import { tinyForgeryOptions } from '../training/fixtures/tiny-forgery-options';

let root: string;
let modelDir: string;

async function writeWriters(dir: string, writers: number[], genuine = 4, forged = 3): Promise<void> {
  for (const w of writers) {
    for (const kind of ['genuine', 'forged']) mkdirSync(path.join(dir, `w${w}`, kind), { recursive: true });
    for (let s = 0; s < genuine; s++) writeFileSync(path.join(dir, `w${w}`, 'genuine', `g${s}.png`), await syntheticImage(w, s));
    for (let s = 0; s < forged; s++) writeFileSync(path.join(dir, `w${w}`, 'forged', `f${s}.png`), await syntheticImage(10 + w, s));
  }
}

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'eval-forgeries-'));
  await writeWriters(path.join(root, 'train'), [0, 1, 2, 3]);
  await writeWriters(path.join(root, 'held'), [4, 5]);
  // w6 has 3 genuine signatures and 2 forgeries: enough for R = 2 and K = 1, not for R = 3 or K = 2.
  await writeWriters(path.join(root, 'uneven'), [4, 5]);
  await writeWriters(path.join(root, 'uneven'), [6], 3, 2);
  await initBackend('wasm');
  const r = await train(
    tinyForgeryOptions({ backend: 'wasm', thresholdRule: 'atTargetFar', targetFar: 0.2 }),
    new FolderImageSource([path.join(root, 'train')]),
  );
  modelDir = path.join(root, 'model');
  await saveTrainedModel(modelDir, r.model, r.card);
  r.model.dispose();
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function evalCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const w = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (out.push(String(c)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ') + '\n'));
  const error = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  try {
    const code = await evalRun(['--model', modelDir, '--backend', 'wasm', ...args]);
    return { code, out: out.join(''), err: err.join('\n') };
  } finally {
    w.mockRestore();
    e.mockRestore();
    log.mockRestore();
    error.mockRestore();
  }
}

it('measures verify, verifyIdentity and rule LABELLED on held-out writers, at the card thresholds', async () => {
  const card = JSON.parse(readFileSync(path.join(modelDir, 'model-card.json'), 'utf8'));
  expect(card.thresholds.labelled.map((e: { references: number; labelled: number }) => [e.references, e.labelled])).toEqual([
    [2, 1],
    [2, 2],
    [3, 1],
    [3, 2],
  ]);
  const { code, out } = await evalCli(['--data', path.join(root, 'held'), '--forgeries', 'forged', '--bootstrap', '50', '--json']);
  expect(code).toBe(0);
  const f = JSON.parse(out.trim()).forgeries as ForgeryVerificationReport;
  expect(f).toMatchObject({ genuineFolder: 'genuine', forgedFolder: 'forged', writers: 2, images: 14 });
  expect(f.verify).toMatchObject({
    genuinePairs: 12,
    forgeryPairs: 24,
    threshold: card.thresholds.default,
    writers: ['held/w4', 'held/w5'],
  });
  expect(f.baseline.pixelEuclidean.auc).toBeGreaterThanOrEqual(0);
  expect(f.references.map((r) => [r.references, r.genuineQuestions, r.forgeryQuestions, r.threshold])).toEqual([
    [2, 40, 60, card.thresholds.references[0].threshold],
    [3, 20, 60, card.thresholds.references[1].threshold],
  ]);
  expect(f.labelled.map((l) => [l.references, l.labelled, l.genuineQuestions, l.forgeryQuestions])).toEqual([
    [2, 1, 40, 40],
    [2, 2, 40, 20],
    [3, 1, 20, 40],
    [3, 2, 20, 20],
  ]);
  for (const l of f.labelled) {
    expect(l.capped.forgeriesAccepted.value).toBeLessThanOrEqual(
      Math.min(l.centroid.forgeriesAccepted.value, l.midpoint.forgeriesAccepted.value),
    );
    expect(l.capped.genuineRejected.value).toBeGreaterThanOrEqual(
      Math.max(l.centroid.genuineRejected.value, l.midpoint.genuineRejected.value),
    );
    for (const rule of [l.capped, l.midpoint]) {
      expect(rule.pairedEerDifference.value).toBeCloseTo(rule.eer.value - l.centroid.eer.value, 9);
      expect(rule.pairedEerDifference.ci95[0]).toBeLessThanOrEqual(rule.pairedEerDifference.ci95[1]);
    }
  }
});

it('leaves a writer too small for an R or a K out of that row only, and bootstraps each row over its own writers', async () => {
  const { code, out } = await evalCli(['--data', path.join(root, 'uneven'), '--forgeries', 'forged', '--bootstrap', '50', '--json']);
  expect(code).toBe(0);
  const f = JSON.parse(out.trim()).forgeries as ForgeryVerificationReport;
  // verify: w4, w5 as before (12 and 24 pairs) plus w6: C(3,2) = 3 genuine pairs, 3 × 2 = 6 forgery pairs.
  expect(f.verify).toMatchObject({ genuinePairs: 15, forgeryPairs: 30 });
  // R = 2: w6 adds 10 draws × 1 question and 10 × 2 forgeries; R = 3 needs 4 genuine: w4, w5 only.
  expect(f.references.map((r) => [r.references, r.writers, r.genuineQuestions, r.forgeryQuestions])).toEqual([
    [2, 3, 50, 80],
    [3, 2, 20, 60],
  ]);
  // (2, 1): w6 adds 10 × 1 genuine and 10 × (2 − 1) forgeries; K = 2 needs 3 forgeries: w4, w5 only.
  expect(f.labelled.map((l) => [l.references, l.labelled, l.writers, l.genuineQuestions, l.forgeryQuestions])).toEqual([
    [2, 1, 3, 50, 50],
    [2, 2, 2, 40, 20],
    [3, 1, 2, 20, 40],
    [3, 2, 2, 20, 20],
  ]);
});

it('prints the same as lines a person reads, and --include names writers', async () => {
  const { code, out } = await evalCli([
    '--data',
    path.join(root, 'held'),
    '--forgeries',
    'forged',
    '--include',
    'w4,w5',
    '--bootstrap',
    '20',
  ]);
  expect(code).toBe(0);
  expect(out).toMatch(/skilled forgeries \(genuine vs forged\) on 2 writers \/ 14 images \(12 genuine pairs, 24 genuine–forgery pairs/);
  expect(out).toMatch(/verifyIdentity, 3 references \(CENTROID at /);
  expect(out).toMatch(
    /3 references, 2 labelled forgeries \(rule LABELLED, same questions\):\n\s+CENTROID .*\n\s+capped .*EER − CENTROID [-+]?\d/,
  );
});

it('refuses what does not apply, with codes', async () => {
  const held = path.join(root, 'held');
  const cases: Array<[string[], RegExp]> = [
    [['--data', held, '--genuine', 'genuine'], /--genuine goes with --forgeries/],
    [['--data', held, '--forgeries', 'forged', '--max-negatives', '10'], /--max-negatives does not apply with --forgeries/],
    [['--data', held, '--forgeries', 'forged', '--include', 'w4'], /at least 2 writers/],
    [['--data', held, '--forgeries', 'fakes'], /every image folder must be WRITER\/genuine or WRITER\/fakes/],
    [['--data', held, '--forgeries', 'forged', '--bootstrap', '0'], /needs ≥ 1 bootstrap round/],
    // --exclude names a writer in either form (with the dataset's label, or a regex on the bare name): one is left.
    [['--data', held, '--forgeries', 'forged', '--exclude', 'held/w4'], /at least 2 writers/],
    [['--data', held, '--forgeries', 'forged', '--exclude', '/^w5$/'], /at least 2 writers/],
  ];
  for (const [args, why] of cases) {
    const { code, out } = await evalCli([...args, '--json']);
    expect(code).toBe(1);
    const line = JSON.parse(out.trim());
    expect(line.type).toBe('error');
    expect(['BAD_USER_INPUT', 'DATASET_INVALID']).toContain(line.code);
    expect(line.message).toMatch(why);
  }
});
