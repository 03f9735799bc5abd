import { loadConfig } from '../../src/config';
import { configProblems } from '../fixtures/config-problems';
import { parseLsn, standbyUrlFor } from '../../src/db/read-replica';
import { ErrorCode } from '../../src/errors';

/** Issue 18 item 4: what DATABASE_READ_URL accepts, before anything connects (the standby checks are in test/replication/standby.pg.e2e.test.ts). */
const PRIMARY = 'postgresql://u:p@db:5432/app?schema=tenant';

const problems = configProblems;

describe('DATABASE_READ_URL', () => {
  it('is off unless set, with a 500 ms wait for the standby', () => {
    const c = loadConfig({ NODE_ENV: 'test', DATABASE_URL: PRIMARY }, '/tmp');
    expect(c.replication.readUrl).toBeUndefined();
    expect(c.replication.readLsnWaitMs).toBe(500);
    const set = loadConfig(
      { NODE_ENV: 'test', DATABASE_URL: PRIMARY, DATABASE_READ_URL: 'postgresql://u:p@standby/app', SIAMESE_READ_LSN_WAIT_MS: '0' },
      '/tmp',
    );
    expect(set.replication.readUrl).toBe('postgresql://u:p@standby/app');
    expect(set.replication.readLsnWaitMs).toBe(0);
  });

  it('refuses a SQLite read URL, a SQLite primary, and another schema', () => {
    expect(problems({ DATABASE_URL: PRIMARY, DATABASE_READ_URL: 'file:./replica.db' })).toEqual([
      expect.stringMatching(/^DATABASE_READ_URL must be a postgresql:\/\/ URL/),
    ]);
    expect(problems({ DATABASE_URL: 'file:./app.db', DATABASE_READ_URL: 'postgresql://u:p@standby/app' })).toEqual([
      expect.stringMatching(/DATABASE_URL must be the postgresql:\/\/ URL of its primary/),
    ]);
    expect(problems({ DATABASE_URL: PRIMARY, DATABASE_READ_URL: 'postgresql://u:p@standby/app?schema=other' })).toEqual([
      expect.stringMatching(/names schema 'other', DATABASE_URL 'tenant'/),
    ]);
    // The same schema, spelled out, is fine; so is a primary without one and a read URL naming 'public'.
    expect(problems({ DATABASE_URL: PRIMARY, DATABASE_READ_URL: 'postgresql://u:p@standby/app?schema=tenant' })).toEqual([]);
    expect(problems({ DATABASE_URL: 'postgresql://u:p@db/app', DATABASE_READ_URL: 'postgresql://u:p@standby/app?schema=public' })).toEqual(
      [],
    );
  });

  it('reads the primary schema on the standby, and the db layer refuses a mismatch with READ_REPLICA_MISMATCH', () => {
    expect(new URL(standbyUrlFor(PRIMARY, 'postgresql://u:p@standby:5433/app')).searchParams.get('schema')).toBe('tenant');
    expect(() => standbyUrlFor(PRIMARY, 'postgresql://u:p@standby/app?schema=other')).toThrow(
      expect.objectContaining({ code: ErrorCode.READ_REPLICA_MISMATCH }),
    );
    expect(() => standbyUrlFor('file:./app.db', 'postgresql://u:p@standby/app')).toThrow(
      expect.objectContaining({ code: ErrorCode.READ_REPLICA_MISMATCH }),
    );
  });

  it('compares WAL positions as numbers, not strings', () => {
    // '0/A0000000' < '1/0' numerically, although 'A' > '1' as text; the halves are 32 bits each.
    expect(parseLsn('0/A0000000') < parseLsn('1/0')).toBe(true);
    expect(parseLsn('1/0')).toBe(0x1_0000_0000n);
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) + 0xb374d848n);
    expect(() => parseLsn('nonsense')).toThrow(/not a WAL position/);
  });
});
