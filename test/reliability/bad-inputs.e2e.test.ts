import * as fs from 'fs';
import sharp from 'sharp';
import type { RunningServer } from '../../src/main';
import { decodeImage } from '../../src/embedding/preprocess/decode-image';
import type { ModelCard } from '../../src/embedding/model-card';
import { tinyModelOnce } from '../fixtures/tiny-model-once';
import { syntheticImage } from '../fixtures/synthetic-images';
import { codes, gql, gqlMultipart, type GqlResponse } from '../e2e/http-client';
import { startTestServer, tempDir } from '../e2e/harness';
import * as bad from './bad-images';

/**
 * Issue 7, bad input: every hostile or unusual request over real HTTP, each
 * answered with a stable HTTP status and `extensions.code`, and the server
 * still answering afterwards. The table printed at the end is the one in the
 * issue's report (input → status → code).
 */
jest.setTimeout(120_000);

const TOKEN = 'reliability-admin-token-0123456789';
const SEARCH = `query($image: ImageInput!, $k: Int) { searchSimilar(image: $image, k: $k) { identity { id } distance match } }`;
const ENROLL = `mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id } }`;
const VERIFY = `query($a: ImageInput!, $b: ImageInput!, $t: Float) { verify(a: $a, b: $b, threshold: $t) { match distance } }`;
const CREATE = `mutation($n: String!) { createIdentity(name: $n) { id } }`;
const LIMITS = {
  SIAMESE_MAX_IMAGES_PER_CALL: '2',
  SIAMESE_MAX_REQUEST_BYTES: String(256 * 1024),
  SIAMESE_MAX_UPLOAD_BYTES: String(64 * 1024),
  SIAMESE_MAX_K: '10',
  SIAMESE_MAX_QUERY_DEPTH: '3',
};

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

async function raw(url: string, body: string, headers: Record<string, string> = {}, method = 'POST'): Promise<GqlResponse> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: method === 'GET' ? undefined : body,
  });
  const text = await res.text();
  const parsed = JSON.parse(text) as { data?: unknown; errors?: GqlResponse['errors'] };
  return { status: res.status, data: (parsed.data ?? null) as never, errors: parsed.errors };
}

