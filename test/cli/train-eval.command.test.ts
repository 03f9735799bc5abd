import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { run as trainRun } from '../../src/cli/train.command';
import { run as evalRun } from '../../src/cli/eval.command';
import { writeSyntheticDataset } from '../training/fixtures/synthetic-images';

let root: string;
beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'cli-'));
  await writeSyntheticDataset(path.join(root, 'data'), 8, 4, 20);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function capture(): { lines: () => Array<Record<string, unknown>>; restore: () => void } {
  const chunks: string[] = [];
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (chunks.push(String(c)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const log = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  return {
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    restore: () => (out.mockRestore(), err.mockRestore(), log.mockRestore()),
  };
}

it('train --json writes one line per epoch and a complete model dir; eval reads it back and records into the card', async () => {
  const out = path.join(root, 'model');
  const cap = capture();
  let code: number;
  try {
    code = await trainRun([
      // The fixed defaults of the flags (issue 17's auto recipe would choose its own).
      '--recipe',
      'manual',
      '--data',
      path.join(root, 'data'),
      '--exclude',
      'id7',
      '--out',
      out,
      '--input-size',
      '16',
      '--widths',
      '8,16',
      '--embedding-dim',
      '8',
      '--epochs',
      '2',
      '--steps-per-epoch',
      '4',
      '--batch',
      '8',
      '--lr',
      '0.005',
      '--val-fraction',
      '0.3',
      '--backend',
      'wasm',
      '--seed',
      '3',
      '--json',
    ]);
  } finally {
    cap.restore();
  }
  expect(code).toBe(0);
  const lines = cap.lines();
  expect(lines.filter((l) => l.type === 'epoch')).toHaveLength(2);
  const result = lines.find((l) => l.type === 'result')!;
  expect(result.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  for (const f of ['model.json', 'weights.bin', 'model-card.json', 'roc.svg']) expect(existsSync(path.join(out, f))).toBe(true);
  const card = JSON.parse(readFileSync(path.join(out, 'model-card.json'), 'utf8'));
  expect(card.data.identities).toBe(7); // id7 excluded
  expect(card.architecture.params).toEqual({ widths: [8, 16] });
  expect(card.commands.train).toContain('npx siamese train --recipe manual --data');
  expect(card.hyperparameters).toMatchObject({ loss: 'contrastive', batchSize: 8, learningRate: 0.005 });

  const cap2 = capture();
  try {
    code = await evalRun([
      '--model',
      out,
      '--data',
      path.join(root, 'data'),
      '--include',
      'id7,id6',
      '--backend',
      'wasm',
      '--record',
      'heldout',
      '--json',
    ]);
  } finally {
    cap2.restore();
  }
  expect(code).toBe(0);
  const evalOut = cap2.lines()[0] as {
    verification: {
      identities: number;
      positivePairs: number;
      negativePairs: number;
      auc: number;
      references?: Array<{ references: number; positivePairs: number; negativePairs: number; threshold: number }>;
    };
  };
  // 2 identities × 4 images: 2·C(4,2) = 12 same pairs, 4·4 = 16 different pairs.
  expect(evalOut.verification).toMatchObject({ identities: 2, positivePairs: 12, negativePairs: 16 });
  // verifyIdentity at the card's thresholds for R = 2 and 3 (the validation identities had 4 images each):
  // R = 2: 2 identities × 10 draws × 2 questions against 2 × 10 × 4 images of the other; R = 3: 20 against 80.
  expect(card.thresholds.references.map((r: { references: number }) => r.references)).toEqual([2, 3]);
  expect(evalOut.verification.references!.map((r) => [r.references, r.positivePairs, r.negativePairs, r.threshold])).toEqual([
    [2, 40, 80, card.thresholds.references[0].threshold],
    [3, 20, 80, card.thresholds.references[1].threshold],
  ]);
  const recorded = JSON.parse(readFileSync(path.join(out, 'model-card.json'), 'utf8'));
  expect(recorded.evaluations.heldout.verification.positivePairs).toBe(12);
  expect(recorded.commands.evaluate[0]).toContain('npx siamese eval --model');
  expect(recorded.fingerprint).toBe(card.fingerprint);
});

it('bad options exit non-zero with a message', async () => {
  const cap = capture();
  try {
    expect(await trainRun(['--data', root, '--out', path.join(root, 'x'), '--loss', 'hinge'])).toBe(1);
    expect(await trainRun(['--nope'])).toBe(2);
    expect(await evalRun(['--model', path.join(root, 'missing'), '--data', root])).toBe(1);
  } finally {
    cap.restore();
  }
});

it('trunk flags are checked before the data: each misuse exits 1 with BAD_USER_INPUT and says which flag', async () => {
  const cap = capture();
  const base = ['--data', path.join(root, 'no-such-data'), '--out', path.join(root, 'never'), '--json'];
  try {
    const misuses = [
      ['--trunk-member', '1'],
      ['--freeze-trunk-epochs', '2'],
      ['--trunk-from', root, '--freeze-trunk-epochs', '0'],
      ['--trunk-from', root, '--freeze-trunk-epochs', 'two'],
      ['--trunk-from', root, '--from', root],
      ['--trunk-extend'],
      ['--trunk-from', root, '--trunk-extend', '--freeze-trunk-epochs', '2'],
    ];
    for (const flags of misuses) expect(await trainRun([...base, ...flags])).toBe(1);
    const errors = cap.lines();
    expect(errors).toHaveLength(7);
    errors.forEach((e) => expect(e).toMatchObject({ type: 'error', code: 'BAD_USER_INPUT' }));
    expect(errors.map((e) => String(e.message))).toEqual([
      expect.stringMatching(/--trunk-member needs --trunk-from/),
      expect.stringMatching(/--freeze-trunk-epochs needs --trunk-from/),
      expect.stringMatching(/freeze-trunk-epochs/),
      expect.stringMatching(/freeze-trunk-epochs/),
      expect.stringMatching(/exclude each other/),
      expect.stringMatching(/--trunk-extend needs --trunk-from/),
      expect.stringMatching(/--freeze-trunk-epochs and --trunk-extend exclude each other/),
    ]);
  } finally {
    cap.restore();
  }
});

it('--synthetic-writers needs --forgeries and a whole number: each misuse exits 1 with BAD_USER_INPUT', async () => {
  const cap = capture();
  const base = ['--data', root, '--out', path.join(root, 'never'), '--json', '--loss', 'contrastive'];
  const forgeries = ['--forgeries', 'forged', '--val-writers', 'w1'];
  try {
    for (const flags of [
      ['--synthetic-writers', '10'],
      [...forgeries, '--synthetic-writers=-1'],
      [...forgeries, '--synthetic-writers', '2.5'],
      ['--hard-writers', '0.5'],
      [...forgeries, '--hard-writers', '1.5'],
    ])
      expect(await trainRun([...base, ...flags])).toBe(1);
    const errors = cap.lines();
    expect(errors).toHaveLength(5);
    errors.forEach((e) => expect(e).toMatchObject({ type: 'error', code: 'BAD_USER_INPUT' }));
    expect(String(errors[0].message)).toMatch(/--synthetic-writers need --forgeries/);
    expect(String(errors[1].message)).toMatch(/synthetic-writers/);
    expect(String(errors[2].message)).toMatch(/synthetic-writers/);
    expect(String(errors[3].message)).toMatch(/--hard-writers and --synthetic-writers need --forgeries/);
    expect(String(errors[4].message)).toMatch(/hard-writers/);
  } finally {
    cap.restore();
  }
});

it.each([
  ['--ink-mend', 'close3', 'open3'],
  ['--ink-tone', 'equalize', 'stretch'],
])('%s needs --crop ink and a known value: each misuse exits 1 with BAD_USER_INPUT', async (flag, known, unknown) => {
  const cap = capture();
  const base = ['--data', root, '--out', path.join(root, 'never'), '--json', '--loss', 'contrastive'];
  try {
    for (const flags of [
      [flag, known],
      ['--crop', 'ink', flag, unknown],
    ])
      expect(await trainRun([...base, ...flags])).toBe(1);
    const errors = cap.lines();
    expect(errors).toHaveLength(2);
    errors.forEach((e) => expect(e).toMatchObject({ type: 'error', code: 'BAD_USER_INPUT' }));
    expect(String(errors[0].message)).toContain(`${flag} needs --crop ink`);
    expect(String(errors[1].message)).toContain(flag.slice(2));
  } finally {
    cap.restore();
  }
});
