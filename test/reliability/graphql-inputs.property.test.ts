import * as fs from 'fs';
import fc from 'fast-check';
import type { RunningServer } from '../../src/main';
import { ErrorCode } from '../../src/errors';
import { tinyModelOnce } from '../fixtures/tiny-model-once';
import { syntheticImage } from '../fixtures/synthetic-images';
import { gql } from '../e2e/http-client';
import { startTestServer, tempDir } from '../e2e/harness';

/**
 * Property over the GraphQL inputs: any combination of ImageInput fields,
 * k and threshold values (including ones JSON can only approximate, like
 * 1e400) gets a well-formed GraphQL response — data or errors with a known
 * `extensions.code` — and never a 5xx or INTERNAL_SERVER_ERROR.
 */
jest.setTimeout(120_000);

const TOKEN = 'property-admin-token-0123456789';
const KNOWN = new Set<string>([
  ...Object.values(ErrorCode).filter((c) => c !== ErrorCode.INTERNAL_SERVER_ERROR),
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'BAD_REQUEST',
]);

describe('GraphQL inputs (fast-check over HTTP)', () => {
  let dataDir: string;
  let server: RunningServer;
  let png: string;
  let imageId: string;

  beforeAll(async () => {
    dataDir = tempDir('siamese-prop-');
    const { modelDir } = await tinyModelOnce();
    server = await startTestServer({
      dataDir,
      adminToken: TOKEN,
      modelDir,
      env: { SIAMESE_MAX_K: '10', SIAMESE_MAX_UPLOAD_BYTES: String(32 * 1024) },
    });
    png = (await syntheticImage(1, 0)).toString('base64');
    const id = (await gql(server.url, `mutation { createIdentity(name: "p") { id } }`, {}, { token: TOKEN })).data.createIdentity.id;
    const enrolled = await gql(
      server.url,
      `mutation($id: ID!, $i: [ImageInput!]!) { enrollImages(identityId: $id, images: $i) { id } }`,
      { id, i: [{ base64: png }] },
      { token: TOKEN },
    );
    imageId = enrolled.data.enrollImages[0].id;
  });
  afterAll(async () => {
    await server?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  // A JSON fragment per value: raw text, so 1e400, -0 and huge integers reach the server's parser as sent.
  const base64 = fc.oneof(
    fc.constant(() => JSON.stringify(png)),
    fc.constant(() => '""'),
    fc.constant(() => 'null'),
    fc.string({ maxLength: 40 }).map((s) => () => JSON.stringify(s)),
    fc.uint8Array({ maxLength: 300 }).map((b) => () => JSON.stringify(Buffer.from(b).toString('base64'))),
    fc.constant(() => JSON.stringify(`data:image/png;base64,${png}`)),
    fc.integer().map((n) => () => String(n)),
  );
  const id = fc.oneof(
    fc.constant(() => JSON.stringify(imageId)),
    fc.string({ maxLength: 20 }).map((s) => () => JSON.stringify(s)),
    fc.constant(() => 'null'),
    fc.constant(() => '7'),
  );
  const imageInput = fc
    .record({
      base64: fc.option(base64, { nil: undefined }),
      imageId: fc.option(id, { nil: undefined }),
      upload: fc.option(
        fc.constant(() => 'null'),
        { nil: undefined },
      ),
    })
    .map(
      (r) =>
        `{${Object.entries(r)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => `"${k}":${v!()}`)
          .join(',')}}`,
    );
  const number = fc.oneof(
    fc.integer({ min: -5, max: 15 }).map(String),
    fc.constantFrom('1e400', '-1e400', '2147483648', '-2147483649', '1e-400', '-0', '0.5', 'null', '"3"', 'true', '[]', '{}'),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
  );
  const operation = fc.oneof(
    fc.record({ op: fc.constant('search' as const), image: imageInput, k: fc.option(number, { nil: undefined }) }),
    fc.record({ op: fc.constant('verify' as const), a: imageInput, b: imageInput, t: fc.option(number, { nil: undefined }) }),
  );

  it('always answers a well-formed response with a known code, never a 5xx', async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(operation, async (o) => {
        const body =
          o.op === 'search'
            ? `{"query":"query($i: ImageInput!, $k: Int) { searchSimilar(image: $i, k: $k) { distance similarity match identity { id } } }","variables":{"i":${o.image}${o.k === undefined ? '' : `,"k":${o.k}`}}}`
            : `{"query":"query($a: ImageInput!, $b: ImageInput!, $t: Float) { verify(a: $a, b: $b, threshold: $t) { match distance threshold } }","variables":{"a":${o.a},"b":${o.b}${o.t === undefined ? '' : `,"t":${o.t}`}}}`;
        // As an admin: anonymous callers are refused imageId inputs before they are resolved (issue 13),
        // and this property is about how every input is resolved.
        const res = await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
          body,
        });
        const json = (await res.json()) as {
          data?: Record<string, any> | null;
          errors?: Array<{ message: string; extensions?: { code?: string } }>;
        };
        expect(res.status).toBeLessThan(500);
        if (json.errors) {
          for (const e of json.errors) {
            expect(typeof e.message).toBe('string');
            expect(KNOWN).toContain(e.extensions?.code);
            seen.set(e.extensions!.code!, (seen.get(e.extensions!.code!) ?? 0) + 1);
          }
        } else {
          seen.set('ok', (seen.get('ok') ?? 0) + 1);
          const d = json.data!;
          if (o.op === 'search') for (const m of d.searchSimilar) expect(Number.isFinite(m.distance)).toBe(true);
          else expect(Number.isFinite(d.verify.distance)).toBe(true);
        }
      }),
      { numRuns: 300, seed: 42 },
    );
    // Not vacuous: some succeed, several kinds of refusal happen.
    expect(seen.get('ok')).toBeGreaterThan(0);
    expect(seen.size).toBeGreaterThanOrEqual(3);
  });
});
