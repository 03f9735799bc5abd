import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { run as trainRun } from '../../src/cli/train.command';
import { writeSyntheticDataset } from '../training/fixtures/synthetic-images';

/**
 * `siamese train` says what is wrong with a run (issue 14): 7 identities with
 * --val-fraction 0.3 leave 2 for validation; the warning is printed on stderr
 * (also under --json, whose result line carries it too) and kept in the card.
 */
let root: string;
beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'cli-warn-'));
  await writeSyntheticDataset(path.join(root, 'data'), 7, 4, 20);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('warns about a validation split of 2 identities in the output and the card', async () => {
  const out = path.join(root, 'model');
  const stdout: string[] = [];
  const stderr: string[] = [];
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (stdout.push(String(c)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const ce = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void stderr.push(a.join(' ')));
  let code: number;
  try {
    code = await trainRun([
      // The fixed defaults of the flags (issue 17's auto recipe would choose its own).
      '--recipe',
      'manual',
      '--data',
      path.join(root, 'data'),
      '--out',
      out,
      '--input-size',
      '16',
      '--widths',
      '8,16',
      '--embedding-dim',
      '8',
      '--epochs',
      '1',
      '--steps-per-epoch',
      '2',
      '--batch',
      '8',
      '--val-fraction',
      '0.3',
      '--backend',
      'wasm',
      '--seed',
      '3',
      '--json',
    ]);
  } finally {
    o.mockRestore();
    e.mockRestore();
    ce.mockRestore();
  }
  expect(code).toBe(0);
  const card = JSON.parse(readFileSync(path.join(out, 'model-card.json'), 'utf8'));
  expect(card.data.validationIdentities).toBe(2);
  expect(card.warnings).toEqual([expect.stringMatching(/^validation holds only 2 identities \(1 pair of different people\)/)]);
  const result = stdout
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .find((l) => l.type === 'result');
  expect(result.warnings).toEqual(card.warnings);
  expect(stderr).toEqual(card.warnings.map((w: string) => `siamese train: warning: ${w}`));
});
