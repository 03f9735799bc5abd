/**
 * Issue 3's "Measure" section, over the real HTTP API (not a CI test: run it
 * by hand against a trained ORL model; see README):
 *  - top-1 identification: enroll s31–s40 with one image each (1.png), query
 *    with their other nine images each;
 *  - strangers' false-match rate: enroll s31–s35 only, query all ten images of
 *    s36–s40; a false match = any returned entry with match: true;
 *  - verify latency p50/p99 at concurrency 1 (two ORL images, base64).
 *
 * Usage (compiled): node orl-measure.js <modelDir> [datasetDir] [verifyRuns]
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadConfig } from '../../src/config';
import { startServer, type RunningServer } from '../../src/main';
import { gql } from './http-client';

const TOKEN = 'measure-token-0123456789abcdef';
const CREATE = `mutation($n: String!) { createIdentity(name: $n) { id } }`;
const ENROLL = `mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id } }`;
const SEARCH = `query($image: ImageInput!) { searchSimilar(image: $image, k: 5) { identity { name } distance match } }`;
const VERIFY = `query($a: ImageInput!, $b: ImageInput!) { verify(a: $a, b: $b) { match distance } }`;

const img = (dataset: string, s: number, i: number) => fs.readFileSync(path.join(dataset, `s${s}`, `${i}.png`)).toString('base64');

async function withServer<T>(modelDir: string, fn: (url: string, s: RunningServer) => Promise<T>): Promise<T> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'siamese-measure-'));
  const server = await startServer(
    loadConfig({ PORT: '0', HOST: '127.0.0.1', SIAMESE_DATA_DIR: dataDir, SIAMESE_MODEL: modelDir, SIAMESE_ADMIN_TOKEN: TOKEN, SIAMESE_LOG_LEVEL: 'error' }),
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

export async function measure(modelDir: string, dataset: string, verifyRuns: number) {
  const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

  const identification = await withServer(modelDir, async (url) => {
    await enroll(url, dataset, range(31, 40));
    let correct = 0;
    let correctAndMatched = 0;
    let total = 0;
    const correctTopDistances: number[] = [];
    for (const s of range(31, 40)) {
      for (const i of range(2, 10)) {
        const r = await gql(url, SEARCH, { image: { base64: img(dataset, s, i) } });
        if (r.errors) throw new Error(JSON.stringify(r.errors));
        const top = r.data.searchSimilar[0];
        total++;
        if (top?.identity.name === `s${s}`) {
          correct++;
          correctTopDistances.push(top.distance);
          if (top.match) correctAndMatched++;
        }
      }
    }
    return { queries: total, top1: correct / total, top1AndMatch: correctAndMatched / total, correctTopDistances };
  });

  const strangers = await withServer(modelDir, async (url) => {
    await enroll(url, dataset, range(31, 35));
    let falseMatches = 0;
    let total = 0;
    const topDistances: number[] = [];
    for (const s of range(36, 40)) {
      for (const i of range(1, 10)) {
        const r = await gql(url, SEARCH, { image: { base64: img(dataset, s, i) } });
        if (r.errors) throw new Error(JSON.stringify(r.errors));
        total++;
        topDistances.push(r.data.searchSimilar[0].distance);
        if (r.data.searchSimilar.some((m: { match: boolean }) => m.match)) falseMatches++;
      }
    }
    return { queries: total, falseMatchRate: falseMatches / total, falseMatches, topDistances };
  });

  const latency = await withServer(modelDir, async (url) => {
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

  // The same decisions at each of the card's calibrated thresholds (what-if, from the distances above).
  const card = JSON.parse(fs.readFileSync(path.join(modelDir, 'model-card.json'), 'utf8'));
  const atThresholds: Record<string, unknown> = {};
  for (const rule of ['eer', 'maxAccuracy', 'atTargetFar'] as const) {
    const t = card.thresholds[rule] as number;
    atThresholds[rule] = {
      threshold: t,
      top1AndMatch: identification.correctTopDistances.filter((d) => d <= t).length / identification.queries,
      strangerFalseMatchRate: strangers.topDistances.filter((d) => d <= t).length / strangers.queries,
    };
  }
  const { correctTopDistances: _c, ...idSummary } = identification;
  const { topDistances: _t, ...strangerSummary } = strangers;
  return { modelDir, defaultRule: card.thresholds.defaultRule, identification: idSummary, strangers: strangerSummary, atThresholds, verifyLatency: latency };
}

if (require.main === module) {
  const [modelDir, dataset = path.resolve(__dirname, '../../../../shared/datasets/orl-faces'), runs = '300'] = process.argv.slice(2);
  measure(path.resolve(modelDir), path.resolve(dataset), Number(runs)).then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
