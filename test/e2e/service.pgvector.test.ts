import * as fs from 'fs';
import { Client } from 'pg';
import type { RunningServer } from '../../src/main';
import { PgvectorIndex } from '../../src/db/pgvector.index';
import { defineServiceSuite, indexFiles } from './service-suite';
import { tinyModelOnce } from '../fixtures/tiny-model-once';
import { describePg, pgSuiteDatabases, pgTestDatabase, type TestDatabase } from '../db/db-targets';
import { syntheticImage } from '../fixtures/synthetic-images';
import { gql } from './http-client';
import { startTestServer, tempDir } from './harness';

const PGVECTOR = { SIAMESE_INDEX: 'pgvector' };

/**
 * SIAMESE_INDEX=pgvector (issue 18): the same end-to-end suite with the index inside
 * PostgreSQL, then replicas: two servers on one database, each with its own data dir,
 * holding no index state at all.
 */
describePg('pgvector index', () => {
  defineServiceSuite('service end-to-end (PostgreSQL + pgvector)', {
    ...pgSuiteDatabases(),
    model: () => tinyModelOnce(),
    env: PGVECTOR,
    sharedIndex: true,
  });

  describe('replicas on one PostgreSQL', () => {
    const TOKEN = 'e2e-admin-token-0123456789';
    const CREATE = `mutation($name: String!) { createIdentity(name: $name) { id } }`;
    const ENROLL = `mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id } }`;
    const SEARCH = `query($image: ImageInput!, $k: Int) { searchSimilar(image: $image, k: $k) { identity { id } match } }`;
    const b64 = (b: Buffer) => b.toString('base64');
    let db: TestDatabase;
    const dirs: string[] = [];
    const servers: RunningServer[] = [];
    const start = async () => {
      const dataDir = tempDir('siamese-pgvector-');
      dirs.push(dataDir);
      const { modelDir } = await tinyModelOnce();
      const s = await startTestServer({ dataDir, adminToken: TOKEN, databaseUrl: db.url, modelDir, env: PGVECTOR });
      servers.push(s);
      return { server: s, url: s.url, dataDir };
    };

    beforeEach(() => {
      db = pgTestDatabase();
    });
    afterEach(async () => {
      for (const s of servers.splice(0)) await s.close();
      for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
      await db.dispose();
    });

    it('an enrollment on one replica is found on another at once, an erasure on the other is gone everywhere; no index files anywhere', async () => {
      const a = await start();
      const b = await start();
      const id = (await gql(a.url, CREATE, { name: 'ann' }, { token: TOKEN })).data!.createIdentity.id;
      const e = await gql(a.url, ENROLL, { id, images: [{ base64: b64(await syntheticImage(1, 0)) }] }, { token: TOKEN });
      expect(e.errors).toBeUndefined();

      // Replica b never saw the enrollment: it searches the same table.
      const found = await gql(b.url, SEARCH, { image: { base64: b64(await syntheticImage(1, 4)) }, k: 3 }, { token: TOKEN });
      expect(found.data.searchSimilar).toEqual([{ identity: { id }, match: true }]);

      expect((await gql(b.url, `mutation($id: ID!) { deleteIdentity(id: $id) }`, { id }, { token: TOKEN })).data).toEqual({
        deleteIdentity: true,
      });
      const gone = await gql(a.url, SEARCH, { image: { base64: b64(await syntheticImage(1, 4)) }, k: 3 }, { token: TOKEN });
      expect(gone.data.searchSimilar).toEqual([]);

      expect(indexFiles(a.dataDir)).toEqual([]);
      expect(indexFiles(b.dataDir)).toEqual([]);
    });

    it('a vector committed but never inserted (the process died in between) is inserted when a replica starts', async () => {
      let { server, url } = await start();
      const id = (await gql(url, CREATE, { name: 'bea' }, { token: TOKEN })).data!.createIdentity.id;
      await gql(url, ENROLL, { id, images: [{ base64: b64(await syntheticImage(2, 0)) }] }, { token: TOKEN });
      const version = server.internals.active.current.version;
      await server.close();
      servers.splice(0);
      // The crash window: the Embedding row committed, the vector table lost the row.
      const pg = new Client({ connectionString: db.url.replace(/\?.*$/, '') });
      await pg.connect();
      try {
        const schema = new URL(db.url).searchParams.get('schema');
        await pg.query(`DELETE FROM "${schema}"."${PgvectorIndex.tableName(version)}"`);
      } finally {
        await pg.end();
      }

      ({ server, url } = await start());
      expect(server.internals.indexOrigin).toBe('repaired');
      const s = await gql(url, SEARCH, { image: { base64: b64(await syntheticImage(2, 3)) }, k: 1 }, { token: TOKEN });
      expect(s.data.searchSimilar).toEqual([{ identity: { id }, match: true }]);
    });
  });
});
