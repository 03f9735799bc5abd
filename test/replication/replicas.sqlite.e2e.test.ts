import * as fs from 'fs';
import * as path from 'path';
import type { RunningServer } from '../../src/main';
import { gql } from '../e2e/http-client';
import { startTestServer, tempDir } from '../e2e/harness';
import { tinyModelOnce } from '../fixtures/tiny-model-once';
import { syntheticImage } from '../fixtures/synthetic-images';
import { TOKEN, eventually } from './replica-cluster';

/**
 * Issue 18 on SQLite: no NOTIFY, so a second server on the same database file follows the
 * change feed by polling (SIAMESE_FEED_POLL_MS). Two servers in this process, own data dirs.
 */
jest.setTimeout(120_000);

const CREATE = `mutation($name: String!) { createIdentity(name: $name) { id } }`;
const ENROLL = `mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id } }`;
const DELETE = `mutation($id: ID!) { deleteIdentity(id: $id) }`;
const SEARCH = `query($image: ImageInput!) { searchSimilar(image: $image, k: 1) { identity { id } } }`;

const image = async (person: number, shot: number) => ({ base64: (await syntheticImage(person, shot)).toString('base64') });
async function call(url: string, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const r = await gql(url, query, variables, { token: TOKEN });
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data;
}
const topHit = async (s: RunningServer, person: number, shot: number) =>
  ((await call(s.url, SEARCH, { image: await image(person, shot) })).searchSimilar[0]?.identity.id as string | undefined) ?? null;

describe('two servers on one SQLite file follow the change feed by polling (issue 18)', () => {
  const dirs: string[] = [];
  const servers: RunningServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('enrollments and erasures reach the other server; a restart resumes from the saved feed position', async () => {
    const { modelDir } = await tinyModelOnce();
    const shared = tempDir('siamese-replicas-sqlite-');
    dirs.push(shared);
    const databaseUrl = `file:${path.join(shared, 'shared.db')}`;
    const start = (name: string) => {
      const dataDir = path.join(shared, name);
      fs.mkdirSync(dataDir, { recursive: true });
      return startTestServer({ dataDir, adminToken: TOKEN, modelDir, databaseUrl, env: { SIAMESE_FEED_POLL_MS: '50' } });
    };
    const a = await start('a');
    servers.push(a);
    let b = await start('b');
    servers.push(b);

    const ada = (await call(a.url, CREATE, { name: 'ada' })).createIdentity.id;
    await call(a.url, ENROLL, { id: ada, images: [await image(1, 0), await image(1, 1)] });
    await eventually('ada on B', async () => ((await topHit(b, 1, 1)) === ada ? true : undefined), 10_000);

    const bob = (await call(b.url, CREATE, { name: 'bob' })).createIdentity.id;
    await call(b.url, ENROLL, { id: bob, images: [await image(2, 0)] });
    await eventually('bob on A', async () => ((await topHit(a, 2, 0)) === bob ? true : undefined), 10_000);
    await call(b.url, DELETE, { id: bob });
    await eventually('bob gone from A', async () => ((await topHit(a, 2, 0)) !== bob ? true : undefined), 10_000);
    expect(a.internals.follower!.applied.seq).toBeGreaterThan(0);

    // B stops (its index is saved with its feed position); A writes; B restarts and catches up from the feed.
    await b.close();
    servers.splice(servers.indexOf(b), 1);
    const cy = (await call(a.url, CREATE, { name: 'cy' })).createIdentity.id;
    await call(a.url, ENROLL, { id: cy, images: [await image(3, 0)] });
    await call(a.url, DELETE, { id: ada });
    b = await start('b');
    servers.push(b);
    expect(b.internals.indexOrigin).toBe('repaired'); // loaded, then the feed rows after its position applied
    expect(await topHit(b, 3, 0)).toBe(cy);
    expect(await topHit(b, 1, 0)).not.toBe(ada);
  });
});
