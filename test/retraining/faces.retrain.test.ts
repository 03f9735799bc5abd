import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { RunningServer } from '../../src/main';
import type { ModelCard } from '../../src/embedding/model-card';
import { loadModelDir } from '../../src/embedding/model-store';
import { preprocessImage } from '../../src/embedding/preprocess/preprocess-image';
import { gql } from '../e2e/http-client';
import { startTestServer, tempDir } from '../e2e/harness';
import { FACE_TEST_THRESHOLD, lfwPhoto, makeFaceModelDir } from '../fixtures/face-model';
import { CREATE, LABEL, MODEL, RETRAIN, TOKEN, VERSIONS, isFinal, waitForRun } from './helpers';

/**
 * Issue 12: the `retrain` mutation with a face model (the pretrained face-resnet29 trunk,
 * frozen, behind the default face stage; test/fixtures/face-model.ts). A user's labels
 * fine-tune the head on their own people: the trunk must come back bit for bit, the face
 * stage and architecture carry over to the new version, and search keeps finding people.
 *
 * Distances of the fixture model on these photos (measured while writing this test, see
 * also the fixture): same person 0.21–0.39, Aaron_Peirsol vs Serena_Williams ≥ 0.57,
 * Colin_Powell_2 vs Tony_Blair_1 0.50; threshold 0.4.
 */
jest.setTimeout(180_000);

const PEOPLE = ['Aaron_Peirsol', 'Serena_Williams', 'Colin_Powell', 'Tony_Blair'];
const ENROLL = `mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id face { score } } }`;
const SEARCH = `query($image: ImageInput!, $k: Int) { searchSimilar(image: $image, k: $k) { identity { id name } distance } }`;
const VERIFY = `query($a: ImageInput!, $b: ImageInput!) { verify(a: $a, b: $b) { distance modelVersion } }`;
const photo = (person: string, n: number) => ({ base64: lfwPhoto(person, n).toString('base64') });

async function numTensors(url: string): Promise<number> {
  const h = (await (await fetch(url.replace(/\/graphql$/, '/healthz'))).json()) as { numTensors: number };
  return h.numTensors;
}

