import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import Database from 'better-sqlite3';
import type { RunningServer } from '../../src/main';
import { pixelEmbedder } from '../fixtures/pixel-embedder';
import { syntheticImage } from '../fixtures/synthetic-images';
import { codes, gql, gqlMultipart, type GqlResponse } from '../e2e/http-client';
import { startTestServer, tempDir } from '../e2e/harness';
import { collect, wsClient } from '../retraining/helpers';

/**
 * Issue 13 item 7: what anonymous callers may read, API keys with roles, over real HTTP on a
 * real SQLite file. Before: anyone read every identity's name and metadata, image hashes, and
 * used verify(a: { imageId }) as a 1:1 oracle on any enrolled photo.
 */
jest.setTimeout(120_000);

const TOKEN = 'access-model-admin-token-0123456789';
const CREATE = `mutation($n: String!, $m: JSONObject) { createIdentity(name: $n, metadata: $m) { id } }`;
const ENROLL = `mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id sha256 } }`;
const SEARCH_IDS = `query($i: ImageInput!) { searchSimilar(image: $i, k: 3) { identity { id imageCount } imageId distance match } }`;
const SEARCH_NAMES = `query($i: ImageInput!) { searchSimilar(image: $i, k: 3) { identity { id name } distance } }`;
const SEARCH_METADATA = `query($i: ImageInput!) { searchSimilar(image: $i, k: 3) { identity { id metadata } distance } }`;
const SEARCH_HASHES = `query($i: ImageInput!) { searchSimilar(image: $i, k: 3) { identity { id images { sha256 } } distance } }`;
const VERIFY = `query($a: ImageInput!, $b: ImageInput!) { verify(a: $a, b: $b) { match distance } }`;
const IDENTITY = `query($id: ID!) { identity(id: $id) { id name metadata images { sha256 } } }`;
const IDENTITIES = `{ identities(first: 10) { totalCount edges { node { id name } } } }`;
const VIEWER = `{ viewer { role authenticated apiKeyId seesIdentityNames seesPersonalData } }`;
const CREATE_KEY = `mutation($n: String!, $r: AccessRole!) { createApiKey(name: $n, role: $r) { key apiKey { id name role prefix createdAt lastUsedAt revokedAt } } }`;
const REVOKE_KEY = `mutation($id: ID!) { revokeApiKey(id: $id) }`;
const LIST_KEYS = `{ apiKeys { id name role prefix lastUsedAt revokedAt } }`;

const b64 = async (identity: number, shot: number) => ({ base64: (await syntheticImage(identity, shot)).toString('base64') });

interface Fixture {
  server: RunningServer;
  dataDir: string;
  url: string;
  alice: { id: string; imageIds: string[]; sha256: string[] };
}

const servers: Fixture[] = [];

/** A server with one enrolled identity (alice: 2 images, metadata), set up by the admin token. */
async function serve(env: Record<string, string> = {}): Promise<Fixture> {
  const dataDir = tempDir('siamese-access-');
  const server = await startTestServer({ dataDir, adminToken: TOKEN, embedder: pixelEmbedder(), env });
  const url = server.url;
  const created = await gql(url, CREATE, { n: 'alice', m: { email: 'alice@example.org' } }, { token: TOKEN });
  expect(created.errors).toBeUndefined();
  const id = created.data.createIdentity.id;
  const enrolled = await gql(url, ENROLL, { id, images: [await b64(1, 0), await b64(1, 1)] }, { token: TOKEN });
  expect(enrolled.errors).toBeUndefined();
  const f: Fixture = {
    server,
    dataDir,
    url,
    alice: {
      id,
      imageIds: enrolled.data.enrollImages.map((i: { id: string }) => i.id),
      sha256: enrolled.data.enrollImages.map((i: { sha256: string }) => i.sha256),
    },
  };
  servers.push(f);
  return f;
}

