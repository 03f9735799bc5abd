import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import Database from 'better-sqlite3';
import { loadConfig } from '../../src/config';
import { startServer, type RunningServer } from '../../src/main';
import { createLogger, type EmbedderPort } from '../../src/services';
import { constantTimeEquals } from '../../src/server/auth';
import { tinyModelOnce } from '../fixtures/tiny-model-once';
import { pixelEmbedder } from '../fixtures/pixel-embedder';
import { syntheticImage } from '../fixtures/synthetic-images';
import { codes, gql } from '../e2e/http-client';
import { tempDir } from '../e2e/harness';

/**
 * Issue 7, security: production error hygiene, the rate limit on expensive
 * operations, the constant-time token check, logs free of secrets and image
 * bytes, and erasure checked in the database file and the index file bytes.
 */
jest.setTimeout(120_000);
// Observe the token comparison: the real timingSafeEqual, wrapped in a mock (Node's export cannot be spied on).
jest.mock('crypto', () => {
  const actual = jest.requireActual('crypto');
  return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});

const TOKEN = 'security-admin-token-0123456789abcdef';
const VERIFY = `query($a: ImageInput!, $b: ImageInput!) { verify(a: $a, b: $b) { match distance } }`;
const SEARCH = `query($i: ImageInput!) { searchSimilar(image: $i, k: 3) { identity { id } distance } }`;
const ENROLL = `mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id } }`;
const CREATE = `mutation($n: String!) { createIdentity(name: $n) { id } }`;

function baseEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    SIAMESE_DATA_DIR: dataDir,
    SIAMESE_LOG_LEVEL: 'info',
    SIAMESE_INDEX_SAVE_DEBOUNCE_MS: '20',
    SIAMESE_BACKEND: 'cpu',
    SIAMESE_ADMIN_TOKEN: TOKEN,
    SIAMESE_MODELS_DIR: path.join(dataDir, 'no-models'),
    ...extra,
  };
}

async function start(
  dataDir: string,
  extra: Record<string, string>,
  opts: { embedder?: EmbedderPort; lines?: string[]; modelDir?: string } = {},
) {
  const env = baseEnv(dataDir, { ...(opts.modelDir ? { SIAMESE_MODEL: opts.modelDir } : {}), ...extra });
  const logger = createLogger('info', (l) => opts.lines?.push(l));
  return startServer(loadConfig(env, dataDir), { embedder: opts.embedder, logger });
}

/** An embedder that fails like a bug (a plain Error) on 1×1 images, to see what an unexpected error leaks. */
function buggyEmbedder(): EmbedderPort {
  const inner = pixelEmbedder();
  return {
    card: inner.card,
    async embedImages(images, limits) {
      if (images.some((b) => b.length < 100)) throw new Error(`kaboom in the embedder (secret internals at ${__filename})`);
      return inner.embedImages(images, limits);
    },
  };
}

