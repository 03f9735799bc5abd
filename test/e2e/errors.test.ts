import * as fs from 'fs';
import sharp from 'sharp';
import { getIntrospectionQuery } from 'graphql';
import type { RunningServer } from '../../src/main';
import { tinyModelOnce } from '../fixtures/tiny-model-once';
import type { ModelCard } from '../../src/embedding/model-card';
import { syntheticImage } from '../fixtures/synthetic-images';
import { codes, gql, gqlMultipart } from './http-client';
import { startTestServer, tempDir } from './harness';

/** Bad input and limits over HTTP: each answered with a stable extensions.code, never a crash. */
const TOKEN = 'errors-admin-token-0123456789';
const SEARCH = `query($image: ImageInput!, $k: Int) { searchSimilar(image: $image, k: $k) { identity { name } distance match } }`;
const ENROLL = `mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id } }`;
const VERIFY = `query($a: ImageInput!, $b: ImageInput!, $t: Float) { verify(a: $a, b: $b, threshold: $t) { match } }`;

describe('bad input and limits over HTTP', () => {
  let dataDir: string;
  let server: RunningServer;
  let url: string;
  let png: string;
  let identityId: string;
  let card: ModelCard;

  beforeAll(async () => {
    dataDir = tempDir('siamese-errors-');
    const model = await tinyModelOnce();
    card = model.card;
    server = await startTestServer({
      dataDir,
      adminToken: TOKEN,
      modelDir: model.modelDir,
      env: {
        SIAMESE_MAX_IMAGES_PER_CALL: '2',
        SIAMESE_MAX_REQUEST_BYTES: String(64 * 1024),
        SIAMESE_MAX_UPLOAD_BYTES: String(16 * 1024),
        SIAMESE_MAX_K: '10',
        SIAMESE_MAX_PIXELS: String(200 * 200),
        SIAMESE_MAX_QUERY_DEPTH: '3',
      },
    });
    url = server.url;
    png = (await syntheticImage(1, 0)).toString('base64');
    identityId = (await gql(url, `mutation { createIdentity(name: "z") { id } }`, {}, { token: TOKEN })).data.createIdentity.id;
  });

  afterAll(async () => {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('needs exactly one of upload, base64, imageId', async () => {
    expect(codes(await gql(url, SEARCH, { image: {} }))).toEqual(['BAD_USER_INPUT']);
    // (With the admin token: anonymous callers are refused any imageId input first, issue 13.)
    expect(codes(await gql(url, SEARCH, { image: { base64: png, imageId: 'x' } }, { token: TOKEN }))).toEqual(['BAD_USER_INPUT']);
  });

  it('validates arguments with class-validator (BAD_USER_INPUT, no echo of the value)', async () => {
    const r = await gql(url, `mutation { createIdentity(name: "") { id } }`, {}, { token: TOKEN });
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(JSON.stringify(r.errors)).not.toContain('"value"');
  });

  it('refuses k out of range and negative thresholds', async () => {
    expect(codes(await gql(url, SEARCH, { image: { base64: png }, k: 0 }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await gql(url, SEARCH, { image: { base64: png }, k: 11 }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await gql(url, VERIFY, { a: { base64: png }, b: { base64: png }, t: -1 }))).toEqual(['BAD_USER_INPUT']);
  });

  it('answers INVALID_IMAGE for bytes that are no image, BAD_USER_INPUT for broken base64', async () => {
    expect(codes(await gql(url, SEARCH, { image: { base64: Buffer.from('definitely not an image').toString('base64') } }))).toEqual([
      'INVALID_IMAGE',
    ]);
    expect(codes(await gql(url, SEARCH, { image: { base64: 'abc$%^' } }))).toEqual(['BAD_USER_INPUT']);
    const zero = await gqlMultipart(url, SEARCH, { image: { upload: null } }, [
      { path: 'variables.image.upload', bytes: new Uint8Array(0) },
    ]);
    expect(codes(zero)).toEqual(['INVALID_IMAGE']);
  });

  it('refuses too many pixels, too many images, oversized uploads and bodies', async () => {
    // 300×300 flat gray: a few hundred bytes of PNG, 90 000 pixels > the 40 000 limit.
    const big = (
      await sharp({ create: { width: 300, height: 300, channels: 3, background: { r: 90, g: 90, b: 90 } } })
        .png()
        .toBuffer()
    ).toString('base64');
    expect(codes(await gql(url, SEARCH, { image: { base64: big } }))).toEqual(['IMAGE_TOO_LARGE']);
    const three = [{ base64: png }, { base64: png }, { base64: png }];
    expect(codes(await gql(url, ENROLL, { id: identityId, images: three }, { token: TOKEN }))).toEqual(['TOO_MANY_IMAGES']);
    const files = [0, 1, 2].map((i) => ({ path: `variables.images.${i}.upload`, bytes: new Uint8Array(10) }));
    const tooManyFiles = await gqlMultipart(
      url,
      ENROLL,
      { id: identityId, images: [{ upload: null }, { upload: null }, { upload: null }] },
      files,
      { token: TOKEN },
    );
    expect(tooManyFiles.status).toBe(413);
    expect(codes(tooManyFiles)).toEqual(['TOO_MANY_IMAGES']);
    const upload = await gqlMultipart(url, SEARCH, { image: { upload: null } }, [
      { path: 'variables.image.upload', bytes: new Uint8Array(20 * 1024) },
    ]);
    expect(codes(upload)).toEqual(['PAYLOAD_TOO_LARGE']);
    const body = await gql(url, SEARCH, { image: { base64: 'A'.repeat(70 * 1024) } });
    expect(body.status).toBe(413);
    expect(codes(body)).toEqual(['PAYLOAD_TOO_LARGE']);
  });

  it('answers NOT_FOUND for unknown ids, and enrolls a copy of a stored image by imageId', async () => {
    expect(
      codes(await gql(url, ENROLL, { id: '00000000-0000-0000-0000-000000000000', images: [{ base64: png }] }, { token: TOKEN })),
    ).toEqual(['NOT_FOUND']);
    expect(codes(await gql(url, SEARCH, { image: { imageId: 'nope' } }, { token: TOKEN }))).toEqual(['NOT_FOUND']);
    const first = await gql(url, ENROLL, { id: identityId, images: [{ base64: png }] }, { token: TOKEN });
    const other = (await gql(url, `mutation { createIdentity(name: "copy") { id } }`, {}, { token: TOKEN })).data.createIdentity.id;
    const copy = await gql(url, ENROLL, { id: other, images: [{ imageId: first.data.enrollImages[0].id }] }, { token: TOKEN });
    expect(copy.errors).toBeUndefined();
    expect(copy.data.enrollImages[0].id).not.toBe(first.data.enrollImages[0].id);
  });

  it('answers a multipart request whose first file is never read (bad input) and frees the connection', async () => {
    const V = `query($a: ImageInput!, $b: ImageInput!) { verify(a: $a, b: $b) { match } }`;
    const r = await gqlMultipart(url, V, { a: { upload: null, base64: png }, b: { upload: null } }, [
      { path: 'variables.a.upload', bytes: new Uint8Array(12 * 1024).fill(1) },
      { path: 'variables.b.upload', bytes: await syntheticImage(1, 1) },
    ]);
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect((await gql(url, '{ model { version } }')).data).toEqual({ model: { version: card.version } });
  });

  it('blocks multipart requests without the CSRF preflight header', async () => {
    const r = await gqlMultipart(
      url,
      SEARCH,
      { image: { upload: null } },
      [{ path: 'variables.image.upload', bytes: await syntheticImage(1, 1) }],
      {
        preflight: false,
      },
    );
    expect(r.status).toBe(400);
    expect(codes(r)).toEqual(['BAD_REQUEST']);
  });

  it('refuses batched requests, deep and costly queries', async () => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ model { version } }' }, { query: '{ model { version } }' }]),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0].extensions.code).toBe('BAD_USER_INPUT');

    // graphql-depth-limit counts the top-level field as depth 0.
    expect((await gql(url, `{ identities(first: 1) { edges { node { id } } } }`, {}, { token: TOKEN })).errors).toBeUndefined(); // depth 3
    const deep = await gql(url, `{ identities(first: 1) { edges { node { images { id } } } } }`, {}, { token: TOKEN }); // depth 4 > 3
    expect(codes(deep)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(deep.status).toBe(400);
    // A page of 100 identities with their images is fine; 40 aliased k=10 searches with images are not.
    expect((await gql(url, `{ identities(first: 100) { edges { node { imageCount } } } }`, {}, { token: TOKEN })).errors).toBeUndefined();
    const aliases = Array.from(
      { length: 40 },
      (_, i) => `s${i}: searchSimilar(image: { imageId: "x" }, k: 10) { distance identity { images { id } } }`,
    ).join('\n');
    const costly = await gql(url, `{ ${aliases} }`, {}, { token: TOKEN });
    expect(codes(costly)).toEqual(['QUERY_TOO_COMPLEX']);
    // GraphiQL's own introspection query must stay within the limits (introspection fields are not counted).
    expect((await gql(url, getIntrospectionQuery())).errors).toBeUndefined();
  });

  it('refuses invalid JSON bodies with a client error', async () => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('serves GraphiQL to browsers, introspection to clients, and /healthz', async () => {
    const page = await fetch(url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('searchSimilar');
    const intro = await gql(url, `{ __schema { queryType { name } } }`);
    expect(intro.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    const health = await fetch(url.replace('/graphql', '/healthz'));
    expect(await health.json()).toMatchObject({ status: 'ok', modelVersion: card.version });
  });

  it('answers the model query from the card', async () => {
    const r = await gql(
      url,
      `{ model { version metric embeddingDim thresholds { default defaultRule } auc eer roc { threshold far tar } indexedVectors } }`,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data.model).toMatchObject({
      version: card.version,
      metric: card.metric,
      embeddingDim: card.architecture.embeddingDim,
      thresholds: { default: card.thresholds.default, defaultRule: card.thresholds.defaultRule },
      auc: card.validation.auc,
      eer: card.validation.eer,
    });
    expect(r.data.model.roc).toEqual(card.roc);
  });
});
