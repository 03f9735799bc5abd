import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { loadConfig } from '../../src/config';
import { startServer, type RunningServer } from '../../src/main';
import type { ModelCard } from '../../src/embedding/model-card';
import type { DbStore } from '../../src/db';
import { tinyModelOnce } from '../fixtures/tiny-model-once';
import { syntheticImage, syntheticPixels } from '../fixtures/synthetic-images';
import { codes, gql, type GqlResponse } from '../e2e/http-client';
import { startTestServer, tempDir } from '../e2e/harness';

/**
 * Issue 13, items 5 and 9 (bad inputs, round 2), over real HTTP against the real server
 * (Express + Apollo + Prisma/SQLite + HNSW + the tiny tfjs model): ill-formed Unicode in
 * every kind of string argument, hostile metadata, broken model cards, duplicate names
 * (case/Unicode-insensitive) and images too small to carry an identity. Each case answers
 * a stable code, never INTERNAL_SERVER_ERROR. The table printed at the end is the AFTER
 * column of docs/reliability/round2/inputs-and-names.md.
 */
jest.setTimeout(180_000);

const TOKEN = 'reliability-admin-token-0123456789';
const CREATE = `mutation($n: String!, $m: JSONObject) { createIdentity(name: $n, metadata: $m) { id name metadata } }`;
const ENROLL = `mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id } }`;
const VERIFY = `query($a: ImageInput!, $b: ImageInput!) { verify(a: $a, b: $b) { match distance threshold } }`;
const SEARCH = `query($i: ImageInput!) { searchSimilar(image: $i, k: 1) { distance } }`;
const LONE_HIGH = '\ud800';
const LONE_LOW = '\udfff';

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const grey = async (width: number, height: number) =>
  sharp(Buffer.from(syntheticPixels(3, 0, width, height)), { raw: { width, height, channels: 1 } })
    .png()
    .toBuffer();

/** A JSON object nested `depth` levels ({"a":{"a":…{}}}), as text: JSON.stringify itself would overflow at 10,000. */
const nestedJson = (depth: number) => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);
const nestedObject = (depth: number) => JSON.parse(nestedJson(depth)) as Record<string, unknown>;

async function rawPost(url: string, body: string, token?: string): Promise<GqlResponse> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body,
  });
  const parsed = JSON.parse(await res.text()) as { data?: unknown; errors?: GqlResponse['errors'] };
  return { status: res.status, data: (parsed.data ?? null) as never, errors: parsed.errors };
}

const table: Array<[string, string]> = [];
afterAll(() => {
  console.log(['| input | answer |', '|---|---|', ...table.map(([n, a]) => `| ${n} | ${a} |`)].join('\n'));
});
const answer = (r: GqlResponse) => `${r.status} ${codes(r).join(',') || 'data'}`;