describe('issue 7: security', () => {
  const dirs: string[] = [];
  const servers: RunningServer[] = [];
  const dir = () => {
    const d = tempDir('siamese-security-');
    dirs.push(d);
    return d;
  };
  afterAll(async () => {
    for (const s of servers) await s.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('production: unexpected errors masked without stack; suggestions, introspection and GraphiQL off, and each configurable', async () => {
    const lines: string[] = [];
    // SIAMESE_MIN_IMAGE_SIDE=1: the 1×1 image must reach the buggy embedder (by default it is refused first, IMAGE_TOO_SMALL).
    const prod = await start(
      dir(),
      { NODE_ENV: 'production', SIAMESE_STACK_TRACES: 'true', SIAMESE_MIN_IMAGE_SIDE: '1' },
      { embedder: buggyEmbedder(), lines },
    );
    servers.push(prod);
    const tiny = (await require('sharp')({ create: { width: 1, height: 1, channels: 3, background: '#fff' } })
      .png()
      .toBuffer()) as Buffer;
    expect(tiny.length).toBeLessThan(100);
    const r = await gql(prod.url, SEARCH, { i: { base64: tiny.toString('base64') } });
    expect(r.status).toBe(200);
    expect(r.errors).toEqual([
      expect.objectContaining({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }),
    ]);
    expect(JSON.stringify(r)).not.toMatch(/kaboom|stacktrace|\.ts|\/work\//);
    // ... while the server log keeps the cause for the operator.
    expect(lines.some((l) => l.includes('kaboom'))).toBe(true);

    const typo = await gql(prod.url, `{ modle { version } }`);
    expect(codes(typo)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(typo.errors![0].message).not.toMatch(/Did you mean/);
    expect(codes(await gql(prod.url, `{ __schema { types { name } } }`))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(await (await fetch(prod.url, { headers: { accept: 'text/html' } })).text()).not.toMatch(/graphiql/i);

    // (No admin token configured here: admin operations answer ADMIN_DISABLED, whatever is sent.)
    const open = await start(
      dir(),
      { NODE_ENV: 'production', SIAMESE_INTROSPECTION: 'true', SIAMESE_GRAPHIQL: 'true', SIAMESE_ADMIN_TOKEN: '' },
      { embedder: pixelEmbedder() },
    );
    servers.push(open);
    expect(codes(await gql(open.url, CREATE, { n: 'x' }, { token: TOKEN }))).toEqual(['ADMIN_DISABLED']);
    expect((await gql(open.url, `{ __schema { queryType { name } } }`)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    expect(await (await fetch(open.url, { headers: { accept: 'text/html' } })).text()).toMatch(/graphiql/i);
    // Development shows suggestions (so the production check above is not vacuous).
    const dev = await start(dir(), { NODE_ENV: 'development' }, { embedder: pixelEmbedder() });
    servers.push(dev);
    expect((await gql(dev.url, `{ modle { version } }`)).errors![0].message).toMatch(/Did you mean "model"/);
  });

  it('rate-limits verify/searchSimilar/enrollImages per client with RATE_LIMITED (429, Retry-After), not cheap queries', async () => {
    const s = await start(dir(), { SIAMESE_RATE_LIMIT_PER_SEC: '1', SIAMESE_RATE_LIMIT_BURST: '3' }, { embedder: pixelEmbedder() });
    servers.push(s);
    const img = { base64: (await syntheticImage(1, 0)).toString('base64') };
    const id = (await gql(s.url, CREATE, { n: 'x' }, { token: TOKEN })).data.createIdentity.id;
    // The token is taken before execution, so cheap NOT_FOUND verifies use up the bucket within
    // milliseconds (well inside the 1 s refill, even on a busy machine).
    const unknown = { imageId: 'no-such-image' };
    for (let i = 0; i < 3; i++)
      expect(codes(await gql(s.url, VERIFY, { a: unknown, b: unknown }, { token: TOKEN }))).toEqual(['NOT_FOUND']);
    const refused = await fetch(s.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: SEARCH, variables: { i: img } }),
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await refused.json()) as { errors: Array<{ extensions: { code: string; retryAfterSeconds: number } }> };
    expect(body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 1 });
    // Admin mutations that embed count too; cheap reads do not.
    expect(codes(await gql(s.url, ENROLL, { id, images: [img] }, { token: TOKEN }))).toEqual(['RATE_LIMITED']);
    expect((await gql(s.url, `{ model { version } identities(first: 5) { totalCount } }`, {}, { token: TOKEN })).errors).toBeUndefined();
    // A second later one token is back.
    await new Promise((r) => setTimeout(r, 1100));
    expect((await gql(s.url, VERIFY, { a: img, b: img })).errors).toBeUndefined();
    // Aliases cost one each: 5 aliased verifies on a 3-token bucket are refused whole, before running.
    await new Promise((r) => setTimeout(r, 3100));
    const five = Array.from({ length: 5 }, (_, i) => `v${i}: verify(a: $a, b: $a) { match }`).join(' ');
    expect(codes(await gql(s.url, `query($a: ImageInput!) { ${five} }`, { a: img }))).toEqual(['RATE_LIMITED']);
  });

  it('compares the admin token in constant time: timingSafeEqual on two SHA-256 digests', () => {
    const spy = crypto.timingSafeEqual as unknown as jest.Mock;
    spy.mockClear();
    {
      expect(constantTimeEquals('short', 'a-much-longer-token-value')).toBe(false);
      expect(constantTimeEquals(TOKEN, TOKEN)).toBe(true);
      expect(spy).toHaveBeenCalledTimes(2);
      for (const [a, b] of spy.mock.calls) {
        expect([(a as Buffer).length, (b as Buffer).length]).toEqual([32, 32]);
      }
    }
  });

  it('logs neither tokens nor image bytes', async () => {
    const lines: string[] = [];
    const { modelDir } = await tinyModelOnce();
    const s = await start(dir(), {}, { lines, modelDir });
    servers.push(s);
    const png = (await syntheticImage(2, 0)).toString('base64');
    const wrong = 'wrong-token-that-must-not-be-logged-42';
    const id = (await gql(s.url, CREATE, { n: 'logs' }, { token: TOKEN })).data.createIdentity.id;
    await gql(s.url, ENROLL, { id, images: [{ base64: png }] }, { token: TOKEN });
    await gql(s.url, ENROLL, { id, images: [{ base64: png }] }, { token: wrong });
    await gql(s.url, SEARCH, { i: { base64: png } });
    await gql(s.url, SEARCH, { i: { base64: Buffer.from('not an image at all, but logged?').toString('base64') } });
    await gql(s.url, SEARCH, { i: { base64: 'A'.repeat(9 * 1024 * 1024) } }); // over the body limit
    await fetch(s.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${wrong}` },
      body: '{"query": "{ model',
    });
    await s.close();
    servers.splice(servers.indexOf(s), 1);
    const log = lines.join('\n');
    expect(lines.length).toBeGreaterThan(0); // the logger was live ("listening", …)
    for (const secret of [
      TOKEN,
      wrong,
      png.slice(100, 140),
      Buffer.from('not an image at all').toString('base64').slice(0, 16),
      'AAAAAAAAAAAAAAAA',
    ]) {
      expect(log).not.toContain(secret);
    }
  });

  it('deleteIdentity leaves no image row, embedding row or vector bytes in the database and the index file', async () => {
    const dataDir = dir();
    const { modelDir, card } = await tinyModelOnce();
    const s = await start(dataDir, { SIAMESE_LOG_LEVEL: 'silent' }, { modelDir });
    servers.push(s);
    const keep = (await gql(s.url, CREATE, { n: 'keep' }, { token: TOKEN })).data.createIdentity.id;
    const gone = (await gql(s.url, CREATE, { n: 'gone' }, { token: TOKEN })).data.createIdentity.id;
    await gql(
      s.url,
      ENROLL,
      {
        id: keep,
        images: [{ base64: (await syntheticImage(3, 0)).toString('base64') }, { base64: (await syntheticImage(3, 1)).toString('base64') }],
      },
      { token: TOKEN },
    );
    const goneBytes = [await syntheticImage(4, 0), await syntheticImage(4, 1)];
    const enrolled = await gql(
      s.url,
      ENROLL,
      { id: gone, images: goneBytes.map((b) => ({ base64: b.toString('base64') })) },
      { token: TOKEN },
    );
    expect(enrolled.errors).toBeUndefined();
    const imageIds: string[] = enrolled.data.enrollImages.map((i: { id: string }) => i.id);

    const db = new Database(path.join(dataDir, 'siamese.db'), { readonly: true });
    const rows = () => ({
      identity: db.prepare(`SELECT COUNT(*) AS n FROM "Identity" WHERE id = ?`).get(gone) as { n: number },
      images: db.prepare(`SELECT COUNT(*) AS n FROM "EnrolledImage" WHERE "identityId" = ?`).get(gone) as { n: number },
      embeddings: db.prepare(`SELECT COUNT(*) AS n FROM "Embedding" WHERE "imageId" IN (?, ?)`).get(imageIds[0], imageIds[1]) as {
        n: number;
      },
    });
    const labels = (
      db.prepare(`SELECT label FROM "Embedding" WHERE "imageId" IN (?, ?)`).all(imageIds[0], imageIds[1]) as Array<{ label: number }>
    ).map((r) => r.label);
    expect(rows()).toEqual({ identity: { n: 1 }, images: { n: 2 }, embeddings: { n: 2 } });
    const dbVectors = (
      db.prepare(`SELECT vector FROM "Embedding" WHERE "imageId" IN (?, ?)`).all(imageIds[0], imageIds[1]) as Array<{ vector: Buffer }>
    ).map((r) => r.vector);
    // Positive control for the file scan below: the live bytes are found.
    const before = fs
      .readdirSync(dataDir)
      .filter((f) => f.startsWith('siamese.db'))
      .map((f) => fs.readFileSync(path.join(dataDir, f)));
    expect(goneBytes.every((b) => before.some((f) => f.includes(b.subarray(0, 256))))).toBe(true);
    // The bytes hnswlib stores (normalised in cosine space), as the live index reports them.
    const index = s.internals.active.current.index as unknown as { vectorOf(l: number): Float32Array | undefined };
    const stored = labels.map((l) => Buffer.from(index.vectorOf(l)!.buffer));
    const indexFiles = () =>
      fs
        .readdirSync(path.join(dataDir, 'index'))
        .filter((f) => !f.endsWith('.json'))
        .map((f) => fs.readFileSync(path.join(dataDir, 'index', f)));
    const inIndex = (needle: Buffer) => indexFiles().some((f) => f.includes(needle));
    await waitFor(() => stored.every(inIndex)); // positive control: the scan finds live vectors
    expect(stored.every(inIndex)).toBe(true);

    expect((await gql(s.url, `mutation($id: ID!) { deleteIdentity(id: $id) }`, { id: gone }, { token: TOKEN })).data).toEqual({
      deleteIdentity: true,
    });
    expect(rows()).toEqual({ identity: { n: 0 }, images: { n: 0 }, embeddings: { n: 0 } });
    expect(
      db
        .prepare(`SELECT COUNT(*) AS n FROM "LabelledPair" WHERE "imageAId" IN (?, ?) OR "imageBId" IN (?, ?)`)
        .get(...imageIds, ...imageIds),
    ).toEqual({ n: 0 });
    db.close();
    // deleteIdentity saves the index at once: the vectors' bytes are gone from every index file.
    expect(stored.some(inIndex)).toBe(false);
    expect(labels.map((l) => index.vectorOf(l))).toEqual([undefined, undefined]);
    // Not only the rows: the bytes themselves must be gone from the SQLite file and its WAL
    // (secure_delete zeroes freed pages; the erasure checkpoints and truncates the WAL).
    const dbFiles = fs
      .readdirSync(dataDir)
      .filter((f) => f.startsWith('siamese.db'))
      .map((f) => fs.readFileSync(path.join(dataDir, f)));
    expect(dbFiles.length).toBeGreaterThan(0);
    const inDb = (needle: Buffer) => dbFiles.some((f) => f.includes(needle));
    expect(goneBytes.map((b) => inDb(b.subarray(0, 256)))).toEqual([false, false]);
    expect(dbVectors.map(inDb)).toEqual([false, false]);
    // The kept identity is still found, so the index file was rewritten, not emptied.
    const hit = await gql(s.url, SEARCH, { i: { base64: (await syntheticImage(3, 2)).toString('base64') } });
    expect(hit.data.searchSimilar[0].identity.id).toBe(keep);
    expect(card.version).toBeTruthy();
  });
});

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end && !cond();) await new Promise((r) => setTimeout(r, 25));
}
