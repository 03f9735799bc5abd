/**
 * Session 24: the pooled pairs of a signature cross-validation kept as a file (`signature-measure.ts cv …
 * --scores FILE.json.gz`), and two such files compared writer by writer (`signature-measure.ts paired`), so that a
 * later candidate can be tested against the shipped recipe after its fold models are gone.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import type { IdentityPairScore } from '../../src/training/evaluate/bootstrap';
import { pairedEerBootstrap } from '../../src/training/evaluate/paired-bootstrap';
import { identityThresholdEer } from '../../src/training/evaluate/identity-threshold-eer';

/**
 * `cv … --scores FILE.json.gz`: the pooled pairs behind a cross-validation, so that a later candidate can be
 * compared with this one writer by writer (`paired`) without the fold models, which do not outlive a checkout.
 * Columns, not objects, and distances to 1e-5 (far below any threshold's precision): about 4 bytes a pair gzipped.
 */
export const SCORES_FORMAT = 'siamese-signature-cv-scores/1';
export const SCORE_REFERENCES = [1, 2, 3, 5, 10];

export interface ScoreFile {
  format: string;
  writers: string[];
  score: string;
  folds: Array<{ model: string; version: unknown; writers: string[] }>;
  byReferences: Record<string, { writer: number[]; same: number[]; distance: number[] }>;
}

export function writeScores(
  file: string,
  cv: { writers: string[]; score: string; perFold: Array<Record<string, unknown>> },
  pairs: Map<number, readonly IdentityPairScore[]>,
) {
  const out: ScoreFile = {
    format: SCORES_FORMAT,
    writers: cv.writers,
    score: cv.score,
    folds: cv.perFold.map((f) => ({
      model: path.relative(process.cwd(), String(f.model)),
      version: f.version,
      writers: f.writers as string[],
    })),
    byReferences: Object.fromEntries(
      [...pairs].map(([r, list]) => [
        String(r),
        {
          writer: list.map((p) => p.identityA),
          same: list.map((p) => (p.same ? 1 : 0)),
          distance: list.map((p) => Math.round(p.distance * 1e5) / 1e5),
        },
      ]),
    ),
  };
  fs.writeFileSync(file, zlib.gzipSync(JSON.stringify(out)));
}

export function readScores(file: string): ScoreFile {
  const raw = fs.readFileSync(file);
  const parsed = JSON.parse((file.endsWith('.gz') ? zlib.gunzipSync(raw) : raw).toString('utf8')) as ScoreFile;
  if (parsed.format !== SCORES_FORMAT) throw new Error(`${file}: not a ${SCORES_FORMAT} file (format ${String(parsed.format)})`);
  return parsed;
}

/**
 * `paired BASE.json.gz CANDIDATE.json.gz`: per number of references both files hold, the candidate's pooled EER
 * minus the base's with a paired writer bootstrap (paired-bootstrap.ts). The files must cover the same writers
 * (in any order); each model keeps its own pairs and thresholds.
 */
export function comparePaired(baseFile: string, candidateFile: string, rounds = 2000) {
  const base = readScores(baseFile);
  const candidate = readScores(candidateFile);
  const writers = [...base.writers].sort();
  if (JSON.stringify(writers) !== JSON.stringify([...candidate.writers].sort()))
    throw new Error(`the two files cover different writers: ${base.writers.join(' ')} | ${candidate.writers.join(' ')}`);
  const toPairs = (f: ScoreFile, r: string): IdentityPairScore[] => {
    const cols = f.byReferences[r];
    return cols.distance.map((distance, i) => {
      const id = writers.indexOf(f.writers[cols.writer[i]]);
      return { distance, same: cols.same[i] === 1, identityA: id, identityB: id };
    });
  };
  const shared = Object.keys(base.byReferences).filter((r) => r in candidate.byReferences);
  return {
    base: baseFile,
    candidate: candidateFile,
    writers: writers.length,
    test: 'candidate EER − base EER, paired writer bootstrap (same writer draws for both); 95 % percentile interval',
    byReferences: shared.map((r) => ({
      references: Number(r),
      ...pairedEerBootstrap(toPairs(base, r), toPairs(candidate, r), writers.length, { rounds }),
      // Each writer's own a-posteriori threshold (session 27): how much of each EER is writers on different scales.
      writerThresholdEer: { a: identityThresholdEer(toPairs(base, r)).value, b: identityThresholdEer(toPairs(candidate, r)).value },
    })),
  };
}