/** A copy of one layer's weights (kernel first), as bytes. */
function layerBytes(model: tf.LayersModel, layer: string): Buffer[] {
  return model
    .getLayer(layer)
    .getWeights()
    .map((w) => {
      const d = w.dataSync() as Float32Array;
      return Buffer.from(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    });
}

describe('retraining a face model (SQLite, HTTP)', () => {
  let root: string;
  let server: RunningServer | undefined;

  beforeAll(() => {
    root = tempDir('siamese-faces-retrain-');
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it("a user's labels fine-tune the head on their own people; trunk, face stage and search survive", async () => {
    const modelDir = path.join(root, 'face-model');
    const baseCard = await makeFaceModelDir(modelDir);
    // The face detector's networks load once per process and stay loaded: load them before
    // counting, so that closing the server must bring the count back exactly.
    await preprocessImage(lfwPhoto('Aaron_Peirsol', 1), baseCard.preprocessing);
    const tensorsBeforeServer = tf.memory().numTensors;

    const dataDir = path.join(root, 'data');
    // Pool size 0: embedding runs in this process, so /healthz counts the serving model's tensors.
    server = await startTestServer({
      dataDir,
      adminToken: TOKEN,
      modelDir,
      env: { SIAMESE_BACKEND: 'wasm', SIAMESE_EMBEDDING_POOL_SIZE: '0' },
    });
    const { url } = server;
    const oldVersion = (await gql(url, MODEL)).data.model.version as string;
    expect(oldVersion).toBe(baseCard.version);

    // Enroll 4 people × photos 1–3; each photo's face is found and embedded.
    const people = new Map<string, { id: string; images: string[] }>();
    for (const person of PEOPLE) {
      const created = await gql(url, CREATE, { name: person }, { token: TOKEN });
      expect(created.errors).toBeUndefined();
      const id = created.data.createIdentity.id as string;
      const res = await gql(url, ENROLL, { id, images: [1, 2, 3].map((n) => photo(person, n)) }, { token: TOKEN });
      expect(res.errors).toBeUndefined();
      expect(res.data.enrollImages).toHaveLength(3);
      for (const img of res.data.enrollImages) expect(img.face.score).toBeGreaterThanOrEqual(0.5);
      people.set(person, { id, images: res.data.enrollImages.map((i: { id: string }) => i.id) });
    }
    const img = (person: string, i: number) => ({ imageId: people.get(person)!.images[i] });

    // Labels: a same pair the model agrees with (an uploaded 4th photo of Aaron vs an enrolled
    // one), a different pair it agrees with, and a correction: the admin says Colin_Powell and
    // Tony_Blair are one person, the model (0.50 > 0.4) said different.
    const same = await gql(url, LABEL, { a: photo('Aaron_Peirsol', 4), b: img('Aaron_Peirsol', 0), same: true }, { token: TOKEN });
    const diff = await gql(url, LABEL, { a: img('Aaron_Peirsol', 0), b: img('Serena_Williams', 0), same: false }, { token: TOKEN });
    const merge = await gql(url, LABEL, { a: img('Colin_Powell', 1), b: img('Tony_Blair', 0), same: true }, { token: TOKEN });
    for (const r of [same, diff, merge]) expect(r.errors).toBeUndefined();
    expect(same.data.labelPair).toMatchObject({
      same: true,
      correction: false,
      source: 'admin',
      weight: 1,
      imageAId: null,
      modelVersion: oldVersion,
    });
    expect(same.data.labelPair.modelDistance).toBeLessThan(FACE_TEST_THRESHOLD - 0.05);
    expect(diff.data.labelPair).toMatchObject({ same: false, correction: false, source: 'admin', weight: 1 });
    expect(diff.data.labelPair.modelDistance).toBeGreaterThan(FACE_TEST_THRESHOLD + 0.1);
    expect(merge.data.labelPair).toMatchObject({ same: true, correction: true, source: 'correction', weight: 3 });
    expect(merge.data.labelPair.modelDistance).toBeGreaterThan(FACE_TEST_THRESHOLD + 0.05);
    const tensorsServing = await numTensors(url);

    // Retrain: a few contrastive steps from the serving model, promoted whatever it scores.
    const started = await gql(
      url,
      RETRAIN,
      { o: { steps: 4, batchSize: 8, learningRate: 1e-3, promote: 'ALWAYS', seed: 3 } },
      { token: TOKEN },
    );
    expect(started.errors).toBeUndefined();
    expect(started.data.retrain).toMatchObject({ status: 'QUEUED', baseModelVersion: oldVersion });
    const done = await waitForRun(url, started.data.retrain.id, isFinal, 150_000, 200);
    expect([done.status, done.error]).toEqual(['SUCCEEDED', null]);
    expect(done.promoted).toBe(true);
    expect(done.metrics.decision).toMatch(/^promote: ALWAYS/);
    expect(done.progress).toMatchObject({ phase: 'done', embedded: 12, toEmbed: 12 });
    // Every labelled pair trains; the merge leaves 3 identities: Aaron (3 enrolled + the uploaded
    // 4th photo), Serena (3), Colin + Tony (6) = 13 images.
    expect(done.metrics).toMatchObject({ labelledPairs: 3, trainingImages: 13, trainingIdentities: 3 });
    // Every identity is touched by a label, so none can be held out: old and new are compared
    // on the training identities and the run says so (disjoint: false). Pairs over groups of
    // 4, 3 and 6 images: C(4,2) + C(3,2) + C(6,2) = 24 same, 4·3 + 4·6 + 3·6 = 54 different.
    expect(done.metrics.heldOut).toEqual({ disjoint: false, identities: 3, images: 13, positivePairs: 24, negativePairs: 54 });
    // The served model, at its threshold 0.4, gets the two agreeing labels right and the correction wrong.
    expect(done.metrics.old).toMatchObject({ version: oldVersion, labelledPairAccuracy: 2 / 3 });
    expect(done.metrics.new.auc).toBeGreaterThan(0.5);
    const newVersion = done.modelVersion as string;
    expect(done.metrics.new.version).toBe(newVersion);

    // The new version serves, with all 12 enrolled images re-embedded into its index.
    expect((await gql(url, MODEL)).data.model).toEqual({ version: newVersion, indexedVectors: 12 });
    const versions = (await gql(url, VERSIONS, {}, { token: TOKEN })).data.modelVersions;
    expect(versions).toEqual(
      expect.arrayContaining([
        { version: oldVersion, active: false },
        { version: newVersion, active: true },
      ]),
    );

    // Search still finds each person first from photos it never enrolled (the 4th of each).
    for (const person of PEOPLE) {
      const hits = await gql(url, SEARCH, { image: photo(person, 4), k: 4 }, { token: TOKEN });
      expect(hits.errors).toBeUndefined();
      expect([person, hits.data.searchSimilar[0].identity.name]).toEqual([person, person]);
      expect(hits.data.searchSimilar).toHaveLength(4);
    }
    const v = await gql(url, VERIFY, { a: photo('Serena_Williams', 4), b: img('Serena_Williams', 1) }, { token: TOKEN });
    expect(v.data.verify.modelVersion).toBe(newVersion);
    // The correction was learned from: the pair the admin merged is closer under the new model
    // (stored vectors of the new version: both sides are enrolled images).
    const merged = await gql(url, VERIFY, { a: img('Colin_Powell', 1), b: img('Tony_Blair', 0) }, { token: TOKEN });
    expect(merged.data.verify.modelVersion).toBe(newVersion);
    expect(merged.data.verify.distance).toBeLessThan(merge.data.labelPair.modelDistance);

    // The new card: same architecture and face stage, warm-started from the served model.
    const newDir = path.join(dataDir, 'models', newVersion);
    const newCard = JSON.parse(fs.readFileSync(path.join(newDir, 'model-card.json'), 'utf8')) as ModelCard;
    expect(newCard.version).toBe(newVersion);
    expect(newCard.architecture).toEqual(baseCard.architecture);
    expect(newCard.architecture.backbone).toBe('face-resnet29');
    expect(newCard.preprocessing.face).toBeDefined();
    expect(newCard.preprocessing).toEqual(baseCard.preprocessing);
    expect(newCard.data.facelessDropped).toBe(0);
    expect(newCard.hyperparameters).toMatchObject({ explicitPairs: 3, warmStartFrom: path.resolve(modelDir) });
    // Retraining never keeps epoch 0 (training-job.ts: validateStart false), so the corrections reach
    // the weights: one epoch of 4 steps.
    const history = newCard.hyperparameters.history as Array<{ epoch: number; step: number }>;
    expect(history.map((h) => [h.epoch, h.step])).toEqual([[1, 4]]);
    expect(newCard.training.steps).toBe(4);

    // No request leaked: the only extra tensors beside the serving model are those of the
    // retired one while it drains (30 s; whether that has passed depends on this machine).
    const afterRun = await numTensors(url);
    for (let i = 0; i < 2; i++) await gql(url, SEARCH, { image: photo('Colin_Powell', 4), k: 2 }, { token: TOKEN });
    expect(await numTensors(url)).toBe(afterRun);
    // (Loaded here, in the server's process, only after its counts were read.)
    const loadedNew = await loadModelDir(newDir);
    const modelTensors = loadedNew.model.weights.length; // one face-resnet29 encoder's tensors
    expect([tensorsServing, tensorsServing + modelTensors]).toContain(afterRun);

    // The trunk came back bit for bit; the head moved (the trainer kept epoch 1, not the start).
    const loadedOld = await loadModelDir(modelDir);
    try {
      const trunk = loadedOld.model.layers.filter((l) => l.weights.length > 0 && l.name !== 'siamese_head').map((l) => l.name);
      expect(trunk).toEqual(expect.arrayContaining(['conv32_down', 'conv256_down_out/conv2', 'fc']));
      const trunkChanged = trunk.filter((name) => {
        const [a, b] = [layerBytes(loadedOld.model, name), layerBytes(loadedNew.model, name)];
        return a.some((w, i) => !w.equals(b[i]));
      });
      expect(trunkChanged).toEqual([]);
      expect(newCard.training.bestEpoch).toBe(1);
      const [oldHead, newHead] = [layerBytes(loadedOld.model, 'siamese_head'), layerBytes(loadedNew.model, 'siamese_head')];
      expect(oldHead.map((w, i) => w.equals(newHead[i]))).toEqual([false, false]); // kernel and bias
    } finally {
      loadedOld.model.dispose();
      loadedNew.model.dispose();
    }

    await server.close();
    server = undefined;
    // Closing disposes the serving and the retired encoder: back to the count before the server.
    expect(tf.memory().numTensors).toBe(tensorsBeforeServer);
  });
});
