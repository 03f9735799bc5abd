/**
 * Issue 3's "Measure" section (and issue 5's open-set threshold), over the real
 * HTTP API (not a CI test: run it by hand against a trained ORL model; see README):
 *  - top-1 identification: enroll s31–s40 with one image each (1.png), query
 *    with their other nine images each; reported unthresholded (top1) and
 *    "correct and matched" (top1AndMatch);
 *  - strangers' false-match rate: enroll s31–s35 only, query all ten images of
 *    s36–s40; a false match = any returned entry with match: true;
 *  - verify latency p50/p99 at concurrency 1 (two ORL images, base64).
 * The server runs with SIAMESE_OPEN_SET_FAR = α (4th argument, default 0.05, or
 * 'off'); `atThresholds` replays the same distances under the card's 1:1 rules
 * and the open-set rule at a few α (what-if, for reading only: s31–s40 are
 * evaluation data, never a place to pick α or a threshold).
 *
 * Usage (compiled): node orl-measure.js <modelDir> [datasetDir] [verifyRuns] [alpha|off]
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadConfig } from '../../src/config';
import { startServer, type RunningServer } from '../../src/main';
import { openSetThreshold } from '../../src/services/open-set-threshold';
import type { ModelCard } from '../../src/embedding/model-card';
import { gql } from './http-client';

const TOKEN = 'measure-token-0123456789abcdef';
const CREATE = `mutation($n: String!) { createIdentity(name: $n) { id } }`;
const ENROLL = `mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id } }`;
const SEARCH = `query($image: ImageInput!) { searchSimilar(image: $image, k: 5) { identity { name } distance match threshold } }`;
const VERIFY = `query($a: ImageInput!, $b: ImageInput!) { verify(a: $a, b: $b) { match distance } }`;

const img = (dataset: string, s: number, i: number) => fs.readFileSync(path.join(dataset, `s${s}`, `${i}.png`)).toString('base64');

async function withServer<T>(modelDir: string, alpha: string, fn: (url: string, s: RunningServer) => Promise<T>): Promise<T> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'siamese-measure-'));
  const server = await startServer(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      SIAMESE_DATA_DIR: dataDir,
      SIAMESE_MODEL: modelDir,
      SIAMESE_ADMIN_TOKEN: TOKEN,
      SIAMESE_LOG_LEVEL: 'error',
      SIAMESE_OPEN_SET_FAR: alpha,
    }),
  );
  try {
    return await fn(server.url, server);
  } finally {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function enroll(url: string, dataset: string, subjects: number[]): Promise<void> {
  for (const s of subjects) {
    const id = (await gql(url, CREATE, { n: `s${s}` }, { token: TOKEN })).data.createIdentity.id;
    const r = await gql(url, ENROLL, { id, images: [{ base64: img(dataset, s, 1) }] }, { token: TOKEN });
    if (r.errors) throw new Error(JSON.stringify(r.errors));
  }
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

export async function measure(modelDir: string, dataset: string, verifyRuns: number, alpha = '0.05') {
  const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

  const identification = await withServer(modelDir, alpha, async (url) => {
    await enroll(url, dataset, range(31, 40));
    let correct = 0;
    let correctAndMatched = 0;
    let total = 0;
    const correctTopDistances: number[] = [];
    const thresholds = new Set<number>();
    for (const s of range(31, 40)) {
      for (const i of range(2, 10)) {
        const r = await gql(url, SEARCH, { image: { base64: img(dataset, s, i) } }, { token: TOKEN });
        if (r.errors) throw new Error(JSON.stringify(r.errors));
        const top = r.data.searchSimilar[0];
        thresholds.add(top.threshold);
        total++;
        if (top?.identity.name === `s${s}`) {
          correct++;
          correctTopDistances.push(top.distance);
          if (top.match) correctAndMatched++;
        }
      }
    }
    return {
      galleryImages: 10,
      servedThresholds: [...thresholds],
      queries: total,
      top1: correct / total,
      top1AndMatch: correctAndMatched / total,
      correctTopDistances,
    };
  });

  const strangers = await withServer(modelDir, alpha, async (url) => {
    await enroll(url, dataset, range(31, 35));
    let falseMatches = 0;
    let total = 0;
    const topDistances: number[] = [];
    // Every (query, enrolled image) distance: k = 5 returns all five one-image identities.
    const allDistances: number[] = [];
    const thresholds = new Set<number>();
    const falseMatchesBySubject: Record<string, number> = {};
    for (const s of range(36, 40)) {
      falseMatchesBySubject[`s${s}`] = 0;
      for (const i of range(1, 10)) {
        const r = await gql(url, SEARCH, { image: { base64: img(dataset, s, i) } }, { token: TOKEN });
        if (r.errors) throw new Error(JSON.stringify(r.errors));
        const hits = r.data.searchSimilar as Array<{ distance: number; match: boolean; threshold: number }>;
        total++;
        thresholds.add(hits[0].threshold);
        topDistances.push(hits[0].distance);
        allDistances.push(...hits.map((h) => h.distance));
        if (hits.some((m) => m.match)) {
          falseMatches++;
          falseMatchesBySubject[`s${s}`]++;
        }
      }
    }
    // The per-comparison false-accept rate the strangers actually met at the served threshold,
    // to compare with the budget f the card's validation ROC was asked for.
    const served = [...thresholds][0];
    const perComparisonFar = allDistances.filter((d) => d <= served).length / allDistances.length;
    return {
      galleryImages: 5,
      servedThresholds: [...thresholds],
      queries: total,
      falseMatchRate: falseMatches / total,
      falseMatches,
      falseMatchesBySubject,
      comparisons: allDistances.length,
      perComparisonFarAtServed: perComparisonFar,
      topDistances,
    };
  });

  const latency = await withServer(modelDir, alpha, async (url) => {
    const a = img(dataset, 31, 1);
    const b = img(dataset, 31, 2);
    for (let i = 0; i < 20; i++) await gql(url, VERIFY, { a: { base64: a }, b: { base64: b } }); // warm-up
    const ms: number[] = [];
    for (let i = 0; i < verifyRuns; i++) {
      const t0 = process.hrtime.bigint();
      const r = await gql(url, VERIFY, { a: { base64: a }, b: { base64: b } });
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (r.errors) throw new Error(JSON.stringify(r.errors));
    }
    return { runs: verifyRuns, p50Ms: pct(ms, 50), p99Ms: pct(ms, 99), meanMs: ms.reduce((x, y) => x + y, 0) / ms.length };
  });

  // The same decisions at each of the card's calibrated 1:1 thresholds and at the open-set
  // rule for a few α (what-if, from the distances above). The open-set threshold depends on
  // the gallery: N = 10 images for identification, N = 5 for the strangers.
  const card = JSON.parse(fs.readFileSync(path.join(modelDir, 'model-card.json'), 'utf8')) as ModelCard;
  const at = (idT: number, strangerT: number) => ({
    top1AndMatch: identification.correctTopDistances.filter((d) => d <= idT).length / identification.queries,
    strangerFalseMatchRate: strangers.topDistances.filter((d) => d <= strangerT).length / strangers.queries,
  });
  const atThresholds: Record<string, unknown> = {};
  for (const rule of ['eer', 'maxAccuracy', 'atTargetFar'] as const) {
    const t = card.thresholds[rule];
    atThresholds[rule] = { threshold: t, ...at(t, t) };
  }
  const cal = { roc: card.roc, defaultThreshold: card.thresholds.default, negativePairs: card.validation.negativePairs };
  for (const a of [0.01, 0.05, 0.1]) {
    const idT = openSetThreshold(cal, a, identification.galleryImages).threshold;
    const stranger = openSetThreshold(cal, a, strangers.galleryImages);
    atThresholds[`openSet(alpha=${a})`] = {
      thresholdN10: idT,
      thresholdN5: stranger.threshold,
      perComparisonFarBudgetN5: stranger.perComparisonFar,
      ...at(idT, stranger.threshold),
    };
  }
  const { correctTopDistances: _c, ...idSummary } = identification;
  const { topDistances: _t, ...strangerSummary } = strangers;
  return {
    modelDir,
    openSetFar: alpha,
    defaultRule: card.thresholds.defaultRule,
    defaultThreshold: card.thresholds.default,
    identification: idSummary,
    strangers: strangerSummary,
    atThresholds,
    verifyLatency: latency,
  };
}

if (require.main === module) {
  const [modelDir, dataset = path.resolve(__dirname, '../../../../shared/datasets/orl-faces'), runs = '300', alpha = '0.05'] =
    process.argv.slice(2);
  measure(path.resolve(modelDir), path.resolve(dataset), Number(runs), alpha).then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
