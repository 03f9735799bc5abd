import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { createDatabase, type Database } from '../../src/db/database';
import { applyMigrations } from '../../src/db/migrations';
import { IdentityRepository } from '../../src/db/identity.repository';
import { DomainError, ErrorCode } from '../../src/errors';
import { tempDir } from '../e2e/harness';

/**
 * Issue 13 item 2 at the database layer: SQLite on a full 1 MB tmpfs. Every
 * refused write rejects with STORAGE_FULL, none waits forever (Prisma 6.19
 * releases better-sqlite3's transaction lock only after a successful COMMIT /
 * ROLLBACK statement: the old code then hung every later transaction, and
 * behind the SQLite mutex every read), reads keep working, and writes succeed
 * again once space returns. The storage observer hears both.
 * Needs `mount` (root): skipped with a message otherwise.
 */
const HANG_MS = 10_000;

function settles<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: hung for ${HANG_MS} ms`)), HANG_MS)));
  return Promise.race([p, hang]).finally(() => clearTimeout(timer));
}

const root = tempDir('siamese-sqlite-full-');
let mounted = true;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', root], { stdio: 'ignore' });
} catch {
  mounted = false;
  console.warn('sqlite.disk-full: `mount -t tmpfs` is not permitted here (needs root): skipped');
}

(mounted ? describe : describe.skip)('SQLite on a full disk', () => {
  let db: Database;
  const events: string[] = [];
  afterAll(async () => {
    await db?.close();
    execFileSync('umount', [root]);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('refuses writes with STORAGE_FULL, never hangs, keeps reading, and writes again once space returns', async () => {
    const url = `file:${path.join(root, 'full.db')}`;
    await applyMigrations(url);
    db = createDatabase(url, { storage: { wrote: () => events.push('wrote'), failed: (problem) => events.push(`failed:${problem}`) } });
    const identities = new IdentityRepository(db);
    const first = await identities.create({ name: 'before' });

    const filler = path.join(root, 'filler');
    const fd = fs.openSync(filler, 'w');
    for (const size of [1 << 16, 4096, 512, 1]) {
      try {
        for (;;) fs.writeSync(fd, Buffer.alloc(size, 1));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
      }
    }
    fs.closeSync(fd);
    events.length = 0;

    // Large rows: they need new pages. Plain creates and interactive transactions both.
    const big = (i: number) => ({ name: `n${i}`, metadata: { pad: 'x'.repeat(40_000) } });
    for (let i = 0; i < 3; i++) {
      const refused = await settles(
        identities.create(big(i)).then(
          () => null,
          (e: unknown) => e,
        ),
        `write ${i}`,
      );
      expect(refused).toBeInstanceOf(DomainError);
      expect((refused as DomainError).code).toBe(ErrorCode.STORAGE_FULL);
      const tx = await settles(
        db
          .transaction((t) => t.identity.create({ data: big(10 + i) }))
          .then(
            () => null,
            (e: unknown) => e,
          ),
        `transaction ${i}`,
      );
      expect((tx as DomainError).code).toBe(ErrorCode.STORAGE_FULL);
      // Reads between refused writes still answer.
      expect(await settles(identities.get(first.id), `read ${i}`)).toMatchObject({ name: 'before' });
    }
    expect(events.length).toBeGreaterThan(0);
    expect(new Set(events)).toEqual(new Set(['failed:full']));

    fs.rmSync(filler);
    const after = await settles(identities.create(big(99)), 'write after space returned');
    expect(after.name).toBe('n99');
    expect(events[events.length - 1]).toBe('wrote');
    expect(await identities.count()).toBe(2);
  });
});
