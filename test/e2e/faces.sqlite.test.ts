import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import type { RunningServer } from '../../src/main';
import { FACE_TEST_THRESHOLD, lfwPhoto, makeFaceModelDir } from '../fixtures/face-model';
import { tinyModelOnce } from '../fixtures/tiny-model-once';
import { codes, gql, type GqlResponse } from './http-client';
import { startTestServer, tempDir } from './harness';

/**
 * The face stage over real HTTP on SQLite (issue 12): a face model (pretrained
 * face-resnet29 behind the default face stage, test/fixtures/face-model.ts)
 * served from its model directory on wasm, real LFW photos, Omniglot
 * characters as images without a face. Then a model without a face stage,
 * for the null faces and detectFaces' refusal.
 */
const TOKEN = 'faces-e2e-admin-token-0123456789';
const SIDE = 250; // LFW photos are 250×250

const FACE = `face { box { x y width height } score keypoints { x y } }`;
const CREATE = `mutation($name: String!) { createIdentity(name: $name) { id } }`;
const ENROLL = `mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id width height ${FACE} } }`;
const VERIFY = `query($a: ImageInput!, $b: ImageInput!) { verify(a: $a, b: $b) { match distance threshold
  faceA { box { x y width height } score keypoints { x y } } faceB { box { x y width height } score keypoints { x y } } } }`;
const SEARCH = `query($image: ImageInput!, $k: Int) { searchSimilar(image: $image, k: $k) { identity { id name } distance match ${FACE} } }`;
const DETECT = `query($image: ImageInput!) { detectFaces(image: $image) { box { x y width height } score keypoints { x y } } }`;
const LABEL = `mutation($a: ImageInput!, $b: ImageInput!) { labelPair(a: $a, b: $b, same: true) { id } }`;
const IDENTITY = `query($id: ID!) { identity(id: $id) { imageCount images { id ${FACE} } } }`;

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
interface Face {
  box: Box;
  score: number;
  keypoints: Array<{ x: number; y: number }>;
}

const b64 = (b: Buffer) => ({ base64: b.toString('base64') });

/** A face in the photo's pixels: box inside the frame (1 px of float slack), five keypoints, eyes above the mouth. */
function expectFaceIn(face: Face | null | undefined, width: number, height: number): void {
  expect(face).toBeTruthy();
  const { box, score, keypoints } = face!;
  expect(box.width).toBeGreaterThan(20);
  expect(box.height).toBeGreaterThan(20);
  expect(box.x).toBeGreaterThanOrEqual(-1);
  expect(box.y).toBeGreaterThanOrEqual(-1);
  expect(box.x + box.width).toBeLessThanOrEqual(width + 1);
  expect(box.y + box.height).toBeLessThanOrEqual(height + 1);
  expect(score).toBeGreaterThanOrEqual(0.5); // the stage's minScore
  expect(score).toBeLessThanOrEqual(1);
  expect(keypoints).toHaveLength(5);
  const [leftEye, rightEye, nose, mouthLeft, mouthRight] = keypoints;
  expect(leftEye.x).toBeLessThan(rightEye.x);
  expect(mouthLeft.x).toBeLessThan(mouthRight.x);
  expect(Math.max(leftEye.y, rightEye.y)).toBeLessThan(nose.y);
  expect(nose.y).toBeLessThan(Math.min(mouthLeft.y, mouthRight.y));
}

/** The first Omniglot character image (a black glyph on white: no face). */
function omniglotCharacter(): Buffer {
  const alphabet = path.resolve(__dirname, '../../../shared/datasets/omniglot/images_background_small1/Greek');
  const character = fs.readdirSync(alphabet).sort()[0];
  const file = fs.readdirSync(path.join(alphabet, character)).sort()[0];
  return fs.readFileSync(path.join(alphabet, character, file));
}

function expectNoFace(r: GqlResponse, argument: string): void {
  expect(r.status).toBe(200); // like INVALID_IMAGE: a GraphQL error in a 200 answer
  expect(r.data).toBeNull();
  expect(codes(r)).toEqual(['NO_FACE_DETECTED']);
  expect(r.errors![0].message).toMatch(new RegExp(`^${argument.replace(/[[\]]/g, '\\$&')}: no face was found`));
  expect(r.errors![0].extensions).toMatchObject({ code: 'NO_FACE_DETECTED', argument });
  expect(r.errors![0].extensions).not.toHaveProperty('index');
}