describe('issue 13 items 5 and 9 over HTTP', () => {
  let dataDir: string;
  let server: RunningServer;
  let url: string;
  let png: string;
  let imageId: string;

  beforeAll(async () => {
    dataDir = tempDir('siamese-bad-inputs-2-');
    const { modelDir } = await tinyModelOnce();
    server = await startTestServer({ dataDir, adminToken: TOKEN, modelDir });
    url = server.url;
    png = b64(await syntheticImage(1, 0));
    const id = (await gql(url, CREATE, { n: 'kept' }, { token: TOKEN })).data.createIdentity.id;
    imageId = (await gql(url, ENROLL, { id, images: [{ base64: png }] }, { token: TOKEN })).data.enrollImages[0].id;
  });
  afterAll(async () => {
    await server?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** Sends, records the answer, checks status + code (+ details), then that the server still serves. */
  async function expectRefused(
    name: string,
    send: () => Promise<GqlResponse>,
    status: number,
    code: string,
    details: Record<string, unknown> = {},
  ): Promise<GqlResponse> {
    const r = await send();
    table.push([name, answer(r)]);
    expect({ name, status: r.status, codes: codes(r) }).toEqual({ name, status, codes: [code] });
    expect(r.errors![0].extensions).toMatchObject(details);
    expect(JSON.stringify(r.errors)).not.toMatch(/stacktrace|\.ts:\d+|Maximum call stack/);
    expect((await gql(url, '{ model { version } }')).errors).toBeUndefined();
    return r;
  }

  describe('item 5: ill-formed UTF-16 in any string argument → BAD_USER_INPUT naming it', () => {
    it('ids and names, anonymous and admin', async () => {
      await expectRefused(
        'anonymous identity(id: "\\ud800")',
        () => gql(url, `query($id: ID!) { identity(id: $id) { id } }`, { id: LONE_HIGH }),
        200,
        'BAD_USER_INPUT',
        { argument: 'id', path: 'id' },
      );
      await expectRefused(
        'anonymous verify(a: { imageId: "x\\udfff" })',
        () => gql(url, VERIFY, { a: { imageId: `x${LONE_LOW}` }, b: { base64: png } }),
        200,
        'BAD_USER_INPUT',
        { argument: 'a', path: 'a.imageId' },
      );
      await expectRefused(
        'searchSimilar(image: { imageId: "\\udfff" })',
        () => gql(url, SEARCH, { i: { imageId: LONE_LOW } }),
        200,
        'BAD_USER_INPUT',
        { argument: 'image', path: 'image.imageId' },
      );
      await expectRefused(
        'createIdentity(name: "Ada\\ud83d")',
        () => gql(url, CREATE, { n: 'Ada\ud83d' }, { token: TOKEN }),
        200,
        'BAD_USER_INPUT',
        { argument: 'name' },
      );
      await expectRefused(
        'enrollImages(identityId: "\\ud800")',
        () => gql(url, ENROLL, { id: LONE_HIGH, images: [{ base64: png }] }, { token: TOKEN }),
        200,
        'BAD_USER_INPUT',
        { argument: 'identityId' },
      );
      await expectRefused(
        'trainingRun(id: "\\ud800")',
        () => gql(url, `query($id: ID!) { trainingRun(id: $id) { id } }`, { id: LONE_HIGH }, { token: TOKEN }),
        200,
        'BAD_USER_INPUT',
        { argument: 'id' },
      );
      await expectRefused(
        'activateModel(version: "\\ud800")',
        () => gql(url, `mutation($v: String!) { activateModel(version: $v) { version } }`, { v: LONE_HIGH }, { token: TOKEN }),
        200,
        'BAD_USER_INPUT',
        { argument: 'version' },
      );
    });

    it('metadata keys and values, notes, base64, cursors', async () => {
      await expectRefused(
        'metadata key "k\\ud800"',
        () => gql(url, CREATE, { n: 'm-key', m: { [`k${LONE_HIGH}`]: 1 } }, { token: TOKEN }),
        200,
        'BAD_USER_INPUT',
        { argument: 'metadata', path: 'metadata' },
      );
      await expectRefused(
        'metadata value in a list',
        () => gql(url, CREATE, { n: 'm-value', m: { notes: ['fine', `bad${LONE_LOW}`] } }, { token: TOKEN }),
        200,
        'BAD_USER_INPUT',
        { argument: 'metadata', path: 'metadata.notes[1]' },
      );
      await expectRefused(
        'labelPair(note: "x\\ud800")',
        () =>
          gql(
            url,
            `mutation($a: ImageInput!, $n: String) { labelPair(a: $a, b: $a, same: true, note: $n) { id } }`,
            { a: { imageId }, n: `x${LONE_HIGH}` },
            { token: TOKEN },
          ),
        200,
        'BAD_USER_INPUT',
        { argument: 'note' },
      );
      await expectRefused('base64 "iVBO\\ud800"', () => gql(url, SEARCH, { i: { base64: `iVBO${LONE_HIGH}` } }), 200, 'BAD_USER_INPUT', {
        argument: 'image',
      });
      await expectRefused(
        'identities(after: "\\ud800")',
        () => gql(url, `query($a: String) { identities(after: $a) { totalCount } }`, { a: LONE_HIGH }, { token: TOKEN }),
        200,
        'BAD_USER_INPUT',
        { argument: 'after' },
      );
    });

    it('accepts well-formed astral characters (a surrogate pair) unchanged', async () => {
      const r = await gql(url, CREATE, { n: 'Ada 😀', m: { mood: '😀' } }, { token: TOKEN });
      table.push(['createIdentity(name: "Ada 😀") (a valid pair)', answer(r)]);
      expect(r.errors).toBeUndefined();
      expect(r.data.createIdentity).toMatchObject({ name: 'Ada 😀', metadata: { mood: '😀' } });
    });
  });

  describe('item 5/9: metadata bounded (depth 16, 256 keys, 16 KiB as JSON)', () => {
    it('refuses a 10,000-deep object sent as a variable without overflowing any stack', async () => {
      const body = `{"query":${JSON.stringify(CREATE)},"variables":{"n":"deep","m":${nestedJson(10_000)}}}`;
      await expectRefused('metadata nested 10,000 deep (variable)', () => rawPost(url, body, TOKEN), 200, 'BAD_USER_INPUT', {
        argument: 'metadata',
        limit: 16,
      });
    });

    it('accepts depth 16 and refuses depth 17', async () => {
      const ok = await gql(url, CREATE, { n: 'depth-16', m: nestedObject(16) }, { token: TOKEN });
      table.push(['metadata depth 16', answer(ok)]);
      expect(ok.errors).toBeUndefined();
      await expectRefused(
        'metadata depth 17',
        () => gql(url, CREATE, { n: 'depth-17', m: nestedObject(17) }, { token: TOKEN }),
        200,
        'BAD_USER_INPUT',
        { limit: 16 },
      );
    });

    it('refuses more than 256 keys and more than 16 KiB', async () => {
      const keys = Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`k${i}`, i]));
      await expectRefused(
        'metadata with 257 keys',
        () => gql(url, CREATE, { n: 'wide', m: keys }, { token: TOKEN }),
        200,
        'BAD_USER_INPUT',
        { limit: 256 },
      );
      // {"bio":"xxx…"}: 10 bytes of JSON around the value.
      const ok = await gql(url, CREATE, { n: 'bio-ok', m: { bio: 'x'.repeat(16 * 1024 - 10) } }, { token: TOKEN });
      table.push(['metadata of exactly 16,384 bytes', answer(ok)]);
      expect(ok.errors).toBeUndefined();
      await expectRefused(
        'metadata of 16,385 bytes',
        () => gql(url, CREATE, { n: 'bio-big', m: { bio: 'x'.repeat(16 * 1024 - 9) } }, { token: TOKEN }),
        200,
        'PAYLOAD_TOO_LARGE',
        { limit: 16384, bytes: 16385 },
      );
      await expectRefused(
        'metadata of 1 MB',
        () => gql(url, CREATE, { n: 'bio-huge', m: { bio: 'x'.repeat(1_000_000) } }, { token: TOKEN }),
        200,
        'PAYLOAD_TOO_LARGE',
      );
    });

    it('a 10,000-deep literal in the query text is a parse failure (400), not a 500', async () => {
      const literal = '{a:'.repeat(10_000) + '1' + '}'.repeat(10_000);
      const r = await gql(url, `mutation { createIdentity(name: "lit", metadata: ${literal}) { id } }`, {}, { token: TOKEN });
      table.push(['metadata nested 10,000 deep (literal in the query)', answer(r)]);
      expect(r.status).toBe(400);
      expect(codes(r)).toEqual(['GRAPHQL_PARSE_FAILED']);
    });
  });

  describe('item 9: identity names unique, case- and Unicode-insensitive', () => {
    async function expectDuplicate(first: string, second: string) {
      const a = await gql(url, CREATE, { n: first }, { token: TOKEN });
      expect(a.errors).toBeUndefined();
      await expectRefused(
        `createIdentity ${JSON.stringify(second)} after ${JSON.stringify(first)}`,
        () => gql(url, CREATE, { n: second }, { token: TOKEN }),
        200,
        'CONFLICT',
        {
          argument: 'name',
          existingId: a.data.createIdentity.id,
        },
      );
    }

    it('NFC vs NFD, full-width vs ASCII, ß vs SS, spacing and case', async () => {
      await expectDuplicate('Zo\u00eb', 'Zoe\u0308');
      await expectDuplicate('\uff21\uff22\uff23', 'abc');
      await expectDuplicate('Stra\u00dfe', 'STRASSE');
      await expectDuplicate('  Ada   Lovelace ', 'ada lovelace');
    });

    it('stores the display name NFC-composed and trimmed', async () => {
      const r = await gql(url, CREATE, { n: '  E\u0301va ' }, { token: TOKEN });
      expect(r.data.createIdentity.name).toBe('\u00c9va');
    });

    it('refuses blank, invisible-only and control-character names', async () => {
      await expectRefused('name "   "', () => gql(url, CREATE, { n: '   ' }, { token: TOKEN }), 200, 'BAD_USER_INPUT', {
        argument: 'name',
      });
      await expectRefused(
        'name of zero-width spaces',
        () => gql(url, CREATE, { n: '\u200b\u200b' }, { token: TOKEN }),
        200,
        'BAD_USER_INPUT',
        { argument: 'name' },
      );
      await expectRefused('name with NUL "a\\u0000b"', () => gql(url, CREATE, { n: 'a\u0000b' }, { token: TOKEN }), 200, 'BAD_USER_INPUT', {
        argument: 'name',
      });
      await expectRefused('name with a newline', () => gql(url, CREATE, { n: 'Ada\nLovelace' }, { token: TOKEN }), 200, 'BAD_USER_INPUT', {
        argument: 'name',
      });
    });

    it('five concurrent creates of one name: exactly one wins, four CONFLICT', async () => {
      const all = await Promise.all(['Twin', 'twin', 'TWIN', ' twin', 'Twin '].map((n) => gql(url, CREATE, { n }, { token: TOKEN })));
      const won = all.filter((r) => !r.errors);
      table.push(['5 concurrent creates of "twin" (case variants)', `${won.length} created, ${all.length - won.length} CONFLICT`]);
      expect(won).toHaveLength(1);
      const refused = all.filter((r) => r.errors);
      expect(refused.map(codes)).toEqual([['CONFLICT'], ['CONFLICT'], ['CONFLICT'], ['CONFLICT']]);
      for (const r of refused) expect(r.errors![0].extensions!.existingId).toBe(won[0].data.createIdentity.id);
    });

    it('a deleted identity frees its name', async () => {
      const a = await gql(url, CREATE, { n: 'Gone Soon' }, { token: TOKEN });
      await gql(url, `mutation($id: ID!) { deleteIdentity(id: $id) }`, { id: a.data.createIdentity.id }, { token: TOKEN });
      const again = await gql(url, CREATE, { n: 'gone soon' }, { token: TOKEN });
      expect(again.errors).toBeUndefined();
    });
  });

  describe('item 9: minimum image side (SIAMESE_MIN_IMAGE_SIDE, default 16)', () => {
    it('refuses 1×1, 8×8 and 15×64 images with IMAGE_TOO_SMALL and the size', async () => {
      const one = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#fff' } })
        .png()
        .toBuffer();
      await expectRefused('searchSimilar 1×1 PNG', () => gql(url, SEARCH, { i: { base64: b64(one) } }), 200, 'IMAGE_TOO_SMALL', {
        argument: 'image',
        width: 1,
        height: 1,
        minSide: 16,
      });
      const eight = b64(await grey(8, 8));
      const thin = b64(await grey(15, 64));
      await expectRefused(
        'verify b = 8×8 PNG',
        () => gql(url, VERIFY, { a: { base64: png }, b: { base64: eight } }),
        200,
        'IMAGE_TOO_SMALL',
        { argument: 'b', width: 8, height: 8 },
      );
      const id = (await gql(url, CREATE, { n: 'small images' }, { token: TOKEN })).data.createIdentity.id;
      await expectRefused(
        'enrollImages 15×64 PNG',
        () => gql(url, ENROLL, { id, images: [{ base64: png }, { base64: thin }] }, { token: TOKEN }),
        200,
        'IMAGE_TOO_SMALL',
        { argument: 'images[1]', width: 15, height: 64 },
      );
      // Nothing of the refused call was stored.
      expect(
        (await gql(url, `query($id: ID!) { identity(id: $id) { imageCount } }`, { id }, { token: TOKEN })).data.identity.imageCount,
      ).toBe(0);
    });

    it('accepts 16×16', async () => {
      const r = await gql(url, SEARCH, { i: { base64: b64(await grey(16, 16)) } });
      table.push(['searchSimilar 16×16 PNG', answer(r)]);
      expect(r.errors).toBeUndefined();
      expect(r.data.searchSimilar).toHaveLength(1);
    });
  });
});

