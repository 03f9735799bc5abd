import { loadConfig } from '../../src/config';
import { configProblems } from '../fixtures/config-problems';
import { parseDatabaseUrl } from '../../src/db/database-url';
import { openChangeFeed } from '../../src/db/change-feed';
import type { Database } from '../../src/db/database';
import { sessionUrlFor } from '../../src/db/pooler';
import { ErrorCode } from '../../src/errors';

/**
 * Session 51: DATABASE_URL through a transaction pooler (`?pgbouncer=true`) and DATABASE_DIRECT_URL, before anything
 * connects (the pooler itself: test/e2e/pgbouncer.pg.test.ts, a real PgBouncer).
 */
const POOLED = 'postgresql://u:p@bouncer:6432/app?schema=tenant&pgbouncer=true';
const DIRECT = 'postgresql://u:p@db:5432/app';

const problems = configProblems;

describe('pgbouncer=true in a PostgreSQL URL', () => {
  it('is read and removed from the connection string, with the schema; absent means no pooler', () => {
    expect(parseDatabaseUrl(POOLED)).toEqual({
      provider: 'postgresql',
      connectionString: 'postgresql://u:p@bouncer:6432/app',
      schema: 'tenant',
      pgbouncer: true,
    });
    expect(parseDatabaseUrl(DIRECT)).toMatchObject({ schema: 'public', pgbouncer: false });
    expect(parseDatabaseUrl(`${DIRECT}?pgbouncer=false&sslmode=require`)).toMatchObject({
      connectionString: `${DIRECT}?sslmode=require`,
      pgbouncer: false,
    });
    expect(() => parseDatabaseUrl(`${DIRECT}?pgbouncer=yes`)).toThrow(/must be true or false \(got 'yes'\)/);
  });
});

describe('where the session connections go (sessionUrlFor)', () => {
  it("the direct URL with DATABASE_URL's schema; DATABASE_URL itself when it is not pooled; none when pooled alone", () => {
    expect(sessionUrlFor(POOLED, DIRECT)).toBe(`${DIRECT}?schema=tenant`);
    expect(sessionUrlFor(POOLED, `${DIRECT}?schema=tenant`)).toBe(`${DIRECT}?schema=tenant`);
    expect(sessionUrlFor(`${DIRECT}?schema=tenant`, undefined)).toBe(`${DIRECT}?schema=tenant`);
    expect(sessionUrlFor('file:./app.db', undefined)).toBe('file:./app.db');
    expect(sessionUrlFor(POOLED, undefined)).toBeUndefined();
  });

  it('refuses another schema, a pooled direct URL and SQLite with POOLER_MISCONFIGURED', () => {
    const refused = (main: string, direct: string, message: RegExp) =>
      expect(() => sessionUrlFor(main, direct)).toThrow(
        expect.objectContaining({ code: ErrorCode.POOLER_MISCONFIGURED, message: expect.stringMatching(message) }),
      );
    refused(POOLED, `${DIRECT}?schema=other`, /names schema 'other', DATABASE_URL 'tenant'/);
    refused(POOLED, `${DIRECT}?pgbouncer=true`, /DATABASE_DIRECT_URL says pgbouncer=true/);
    refused('file:./app.db', DIRECT, /must both be postgresql:\/\/ URLs/);
  });

  it('a feed with no session URL does not push (the follower polls); one with a PostgreSQL URL does', () => {
    const db = {} as Database; // neither reads here
    expect(openChangeFeed(db, undefined).pushes).toBe(false);
    expect(openChangeFeed(db, 'file:./app.db').pushes).toBe(false);
    expect(openChangeFeed(db, DIRECT).pushes).toBe(true);
  });
});

describe('DATABASE_DIRECT_URL and the feed poll in the config', () => {
  it('polls every 250 ms when nothing can push (pooled, no direct URL), every 5 s behind LISTEN', () => {
    const poll = (env: Record<string, string>) => loadConfig({ NODE_ENV: 'test', ...env }, '/tmp').replication.feedPollMs;
    expect(poll({ DATABASE_URL: POOLED })).toBe(250);
    expect(poll({ DATABASE_URL: POOLED, DATABASE_DIRECT_URL: DIRECT })).toBe(5000);
    expect(poll({ DATABASE_URL: DIRECT })).toBe(5000);
    expect(poll({})).toBe(250);
    expect(loadConfig({ NODE_ENV: 'test', DATABASE_URL: POOLED, DATABASE_DIRECT_URL: DIRECT }, '/tmp').directDatabaseUrl).toBe(DIRECT);
  });

  it('refuses a bad pgbouncer value, pgbouncer on SQLite, a non-PostgreSQL direct URL, a pooled one, a pooled standby and another schema', () => {
    expect(problems({ DATABASE_URL: `${DIRECT}?pgbouncer=1` })).toEqual([
      expect.stringMatching(/pgbouncer parameter must be true or false/),
    ]);
    expect(problems({ DATABASE_URL: 'file:./app.db?pgbouncer=true' })).toEqual([
      expect.stringMatching(/pgbouncer parameter is for a postgresql:\/\/ URL \(SQLite has no pooler\)/),
    ]);
    expect(problems({ DATABASE_URL: POOLED, DATABASE_DIRECT_URL: 'file:./app.db' })).toEqual([
      expect.stringMatching(/DATABASE_DIRECT_URL and DATABASE_URL must both be postgresql:\/\/ URLs/),
    ]);
    expect(problems({ DATABASE_URL: 'file:./app.db', DATABASE_DIRECT_URL: DIRECT })).toEqual([
      expect.stringMatching(/must both be postgresql:\/\/ URLs/),
    ]);
    for (const value of ['true', 'false']) {
      expect(problems({ DATABASE_URL: POOLED, DATABASE_DIRECT_URL: `${DIRECT}?pgbouncer=${value}` })).toEqual([
        expect.stringMatching(/DATABASE_DIRECT_URL takes no pgbouncer parameter: it must reach PostgreSQL itself/),
      ]);
    }
    expect(problems({ DATABASE_URL: DIRECT, DATABASE_READ_URL: 'postgresql://u:p@standby/app?pgbouncer=true' })).toEqual([
      expect.stringMatching(/DATABASE_READ_URL takes no pgbouncer parameter/),
    ]);
    expect(problems({ DATABASE_URL: POOLED, DATABASE_DIRECT_URL: `${DIRECT}?schema=other` })).toEqual([
      expect.stringMatching(/names schema 'other', DATABASE_URL 'tenant'/),
    ]);
    expect(problems({ DATABASE_URL: POOLED, DATABASE_DIRECT_URL: `${DIRECT}?schema=tenant` })).toEqual([]);
  });
});