async function numTensors(url: string): Promise<number> {
  const h = (await (await fetch(url.replace(/\/graphql$/, '/healthz'))).json()) as { numTensors: number };
  return h.numTensors;
}

describe('face stage end-to-end (SQLite, HTTP)', () => {
  let root: string;
  let server: RunningServer | undefined;

  beforeAll(() => {
    root = tempDir('siamese-faces-e2e-');
  });

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('enrolls, verifies, searches and detects faces with a face model; faceless images are NO_FACE_DETECTED', async () => {
    const modelDir = path.join(root, 'face-model');
    const card = await makeFaceModelDir(modelDir);
    server = await startTestServer({
      dataDir: path.join(root, 'data-face'),
      adminToken: TOKEN,
      modelDir,
      env: { SIAMESE_BACKEND: 'wasm' },
    });
    const { url } = server;
    expect(server.internals.active.current.card.preprocessing.face).toBeDefined();

    // Enroll one photo each of two people; the answer says which face was embedded.
    const aaron = (await gql(url, CREATE, { name: 'Aaron_Peirsol' }, { token: TOKEN })).data.createIdentity.id as string;
    const serena = (await gql(url, CREATE, { name: 'Serena_Williams' }, { token: TOKEN })).data.createIdentity.id as string;
    const ea = await gql(url, ENROLL, { id: aaron, images: [b64(lfwPhoto('Aaron_Peirsol', 1))] }, { token: TOKEN });
    expect(ea.errors).toBeUndefined();
    const es = await gql(url, ENROLL, { id: serena, images: [b64(lfwPhoto('Serena_Williams', 1))] }, { token: TOKEN });
    expect(es.errors).toBeUndefined();
    for (const img of [...ea.data.enrollImages, ...es.data.enrollImages]) {
      expect(img).toMatchObject({ width: SIDE, height: SIDE });
      expectFaceIn(img.face, SIDE, SIDE);
    }
    const aaronImageId = ea.data.enrollImages[0].id as string;
    // Faces are reported, not stored: a listed image has none.
    const listed = await gql(url, IDENTITY, { id: aaron }, { token: TOKEN });
    expect(listed.data.identity).toEqual({ imageCount: 1, images: [{ id: aaronImageId, face: null }] });
    // face-api's networks are loaded now: from here on, nothing may leak.
    const tensorsBefore = await numTensors(url);

    // verify: two other photos of one person are closer than photos of two people.
    const same = await gql(url, VERIFY, { a: b64(lfwPhoto('Aaron_Peirsol', 2)), b: b64(lfwPhoto('Aaron_Peirsol', 3)) });
    expect(same.errors).toBeUndefined();
    const diff = await gql(url, VERIFY, { a: b64(lfwPhoto('Aaron_Peirsol', 2)), b: b64(lfwPhoto('Serena_Williams', 2)) });
    expect(diff.errors).toBeUndefined();
    expect(same.data.verify.distance).toBeLessThan(diff.data.verify.distance);
    expect(same.data.verify).toMatchObject({ match: true, threshold: FACE_TEST_THRESHOLD });
    expect(diff.data.verify.match).toBe(false);
    for (const v of [same.data.verify, diff.data.verify]) {
      expectFaceIn(v.faceA, SIDE, SIDE);
      expectFaceIn(v.faceB, SIDE, SIDE);
    }
    // Photo 2 of Aaron is side a of both calls: the same face both times.
    expect(diff.data.verify.faceA).toEqual(same.data.verify.faceA);
    // An enrolled image's stored vector is used as is: its face was not stored → null.
    const stored = await gql(url, VERIFY, { a: { imageId: aaronImageId }, b: b64(lfwPhoto('Aaron_Peirsol', 4)) }, { token: TOKEN });
    expect(stored.errors).toBeUndefined();
    expect(stored.data.verify.faceA).toBeNull();
    expectFaceIn(stored.data.verify.faceB, SIDE, SIDE);
    expect(stored.data.verify.match).toBe(true);

    // searchSimilar: the right identity first, with the query's face on every entry.
    for (const [person, id] of [
      ['Aaron_Peirsol', aaron],
      ['Serena_Williams', serena],
    ] as const) {
      const s = await gql(url, SEARCH, { image: b64(lfwPhoto(person, 4)), k: 2 }, { token: TOKEN });
      expect(s.errors).toBeUndefined();
      const hits = s.data.searchSimilar as Array<{ identity: { id: string }; distance: number; match: boolean; face: Face }>;
      expect(hits.map((h) => h.identity.id)).toEqual([id, id === aaron ? serena : aaron]);
      expect(hits[0].match).toBe(true);
      expect(hits[1].match).toBe(false);
      expectFaceIn(hits[0].face, SIDE, SIDE);
      expect(hits[1].face).toEqual(hits[0].face);
    }

    // detectFaces: two photos side by side on a 600×300 canvas → two faces, largest first, one per half.
    const collage = await sharp({ create: { width: 600, height: 300, channels: 3, background: { r: 128, g: 128, b: 128 } } })
      .composite([
        { input: lfwPhoto('Aaron_Peirsol', 1), left: 25, top: 25 },
        { input: lfwPhoto('Serena_Williams', 1), left: 325, top: 25 },
      ])
      .jpeg()
      .toBuffer();
    const detected = await gql(url, DETECT, { image: b64(collage) });
    expect(detected.errors).toBeUndefined();
    const faces = detected.data.detectFaces as Face[];
    expect(faces).toHaveLength(2);
    faces.forEach((f) => expectFaceIn(f, 600, 300));
    expect(faces[0].box.width * faces[0].box.height).toBeGreaterThanOrEqual(faces[1].box.width * faces[1].box.height);
    const centres = faces.map((f) => f.box.x + f.box.width / 2).sort((a, b) => a - b);
    expect(centres[0]).toBeGreaterThan(25);
    expect(centres[0]).toBeLessThan(275);
    expect(centres[1]).toBeGreaterThan(325);
    expect(centres[1]).toBeLessThan(575);
    // A stored image by id works too: one face, the one its enrollment reported.
    const byId = await gql(url, DETECT, { image: { imageId: aaronImageId } }, { token: TOKEN });
    expect(byId.data.detectFaces).toEqual([ea.data.enrollImages[0].face]);

    // No face: detectFaces lists none; embedding it is NO_FACE_DETECTED, named after its argument.
    const glyph = omniglotCharacter();
    expect(await gql(url, DETECT, { image: b64(glyph) })).toMatchObject({ data: { detectFaces: [] } });
    expectNoFace(await gql(url, VERIFY, { a: b64(lfwPhoto('Aaron_Peirsol', 2)), b: b64(glyph) }), 'b');
    expectNoFace(await gql(url, SEARCH, { image: b64(glyph), k: 1 }), 'image');
    expectNoFace(
      await gql(url, ENROLL, { id: serena, images: [b64(lfwPhoto('Serena_Williams', 3)), b64(glyph)] }, { token: TOKEN }),
      'images[1]',
    );
    expectNoFace(await gql(url, LABEL, { a: b64(glyph), b: { imageId: aaronImageId } }, { token: TOKEN }), 'a');
    // The refused enrollment stored nothing (all images are embedded before the transaction).
    expect((await gql(url, IDENTITY, { id: serena }, { token: TOKEN })).data.identity.imageCount).toBe(1);
    expect(server.internals.active.current.index.size).toBe(2);

    expect(await numTensors(url)).toBe(tensorsBefore);
    expect(card.preprocessing.face).toBeDefined();
  }, 120_000);

  it('a model without a face stage reports null faces and refuses detectFaces with BAD_USER_INPUT', async () => {
    const { modelDir } = await tinyModelOnce();
    server = await startTestServer({ dataDir: path.join(root, 'data-tiny'), adminToken: TOKEN, modelDir });
    const { url } = server;
    const photo = b64(lfwPhoto('Aaron_Peirsol', 1));
    const id = (await gql(url, CREATE, { name: 'x' }, { token: TOKEN })).data.createIdentity.id as string;
    const e = await gql(url, ENROLL, { id, images: [photo] }, { token: TOKEN });
    expect(e.errors).toBeUndefined();
    expect(e.data.enrollImages[0].face).toBeNull();
    const v = await gql(url, VERIFY, { a: photo, b: b64(omniglotCharacter()) });
    expect(v.errors).toBeUndefined(); // whole images: a glyph is as good an input as any
    expect(v.data.verify).toMatchObject({ faceA: null, faceB: null });
    const s = await gql(url, SEARCH, { image: photo, k: 1 }, { token: TOKEN });
    expect(s.data.searchSimilar).toEqual([expect.objectContaining({ identity: { id, name: 'x' }, face: null })]);
    const d = await gql(url, DETECT, { image: photo });
    expect(codes(d)).toEqual(['BAD_USER_INPUT']);
    expect(d.errors![0].message).toMatch(/has no face stage/);
  });
});
