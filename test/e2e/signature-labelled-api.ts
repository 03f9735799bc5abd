/**
 * Session 28 (issue 17): verifyIdentity's rule LABELLED through the real GraphQL server, on the cross-validation
 * fold ensembles' own held-out writers as simulated full-resolution scans (signature-measure.ts scanScan).
 * Not a CI test: run by hand against fold models whose cards carry thresholds.labelled
 * (docs/experiments/signatures/labelled/measure.sh makes them with recalibrate.sh).
 *
 *   node test/retraining/fixtures/ts-run.js test/e2e/signature-labelled-api.ts run MODEL_DIR @WRITERS R K1,K2,… > OUT.json
 *     per writer: an identity with its first R genuine signatures enrolled; questions = its other genuine
 *     signatures and its forgeries after the first max(K); each question asked through verifyIdentity before any
 *     label (stage 0: CENTROID at the card's threshold for R), then again after each Kj of its first forgeries
 *     were labelled against it (labelPair same: false), the same scans every time, so the stages are paired.
 *   node test/retraining/fixtures/ts-run.js test/e2e/signature-labelled-api.ts pool OUT-fold-0.json …
 *     pools the folds per stage (each call's distance minus the threshold it was served: accepted when ≤ 0),
 *     with writer-bootstrap intervals, and a paired writer bootstrap of each stage's EER against stage 0.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Rng } from '../../src/training/samplers/rng';
import { parseFilterList } from '../../src/training/data/identity-filter';
import { evaluateForgeryPairs } from '../../src/training/evaluate/forgery.eval';
import type { IdentityPairScore } from '../../src/training/evaluate/bootstrap';
import { pairedEerBootstrap } from '../../src/training/evaluate/paired-bootstrap';
import { identityThresholdEer } from '../../src/training/evaluate/identity-threshold-eer';
import type { ModelCard } from '../../src/embedding/model-card';
import { DEFAULT_DATASET, recordEvaluation, scanScan, startMeasureServer, writerFiles } from './signature-measure';
import { gql } from './http-client';

const TOKEN = 'signature-labelled-admin-token';
const CREATE = `mutation($n: String!) { createIdentity(name: $n) { id } }`;
const ENROLL = `mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id } }`;
const LABEL = `mutation($a: ImageInput!, $b: ImageInput!) { labelPair(a: $a, b: $b, same: false, note: "skilled forgery") { id } }`;
const VERIFY_IDENTITY = `query($id: ID!, $image: ImageInput!) {
  verifyIdentity(identityId: $id, image: $image) { match distance threshold rule labelledPairIds calibration { threshold } } }`;

/** One stage's calls: [writer, same ? 1 : 0, distance − served threshold, match ? 1 : 0, rule]. */
type Call = [string, number, number, number, string];

async function ask<T>(url: string, query: string, variables: Record<string, unknown>): Promise<T> {
  const r = await gql(url, query, variables, { token: TOKEN });
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data as T;
}

