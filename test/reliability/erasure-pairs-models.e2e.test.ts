import * as fs from 'fs';
import * as path from 'path';
import Database from 'better-sqlite3';
import { loadConfig } from '../../src/config';
import { startServer, type RunningServer, type StartOptions } from '../../src/main';
import { tinyModelOnce } from '../fixtures/tiny-model-once';
import { syntheticImage } from '../fixtures/synthetic-images';
import { codes, gql } from '../e2e/http-client';
import { tempDir } from '../e2e/harness';
import { ACTIVATE, MODEL, RETRAIN, TOKEN, VERSIONS, b64, enroll, isFinal, waitForRun } from '../retraining/helpers';

/**
 * Issue 13, right to erasure beyond enrolled images (the erasure test of issue 7 is
 * security.e2e.test.ts): labelled pairs made from uploaded photos of a person go with the
 * person, their bytes leave the SQLite file and its WAL, deleteLabelledPair erases one pair,
 * and a model trained on data erased while its run was going is never promoted and is
 * deleted from disk. Real server, real SQLite file, tiny model, real training child.
 */
jest.setTimeout(240_000);

const LABEL = `mutation($a: ImageInput!, $b: ImageInput!, $same: Boolean!, $ids: [ID!]) {
  labelPair(a: $a, b: $b, same: $same, identityIds: $ids) { id identityIds imageAId imageBId } }`;
const PAIRS = `{ labelledPairs(first: 50) { items { id identityIds } } }`;
const DELETE_IDENTITY = `mutation($id: ID!) { deleteIdentity(id: $id) }`;
const DELETE_IMAGE = `mutation($id: ID!) { deleteImage(id: $id) }`;
const DELETE_PAIR = `mutation($id: ID!) { deleteLabelledPair(id: $id) }`;
const ENROLL = `mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id } }`;

const upload = async (identity: number, shot: number) => {
  const bytes = await syntheticImage(identity, shot);
  return { bytes, input: { base64: bytes.toString('base64') } };
};

async function start(dataDir: string, retraining: StartOptions['retraining'] = {}): Promise<RunningServer> {
  const { modelDir } = await tinyModelOnce();
  const env = {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    SIAMESE_DATA_DIR: dataDir,
    SIAMESE_LOG_LEVEL: 'silent',
    SIAMESE_INDEX_SAVE_DEBOUNCE_MS: '20',
    SIAMESE_BACKEND: 'cpu',
    SIAMESE_ADMIN_TOKEN: TOKEN,
    SIAMESE_MODEL: modelDir,
    SIAMESE_MODELS_DIR: path.join(dataDir, 'no-models'),
  };
  return startServer(loadConfig(env, dataDir), { retraining });
}

/** Every byte of the SQLite database as it is on disk now (main file, WAL, shared memory). */
function dbFiles(dataDir: string): Buffer[] {
  return fs
    .readdirSync(dataDir)
    .filter((f) => f.startsWith('siamese.db'))
    .map((f) => fs.readFileSync(path.join(dataDir, f)));
}
const onDisk = (dataDir: string, bytes: Buffer) => {
  const needle = bytes.subarray(0, 256);
  return dbFiles(dataDir).some((f) => f.includes(needle));
};

function sql<T>(dataDir: string, query: string, ...args: unknown[]): T[] {
  const db = new Database(path.join(dataDir, 'siamese.db'), { readonly: true });
  try {
    return db.prepare(query).all(...args) as T[];
  } finally {
    db.close();
  }
}
const erasureKinds = (dataDir: string) =>
  Object.fromEntries(
    sql<{ kind: string; n: number }>(dataDir, `SELECT kind, COUNT(*) AS n FROM "Erasure" GROUP BY kind`).map((r) => [r.kind, r.n]),
  );
const retrainedDirs = (dataDir: string) => {
  const dir = path.join(dataDir, 'models');
  return fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((d) => d.startsWith('rt-'))
        .sort()
    : [];
};

