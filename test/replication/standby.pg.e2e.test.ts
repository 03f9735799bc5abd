import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { gql } from '../e2e/http-client';
import { PG_URL, pgTestDatabase, type TestDatabase } from '../db/db-targets';
import { tinyModelOnce } from '../fixtures/tiny-model-once';
import { syntheticImage } from '../fixtures/synthetic-images';
import { createDatabase, type Database } from '../../src/db';
import { ReadReplica, parseLsn, type ReadReplicaStats } from '../../src/db/read-replica';
import { ErrorCode } from '../../src/errors';
import { TOKEN, eventually, killReplica, replicaDataDir, startReplica, type Replica, type ReplicaOptions } from './replica-cluster';

/**
 * Issue 18 item 4, read scaling: servers with DATABASE_URL = the primary and DATABASE_READ_URL = a
 * streaming standby made by scripts/pg-standby-setup.sh (pg_basebackup -R of the local cluster,
 * started on another port). Reads after a server's own write see it, whether the standby is caught
 * up (answered there) or lagging by recovery_min_apply_delay = 3 s (answered there after waiting,
 * or from the primary once SIAMESE_READ_LSN_WAIT_MS runs out); a server without writes of its own
 * reads lists as the lagging standby has them (stale, consistent), and never drops a hit its index
 * got from the change feed. Measurements go to $STANDBY_MEASURE_OUT when set (docs/replicas/read-scaling.md).
 */
jest.setTimeout(300_000);

const SETUP = path.join(__dirname, '..', '..', 'scripts', 'pg-standby-setup.sh');

/** Why the suite cannot run here, or null. */
function missingPrerequisite(): string | null {
  if (!PG_URL) return 'TEST_DATABASE_URL_PG is not set';
  if (process.getuid?.() !== 0) return 'scripts/pg-standby-setup.sh runs as root (it starts the standby as the postgres user)';
  try {
    execFileSync('bash', ['-c', 'command -v pg_basebackup && command -v pg_lsclusters'], { stdio: 'ignore' });
  } catch {
    return 'pg_basebackup / pg_lsclusters not found (Debian postgresql packages)';
  }
  return null;
}

const missing = missingPrerequisite();
if (missing && process.env.CI) throw new Error(`the standby suite cannot be skipped in CI: ${missing}`);
if (missing) console.warn(`SKIPPED standby suite: ${missing}`);
const describeStandby = missing ? describe.skip : describe;

const CREATE = `mutation($name: String!) { createIdentity(name: $name) { id } }`;
const ENROLL = `mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id } }`;
const SEARCH = `query($image: ImageInput!) { searchSimilar(image: $image, k: 1) { identity { id } distance } }`;
const IDENTITY = `query($id: ID!) { identity(id: $id) { id name imageCount images { id } } }`;
const COUNT = `{ identities(first: 1) { totalCount } }`;

const image = async (person: number, shot: number) => ({ base64: (await syntheticImage(person, shot)).toString('base64') });

async function call(url: string, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const r = await gql(url, query, variables, { token: TOKEN });
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data;
}

