/**
 * SQLite connection settings that the durability promise rests on, read back from the
 * live connection, and waiting (not failing) on another process's write lock.
 */
import { spawn } from 'child_process';
import { openStore } from '../../src/db';
import { sqliteTestDatabase } from './db-targets';

describe('SQLite connection', () => {
  it('runs with WAL, synchronous=FULL, foreign keys on and a busy timeout', async () => {
    const target = sqliteTestDatabase();
    const store = await openStore(target.url);
    try {
      const pragma = async (name: string) => {
        const rows = await store.db.run((p) => p.$queryRawUnsafe<Array<Record<string, unknown>>>(`PRAGMA ${name}`));
        return String(Object.values(rows[0])[0]);
      };
      expect(await pragma('journal_mode')).toBe('wal');
      expect(await pragma('synchronous')).toBe('2'); // 2 = FULL
      expect(await pragma('foreign_keys')).toBe('1');
      expect(Number(await pragma('busy_timeout'))).toBe(10_000);
    } finally {
      await store.close();
      await target.dispose();
    }
  });

  it('waits for another process holding the write lock instead of failing', async () => {
    const target = sqliteTestDatabase();
    const first = await openStore(target.url);
    await first.close();
    const filename = target.url.slice('file:'.length);
    // Another process takes the write lock and holds it for 700 ms.
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const D=require('better-sqlite3');const d=new D(${JSON.stringify(filename)});d.exec('BEGIN IMMEDIATE');` +
          `process.stdout.write('locked');setTimeout(()=>{d.exec('COMMIT');d.close();},700);`,
      ],
      { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
    const t0 = Date.now();
    // Both the migration check at start and the write wait for the lock.
    const store = await openStore(target.url);
    try {
      const created = await store.repos.identities.create({ name: 'patient' });
      const waited = Date.now() - t0;
      expect(created.name).toBe('patient');
      expect(await store.repos.identities.count()).toBe(1);
      expect(waited).toBeGreaterThanOrEqual(400); // it did wait for the lock (held ~700 ms)
    } finally {
      await store.close();
      await new Promise((resolve) => holder.once('exit', resolve));
      await target.dispose();
    }
  });
});