export async function measureLabelledApi(
  modelDir: string,
  writers: string[],
  references: number,
  counts: number[],
  dataset = DEFAULT_DATASET,
) {
  const { server, dataDir } = await startMeasureServer(modelDir, { SIAMESE_ADMIN_TOKEN: TOKEN });
  const rng = new Rng(2028);
  const most = Math.max(...counts);
  const stages = new Map<number, Call[]>([0, ...counts].map((k) => [k, []]));
  const t0 = Date.now();
  try {
    for (const w of writers) {
      const files = writerFiles(dataset, w);
      const scan = async (f: string) => ({ base64: (await scanScan(f, rng)).toString('base64') });
      const id = (await ask<{ createIdentity: { id: string } }>(server.url, CREATE, { n: `writer ${w}` })).createIdentity.id;
      const enrolled: string[] = [];
      for (const f of files.genuine.slice(0, references))
        enrolled.push(
          (await ask<{ enrollImages: Array<{ id: string }> }>(server.url, ENROLL, { id, images: [await scan(f)] })).enrollImages[0].id,
        );
      const questions = [
        ...(await Promise.all(files.genuine.slice(references).map(async (f) => ({ same: 1, image: await scan(f) })))),
        ...(await Promise.all(files.forged.slice(most).map(async (f) => ({ same: 0, image: await scan(f) })))),
      ];
      let labelled = 0;
      for (const k of [0, ...counts]) {
        for (; labelled < k; labelled++)
          await ask(server.url, LABEL, { a: { imageId: enrolled[labelled % enrolled.length] }, b: await scan(files.forged[labelled]) });
        for (const q of questions) {
          const v = (
            await ask<{ verifyIdentity: { match: boolean; distance: number; threshold: number; rule: string } }>(
              server.url,
              VERIFY_IDENTITY,
              { id, image: q.image },
            )
          ).verifyIdentity;
          stages.get(k)!.push([w, q.same, v.distance - v.threshold, v.match ? 1 : 0, v.rule]);
        }
      }
      process.stderr.write(
        `writer ${w}: ${questions.length} questions × ${counts.length + 1} stages (${Math.round((Date.now() - t0) / 1000)} s)\n`,
      );
    }
  } finally {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return {
    model: modelDir,
    via: 'HTTP verifyIdentity (GraphQL), labelPair(same: false) for the labelled forgeries, images rendered as full-resolution scans',
    referencesPerWriter: references,
    labelledCounts: counts,
    writers,
    wallSeconds: Math.round((Date.now() - t0) / 1000),
    stages: [...stages].map(([labelled, calls]) => ({ labelled, rules: [...new Set(calls.map((c) => c[4]))], calls })),
  };
}

type Result = Awaited<ReturnType<typeof measureLabelledApi>>;

/** The folds' calls of one stage as pairs around 0 (accepted when ≤ 0), writers numbered over all folds. */
function stagePairs(results: Result[], labelled: number, writers: string[]): IdentityPairScore[] {
  return results.flatMap((r) =>
    r.stages
      .find((s) => s.labelled === labelled)!
      .calls.map(([w, same, margin]) => {
        const k = writers.indexOf(w);
        return { distance: margin, same: same === 1, identityA: k, identityB: k };
      }),
  );
}

export function poolLabelledApi(files: string[]) {
  const results = files.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as Result);
  const writers = results.flatMap((r) => r.writers);
  const zero = { thresholds: { default: 0 } } as unknown as Pick<ModelCard, 'thresholds'>;
  const base = stagePairs(results, 0, writers);
  return {
    files,
    writers: writers.length,
    referencesPerWriter: results[0].referencesPerWriter,
    stages: results[0].stages.map((s) => {
      const pairs = stagePairs(results, s.labelled, writers);
      const calls = results.flatMap((r) => r.stages.find((x) => x.labelled === s.labelled)!.calls);
      const e = evaluateForgeryPairs(pairs, writers, zero);
      return {
        labelled: s.labelled,
        rules: [...new Set(calls.map((c) => c[4]))],
        calls: pairs.length,
        auc: e.auc,
        eer: e.eer,
        forgeriesAccepted: e.farForgeries,
        genuineRejected: e.frrGenuine,
        matchAgreesWithMargin: calls.every((c) => (c[3] === 1) === c[2] <= 0),
        writerThresholdEer: identityThresholdEer(pairs).value,
        ...(s.labelled === 0
          ? {}
          : { pairedAgainstStage0: pairedEerBootstrap(base, pairs, writers.length, { rounds: 2000, level: 0.95 }) }),
      };
    }),
  };
}

export async function main(argv: string[]): Promise<number> {
  const [mode, ...rest] = argv;
  if (mode === 'run' && rest.length >= 4) {
    const [modelDir, writersArg, references, counts, dataset] = rest;
    const ks = counts.split(',').map(Number);
    const result = await measureLabelledApi(
      path.resolve(modelDir),
      parseFilterList([writersArg])!,
      Number(references),
      ks,
      dataset ?? DEFAULT_DATASET,
    );
    console.log(JSON.stringify(result));
    return 0;
  }
  if (mode === 'pool' && rest.length > 0) {
    // pool FILE … [--card DIR --record NAME]: also stored in that card's evaluations[NAME] with this command.
    const at = rest.indexOf('--card');
    const files = at >= 0 ? rest.slice(0, at) : rest;
    const pooled = poolLabelledApi(files);
    console.log(JSON.stringify(pooled, null, 2));
    if (at >= 0) {
      const [dir, flag, name] = rest.slice(at + 1);
      if (flag !== '--record' || !name) throw new Error('usage: pool FILE … --card DIR --record NAME');
      recordEvaluation(
        dir,
        name,
        pooled,
        ['node test/retraining/fixtures/ts-run.js test/e2e/signature-labelled-api.ts pool', ...files].join(' '),
      );
    }
    return 0;
  }
  console.error('usage: signature-labelled-api.ts run MODEL_DIR @WRITERS R K1,K2,… | pool OUT.json …');
  return 2;
}
