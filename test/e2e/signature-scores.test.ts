import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { IdentityPairScore } from '../../src/training/evaluate/bootstrap';
import { comparePaired, readScores, writeScores } from './signature-scores';

/** A writer's pairs, genuine at `genuine` and forgeries at `forged`, identity k. */
function writer(k: number, genuine: number[], forged: number[]): IdentityPairScore[] {
  return [
    ...genuine.map((distance) => ({ distance, same: true, identityA: k, identityB: k })),
    ...forged.map((distance) => ({ distance, same: false, identityA: k, identityB: k })),
  ];
}
// EER 0: every forgery farther than every genuine pair. ONE_SWAP: one forgery (0.35) among the genuine pairs,
// EER 0.25 (ROC (0, 0.75) → (0.25, 0.75), where FAR meets FRR); paired-bootstrap.test.ts derives both.
const SEPARATED: [number[], number[]] = [
  [0.1, 0.2, 0.3, 0.4],
  [0.6, 0.7, 0.8, 0.9],
];
const ONE_SWAP: [number[], number[]] = [
  [0.1, 0.2, 0.3, 0.4],
  [0.35, 0.6, 0.7, 0.8],
];

describe('signature cross-validation score files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siamese-scores-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const save = (name: string, writers: string[], pairs: IdentityPairScore[]) => {
    const file = path.join(dir, name);
    const cv = {
      writers,
      score: 'distance minus the served threshold',
      perFold: [{ model: path.join(process.cwd(), 'runs/fold-0'), version: 'v1', writers }],
    };
    writeScores(file, cv, new Map([[1, pairs]]));
    return file;
  };

  it('round-trips the pairs through a gzipped file, distances to 1e-5', () => {
    const file = save('round.json.gz', ['01', '02'], [...writer(0, [0.123456789], [0.9]), ...writer(1, [0.2], [-0.3])]);
    expect(fs.readFileSync(file).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b])); // gzip magic
    const read = readScores(file);
    expect(read.writers).toEqual(['01', '02']);
    expect(read.folds[0].model).toBe(path.join('runs', 'fold-0'));
    expect(read.byReferences['1']).toEqual({ writer: [0, 0, 1, 1], same: [1, 0, 1, 0], distance: [0.12346, 0.9, 0.2, -0.3] });
  });

  it('pairs the writers by name, whatever their order in each file', () => {
    // Base: both writers swap one forgery (EER 0.25); candidate: both separate (EER 0), its writers listed the
    // other way round. Every replicate then gives −0.25.
    const base = save('base.json.gz', ['01', '02'], [...writer(0, ...ONE_SWAP), ...writer(1, ...ONE_SWAP)]);
    const candidate = save('candidate.json.gz', ['02', '01'], [...writer(0, ...SEPARATED), ...writer(1, ...SEPARATED)]);
    const r = comparePaired(base, candidate, 200);
    expect(r.writers).toBe(2);
    expect(r.byReferences).toHaveLength(1);
    const [one] = r.byReferences;
    expect(one.references).toBe(1);
    expect(one.eerA).toBeCloseTo(0.25, 12);
    expect(one.eerB).toBe(0);
    expect(one.interval[0]).toBeCloseTo(-0.25, 12);
    expect(one.interval[1]).toBeCloseTo(-0.25, 12);
    // Each writer's own threshold changes nothing here: one forgery inside the genuine range per writer either way.
    expect(one.writerThresholdEer.a).toBeCloseTo(0.25, 12);
    expect(one.writerThresholdEer.b).toBe(0);
  });

  it('keeps each writer with its own pairs when the order differs: a per-writer difference shows', () => {
    // Base: writer 01 separated, 02 swapped. Candidate lists 02 first: identity 0 is 02 (separated), 1 is 01
    // (swapped). Paired by name, 01 goes from 0 to 0.25 and 02 from 0.25 to 0: the interval spans zero.
    const base = save('b2.json.gz', ['01', '02'], [...writer(0, ...SEPARATED), ...writer(1, ...ONE_SWAP)]);
    const candidate = save('c2.json.gz', ['02', '01'], [...writer(0, ...SEPARATED), ...writer(1, ...ONE_SWAP)]);
    const [one] = comparePaired(base, candidate, 1000).byReferences;
    expect(one.difference).toBeCloseTo(0, 12);
    expect(one.interval[0]).toBeCloseTo(-0.25, 12);
    expect(one.interval[1]).toBeCloseTo(0.25, 12);
  });

  it('refuses files over different writers or of another format', () => {
    const a = save('a.json.gz', ['01', '02'], [...writer(0, ...SEPARATED), ...writer(1, ...SEPARATED)]);
    const b = save('b.json.gz', ['01', '03'], [...writer(0, ...SEPARATED), ...writer(1, ...SEPARATED)]);
    expect(() => comparePaired(a, b)).toThrow(/different writers/);
    const other = path.join(dir, 'other.json');
    fs.writeFileSync(other, JSON.stringify({ format: 'something-else' }));
    expect(() => readScores(other)).toThrow(/not a siamese-signature-cv-scores\/1 file/);
  });
});
