/**
 * "Nothing acknowledged is lost", on the embedded database: a child process enrolls in a
 * loop and is SIGKILLed at a random moment, several times over the same file. After each
 * kill every enrollment the child had acknowledged (resolved = committed) must be there
 * with its image and vector, and the file must pass SQLite's integrity and FK checks.
 * (A kill tests the process-crash half; synchronous=FULL covers power loss, which a test
 * cannot pull here.)
 */
import { spawn } from 'child_process';
import * as path from 'path';
import { openStore } from '../../src/db';
import { sqliteTestDatabase } from './db-targets';

const KILLS = 3;

function runUntilKilled(url: string, minAcks: number): Promise<Array<{ id: string; label: number }>> {
  const child = spawn(process.execPath, [path.join(__dirname, 'fixtures', 'enroll-forever.child.js'), url], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const acks: Array<{ id: string; label: number }> = [];
  // Kill after minAcks plus a random 0-15 further acks, then a random 0-20 ms more.
  const killAt = minAcks + Math.floor(Math.random() * 16);
  let buf = '';
  let err = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^ack (\S+) (\d+)$/.exec(line);
        if (m) acks.push({ id: m[1], label: Number(m[2]) });
        if (acks.length === killAt) setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 20));
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acks);
      else reject(new Error(`child ended without being killed (code ${code}): ${err}`));
    });
  });
}

describe('SQLite under SIGKILL', () => {
  it(`keeps every acknowledged enrollment across ${KILLS} kills`, async () => {
    const target = sqliteTestDatabase();
    try {
      const acked: Array<{ id: string; label: number }> = [];
      for (let round = 0; round < KILLS; round++) acked.push(...(await runUntilKilled(target.url, 10)));
      expect(acked.length).toBeGreaterThanOrEqual(KILLS * 10);

      const store = await openStore(target.url);
      try {
        const { identities, images, embeddings } = store.repos;
        for (const a of acked) {
          const who = await identities.get(a.id);
          expect(who?.imageCount).toBe(1);
          const [image] = await images.listByIdentity(a.id);
          expect((await embeddings.get(image.id, 'v1'))?.label).toBe(a.label);
        }
        const check = async (sql: string) => store.db.run((p) => p.$queryRawUnsafe<Array<Record<string, unknown>>>(sql));
        expect((await check('PRAGMA integrity_check')).map((r) => Object.values(r)[0])).toEqual(['ok']);
        expect(await check('PRAGMA foreign_key_check')).toEqual([]);
        // Every stored vector belongs to an image and every image has its vector: never half an enrollment.
        expect(await embeddings.count('v1')).toBe(await images.count());
        const labels = await embeddings.allLabels('v1');
        expect(new Set(labels).size).toBe(labels.length);
      } finally {
        await store.close();
      }
    } finally {
      await target.dispose();
    }
  });
});