describe('item 5: model cards validated at load', () => {
  let root: string;
  let card: ModelCard;
  let modelDir: string;
  beforeAll(async () => {
    root = tempDir('siamese-bad-cards-');
    ({ modelDir, card } = await tinyModelOnce());
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  /** A copy of the tiny model whose card is edited (the weights, hence the fingerprint, unchanged). */
  function brokenCopy(name: string, edit: (c: ModelCard) => ModelCard): string {
    const dir = path.join(root, name);
    fs.mkdirSync(dir, { recursive: true });
    for (const f of fs.readdirSync(modelDir)) fs.copyFileSync(path.join(modelDir, f), path.join(dir, f));
    fs.writeFileSync(path.join(dir, 'model-card.json'), JSON.stringify(edit(structuredClone(card))));
    return dir;
  }

  /**
   * Starts a server on the broken model. Expected: the start is refused with MODEL_INCOMPATIBLE.
   * Before this change it started; what a verify then answered goes into the table.
   */
  async function expectRefusedAtStart(name: string, dir: string, why: RegExp): Promise<void> {
    const dataDir = fs.mkdtempSync(path.join(root, 'data-'));
    const started = await startTestServer({ dataDir, adminToken: TOKEN, modelDir: dir }).then(
      (s) => ({ server: s, error: undefined }),
      (e: unknown) => ({ server: undefined, error: e as Error & { code?: string } }),
    );
    if (started.server) {
      const img = { base64: b64(await syntheticImage(1, 0)) };
      const r = await gql(started.server.url, VERIFY, { a: img, b: img });
      table.push([`${name}: server starts; verify(x, x)`, r.errors ? answer(r) : `match: ${r.data.verify.match}`]);
      await started.server.close();
    } else {
      table.push([`${name}: start`, `refused: ${started.error?.code}`]);
    }
    expect(started.server).toBeUndefined();
    expect(started.error?.code).toBe('MODEL_INCOMPATIBLE');
    expect(started.error?.message).toMatch(why);
  }

  it('refuses a card whose input size disagrees with model.json', async () => {
    const dir = brokenCopy('input-40', (c) => ({ ...c, preprocessing: { ...c.preprocessing, width: 40, height: 40 } }));
    await expectRefusedAtStart('card says 40×40, model.json takes 32×32', dir, /takes input \[null,32,32,1\].*\[null,40,40,1\]/);
  });

  it('refuses a card with a negative default threshold', async () => {
    const dir = brokenCopy('negative-threshold', (c) => ({ ...c, thresholds: { ...c.thresholds, default: -0.1 } }));
    await expectRefusedAtStart('card default threshold −0.1', dir, /thresholds.default must be a finite distance ≥ 0/);
  });

  it('activateModel refuses a registered version whose card is broken, and keeps serving', async () => {
    const dataDir = fs.mkdtempSync(path.join(root, 'data-'));
    const server = await startTestServer({ dataDir, adminToken: TOKEN, modelDir });
    try {
      const dir = brokenCopy('bad-version', (c) => ({ ...c, version: 'bad-card', thresholds: { ...c.thresholds, default: -1 } }));
      await server.internals.store.registerModelVersion(
        { version: 'bad-card', dir, fingerprint: card.fingerprint, metric: card.metric, card: {} },
        false,
      );
      const r = await gql(server.url, `mutation { activateModel(version: "bad-card") { version } }`, {}, { token: TOKEN });
      table.push(['activateModel of a version whose card has default −1', answer(r)]);
      expect(codes(r)).toEqual(['MODEL_INCOMPATIBLE']);
      expect((await gql(server.url, '{ model { version } }')).data).toEqual({ model: { version: card.version } });
    } finally {
      await server.close();
    }
  });
});

describe('item 9: names of databases from before names were unique', () => {
  it('backfills nameKey at start (oldest of duplicates keeps it), warns, and later creates conflict', async () => {
    const dataDir = tempDir('siamese-name-backfill-');
    const { modelDir } = await tinyModelOnce();
    const env = (lines: string[]) => ({
      config: loadConfig(
        {
          NODE_ENV: 'test',
          PORT: '0',
          HOST: '127.0.0.1',
          SIAMESE_DATA_DIR: dataDir,
          SIAMESE_BACKEND: 'cpu',
          SIAMESE_ADMIN_TOKEN: TOKEN,
          SIAMESE_MODEL: modelDir,
          SIAMESE_MODELS_DIR: path.join(dataDir, 'none'),
        },
        dataDir,
      ),
      logger: {
        info: (m: string, meta?: object) => lines.push(JSON.stringify({ m, ...meta })),
        error: (m: string, meta?: object) => lines.push(JSON.stringify({ m, ...meta })),
      },
    });
    try {
      // Rows as an older version wrote them: no nameKey.
      const first = env([]);
      const old = await startServer(first.config, { logger: first.logger });
      const db = (old.internals.store as DbStore).db;
      const made: string[] = [];
      for (const name of ['Ada', 'ADA', ' ada ', 'Grace']) {
        made.push(
          (
            await db.run((p) =>
              p.identity.create({ data: { name, createdAt: new Date(Date.UTC(2020, 0, 1 + made.length)) }, select: { id: true } }),
            )
          ).id,
        );
      }
      await old.close();

      const lines: string[] = [];
      const second = env(lines);
      const server = await startServer(second.config, { logger: second.logger });
      try {
        const warning = lines.find((l) => l.includes('share a name'));
        table.push([
          'restart on a database with Ada, ADA, " ada ", Grace (no nameKey)',
          warning ? `warning logged: ${JSON.parse(warning).duplicates} duplicates` : 'no warning',
        ]);
        expect(warning && JSON.parse(warning).duplicates).toBe(2);
        const ada = await gql(server.url, CREATE, { n: 'ada' }, { token: TOKEN });
        expect(codes(ada)).toEqual(['CONFLICT']);
        expect(ada.errors![0].extensions!.existingId).toBe(made[0]);
        const grace = await gql(server.url, CREATE, { n: 'GRACE' }, { token: TOKEN });
        expect(grace.errors![0].extensions!.existingId).toBe(made[3]);
        // The duplicates are kept (nothing is deleted), and stay readable.
        expect((await gql(server.url, `{ identities(first: 10) { totalCount } }`, {}, { token: TOKEN })).data.identities.totalCount).toBe(
          4,
        );
      } finally {
        await server.close();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
