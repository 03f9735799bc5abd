import * as fs from 'fs';
import { Client } from 'pg';
import type { RunningServer } from '../../src/main';
import { openWorkLocks } from '../../src/db/work-lock';
import { PgvectorIndex } from '../../src/db/pgvector.index';
import { ErrorCode } from '../../src/errors';
import { defineServiceSuite } from './service-suite';
import { tinyModelOnce } from '../fixtures/tiny-model-once';
import { PG_URL, pgTestDatabase, type TestDatabase } from '../db/db-targets';
import { describePgBouncer, startPgBouncer, type RunningBouncer } from '../fixtures/pgbouncer';
import { syntheticImage } from '../fixtures/synthetic-images';
import { gql } from './http-client';
import { startTestServer, tempDir } from './harness';

/**
 * DATABASE_URL through a real PgBouncer in transaction mode (db/pooler.ts, session 51). The deployment guide told
 * operators to put PgBouncer (transaction mode) in front of the pools; until this session a server behind it could not
 * open a single query (the pool's `-c search_path` startup option is refused). Now `?pgbouncer=true` sends none, the
 * schema comes from the pooler's `connect_query`, and LISTEN and the work locks use DATABASE_DIRECT_URL.
 */
const TOKEN = 'pgbouncer-admin-token-0123456789';
const CREATE = `mutation($name: String!) { createIdentity(name: $name) { id } }`;
const ENROLL = `mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id } }`;
const SEARCH = `query($image: ImageInput!, $k: Int) { searchSimilar(image: $image, k: $k) { identity { id } match } }`;
const b64 = (b: Buffer) => b.toString('base64');
const schemaOf = (db: TestDatabase) => new URL(db.url).searchParams.get('schema')!;
const inSchema = (schema: string) => `SET search_path = "${schema}"`;

