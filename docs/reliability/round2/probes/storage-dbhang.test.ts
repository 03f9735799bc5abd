import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { createDatabase } from '../../src/db/database';
import { applyMigrations } from '../../src/db/migrations';
import { tempDir } from '../../test/e2e/harness';

const outcome = (p: Promise<unknown>, ms = 5000) =>
  Promise.race([p.then(() => 'ok', (e) => `error ${(e as any).code ?? (e as any).name}`), new Promise((r) => setTimeout(() => r(`HUNG >${ms}ms`), ms))]);

it('measure', async () => {
  const dir = tempDir('dbhang-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
  const lines: string[] = [];
  try {
    const url = `file:${path.join(dir, 'x.db')}`;
    await applyMigrations(url);
    const db = createDatabase(url);
    await db.run((p) => p.identity.create({ data: { name: 'a' } }));
    const filler = path.join(dir, 'filler');
    const fd = fs.openSync(filler, 'w');
    for (const size of [65536, 4096, 512, 1]) { try { for (;;) fs.writeSync(fd, Buffer.alloc(size)); } catch { /* */ } }
    fs.closeSync(fd);
    const big = () => ({ name: 'b', metadata: { pad: 'x'.repeat(40000) } });
    lines.push('tx write (full): ' + (await outcome(db.transaction((t) => t.identity.create({ data: big() })))));
    lines.push('plain write (full): ' + (await outcome(db.run((p) => p.identity.create({ data: big() })))));
    lines.push('read (full): ' + (await outcome(db.run((p) => p.identity.count()))));
    fs.rmSync(filler);
    lines.push('tx write (space back): ' + (await outcome(db.transaction((t) => t.identity.create({ data: big() })))));
    lines.push('read (space back): ' + (await outcome(db.run((p) => p.identity.count()))));
  } finally {
    console.log(lines.join('\n'));
    execFileSync('umount', ['-l', dir]);
  }
});
