/**
 * Issue 18 item 4 measurement (docs/replicas/read-scaling.md): what read-your-writes costs on a
 * caught-up standby, without a server around it.
 *
 *   TEST_DATABASE_URL_PG=postgresql://… node test/retraining/fixtures/ts-run.js scripts/standby-fence.ts [--samples 200] [--gap-ms 30]
 *
 * Makes a standby with scripts/pg-standby-setup.sh (root), then `--samples` times: commits one
 * small row on the primary through the app's Database (so the read replica's observer hears it),
 * waits `--gap-ms` (a client's next request does not arrive at once), and times
 * `ReadReplica.choose()`: the wait until the standby has replayed that commit. Also times the raw
 * replication delay with the same commits: from COMMIT returning to `pg_last_wal_replay_lsn()` >=
 * the primary's flush position, polled every 0.5 ms. Prints one JSON object; tears everything down.
 */
import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { Client } from 'pg';
import { pgTestDatabase } from '../test/db/db-targets';
import { createDatabase } from '../src/db';
import { ReadReplica, parseLsn } from '../src/db/read-replica';

function arg(argv: string[], name: string, fallback: number): number {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? Number(argv[at + 1]) : fallback;
}
const summary = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))] * 1000) / 1000;
  return { n: s.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) };
};

export async function main(argv: string[]): Promise<number> {
  const samples = arg(argv, 'samples', 200);
  const gapMs = arg(argv, 'gap-ms', 30);
  const setup = path.join(__dirname, 'pg-standby-setup.sh');
  const dir = path.join(os.tmpdir(), `siamese-standby-fence-${crypto.randomBytes(3).toString('hex')}`);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const db = pgTestDatabase();
  const schema = new URL(db.url).searchParams.get('schema')!;
  const standbyUrl = execFileSync('bash', [setup, 'start', dir, String(port)], { encoding: 'utf8' }).trim();
  const replica = new ReadReplica({ waitMs: 10_000, logger: console, sampleEveryMs: 0 });
  const primary = createDatabase(db.url, { storage: replica.observer() });
  const standby = new Client({ connectionString: standbyUrl });
  const probe = new Client({ connectionString: db.url.replace(/\?.*$/, '') });
  try {
    await standby.connect();
    await probe.connect();
    await primary.run((p) => p.$executeRawUnsafe(`CREATE SCHEMA IF NOT EXISTS "${schema}"`));
    await primary.run((p) => p.$executeRawUnsafe(`CREATE TABLE "${schema}".fence_probe (x int)`));
    await replica.connect(primary, db.url, standbyUrl);
    const fence: number[] = [];
    const raw: number[] = [];
    for (let i = 0; i < samples; i++) {
      await primary.transaction((tx) => tx.$executeRawUnsafe(`INSERT INTO "${schema}".fence_probe VALUES (${i})`));
      await new Promise((r) => setTimeout(r, gapMs));
      const t0 = performance.now();
      if ((await replica.choose()) !== 'standby') throw new Error('fell back to the primary');
      fence.push(performance.now() - t0);
    }
    for (let i = 0; i < samples; i++) {
      await probe.query(`INSERT INTO "${schema}".fence_probe VALUES (${i})`);
      const t0 = performance.now();
      const target = parseLsn((await probe.query('SELECT pg_current_wal_flush_lsn()::text AS l')).rows[0].l);
      while (parseLsn((await standby.query('SELECT pg_last_wal_replay_lsn()::text AS l')).rows[0].l) < target) {
        await new Promise((r) => setTimeout(r, 0.5));
      }
      raw.push(performance.now() - t0);
    }
    console.log(JSON.stringify({ samples, gapMs, loadavg: os.loadavg(), chooseAfterWriteMs: summary(fence), rawReplayMs: summary(raw) }));
    return 0;
  } finally {
    await replica.close();
    await primary.close();
    await standby.end().catch(() => undefined);
    await probe.end().catch(() => undefined);
    execFileSync('bash', [setup, 'stop', dir], { stdio: 'ignore' });
    await db.dispose();
  }
}
