/**
 * Session 45 (RANDOM-CV, reported, not deciding): strangers through the HTTP API. One served fold ensemble per run
 * (its card's validation-writer thresholds, as `api.sh` serves it): every held-out writer of the fold is an identity
 * with its first 5 genuine signatures enrolled as simulated full-resolution scans (`scanScan`), then asked, by
 * `verifyIdentity`, 3 genuine signatures (the 6th to 8th) of each other writer of the fold, each rendered once.
 * Each call's margin (distance − the threshold it was served) is kept, so that `random-cv.py api` can apply the
 * leave-one-fold-out offsets offline, as `cv-thresholds.py api` does for the genuine and forgery calls.
 *   node test/retraining/fixtures/ts-run.js docs/experiments/signatures/random-threshold/api-strangers.ts \
 *     FOLD_DIR @HELD_OUT_WRITERS > api-strangers-fold-K.json
 */
import * as fs from 'fs';
import { parseFilterList } from '../../../../src/training/data/identity-filter';
import { Rng } from '../../../../src/training/samplers/rng';
import { gql } from '../../../../test/e2e/http-client';
import { DEFAULT_DATASET, scanScan, startMeasureServer, writerFiles } from '../../../../test/e2e/signature-measure';

const REFERENCES = 5;
const STRANGER_IMAGES = [5, 6, 7]; // indices into each other writer's genuine signatures, after its references
const ENROLL = `mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id } }`;
const VERIFY_IDENTITY = `query($id: ID!, $image: ImageInput!) {
  verifyIdentity(identityId: $id, image: $image) { match distance threshold rule referenceImageIds } }`;

export async function main(args: string[]): Promise<number> {
  const [modelDir, list] = args;
  const writers = parseFilterList(list ? [list] : undefined) ?? [];
  if (!modelDir || writers.length < 2) {
    console.error('usage: api-strangers.ts FOLD_DIR @HELD_OUT_WRITERS');
    return 2;
  }
  const token = 'api-strangers-admin-token';
  const { server, dataDir } = await startMeasureServer(modelDir, { SIAMESE_ADMIN_TOKEN: token });
  const rng = new Rng(2045);
  const scans = new Map<string, string>();
  const scan = async (file: string) => {
    if (!scans.has(file)) scans.set(file, (await scanScan(file, rng)).toString('base64'));
    return scans.get(file)!;
  };
  const ids = new Map<string, string>();
  const decisions: [string, string, number][] = [];
  const served = new Set<string>();
  let accepted = 0;
  try {
    for (const w of writers) {
      const created = await gql(server.url, `mutation($n: String!) { createIdentity(name: $n) { id } }`, { n: `writer ${w}` }, { token });
      if (created.errors) throw new Error(JSON.stringify(created.errors));
      const id = created.data.createIdentity.id as string;
      ids.set(w, id);
      // One scan per request: a few full-resolution scans in one body exceed the server's payload limit.
      for (const f of writerFiles(DEFAULT_DATASET, w).genuine.slice(0, REFERENCES)) {
        const enrolled = await gql(server.url, ENROLL, { id, images: [{ base64: await scan(f) }] }, { token });
        if (enrolled.errors) throw new Error(JSON.stringify(enrolled.errors));
      }
    }
    for (const w of writers) {
      for (const other of writers) {
        if (other === w) continue;
        const genuine = writerFiles(DEFAULT_DATASET, other).genuine;
        for (const i of STRANGER_IMAGES) {
          const r = await gql(server.url, VERIFY_IDENTITY, { id: ids.get(w), image: { base64: await scan(genuine[i]) } }, { token });
          if (r.errors) throw new Error(JSON.stringify(r.errors));
          const v = r.data.verifyIdentity as { match: boolean; distance: number; threshold: number; rule: string; referenceImageIds: string[] };
          served.add(`${v.rule} R=${v.referenceImageIds.length}`);
          if (v.match) accepted++;
          decisions.push([w, other, v.distance - v.threshold]);
        }
      }
    }
  } finally {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  if (served.size !== 1) throw new Error(`the writers were served by different rules: ${[...served].join(', ')}`);
  const out = {
    model: modelDir,
    via: 'HTTP verifyIdentity (GraphQL), 5 enrolled references per writer, strangers: 3 genuine signatures of each other writer, all as full-resolution scans',
    servedRules: [...served],
    calls: decisions.length,
    strangersAcceptedAsServed: accepted / decisions.length,
    // [enrolled writer, stranger's writer, distance − the threshold the call was served]
    decisions,
  };
  fs.writeSync(1, JSON.stringify(out, null, 2) + '\n');
  return 0;
}