describePgBouncer('PgBouncer (transaction mode) in front of DATABASE_URL', () => {
  jest.setTimeout(60_000);

  describe('the service suite through the pooler', () => {
    // A pooler per test, its connections put in that test's schema; two server connections, so the pool's ten
    // clients share them and every statement may land on a connection another client used last.
    const opened = new Map<string, { db: TestDatabase; bouncer: RunningBouncer }>();
    defineServiceSuite('service end-to-end through PgBouncer (pgbouncer=true, DATABASE_DIRECT_URL for LISTEN and locks)', {
      databaseUrl: async () => {
        const db = pgTestDatabase();
        const bouncer = await startPgBouncer({ poolSize: 2, connectQuery: inSchema(schemaOf(db)) });
        const url = bouncer.url({ schema: schemaOf(db), pgbouncer: 'true' });
        opened.set(url, { db, bouncer });
        return url;
      },
      cleanup: async (url) => {
        const o = url === undefined ? undefined : opened.get(url);
        if (!o) return;
        opened.delete(url!);
        await o.bouncer.stop();
        await o.db.dispose();
      },
      model: () => tinyModelOnce(),
      // Without ?schema=: the direct URL takes DATABASE_URL's (db/pooler.ts sessionUrlFor).
      env: { DATABASE_DIRECT_URL: PG_URL! },
    });
  });

  describe('start-up checks and the session connections', () => {
    let db: TestDatabase;
    const bouncers: RunningBouncer[] = [];
    const servers: RunningServer[] = [];
    const dirs: string[] = [];
    const start = async (databaseUrl: string, env: Record<string, string> = {}) => {
      const dataDir = tempDir('siamese-pgbouncer-');
      dirs.push(dataDir);
      const { modelDir } = await tinyModelOnce();
      const s = await startTestServer({ dataDir, adminToken: TOKEN, databaseUrl, modelDir, env });
      servers.push(s);
      return s;
    };
    const bouncer = async (o: Parameters<typeof startPgBouncer>[0]) => {
      const b = await startPgBouncer(o);
      bouncers.push(b);
      return b;
    };

    beforeEach(() => {
      db = pgTestDatabase();
    });
    afterEach(async () => {
      for (const s of servers.splice(0)) await s.close();
      for (const b of bouncers.splice(0)) await b.stop();
      for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
      await db.dispose();
    });

    it('without pgbouncer=true the server is refused at start (POOLER_MISCONFIGURED), told what to set', async () => {
      const b = await bouncer({ poolSize: 2, connectQuery: inSchema(schemaOf(db)) });
      await expect(start(b.url({ schema: schemaOf(db) }))).rejects.toMatchObject({
        code: ErrorCode.POOLER_MISCONFIGURED,
        message: expect.stringMatching(
          /refused the connection's startup options \(unsupported startup parameter: options\).*Add pgbouncer=true/,
        ),
      });
    });

    it('with pgbouncer=true but no server-side search_path, another schema is refused, naming connect_query', async () => {
      const b = await bouncer({ poolSize: 2 });
      await expect(start(b.url({ schema: schemaOf(db), pgbouncer: 'true' }))).rejects.toMatchObject({
        code: ErrorCode.POOLER_MISCONFIGURED,
        message: expect.stringMatching(
          new RegExp(`in schema 'public', not '${schemaOf(db)}'.*connect_query = 'SET search_path = "${schemaOf(db)}"'`),
        ),
      });
    });

    it('a DATABASE_DIRECT_URL of another database, or through the pooler, is refused', async () => {
      const b = await bouncer({ poolSize: 2, connectQuery: inSchema(schemaOf(db)) });
      const other = new URL(PG_URL!);
      other.pathname = '/postgres';
      const pooled = b.url({ schema: schemaOf(db), pgbouncer: 'true' });
      await expect(start(pooled, { DATABASE_DIRECT_URL: other.toString() })).rejects.toMatchObject({
        code: ErrorCode.POOLER_MISCONFIGURED,
        message: expect.stringMatching(
          /DATABASE_DIRECT_URL reaches database 'postgres' .* DATABASE_URL '[^']+' .*same primary and database/,
        ),
      });
      // The pooler's own URL without pgbouncer=true: it would pass a same-database check, and strand LISTEN and locks.
      await expect(start(pooled, { DATABASE_DIRECT_URL: b.url() })).rejects.toMatchObject({
        code: ErrorCode.POOLER_MISCONFIGURED,
        message: expect.stringMatching(
          /reaches a connection pooler \(unsupported startup parameter: options\): it must reach PostgreSQL itself/,
        ),
      });
    });

    it("replicas behind the pooler hear each other's enrolments pushed over the direct URL (feed polled once a minute)", async () => {
      const b = await bouncer({ poolSize: 2, connectQuery: inSchema(schemaOf(db)) });
      const env = { DATABASE_DIRECT_URL: PG_URL!, SIAMESE_FEED_POLL_MS: '60000' };
      const pooled = b.url({ schema: schemaOf(db), pgbouncer: 'true' });
      const [a, c] = [await start(pooled, env), await start(pooled, env)];
      // Only a NOTIFY heard on the other's LISTEN connection can bring a row within 10 s; the next poll is a minute away.
      const enrolThenFind = async (from: RunningServer, to: RunningServer, person: number) => {
        const id = (await gql(from.url, CREATE, { name: `p${person}` }, { token: TOKEN })).data!.createIdentity.id;
        const e = await gql(from.url, ENROLL, { id, images: [{ base64: b64(await syntheticImage(person, 0)) }] }, { token: TOKEN });
        expect(e.errors).toBeUndefined();
        for (const until = Date.now() + 10_000; Date.now() < until;) {
          const r = await gql(to.url, SEARCH, { image: { base64: b64(await syntheticImage(person, 1)) }, k: 1 }, { token: TOKEN });
          if (r.data?.searchSimilar?.[0]?.identity?.id === id) return true;
          await new Promise((res) => setTimeout(res, 100));
        }
        return false;
      };
      expect(await enrolThenFind(a, c, 1)).toBe(true);
      expect(await enrolThenFind(c, a, 2)).toBe(true);
    });

    it('SIAMESE_INDEX=pgvector behind the pooler: its table lands in the schema, and searches find the enrolled identity', async () => {
      const b = await bouncer({ poolSize: 2, connectQuery: inSchema(schemaOf(db)) });
      const s = await start(b.url({ schema: schemaOf(db), pgbouncer: 'true' }), {
        DATABASE_DIRECT_URL: PG_URL!,
        SIAMESE_INDEX: 'pgvector',
      });
      const ids: string[] = [];
      for (const person of [1, 2, 3]) {
        const id = (await gql(s.url, CREATE, { name: `p${person}` }, { token: TOKEN })).data!.createIdentity.id;
        const e = await gql(s.url, ENROLL, { id, images: [{ base64: b64(await syntheticImage(person, 0)) }] }, { token: TOKEN });
        expect(e.errors).toBeUndefined();
        ids.push(id);
      }
      for (const [i, person] of [1, 2, 3].entries()) {
        const r = await gql(s.url, SEARCH, { image: { base64: b64(await syntheticImage(person, 0)) }, k: 1 }, { token: TOKEN });
        expect(r.data!.searchSimilar[0].identity.id).toBe(ids[i]);
      }
      // Raw SQL (pgvector's table) followed the pooler's connect_query into the test's schema, not public.
      const direct = new Client({ connectionString: PG_URL });
      await direct.connect();
      try {
        const table = PgvectorIndex.tableName((await tinyModelOnce()).card.version);
        const tables = await direct.query<{ schema: string }>(
          'SELECT table_schema AS schema FROM information_schema.tables WHERE table_name = $1 AND table_schema = ANY($2)',
          [table, [schemaOf(db), 'public']],
        );
        expect(tables.rows.map((r) => r.schema)).toEqual([schemaOf(db)]);
      } finally {
        await direct.end();
      }
    });

    it('what the direct URL avoids: through the pooler two clients hold one advisory lock, LISTEN hears nothing, and the work lock cannot connect', async () => {
      const b = await bouncer({ poolSize: 1 });
      const [x, y] = [new Client({ connectionString: b.url() }), new Client({ connectionString: b.url() })];
      const direct = new Client({ connectionString: PG_URL });
      await Promise.all([x.connect(), y.connect(), direct.connect()]);
      try {
        const key = Math.floor(Math.random() * 1e9);
        const lock = async (c: Client) => (await c.query<{ l: boolean }>('SELECT pg_try_advisory_lock($1) AS l', [key])).rows[0].l;
        // One server connection: the lock x took stays on it, and y, handed the same session, "takes" it too.
        expect(await lock(x)).toBe(true);
        expect(await lock(y)).toBe(true);
        // ...while a real session is refused: the pooled session keeps it until PgBouncer closes that connection.
        expect(await lock(direct)).toBe(false);
        let heard = 0;
        x.on('notification', () => heard++);
        const channel = `pgbouncer_probe_${key}`;
        await x.query(`LISTEN ${channel}`);
        await direct.query(`NOTIFY ${channel}`);
        // Nothing is pushed: the server connection went back to the pool after LISTEN, linked to no client.
        await new Promise((res) => setTimeout(res, 1000));
        expect(heard).toBe(0);
        // The work lock's session asks for TCP keepalives in its startup options, which PgBouncer refuses: it fails
        // loudly instead of holding a lock on a shared connection.
        await expect(openWorkLocks(b.url())!.tryLock('probe')).rejects.toThrow(/unsupported startup parameter: options/);
      } finally {
        await Promise.all([x.end(), y.end(), direct.end()].map((p) => p.catch(() => undefined)));
      }
    });
  });
});
