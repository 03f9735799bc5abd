import * as fs from 'fs';
import * as path from 'path';
import type { RunningServer } from '../../src/main';
import { gql } from '../e2e/http-client';
import { startTestServer, tempDir } from '../e2e/harness';
import { tinyModelOnce } from '../fixtures/tiny-model-once';
import {
  ACTIVATE,
  LABEL,
  MODEL,
  PROGRESS_SUB,
  RETRAIN,
  RUNS,
  SEARCH,
  TOKEN,
  VERIFY,
  VERSIONS,
  b64,
  collect,
  enroll,
  getRun,
  isFinal,
  waitForRun,
  wsClient,
} from './helpers';

/**
 * Issue 4 end to end over HTTP + graphql-ws, on the real server with a real (tiny) model
 * directory: enroll, label pairs (one of them a correction), retrain in the background
 * child process while queries keep flowing, follow progress to SUCCEEDED, see the new
 * version serve correct results, roll back and forward with activateModel.
 */
jest.setTimeout(180_000);

describe('retraining end to end', () => {
  let dataDir: string;
  let server: RunningServer | undefined;
  let stop = false;

  beforeEach(() => {
    dataDir = tempDir('siamese-retrain-');
  });
  afterEach(async () => {
    stop = true;
    await server?.close();
    server = undefined;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('labels, retrains off the request path, swaps with zero failed queries, rolls back', async () => {
    const { modelDir, card: baseCard } = await tinyModelOnce();
    server = await startTestServer({ dataDir, adminToken: TOKEN, modelDir });
    const { url } = server;
    const people = await enroll(url, [1, 2, 3, 4, 5, 6, 7, 8], 4);
    const oldVersion = (await gql(url, MODEL)).data.model.version;
    expect(oldVersion).toBe(baseCard.version);

    // Labels: two consistent with the model, one correction (the admin says 6 and 7 are one person;
    // the tiny model separates every synthetic identity by construction, so it disagrees).
    const same5 = await gql(url, LABEL, { a: await b64(5, 9), b: { imageId: people.get(5)!.images[0] }, same: true }, { token: TOKEN });
    const diff12 = await gql(
      url,
      LABEL,
      { a: { imageId: people.get(1)!.images[0] }, b: { imageId: people.get(2)!.images[0] }, same: false },
      { token: TOKEN },
    );
    const merge67 = await gql(
      url,
      LABEL,
      { a: { imageId: people.get(6)!.images[0] }, b: { imageId: people.get(7)!.images[1] }, same: true },
      { token: TOKEN },
    );
    for (const r of [same5, diff12, merge67]) expect(r.errors).toBeUndefined();
    expect(same5.data.labelPair).toMatchObject({
      same: true,
      correction: false,
      source: 'admin',
      weight: 1,
      imageAId: null,
      imageBId: people.get(5)!.images[0],
      modelVersion: oldVersion,
    });
    expect(diff12.data.labelPair).toMatchObject({ same: false, correction: false, source: 'admin', weight: 1 });
    expect(merge67.data.labelPair).toMatchObject({ same: true, correction: true, source: 'correction', weight: 3 });
    expect(merge67.data.labelPair.modelDistance).toBeGreaterThan(baseCard.thresholds.default);
    // Admin only.
    expect((await gql(url, LABEL, { a: await b64(1, 0), b: await b64(1, 1), same: true })).errors?.[0].extensions?.code).toBe(
      'UNAUTHENTICATED',
    );

    // Queries fired continuously for the whole run: every one must succeed, each from one model.
    stop = false;
    const seen: string[] = [];
    const failures: unknown[] = [];
    const load = (async () => {
      for (let i = 0; !stop; i++) {
        const n = [1, 3, 4, 8][i % 4];
        const [v, s] = await Promise.all([
          gql(url, VERIFY, { a: await b64(n, 5), b: await b64(n, 6) }),
          gql(url, SEARCH, { image: await b64(n, 7), k: 3 }),
        ]).catch((e: Error) => [{ errors: [e.message] }, { errors: [e.message] }] as any[]);
        if (stop) break;
        if (v.errors || s.errors) failures.push(v.errors ?? s.errors);
        else {
          seen.push(v.data.verify.modelVersion);
          if (s.data.searchSimilar[0]?.identity.id !== people.get(n)!.id) failures.push({ wrongTop: n, got: s.data.searchSimilar[0] });
        }
      }
    })();

    const started = await gql(url, RETRAIN, { o: { steps: 6, epochs: 2, batchSize: 8, promote: 'ALWAYS', seed: 5 } }, { token: TOKEN });
    expect(started.errors).toBeUndefined();
    const run = started.data.retrain;
    expect(run).toMatchObject({ status: 'QUEUED', baseModelVersion: oldVersion, modelVersion: null });
    expect(run.options).toMatchObject({ steps: 6, epochs: 2, batchSize: 8, promote: 'ALWAYS', fromScratch: false, loss: 'contrastive' });

    // One run at a time: the second is refused with a clear code, naming the active run.
    const second = await gql(url, RETRAIN, { o: { steps: 2 } }, { token: TOKEN });
    expect(second.errors?.[0].extensions?.code).toBe('TRAINING_IN_PROGRESS');

    // Live progress over graphql-ws, until the subscription completes with the final state.
    const client = wsClient(url, TOKEN);
    const { events, error } = await collect(client, PROGRESS_SUB, { id: run.id });
    await client.dispose();
    expect(error).toBeUndefined();
    const statuses = events.map((e) => e.trainingProgress.status);
    expect([statuses[statuses.length - 1], events[events.length - 1].trainingProgress.error]).toEqual(['SUCCEEDED', null]);
    const order = ['QUEUED', 'RUNNING', 'EVALUATING', 'REINDEXING', 'SUCCEEDED'];
    const ranks = statuses.map((s) => order.indexOf(s));
    expect(ranks.every((r, i) => r >= 0 && (i === 0 || r >= ranks[i - 1]))).toBe(true);

    const done = await waitForRun(url, run.id, isFinal);
    stop = true;
    await load;
    expect(done.status).toBe('SUCCEEDED');
    expect(done.error).toBeNull();
    expect(done.promoted).toBe(true);
    expect(done.progress).toMatchObject({ phase: 'done', total: 6 });
    expect(done.modelVersion).toMatch(/^rt-\d{8}T\d{6}-[0-9a-z]{1,6}$/);
    expect(done.metrics.heldOut).toMatchObject({ disjoint: true, identities: 2, images: 8, positivePairs: 2 * 6, negativePairs: 16 });
    expect(done.metrics.old).toMatchObject({ version: oldVersion });
    expect(done.metrics.new).toMatchObject({ version: done.modelVersion });
    expect(done.metrics.labelledPairs).toBe(3);
    // 8 identities − 2 held out, with 6 and 7 merged by the correction = 5 training identities:
    // 6 × 4 enrolled images + the uploaded image of identity 5.
    expect(done.metrics).toMatchObject({ trainingIdentities: 5, trainingImages: 25, promoted: true });

    // Every query succeeded; each saw one model, and once the new one served, never the old again.
    expect(failures).toEqual([]);
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set(seen.filter((v) => v === oldVersion || v === done.modelVersion)));
    const firstNew = seen.indexOf(done.modelVersion);
    if (firstNew >= 0) expect(seen.slice(firstNew).every((v) => v === done.modelVersion)).toBe(true);

    // The new version serves, from a model directory in the CLI's format.
    const model = (await gql(url, MODEL)).data.model;
    expect(model).toEqual({ version: done.modelVersion, indexedVectors: 32 });
    const dir = path.join(dataDir, 'models', done.modelVersion);
    for (const f of ['model.json', 'weights.bin', 'model-card.json', 'roc.svg']) expect(fs.existsSync(path.join(dir, f))).toBe(true);
    const newCard = JSON.parse(fs.readFileSync(path.join(dir, 'model-card.json'), 'utf8'));
    expect(newCard).toMatchObject({
      version: done.modelVersion,
      architecture: baseCard.architecture,
      preprocessing: baseCard.preprocessing,
    });
    expect(newCard.hyperparameters).toMatchObject({ explicitPairs: 3, warmStartFrom: path.resolve(modelDir) });
    // verifyIdentity's thresholds, calibrated on the same held-out identities (2 × 4 images, 10 draws each):
    // R = 2: 2 × 10 × 2 questions against 2 × 10 × 4 images of the other identity; R = 3: 2 × 10 × 1 against 80.
    expect(
      newCard.thresholds.references.map((r: { references: number; positivePairs: number; negativePairs: number }) => [
        r.references,
        r.positivePairs,
        r.negativePairs,
      ]),
    ).toEqual([
      [2, 40, 80],
      [3, 20, 80],
    ]);
    const hit = (await gql(url, SEARCH, { image: await b64(3, 8), k: 2 })).data.searchSimilar;
    expect(hit[0].identity.id).toBe(people.get(3)!.id);

    const runs = (await gql(url, RUNS, {}, { token: TOKEN })).data.trainingRuns;
    expect(runs.items).toEqual([{ id: run.id, status: 'SUCCEEDED' }]);

    // Rollback, then forward again: same swap path, results stay right.
    const back = await gql(url, ACTIVATE, { v: oldVersion }, { token: TOKEN });
    expect(back.errors).toBeUndefined();
    expect(back.data.activateModel).toEqual({ version: oldVersion, active: true });
    expect((await gql(url, MODEL)).data.model).toEqual({ version: oldVersion, indexedVectors: 32 });
    expect((await gql(url, SEARCH, { image: await b64(4, 8), k: 1 })).data.searchSimilar[0].identity.id).toBe(people.get(4)!.id);
    const versions = (await gql(url, VERSIONS, {}, { token: TOKEN })).data.modelVersions;
    expect(versions).toEqual(
      expect.arrayContaining([
        { version: oldVersion, active: true },
        { version: done.modelVersion, active: false },
      ]),
    );
    expect((await gql(url, ACTIVATE, { v: done.modelVersion }, { token: TOKEN })).data.activateModel.active).toBe(true);
    expect((await gql(url, ACTIVATE, { v: 'nope' }, { token: TOKEN })).errors?.[0].extensions?.code).toBe('NOT_FOUND');

    // The activation survives a restart (the database's active version serves).
    await server.close();
    server = await startTestServer({ dataDir, adminToken: TOKEN, modelDir });
    expect((await gql(server.url, MODEL)).data.model).toEqual({ version: done.modelVersion, indexedVectors: 32 });
    expect((await getRun(server.url, run.id)).status).toBe('SUCCEEDED');

    // promote: NEVER keeps the serving model; the new version is registered, inactive, for later.
    const never = (await gql(server.url, RETRAIN, { o: { steps: 2, batchSize: 8, promote: 'NEVER', seed: 9 } }, { token: TOKEN })).data
      .retrain;
    const kept = await waitForRun(server.url, never.id, isFinal);
    expect(kept).toMatchObject({ status: 'SUCCEEDED', promoted: false, baseModelVersion: done.modelVersion, error: null });
    expect(kept.metrics.decision).toMatch(/^promote: NEVER/);
    expect(kept.progress.embedded).toBeNull(); // nothing re-embedded for a model that does not serve
    expect((await gql(server.url, MODEL)).data.model.version).toBe(done.modelVersion);
    const all = (await gql(server.url, VERSIONS, {}, { token: TOKEN })).data.modelVersions;
    expect(all).toEqual(expect.arrayContaining([{ version: kept.modelVersion, active: false }]));

    // The subscription is admin-only too.
    const anon = wsClient(server.url, undefined);
    const refused = await collect(anon, PROGRESS_SUB, { id: run.id });
    await anon.dispose();
    expect(refused.events).toEqual([]);
    expect(JSON.stringify(refused.error)).toContain('admin token');
  });
});
