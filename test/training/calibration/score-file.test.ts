import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseScoreFile, readScoreFiles, toScoreFile, writeScoreFile } from '../../../src/training/calibration/score-file';
import { isDomainError } from '../../../src/errors';

let dir: string;
beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'scores-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('validation score files', () => {
  it('splits pairs by label and round-trips through disk, pooling several files', async () => {
    const a = path.join(dir, 'a.json');
    const b = path.join(dir, 'b.json');
    await writeScoreFile(
      a,
      [
        { distance: 0.1, same: true },
        { distance: 0.9, same: false },
        { distance: 0.2, same: true },
      ],
      'm1',
      'euclidean',
    );
    await writeScoreFile(b, [{ distance: 0.7, same: false }], 'm2', 'euclidean');
    expect(
      toScoreFile(
        [
          { distance: 0.1, same: true },
          { distance: 0.9, same: false },
        ],
        'm',
        'cosine',
      ),
    ).toEqual({
      kind: 'siamese-val-scores',
      version: 1,
      model: 'm',
      metric: 'cosine',
      positives: [0.1],
      negatives: [0.9],
    });
    const pooled = await readScoreFiles([a, b], 'euclidean');
    const key = (s: { distance: number; same: boolean }) => `${s.same}:${s.distance}`;
    expect(pooled.map(key).sort()).toEqual(['false:0.7', 'false:0.9', 'true:0.1', 'true:0.2']);
  });

  it('rejects other files, another metric, and one-sided scores', async () => {
    const expectBadInput = async (p: Promise<unknown>) => {
      const e = await p.then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(isDomainError(e)).toBe(true);
    };
    expect(() => parseScoreFile('{"kind":"x"}', 'x.json')).toThrow(/not a siamese validation score file/);
    expect(() => parseScoreFile('not json', 'y.json')).toThrow(/not JSON/);
    const cos = path.join(dir, 'cos.json');
    await writeScoreFile(
      cos,
      [
        { distance: 0.1, same: true },
        { distance: 0.5, same: false },
      ],
      'm',
      'cosine',
    );
    await expectBadInput(readScoreFiles([cos], 'euclidean'));
    const onlyPos = path.join(dir, 'pos.json');
    await writeScoreFile(onlyPos, [{ distance: 0.1, same: true }], 'm', 'euclidean');
    await expectBadInput(readScoreFiles([onlyPos], 'euclidean'));
    const nan = path.join(dir, 'nan.json');
    writeFileSync(
      nan,
      JSON.stringify({ kind: 'siamese-val-scores', version: 1, model: 'm', metric: 'euclidean', positives: ['a'], negatives: [] }),
    );
    await expectBadInput(readScoreFiles([nan], 'euclidean'));
    await expectBadInput(readScoreFiles([path.join(dir, 'missing.json')], 'euclidean'));
  });
});