describe('issue 13: erasure reaches labelled pairs and training', () => {
  let dataDir: string;
  let server: RunningServer | undefined;

  beforeEach(() => {
    dataDir = tempDir('siamese-erasure-');
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('deleteIdentity erases the pairs that show the person (tagged uploads, pairs using their images) and their bytes', async () => {
    server = await start(dataDir);
    const { url } = server;
    const people = await enroll(url, [3, 4], 2);
    const keep = people.get(3)!;
    const gone = people.get(4)!;
    // Photos of the person uploaded with a label, never enrolled: only the tag links them to the person.
    const [g5, g6, k7, k8] = await Promise.all([upload(4, 5), upload(4, 6), upload(3, 7), upload(3, 8)]);
    const tagged = await gql(url, LABEL, { a: g5.input, b: g6.input, same: true, ids: [gone.id] }, { token: TOKEN });
    expect(tagged.errors).toBeUndefined();
    expect(tagged.data.labelPair).toMatchObject({ identityIds: [gone.id], imageAId: null, imageBId: null });
    // An enrolled side tags its owner by itself; this pair's other side (k7) goes with it.
    const usesImage = await gql(url, LABEL, { a: { imageId: gone.images[0] }, b: k7.input, same: false }, { token: TOKEN });
    expect(usesImage.data.labelPair.identityIds).toEqual([gone.id]);
    const kept = await gql(url, LABEL, { a: { imageId: keep.images[0] }, b: k8.input, same: true, ids: [keep.id] }, { token: TOKEN });
    expect(kept.data.labelPair.identityIds).toEqual([keep.id]);
    // Tags are checked: an unknown identity is NOT_FOUND and nothing is stored.
    expect(codes(await gql(url, LABEL, { a: g5.input, b: k8.input, same: false, ids: ['no-such-identity'] }, { token: TOKEN }))).toEqual([
      'NOT_FOUND',
    ]);
    expect((await gql(url, PAIRS, {}, { token: TOKEN })).data.labelledPairs.items).toHaveLength(3);
    // Positive control for the file scan: the uploaded bytes are in the database now.
    expect([g5, g6, k7, k8].map((u) => onDisk(dataDir, u.bytes))).toEqual([true, true, true, true]);

    expect((await gql(url, DELETE_IDENTITY, { id: gone.id }, { token: TOKEN })).data).toEqual({ deleteIdentity: true });
    const left = (await gql(url, PAIRS, {}, { token: TOKEN })).data.labelledPairs.items;
    expect(left).toEqual([{ id: kept.data.labelPair.id, identityIds: [keep.id] }]);
    // The bytes themselves are gone from the SQLite file and its WAL; the kept pair's are still there.
    expect([g5, g6, k7, k8].map((u) => onDisk(dataDir, u.bytes))).toEqual([false, false, false, true]);
    expect(erasureKinds(dataDir)).toEqual({ identity: 1, image: 2, labelledPair: 2 });
    // The log holds ids only.
    expect(
      sql<{ targetId: string }>(dataDir, `SELECT "targetId" FROM "Erasure"`)
        .map((r) => r.targetId)
        .sort(),
    ).toEqual([gone.id, ...gone.images, tagged.data.labelPair.id, usesImage.data.labelPair.id].sort());
  });

  it('deleteLabelledPair (admin) erases one pair and its uploaded bytes; NOT_FOUND when absent', async () => {
    server = await start(dataDir);
    const { url } = server;
    const [a, b] = await Promise.all([upload(5, 0), upload(5, 1)]);
    const id = (await gql(url, LABEL, { a: a.input, b: b.input, same: true }, { token: TOKEN })).data.labelPair.id;
    expect([onDisk(dataDir, a.bytes), onDisk(dataDir, b.bytes)]).toEqual([true, true]);
    expect(codes(await gql(url, DELETE_PAIR, { id }))).toEqual(['UNAUTHENTICATED']);
    expect((await gql(url, DELETE_PAIR, { id }, { token: TOKEN })).data).toEqual({ deleteLabelledPair: true });
    expect(codes(await gql(url, DELETE_PAIR, { id }, { token: TOKEN }))).toEqual(['NOT_FOUND']);
    expect((await gql(url, PAIRS, {}, { token: TOKEN })).data.labelledPairs.items).toEqual([]);
    expect([onDisk(dataDir, a.bytes), onDisk(dataDir, b.bytes)]).toEqual([false, false]);
    expect(sql(dataDir, `SELECT kind, "targetId" FROM "Erasure"`)).toEqual([{ kind: 'labelledPair', targetId: id }]);
  });

  it('a retrain that read erased data never promotes and its model leaves the disk; a retrain started after never sees the person', async () => {
    // A pause after the snapshot (to erase while the run holds its data) and a slow re-embedding
    // (to erase after the model exists, before the swap).
    server = await start(dataDir, { afterSnapshotDelayMs: 2500, embedChunk: 1, embedDelayMs: 150, persistEveryMs: 50 });
    const { url } = server;
    const { card: baseCard } = await tinyModelOnce();
    const people = await enroll(url, [1, 2, 3, 4, 5, 6], 3);
    const gone = people.get(6)!;
    const p1 = (
      await gql(url, LABEL, { a: (await upload(6, 5)).input, b: (await upload(6, 6)).input, same: true, ids: [gone.id] }, { token: TOKEN })
    ).data.labelPair;
    const p2 = (
      await gql(url, LABEL, { a: { imageId: gone.images[0] }, b: { imageId: people.get(1)!.images[0] }, same: false }, { token: TOKEN })
    ).data.labelPair;
    const p3 = (
      await gql(url, LABEL, { a: (await upload(2, 7)).input, b: { imageId: people.get(2)!.images[1] }, same: true }, { token: TOKEN })
    ).data.labelPair;
    for (const p of [p1, p2, p3]) expect(p.id).toBeTruthy();
    // The slot frees once the previous run's child has exited, a moment after its row is final.
    const retrain = async () => {
      for (const deadline = Date.now() + 30_000; ;) {
        const r = await gql(url, RETRAIN, { o: { steps: 4, batchSize: 8, promote: 'ALWAYS', seed: 3 } }, { token: TOKEN });
        if (!r.errors) return r.data.retrain.id as string;
        expect(codes(r)).toEqual(['TRAINING_IN_PROGRESS']);
        if (Date.now() > deadline) throw new Error('the training slot never freed');
        await new Promise((res) => setTimeout(res, 100));
      }
    };
    const afterSnapshot = (r: any) => (r.progress && r.progress.phase !== 'starting' && r.progress.phase !== 'loading') || isFinal(r);

    // 1. The person is erased after the run read its data: FAILED, nothing promoted, no model on disk.
    const run1 = await retrain();
    expect((await waitForRun(url, run1, afterSnapshot)).status).toBe('RUNNING');
    expect((await gql(url, DELETE_IDENTITY, { id: gone.id }, { token: TOKEN })).data).toEqual({ deleteIdentity: true });
    const failed = await waitForRun(url, run1, isFinal);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toMatch(/^TRAINED_ON_ERASED_DATA: 1 identity, 3 images, 2 labelled pairs /);
    expect(failed.error).not.toContain(gone.id);
    expect(failed.error).not.toContain('person-6');
    expect([failed.modelVersion, failed.promoted]).toEqual([null, null]);
    expect((await gql(url, MODEL)).data.model).toEqual({ version: baseCard.version, indexedVectors: 15 });
    expect(retrainedDirs(dataDir)).toEqual([]);
    expect((await gql(url, VERSIONS, {}, { token: TOKEN })).data.modelVersions).toEqual([{ version: baseCard.version, active: true }]);

    // 2. Started after the erasure: the person is not in its data. An image enrolled after its
    //    snapshot and deleted during re-embedding gets no vector under the new version.
    const run2 = await retrain();
    await waitForRun(url, run2, afterSnapshot);
    const late = (await gql(url, ENROLL, { id: people.get(1)!.id, images: [await b64(1, 9)] }, { token: TOKEN })).data.enrollImages[0].id;
    expect((await waitForRun(url, run2, (r) => (r.status === 'REINDEXING' && r.progress?.embedded >= 1) || isFinal(r))).status).toBe(
      'REINDEXING',
    );
    expect((await gql(url, DELETE_IMAGE, { id: late }, { token: TOKEN })).data).toEqual({ deleteImage: true });
    const ok = await waitForRun(url, run2, isFinal);
    expect([ok.status, ok.error, ok.promoted]).toEqual(['SUCCEEDED', null, true]);
    const v2 = ok.modelVersion as string;
    expect(retrainedDirs(dataDir)).toEqual([v2]);
    const used = JSON.parse(fs.readFileSync(path.join(dataDir, 'models', v2, 'training-snapshot.json'), 'utf8'));
    const kept = [1, 2, 3, 4, 5].map((n) => people.get(n)!);
    expect(used).toEqual({
      identityIds: kept.map((p) => p.id).sort(),
      imageIds: kept.flatMap((p) => p.images).sort(),
      pairIds: [p3.id],
    });
    expect(sql(dataDir, `SELECT COUNT(*) AS n FROM "Embedding" WHERE "imageId" = ?`, late)).toEqual([{ n: 0 }]);
    expect((await gql(url, MODEL)).data.model).toEqual({ version: v2, indexedVectors: 15 });

    // 3. A pair it trained on is erased after the model was saved, during re-embedding: the parent
    //    refuses the swap and deletes the model's files, version row and vectors.
    const run3 = await retrain();
    expect((await waitForRun(url, run3, (r) => (r.status === 'REINDEXING' && r.progress?.embedded >= 1) || isFinal(r))).status).toBe(
      'REINDEXING',
    );
    const v3 = retrainedDirs(dataDir).find((d) => d !== v2)!;
    expect(v3).toMatch(/^rt-/);
    expect((await gql(url, DELETE_PAIR, { id: p3.id }, { token: TOKEN })).data).toEqual({ deleteLabelledPair: true });
    const refused = await waitForRun(url, run3, isFinal);
    expect(refused.status).toBe('FAILED');
    expect(refused.error).toMatch(/^TRAINED_ON_ERASED_DATA: 1 labelled pair .*not promoted/);
    expect([refused.modelVersion, refused.promoted]).toEqual([null, false]);
    expect((await gql(url, MODEL)).data.model.version).toBe(v2);
    expect(retrainedDirs(dataDir)).toEqual([v2]);
    expect(sql(dataDir, `SELECT COUNT(*) AS n FROM "Embedding" WHERE "modelVersion" = ?`, v3)).toEqual([{ n: 0 }]);
    expect(fs.readdirSync(path.join(dataDir, 'index')).filter((f) => f.includes(v3))).toEqual([]);
    const versions = (await gql(url, VERSIONS, {}, { token: TOKEN })).data.modelVersions.map((v: { version: string }) => v.version);
    expect(versions.sort()).toEqual([baseCard.version, v2].sort());

    // 4. An older version trained on someone erased later cannot be activated again, and is deleted.
    expect((await gql(url, ACTIVATE, { v: baseCard.version }, { token: TOKEN })).data.activateModel).toEqual({
      version: baseCard.version,
      active: true,
    });
    expect((await gql(url, DELETE_IDENTITY, { id: people.get(1)!.id }, { token: TOKEN })).data).toEqual({ deleteIdentity: true });
    const back = await gql(url, ACTIVATE, { v: v2 }, { token: TOKEN });
    expect(codes(back)).toEqual(['TRAINED_ON_ERASED_DATA']);
    expect(back.errors![0].message).toMatch(/^TRAINED_ON_ERASED_DATA: 1 identity, 3 images/);
    expect(retrainedDirs(dataDir)).toEqual([]);
    expect((await gql(url, VERSIONS, {}, { token: TOKEN })).data.modelVersions).toEqual([{ version: baseCard.version, active: true }]);
    expect((await gql(url, MODEL)).data.model.version).toBe(baseCard.version);
  });
});