async function stats(r: Replica): Promise<ReadReplicaStats> {
  const res = await fetch(r.url.replace(/\/graphql$/, '/healthz'));
  const body = (await res.json()) as { readReplica?: ReadReplicaStats };
  if (!body.readReplica) throw new Error(`${r.name}: /healthz has no readReplica field`);
  return body.readReplica;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

describeStandby('reads from a PostgreSQL streaming standby (issue 18, DATABASE_READ_URL)', () => {
  let db: TestDatabase;
  let primary: Client;
  let standby: Client;
  let standbyDir: string;
  let standbyUrl: string;
  let options: ReplicaOptions;
  const replicas: Replica[] = [];
  let a: Replica;
  let personSeq = 10;
  const measured: Record<string, unknown> = {};

  const start = async (name: string, env: Record<string, string>) => {
    const r = await startReplica(name, replicaDataDir(name), { ...options, env: { ...options.env, ...env } });
    replicas.push(r);
    return r;
  };

  /** Creates an identity with two images of a new synthetic person through `r`; returns its id and person number. */
  const enrollNew = async (r: Replica, name: string) => {
    const person = personSeq++;
    const id = (await call(r.url, CREATE, { name })).createIdentity.id as string;
    await call(r.url, ENROLL, { id, images: [await image(person, 0), await image(person, 1)] });
    return { id, person };
  };
  const topHit = async (r: Replica, person: number) =>
    ((await call(r.url, SEARCH, { image: await image(person, 0) })).searchSimilar[0]?.identity.id as string | undefined) ?? null;
  const standbyCount = async (): Promise<number> => {
    const schema = new URL(db.url).searchParams.get('schema')!;
    return Number((await standby.query(`SELECT count(*)::int AS n FROM "${schema}"."Identity"`)).rows[0].n);
  };
  /** Resolves once the standby has replayed everything the primary had written when called. */
  const standbyCaughtUp = async () => {
    const target = parseLsn((await primary.query('SELECT pg_current_wal_insert_lsn()::text AS l')).rows[0].l);
    await eventually(
      'standby replays the primary',
      async () => (parseLsn((await standby.query('SELECT pg_last_wal_replay_lsn()::text AS l')).rows[0].l) >= target ? true : undefined),
      30_000,
      50,
    );
  };

  beforeAll(async () => {
    const tiny = await tinyModelOnce();
    db = pgTestDatabase();
    primary = new Client({ connectionString: PG_URL });
    await primary.connect();
    standbyDir = path.join(os.tmpdir(), `siamese-standby-${process.pid}-${crypto.randomBytes(3).toString('hex')}`);
    const port = await freePort();
    standbyUrl = execFileSync('bash', [SETUP, 'start', standbyDir, String(port)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
    standby = new Client({ connectionString: standbyUrl });
    await standby.connect();
    options = {
      databaseUrl: db.url,
      modelDir: tiny.modelDir,
      // No schema in the read URL: it reads the primary's (the test's own schema).
      env: { DATABASE_READ_URL: standbyUrl, SIAMESE_FEED_POLL_MS: '5000' },
    };
    // A waits up to 10 s for the standby: longer than the 3 s lag below, so it answers from the standby.
    a = await start('a', { SIAMESE_READ_LSN_WAIT_MS: '10000' });
  });

  afterAll(async () => {
    await Promise.all(replicas.map((r) => killReplica(r)));
    for (const r of replicas) fs.rmSync(r.dataDir, { recursive: true, force: true });
    await standby?.end().catch(() => undefined);
    await primary?.end().catch(() => undefined);
    if (standbyDir) execFileSync('bash', [SETUP, 'stop', standbyDir], { stdio: 'ignore' });
    await db?.dispose();
    if (process.env.STANDBY_MEASURE_OUT) fs.writeFileSync(process.env.STANDBY_MEASURE_OUT, JSON.stringify(measured, null, 2));
  });

  it('refuses a read URL that is not a standby of the primary (READ_REPLICA_MISMATCH)', async () => {
    const primaryDb: Database = createDatabase(db.url);
    try {
      const replica = new ReadReplica({ waitMs: 100, logger: { info: () => undefined, error: () => undefined }, sampleEveryMs: 0 });
      // The primary itself: not in recovery.
      await expect(replica.connect(primaryDb, db.url, PG_URL!)).rejects.toMatchObject({ code: ErrorCode.READ_REPLICA_MISMATCH });
      await expect(replica.connect(primaryDb, db.url, 'file:./x.db')).rejects.toMatchObject({ code: ErrorCode.READ_REPLICA_MISMATCH });
      // The real standby passes the same check.
      await replica.connect(primaryDb, db.url, standbyUrl);
      await replica.close();
    } finally {
      await primaryDb.close();
    }
  });

  it('caught up: an enrollment is found by the next search on the same server, and reads are answered by the standby', async () => {
    const before = await stats(a);
    const xactsBefore = Number(
      (await standby.query('SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()')).rows[0].xact_commit,
    );
    const rounds = Number(process.env.STANDBY_ROUNDS ?? 15); // more for the measurements in docs/replicas/read-scaling.md
    for (let i = 0; i < rounds; i++) {
      const { id, person } = await enrollNew(a, `caught-up-${i}`);
      // Immediately, on the same server: the search's identity look-ups and the identity read.
      expect(await topHit(a, person)).toBe(id);
      const identity = (await call(a.url, IDENTITY, { id })).identity;
      expect(identity).toMatchObject({ id, name: `caught-up-${i}`, imageCount: 2 });
      expect(identity.images).toHaveLength(2);
    }
    const after = await stats(a);
    const standbyReads = after.reads.standby - before.reads.standby;
    const primaryReads = after.reads.primary - before.reads.primary;
    // Per round: owners + identities of the search, identity, images: at least 4 reads.
    expect(standbyReads).toBeGreaterThanOrEqual(4 * rounds);
    expect(after.fallbacks).toEqual(before.fallbacks);
    expect(primaryReads).toBe(0);
    // Independent of our counters: the standby's own transaction count grew.
    await eventually('the standby counts the transactions', async () => {
      await standby.query('SELECT pg_stat_clear_snapshot()');
      const n = Number(
        (await standby.query('SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()')).rows[0].xact_commit,
      );
      return n - xactsBefore >= 4 * rounds ? true : undefined;
    });
    measured.caughtUp = {
      rounds,
      standbyReads,
      primaryReads,
      confirmedOnPrimary: after.reads.confirmedOnPrimary - before.reads.confirmedOnPrimary,
      primaryCommits: after.primaryCommits - before.primaryCommits,
      fence: after.fence,
      lag: after.lag,
    };
  });

  it('lagging by 3 s: read-your-writes holds (waiting for the standby, or from the primary), and a server without writes reads the standby as it is', async () => {
    execFileSync('bash', [SETUP, 'delay', standbyDir, '3s'], { stdio: 'ignore' });
    await eventually('the apply delay is in effect', async () =>
      (await standby.query('SHOW recovery_min_apply_delay')).rows[0].recovery_min_apply_delay === '3s' ? true : undefined,
    );
    // B: reads only, and waits at most 200 ms before asking the primary.
    const b = await start('b', { SIAMESE_READ_LSN_WAIT_MS: '200' });
    await standbyCaughtUp(); // B's own start-up writes are on the standby: only A's writes below are newer

    // A waits for the standby (10 s > 3 s): its own enrollment is found, answered by the standby.
    const aBefore = await stats(a);
    const t0 = Date.now();
    const { id: lagId, person: lagPerson } = await enrollNew(a, 'lagging-a');
    const tEnrolled = Date.now();
    expect(await topHit(a, lagPerson)).toBe(lagId);
    const tFound = Date.now();
    expect((await call(a.url, IDENTITY, { id: lagId })).identity.name).toBe('lagging-a');
    const aAfter = await stats(a);
    expect(aAfter.fallbacks).toEqual(aBefore.fallbacks);
    expect(aAfter.fence.waited).toBeGreaterThan(aBefore.fence.waited);
    expect(aAfter.reads.standby).toBeGreaterThan(aBefore.reads.standby);

    // B wrote nothing: its count is what the lagging standby holds. Right after A's next identity, the
    // standby (and B) still show the count without it, while the primary has it.
    const bBefore = await stats(b);
    const countBefore = await standbyCount();
    const zed = (await call(a.url, CREATE, { name: 'zed' })).createIdentity.id as string;
    const bCount = (await call(b.url, COUNT)).identities.totalCount as number;
    const standbyAfter = await standbyCount();
    if (standbyAfter === countBefore) expect(bCount).toBe(countBefore); // stale, as the standby: not the primary's
    expect([countBefore, countBefore + 1]).toContain(bCount);
    // A read by id of a row the standby lacks is confirmed on the primary: B finds zed at once.
    expect((await call(b.url, IDENTITY, { id: zed })).identity.name).toBe('zed');
    // B's index gets A's next enrollment from the change feed (primary) within milliseconds; its hit is
    // not dropped although the standby does not have the rows yet: they are looked up again on the primary.
    const zedPerson = personSeq++;
    const bConfirmedBefore = (await stats(b)).reads.confirmedOnPrimary;
    await call(a.url, ENROLL, { id: zed, images: [await image(zedPerson, 0), await image(zedPerson, 1)] });
    await eventually('A’s enrollment found through B', async () => ((await topHit(b, zedPerson)) === zed ? true : undefined));
    const zedImagesOnStandby = Number(
      (
        await standby.query(
          `SELECT count(*)::int AS n FROM "${new URL(db.url).searchParams.get('schema')}"."EnrolledImage" WHERE "identityId" = $1`,
          [zed],
        )
      ).rows[0].n,
    );
    if (zedImagesOnStandby === 0) expect((await stats(b)).reads.confirmedOnPrimary).toBeGreaterThan(bConfirmedBefore);
    expect(await topHit(b, lagPerson)).toBe(lagId);
    // And later the standby shows it too.
    await eventually('B’s count catches up', async () =>
      (await call(b.url, COUNT)).identities.totalCount === countBefore + 1 ? true : undefined,
    );
    const bMid = await stats(b);
    expect(bMid.fallbacks.lag).toBe(bBefore.fallbacks.lag); // no own writes: nothing to wait for
    expect(bMid.reads.standby).toBeGreaterThan(bBefore.reads.standby);

    // B's own write under the lag: 200 ms is not enough, so its reads go to the primary, and see it.
    const { id: bId, person: bPerson } = await enrollNew(b, 'lagging-b');
    expect(await topHit(b, bPerson)).toBe(bId);
    expect((await call(b.url, IDENTITY, { id: bId })).identity.imageCount).toBe(2);
    const bAfter = await stats(b);
    expect(bAfter.fallbacks.lag).toBeGreaterThan(bMid.fallbacks.lag);

    measured.lagging = {
      applyDelay: '3s',
      aWaitMs: 10_000,
      aEnrollMs: tEnrolled - t0,
      aSearchAfterEnrollMs: tFound - tEnrolled,
      aFenceAfter: aAfter.fence,
      aLag: aAfter.lag,
      bStale: { countBefore, bCount, standbyAfter },
      zedImagesOnStandbyWhenBFoundIt: zedImagesOnStandby,
      bWaitMs: 200,
      bFallbacksLag: bAfter.fallbacks.lag - bBefore.fallbacks.lag,
      bConfirmedOnPrimary: bAfter.reads.confirmedOnPrimary - bBefore.reads.confirmedOnPrimary,
      bReads: bAfter.reads,
    };
  });
});
