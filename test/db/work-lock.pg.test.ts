import { openWorkLocks } from '../../src/db/work-lock';
import { PG_URL, describePg, pgTestDatabase, sqliteTestDatabase } from './db-targets';

/**
 * db/work-lock.ts: one holder per (schema, name) across sessions, released by its holder or with its connection (a
 * crashed replica); other names and other schemas (other test suites, other deployments in one database) are apart.
 */
test('SQLite has no work lock: the caller works unlocked', async () => {
  const db = sqliteTestDatabase();
  expect(openWorkLocks(db.url)).toBeUndefined();
  await db.dispose();
});

describePg('PostgreSQL advisory work locks', () => {
  test('one holder at a time; released, the next gets it; other names and schemas are apart', async () => {
    const db = pgTestDatabase();
    const other = pgTestDatabase();
    const [a, b, c] = [openWorkLocks(db.url)!, openWorkLocks(db.url)!, openWorkLocks(other.url)!];
    const held: Array<() => Promise<void>> = [];
    try {
      const releaseA = await a.tryLock('companion-warm:v1');
      expect(releaseA).toBeDefined();
      expect(await b.tryLock('companion-warm:v1')).toBeUndefined();
      // The same session-less API asked twice by the same process is still a second session: refused too.
      expect(await a.tryLock('companion-warm:v1')).toBeUndefined();
      const releaseOtherName = await b.tryLock('companion-warm:v2');
      const releaseOtherSchema = await c.tryLock('companion-warm:v1');
      expect(releaseOtherName).toBeDefined();
      expect(releaseOtherSchema).toBeDefined();
      await releaseA!();
      await releaseA!(); // idempotent
      const releaseB = await b.tryLock('companion-warm:v1');
      expect(releaseB).toBeDefined();
      held.push(releaseB!, releaseOtherName!, releaseOtherSchema!);
    } finally {
      for (const r of held) await r();
      await db.dispose();
      await other.dispose();
    }
  });

  test('a holder whose session ends (a crashed replica) frees the lock', async () => {
    const db = pgTestDatabase();
    const [a, b] = [openWorkLocks(db.url)!, openWorkLocks(db.url)!];
    const lost: string[] = [];
    const watched = openWorkLocks(db.url, { onLost: (name) => lost.push(name) })!;
    const releaseA = await watched.tryLock('companion-warm:crash');
    void a;
    expect(releaseA).toBeDefined();
    expect(await b.tryLock('companion-warm:crash')).toBeUndefined();
    // End the holder's backend from outside, as a crash or a lost network would.
    const { Client } = require('pg') as typeof import('pg');
    const admin = new Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      const ended = await admin.query(
        `SELECT pg_terminate_backend(l.pid) AS ended FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted
           AND l.pid <> pg_backend_pid() AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND ((l.classid::bigint << 32) | l.objid::bigint) = (hashtextextended($1, 0) & x'ffffffffffffffff'::bigint)`,
        [`${new URL(db.url).searchParams.get('schema')}:companion-warm:crash`],
      );
      expect(ended.rows).toHaveLength(1);
    } finally {
      await admin.end();
    }
    let releaseB: (() => Promise<void>) | undefined;
    for (let i = 0; i < 50 && !releaseB; i++) {
      releaseB = await b.tryLock('companion-warm:crash');
      if (!releaseB) await new Promise((r) => setTimeout(r, 20));
    }
    expect(releaseB).toBeDefined();
    // The holder heard that its lock went with its connection.
    expect(lost).toEqual(['companion-warm:crash']);
    await releaseB!();
    await releaseA!(); // its connection is gone: releasing is a no-op, not an error
    await db.dispose();
  });
});