afterAll(async () => {
  for (const f of servers) {
    await f.server.close();
    fs.rmSync(f.dataDir, { recursive: true, force: true });
  }
});

const errorAt = (r: GqlResponse) =>
  (r.errors ?? []).map((e) => ({ code: e.extensions?.code, field: e.extensions?.field, argument: e.extensions?.argument }));

describe('issue 13: access model', () => {
  describe('anonymous callers, default (SIAMESE_ANONYMOUS_ACCESS=search)', () => {
    let f: Fixture;
    beforeAll(async () => {
      f = await serve();
    });

    it('search and verify with sent images work, answering identity ids', async () => {
      const s = await gql(f.url, SEARCH_IDS, { i: await b64(1, 2) });
      expect(s.errors).toBeUndefined();
      expect(s.data.searchSimilar[0]).toMatchObject({ identity: { id: f.alice.id, imageCount: 2 }, match: true });
      expect(f.alice.imageIds).toContain(s.data.searchSimilar[0].imageId);
      const v = await gql(f.url, VERIFY, { a: await b64(1, 0), b: await b64(1, 3) });
      expect(v.errors).toBeUndefined();
      expect(v.data.verify.match).toBe(true);
      // The multipart upload path too.
      const up = await gqlMultipart(f.url, SEARCH_IDS, { i: { upload: null } }, [
        { path: 'variables.i.upload', bytes: await syntheticImage(1, 4) },
      ]);
      expect(up.errors).toBeUndefined();
      expect(up.data.searchSimilar[0].identity.id).toBe(f.alice.id);
    });

    it('names, metadata and image hashes in a search answer are refused with FORBIDDEN at the field', async () => {
      const names = await gql(f.url, SEARCH_NAMES, { i: await b64(1, 2) });
      expect(errorAt(names)).toContainEqual({ code: 'FORBIDDEN', field: 'Identity.name', argument: undefined });
      expect(JSON.stringify(names.data)).not.toContain('alice');
      const meta = await gql(f.url, SEARCH_METADATA, { i: await b64(1, 2) });
      expect(errorAt(meta)).toContainEqual({ code: 'FORBIDDEN', field: 'Identity.metadata', argument: undefined });
      // metadata is nullable: the rest of the answer survives, the field is null, never the data.
      expect(meta.data.searchSimilar[0]).toMatchObject({ identity: { id: f.alice.id, metadata: null } });
      expect(JSON.stringify(meta)).not.toContain('alice@example.org');
      const hashes = await gql(f.url, SEARCH_HASHES, { i: await b64(1, 2) });
      expect(errorAt(hashes)).toContainEqual({ code: 'FORBIDDEN', field: 'Identity.images', argument: undefined });
      for (const h of f.alice.sha256) expect(JSON.stringify(hashes)).not.toContain(h);
    });

    it('imageId inputs are refused with FORBIDDEN naming the argument, whether the image exists or not', async () => {
      const real = await gql(f.url, VERIFY, { a: { imageId: f.alice.imageIds[0] }, b: await b64(1, 2) });
      expect(errorAt(real)).toEqual([{ code: 'FORBIDDEN', field: undefined, argument: 'a' }]);
      const unknown = await gql(f.url, VERIFY, { a: await b64(1, 2), b: { imageId: 'no-such-image' } });
      expect(errorAt(unknown)).toEqual([{ code: 'FORBIDDEN', field: undefined, argument: 'b' }]);
      const search = await gql(f.url, SEARCH_IDS, { i: { imageId: f.alice.imageIds[1] } });
      expect(errorAt(search)).toEqual([{ code: 'FORBIDDEN', field: undefined, argument: 'image' }]);
    });

    it('identity, identities and the enrollment mutations answer UNAUTHENTICATED', async () => {
      expect(codes(await gql(f.url, IDENTITY, { id: f.alice.id }))).toEqual(['UNAUTHENTICATED']);
      expect(codes(await gql(f.url, IDENTITIES))).toEqual(['UNAUTHENTICATED']);
      expect(codes(await gql(f.url, CREATE, { n: 'mallory' }))).toEqual(['UNAUTHENTICATED']);
      expect(codes(await gql(f.url, LIST_KEYS))).toEqual(['UNAUTHENTICATED']);
    });

    it('viewer says what an anonymous caller is; the admin token still sees everything', async () => {
      expect((await gql(f.url, VIEWER)).data.viewer).toEqual({
        role: 'SEARCH',
        authenticated: false,
        apiKeyId: null,
        seesIdentityNames: false,
        seesPersonalData: false,
      });
      const admin = await gql(f.url, IDENTITY, { id: f.alice.id }, { token: TOKEN });
      expect(admin.errors).toBeUndefined();
      expect(admin.data.identity).toMatchObject({ name: 'alice', metadata: { email: 'alice@example.org' } });
      expect(admin.data.identity.images.map((i: { sha256: string }) => i.sha256).sort()).toEqual([...f.alice.sha256].sort());
      expect((await gql(f.url, VIEWER, {}, { token: TOKEN })).data.viewer).toMatchObject({ role: 'ADMIN', authenticated: true });
      // A wrong token is refused even where anonymous callers are allowed: it is not downgraded.
      expect(codes(await gql(f.url, VERIFY, { a: await b64(1, 0), b: await b64(1, 1) }, { token: 'wrong-token' }))).toEqual([
        'UNAUTHENTICATED',
      ]);
    });
  });

  describe('SIAMESE_ANONYMOUS_ACCESS and SIAMESE_SEARCH_NAMES variants', () => {
    it('none: anonymous callers may do nothing but ask viewer', async () => {
      const f = await serve({ SIAMESE_ANONYMOUS_ACCESS: 'none' });
      expect(codes(await gql(f.url, VERIFY, { a: await b64(1, 0), b: await b64(1, 1) }))).toEqual(['UNAUTHENTICATED']);
      expect(codes(await gql(f.url, SEARCH_IDS, { i: await b64(1, 0) }))).toEqual(['UNAUTHENTICATED']);
      expect(codes(await gql(f.url, `{ model { version } }`))).toEqual(['UNAUTHENTICATED']);
      expect((await gql(f.url, VIEWER)).data.viewer).toMatchObject({ role: 'NONE', authenticated: false });
      // An application with a search key gets the search answers.
      const key = (await gql(f.url, CREATE_KEY, { n: 'kiosk', r: 'SEARCH' }, { token: TOKEN })).data.createApiKey.key;
      const s = await gql(f.url, SEARCH_IDS, { i: await b64(1, 2) }, { token: key });
      expect(s.errors).toBeUndefined();
      expect(s.data.searchSimilar[0].identity.id).toBe(f.alice.id);
    });

    it('read: the behaviour before issue 13 (names, metadata, hashes, imageId), still no writes', async () => {
      const f = await serve({ SIAMESE_ANONYMOUS_ACCESS: 'read' });
      const one = await gql(f.url, IDENTITY, { id: f.alice.id });
      expect(one.errors).toBeUndefined();
      expect(one.data.identity).toMatchObject({ name: 'alice', metadata: { email: 'alice@example.org' } });
      expect((await gql(f.url, IDENTITIES)).data.identities.totalCount).toBe(1);
      const v = await gql(f.url, VERIFY, { a: { imageId: f.alice.imageIds[0] }, b: await b64(1, 2) });
      expect(v.errors).toBeUndefined();
      expect(codes(await gql(f.url, CREATE, { n: 'mallory' }))).toEqual(['UNAUTHENTICATED']);
    });

    it('SIAMESE_SEARCH_NAMES=true: search answers carry names; metadata stays refused', async () => {
      const f = await serve({ SIAMESE_SEARCH_NAMES: 'true' });
      const s = await gql(f.url, SEARCH_NAMES, { i: await b64(1, 2) });
      expect(s.errors).toBeUndefined();
      expect(s.data.searchSimilar[0].identity).toEqual({ id: f.alice.id, name: 'alice' });
      expect(errorAt(await gql(f.url, SEARCH_METADATA, { i: await b64(1, 2) }))).toContainEqual({
        code: 'FORBIDDEN',
        field: 'Identity.metadata',
        argument: undefined,
      });
      expect(codes(await gql(f.url, IDENTITIES))).toEqual(['UNAUTHENTICATED']);
    });
  });

  describe('API keys', () => {
    let f: Fixture;
    beforeAll(async () => {
      f = await serve();
    });

    const createKey = async (name: string, role: string, token = TOKEN) => {
      const r = await gql(f.url, CREATE_KEY, { n: name, r: role }, { token });
      expect(r.errors).toBeUndefined();
      return r.data.createApiKey as {
        key: string;
        apiKey: { id: string; name: string; role: string; prefix: string; lastUsedAt: string | null; revokedAt: string | null };
      };
    };

    it('create → use within the role → refused above it → revoke → refused', async () => {
      const read = await createKey('reporting', 'READ');
      expect(read.key).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
      expect(read.apiKey).toMatchObject({
        name: 'reporting',
        role: 'READ',
        prefix: read.key.slice(0, 11),
        lastUsedAt: null,
        revokedAt: null,
      });

      const one = await gql(f.url, IDENTITY, { id: f.alice.id }, { token: read.key });
      expect(one.errors).toBeUndefined();
      expect(one.data.identity).toMatchObject({ name: 'alice', metadata: { email: 'alice@example.org' } });
      expect(
        (await gql(f.url, VERIFY, { a: { imageId: f.alice.imageIds[0] }, b: await b64(1, 2) }, { token: read.key })).errors,
      ).toBeUndefined();
      expect((await gql(f.url, VIEWER, {}, { token: read.key })).data.viewer).toEqual({
        role: 'READ',
        authenticated: true,
        apiKeyId: read.apiKey.id,
        seesIdentityNames: true,
        seesPersonalData: true,
      });
      // Authenticated but too weak: FORBIDDEN (not UNAUTHENTICATED).
      expect(codes(await gql(f.url, CREATE, { n: 'bob' }, { token: read.key }))).toEqual(['FORBIDDEN']);
      expect(codes(await gql(f.url, LIST_KEYS, {}, { token: read.key }))).toEqual(['FORBIDDEN']);

      const enroll = await createKey('enrolment desk', 'ENROLL');
      const bob = await gql(f.url, CREATE, { n: 'bob' }, { token: enroll.key });
      expect(bob.errors).toBeUndefined();
      expect(
        (await gql(f.url, ENROLL, { id: bob.data.createIdentity.id, images: [await b64(2, 0)] }, { token: enroll.key })).errors,
      ).toBeUndefined();
      expect(
        codes(
          await gql(f.url, `mutation($id: ID!) { deleteIdentity(id: $id) }`, { id: bob.data.createIdentity.id }, { token: enroll.key }),
        ),
      ).toEqual(['FORBIDDEN']);
      expect(codes(await gql(f.url, CREATE_KEY, { n: 'escalate', r: 'ADMIN' }, { token: enroll.key }))).toEqual(['FORBIDDEN']);

      // An admin key manages keys too.
      const admin = await createKey('ops', 'ADMIN');
      const listed = await gql(f.url, LIST_KEYS, {}, { token: admin.key });
      expect(listed.errors).toBeUndefined();
      const byName = new Map(listed.data.apiKeys.map((k: { name: string }) => [k.name, k]));
      expect(byName.get('reporting')).toMatchObject({ role: 'READ', revokedAt: null });
      expect((byName.get('reporting') as { lastUsedAt: string | null }).lastUsedAt).not.toBeNull();
      expect(JSON.stringify(listed.data)).not.toContain(read.key.slice(11));

      expect((await gql(f.url, REVOKE_KEY, { id: read.apiKey.id }, { token: admin.key })).data.revokeApiKey).toBe(true);
      expect((await gql(f.url, REVOKE_KEY, { id: read.apiKey.id }, { token: TOKEN })).data.revokeApiKey).toBe(false);
      const after = await gql(f.url, IDENTITY, { id: f.alice.id }, { token: read.key });
      expect(codes(after)).toEqual(['UNAUTHENTICATED']);
      expect(after.errors![0].message).toMatch(/revoked/);
      // Revoked means refused everywhere, even where an anonymous caller would be let in.
      expect(codes(await gql(f.url, VERIFY, { a: await b64(1, 0), b: await b64(1, 1) }, { token: read.key }))).toEqual(['UNAUTHENTICATED']);
      expect(codes(await gql(f.url, REVOKE_KEY, { id: 'no-such-key' }, { token: TOKEN }))).toEqual(['NOT_FOUND']);
    });

    it('an unknown or mistyped key is refused with UNAUTHENTICATED', async () => {
      const { key } = await createKey('typo', 'READ');
      const typo = key.slice(0, -1) + (key.endsWith('x') ? 'y' : 'x');
      expect(codes(await gql(f.url, IDENTITIES, {}, { token: typo }))).toEqual(['UNAUTHENTICATED']);
      expect(codes(await gql(f.url, IDENTITIES, {}, { token: 'sk_short' }))).toEqual(['UNAUTHENTICATED']);
    });

    it('the database keeps the SHA-256 of a key only: the key is in no row and in no byte of the file', async () => {
      const { key, apiKey } = await createKey('hashed', 'ENROLL');
      const dbFile = path.join(f.dataDir, 'siamese.db');
      const db = new Database(dbFile, { readonly: true });
      try {
        const row = db.prepare('SELECT * FROM "ApiKey" WHERE id = ?').get(apiKey.id) as Record<string, unknown>;
        expect(row.keyHash).toBe(crypto.createHash('sha256').update(key).digest('hex'));
        expect(row.prefix).toBe(key.slice(0, 11));
        expect(Object.values(row).some((v) => typeof v === 'string' && v.includes(key.slice(11)))).toBe(false);
      } finally {
        db.close();
      }
      for (const file of [dbFile, `${dbFile}-wal`]) {
        if (fs.existsSync(file)) expect(fs.readFileSync(file).includes(Buffer.from(key.slice(11)))).toBe(false);
      }
    });

    it('the WebSocket door checks API keys the same way (trainingProgress is admin only)', async () => {
      const read = await createKey('ws reader', 'READ');
      const admin = await createKey('ws admin', 'ADMIN');
      const PROGRESS = `subscription($id: ID!) { trainingProgress(runId: $id) { id status } }`;
      const codesOf = (error: unknown) =>
        Array.isArray(error) ? error.map((e: { extensions?: { code?: string } }) => e.extensions?.code) : [String(error)];
      for (const [token, expected] of [
        [undefined, 'UNAUTHENTICATED'],
        [read.key, 'FORBIDDEN'],
        [admin.key, 'NOT_FOUND'],
        [TOKEN, 'NOT_FOUND'],
      ] as const) {
        const client = wsClient(f.url, token);
        try {
          const r = await collect(client, PROGRESS, { id: 'no-such-run' });
          expect(codesOf(r.error)).toEqual([expected]);
        } finally {
          await client.dispose();
        }
      }
    });

    it('refuses a bad key name and the role NONE with BAD_USER_INPUT', async () => {
      expect(codes(await gql(f.url, CREATE_KEY, { n: '  ', r: 'READ' }, { token: TOKEN }))).toEqual(['BAD_USER_INPUT']);
      expect(codes(await gql(f.url, CREATE_KEY, { n: 'nothing', r: 'NONE' }, { token: TOKEN }))).toEqual(['BAD_USER_INPUT']);
    });
  });
});