describe('issue 7: bad inputs over HTTP', () => {
  let dataDir: string;
  let server: RunningServer;
  let url: string;
  let card: ModelCard;
  let png: string;
  let identityId: string;
  let deletedIdentity: string;
  let deletedImage: string;
  const table: Array<[string, number, string]> = [];

  beforeAll(async () => {
    dataDir = tempDir('siamese-bad-inputs-');
    const model = await tinyModelOnce();
    card = model.card;
    server = await startTestServer({ dataDir, adminToken: TOKEN, modelDir: model.modelDir, env: LIMITS });
    url = server.url;
    png = b64(await syntheticImage(1, 0));
    identityId = (await gql(url, CREATE, { n: 'kept' }, { token: TOKEN })).data.createIdentity.id;
    await gql(url, ENROLL, { id: identityId, images: [{ base64: png }] }, { token: TOKEN });
    deletedIdentity = (await gql(url, CREATE, { n: 'gone' }, { token: TOKEN })).data.createIdentity.id;
    deletedImage = (await gql(url, ENROLL, { id: deletedIdentity, images: [{ base64: png }] }, { token: TOKEN })).data.enrollImages[0].id;
    expect((await gql(url, `mutation($id: ID!) { deleteIdentity(id: $id) }`, { id: deletedIdentity }, { token: TOKEN })).data).toEqual({
      deleteIdentity: true,
    });
  });

  afterAll(async () => {
    await server?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    // The report's table: input → HTTP status → extensions.code.
    console.log(['| input | HTTP | code |', '|---|---|---|', ...table.map(([n, s, c]) => `| ${n} | ${s} | ${c} |`)].join('\n'));
  });

  /** Sends, checks status + code, then proves the server still serves. */
  async function expectRefused(name: string, send: () => Promise<GqlResponse>, status: number, code: string): Promise<GqlResponse> {
    const r = await send();
    table.push([name, r.status, codes(r).join(',') || '(data)']);
    expect({ name, status: r.status, codes: codes(r) }).toEqual({ name, status, codes: [code] });
    expect(r.status).toBeLessThan(500);
    // Never an echo of the payload (class-validator's `value`) nor a stack trace.
    expect(JSON.stringify(r.errors)).not.toMatch(/"value"|stacktrace|\.ts:\d+/);
    const alive = await gql(url, '{ model { version } }');
    expect(alive.data).toEqual({ model: { version: card.version } });
    return r;
  }

  async function expectAccepted(name: string, bytes: Buffer): Promise<void> {
    const r = await gql(url, SEARCH, { image: { base64: b64(bytes) }, k: 1 });
    table.push([name, r.status, codes(r).join(',') || 'accepted']);
    expect({ name, errors: r.errors }).toEqual({ name, errors: undefined });
    expect(r.data.searchSimilar).toHaveLength(1);
    expect(Number.isFinite(r.data.searchSimilar[0].distance)).toBe(true);
  }

  const search = (image: Record<string, unknown>, k?: number) => () => gql(url, SEARCH, { image, ...(k === undefined ? {} : { k }) });
  const upload = (bytes: Uint8Array) => () =>
    gqlMultipart(url, SEARCH, { image: { upload: null } }, [{ path: 'variables.image.upload', bytes }]);

  describe('image files', () => {
    it('refuses corrupt, truncated, zero-byte and non-image files with INVALID_IMAGE', async () => {
      await expectRefused('corrupt PNG (IDAT bytes flipped)', search({ base64: b64(await bad.corruptPng()) }), 200, 'INVALID_IMAGE');
      await expectRefused('truncated PNG (first half)', search({ base64: b64(await bad.truncatedPng()) }), 200, 'INVALID_IMAGE');
      await expectRefused('zero-byte upload', upload(new Uint8Array(0)), 200, 'INVALID_IMAGE');
      await expectRefused('empty base64 ""', search({ base64: '' }), 200, 'INVALID_IMAGE');
      await expectRefused('text file', search({ base64: b64(Buffer.from('hello, this is not a picture\n')) }), 200, 'INVALID_IMAGE');
      await expectRefused(
        'PDF header',
        search({ base64: b64(Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n')) }),
        200,
        'INVALID_IMAGE',
      );
      await expectRefused('random bytes upload', upload(new Uint8Array(4096).map((_, i) => (i * 2654435761) >>> 24)), 200, 'INVALID_IMAGE');
    });

    it('refuses a PNG declaring 50,000 × 50,000 pixels from its header (decompression bomb)', async () => {
      const bomb = bad.pngBomb();
      expect(bomb.length).toBeLessThan(1024); // 2.5 gigapixels declared in a few hundred bytes
      const t0 = Date.now();
      const r = await expectRefused('PNG bomb 50,000×50,000 (274 bytes)', upload(bomb), 200, 'IMAGE_TOO_LARGE');
      expect(Date.now() - t0).toBeLessThan(5_000);
      expect(r.errors![0].message).toMatch(/exceeds \d+ pixels|50000×50000/);
    });

    it('accepts 16-bit, palette, alpha PNGs and a CMYK JPEG', async () => {
      await expectAccepted('16-bit RGB PNG', await bad.png16());
      await expectAccepted('palette PNG (16 colours)', await bad.pngPalette());
      await expectAccepted('RGBA PNG (alpha 0.5)', await bad.pngAlpha());
      await expectAccepted('CMYK JPEG', await bad.jpegCmyk());
    });

    it('uses the first frame of an animated GIF (documented in decode-image.ts)', async () => {
      const gif = await bad.animatedGif();
      expect((await sharp(gif).metadata()).pages).toBe(2);
      const frame0 = await bad.firstFrameAsPng(gif);
      const r = await gql(url, VERIFY, { a: { base64: b64(gif) }, b: { base64: b64(frame0) } });
      table.push(['animated GIF (2 frames)', r.status, r.errors ? codes(r).join(',') : 'accepted: first frame']);
      expect(r.errors).toBeUndefined();
      expect(r.data.verify.distance).toBeLessThan(1e-5);
    });

    it('applies EXIF orientation: a tagged JPEG embeds exactly like its pixels rotated by hand', async () => {
      const { tagged, upright, untagged } = await bad.exifRotatedPair();
      // Decoder level: libvips shrinks a JPEG while decoding it (DCT scaling), the hand-rotated PNG
      // by resampling, so the two model inputs agree up to resampling noise, not bit for bit; the
      // unrotated pixels are a different picture altogether.
      const [a, b, c] = await Promise.all([tagged, upright, untagged].map((x) => decodeImage(x, card.preprocessing)));
      const meanAbs = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + Math.abs(v - y[i]), 0) / x.length;
      expect(meanAbs(a, b)).toBeLessThan(0.1 * meanAbs(a, c));
      // Over HTTP: the served model sees the same image.
      const same = await gql(url, VERIFY, { a: { base64: b64(tagged) }, b: { base64: b64(upright) } });
      const other = await gql(url, VERIFY, { a: { base64: b64(tagged) }, b: { base64: b64(untagged) } });
      table.push(['EXIF orientation 6 JPEG', same.status, 'accepted: rotated']);
      expect(same.data.verify.match).toBe(true);
      expect(same.data.verify.distance).toBeLessThan(0.1 * other.data.verify.distance);
    });
  });

  describe('image inputs and arguments', () => {
    it('refuses invalid base64, both or neither of upload/base64', async () => {
      await expectRefused('base64 with "$%^"', search({ base64: 'iVBOR$%^' }), 200, 'BAD_USER_INPUT');
      await expectRefused('base64 of impossible length', search({ base64: 'AAAAA' }), 200, 'BAD_USER_INPUT');
      await expectRefused(
        'upload and base64 both set',
        () =>
          gqlMultipart(url, SEARCH, { image: { upload: null, base64: png } }, [
            { path: 'variables.image.upload', bytes: Buffer.from(png, 'base64') },
          ]),
        200,
        'BAD_USER_INPUT',
      );
      await expectRefused('neither upload nor base64 ({})', search({}), 200, 'BAD_USER_INPUT');
      await expectRefused('all fields null', search({ upload: null, base64: null, imageId: null }), 200, 'BAD_USER_INPUT');
    });

    it('answers NOT_FOUND for unknown and deleted ids', async () => {
      // imageId inputs need role read since issue 13 (anonymous callers: FORBIDDEN, test/server/access-model.e2e.test.ts).
      const searchAsAdmin = (image: Record<string, unknown>) => () => gql(url, SEARCH, { image }, { token: TOKEN });
      await expectRefused('unknown imageId', searchAsAdmin({ imageId: 'no-such-image' }), 200, 'NOT_FOUND');
      await expectRefused('deleted imageId', searchAsAdmin({ imageId: deletedImage }), 200, 'NOT_FOUND');
      await expectRefused(
        'enroll into unknown identity',
        () => gql(url, ENROLL, { id: 'no-such-identity', images: [{ base64: png }] }, { token: TOKEN }),
        200,
        'NOT_FOUND',
      );
      await expectRefused(
        'enroll into deleted identity',
        () => gql(url, ENROLL, { id: deletedIdentity, images: [{ base64: png }] }, { token: TOKEN }),
        200,
        'NOT_FOUND',
      );
      await expectRefused(
        'identity(id: deleted)',
        () => gql(url, `query($id: ID!) { identity(id: $id) { id } }`, { id: deletedIdentity }, { token: TOKEN }),
        200,
        'NOT_FOUND',
      );
      await expectRefused(
        'deleteIdentity twice',
        () => gql(url, `mutation($id: ID!) { deleteIdentity(id: $id) }`, { id: deletedIdentity }, { token: TOKEN }),
        200,
        'NOT_FOUND',
      );
    });

    it('refuses k ≤ 0, k above the limit and k beyond Int', async () => {
      await expectRefused('k = 0', search({ base64: png }, 0), 200, 'BAD_USER_INPUT');
      await expectRefused('k = -1', search({ base64: png }, -1), 200, 'BAD_USER_INPUT');
      await expectRefused('k = maxK + 1 (11)', search({ base64: png }, 11), 200, 'BAD_USER_INPUT');
      // Int is 32-bit: GraphQL refuses to coerce the variable before any resolver runs.
      await expectRefused('k = 2^31 (variable)', search({ base64: png }, 2 ** 31), 400, 'BAD_USER_INPUT');
      await expectRefused('k = 1.5 (variable)', search({ base64: png }, 1.5), 400, 'BAD_USER_INPUT');
    });

    it('refuses non-finite, negative and non-numeric thresholds', async () => {
      const v = (t: unknown) => ({ a: { base64: png }, b: { base64: png }, t });
      // JSON has no NaN/Infinity: 1e400 parses to Infinity in the server's JSON parser, and GraphQL's Float refuses it.
      await expectRefused(
        'threshold 1e400 (JSON → Infinity)',
        () => raw(url, JSON.stringify({ query: VERIFY, variables: v(0) }).replace('"t":0', '"t":1e400')),
        400,
        'BAD_USER_INPUT',
      );
      await expectRefused(
        'threshold -1e400 (JSON → -Infinity)',
        () => raw(url, JSON.stringify({ query: VERIFY, variables: v(0) }).replace('"t":0', '"t":-1e400')),
        400,
        'BAD_USER_INPUT',
      );
      // A Float literal is parsed with Number(): graphql-js lets Infinity through, the service refuses it.
      await expectRefused(
        'threshold literal 1e400 in the query',
        () => gql(url, `query($a: ImageInput!) { verify(a: $a, b: $a, threshold: 1e400) { match } }`, { a: { base64: png } }),
        200,
        'BAD_USER_INPUT',
      );
      await expectRefused('threshold "NaN" (string)', () => gql(url, VERIFY, v('NaN')), 400, 'BAD_USER_INPUT');
      await expectRefused('threshold {} (an object)', () => gql(url, VERIFY, v({})), 400, 'BAD_USER_INPUT');
      await expectRefused('threshold -1', () => gql(url, VERIFY, v(-1)), 200, 'BAD_USER_INPUT');
      // A finite threshold beyond every possible distance is legal: it simply matches everything.
      const huge = await gql(url, VERIFY, v(1e308));
      table.push(['threshold 1e308 (finite)', huge.status, 'accepted: match true']);
      expect(huge.errors).toBeUndefined();
      expect(huge.data.verify.match).toBe(true);
    });

    it('refuses too many images, over-size bodies and uploads', async () => {
      const three = [{ base64: png }, { base64: png }, { base64: png }];
      await expectRefused(
        '3 images, limit 2 (base64)',
        () => gql(url, ENROLL, { id: identityId, images: three }, { token: TOKEN }),
        200,
        'TOO_MANY_IMAGES',
      );
      const files = [0, 1, 2].map((i) => ({ path: `variables.images.${i}.upload`, bytes: Buffer.from(png, 'base64') }));
      await expectRefused(
        '3 uploaded files, limit 2',
        () =>
          gqlMultipart(url, ENROLL, { id: identityId, images: [{ upload: null }, { upload: null }, { upload: null }] }, files, {
            token: TOKEN,
          }),
        413,
        'TOO_MANY_IMAGES',
      );
      await expectRefused('JSON body 300 KiB > 256 KiB', search({ base64: 'A'.repeat(300 * 1024) }), 413, 'PAYLOAD_TOO_LARGE');
      await expectRefused('upload 80 KiB > 64 KiB', upload(new Uint8Array(80 * 1024).fill(7)), 200, 'PAYLOAD_TOO_LARGE');
      await expectRefused('base64 of 100 KiB > 64 KiB', search({ base64: b64(new Uint8Array(100 * 1024)) }), 200, 'PAYLOAD_TOO_LARGE');
    });
  });

  describe('operations and transport', () => {
    it('refuses deep, aliased and costly queries before running them', async () => {
      await expectRefused(
        'depth 4 > 3',
        () => gql(url, `{ identities(first: 1) { edges { node { images { id } } } } }`, {}, { token: TOKEN }),
        400,
        'QUERY_TOO_COMPLEX',
      );
      const aliases = Array.from({ length: 200 }, (_, i) => `a${i}: searchSimilar(image: { imageId: "x" }, k: 10) { distance }`).join(' ');
      await expectRefused('200 aliased searchSimilar', () => gql(url, `{ ${aliases} }`), 400, 'QUERY_TOO_COMPLEX');
      await expectRefused(
        'identities(first: 100000)',
        () => gql(url, `{ identities(first: 100000) { edges { node { id imageCount } } } }`),
        400,
        'QUERY_TOO_COMPLEX',
      );
      const fragments = `fragment F on Query { model { version } } { ...F ...F ...F }`;
      expect((await gql(url, fragments)).errors).toBeUndefined();
    });

    it('refuses batched requests, CSRF-able multipart and GET mutations', async () => {
      const batch = JSON.stringify([{ query: '{ model { version } }' }, { query: '{ model { version } }' }]);
      await expectRefused('batched request (2 operations)', () => raw(url, batch), 400, 'BAD_USER_INPUT');
      await expectRefused(
        'multipart without Apollo-Require-Preflight',
        () =>
          gqlMultipart(url, SEARCH, { image: { upload: null } }, [{ path: 'variables.image.upload', bytes: Buffer.from(png, 'base64') }], {
            preflight: false,
          }),
        400,
        'BAD_REQUEST',
      );
      await expectRefused(
        'text/plain POST (CSRF "simple" request)',
        () => raw(url, JSON.stringify({ query: '{ model { version } }' }), { 'content-type': 'text/plain' }),
        400,
        'BAD_REQUEST',
      );
      await expectRefused(
        'mutation over GET',
        () =>
          raw(
            `${url}?query=${encodeURIComponent('mutation { deleteIdentity(id: "x") }')}`,
            '',
            { 'apollo-require-preflight': 'true' },
            'GET',
          ),
        405,
        'BAD_REQUEST',
      );
      await expectRefused('invalid JSON body', () => raw(url, '{"query": "{ model'), 400, 'BAD_USER_INPUT');
      await expectRefused('unknown field', () => gql(url, '{ nope }'), 400, 'GRAPHQL_VALIDATION_FAILED');
      await expectRefused('syntax error', () => gql(url, '{ model { '), 400, 'GRAPHQL_PARSE_FAILED');
    });

    it('refuses a wrong or missing admin token with UNAUTHENTICATED', async () => {
      const create = (headers: Record<string, string>) => () => gql(url, CREATE, { n: 'x' }, { headers });
      await expectRefused('admin mutation, no token', create({}), 200, 'UNAUTHENTICATED');
      await expectRefused(
        'admin mutation, wrong token (same length)',
        create({ authorization: `Bearer ${'x'.repeat(TOKEN.length)}` }),
        200,
        'UNAUTHENTICATED',
      );
      await expectRefused(
        'admin mutation, token prefix',
        create({ authorization: `Bearer ${TOKEN.slice(0, -1)}` }),
        200,
        'UNAUTHENTICATED',
      );
      await expectRefused('admin mutation, token without "Bearer"', create({ authorization: TOKEN }), 200, 'UNAUTHENTICATED');
      await expectRefused(
        'admin mutation, Basic auth',
        create({ authorization: `Basic ${b64(Buffer.from(`admin:${TOKEN}`))}` }),
        200,
        'UNAUTHENTICATED',
      );
      expect((await gql(url, CREATE, { n: 'ok' }, { token: TOKEN })).errors).toBeUndefined();
    });
  });
});
