/** Copy to test/db/ and run: how long an erasure waits while another connection holds a snapshot read open. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { openStore, readTrainingSnapshot, scrubAfterErasure } from '../../src/db';

it('how long an erasure waits while a snapshot read is open', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stall-'));
  const url = `file:${path.join(dir, 't.db')}`;
  const a = await openStore(url);
  const b = await openStore(url);
  const who = await a.repos.identities.create({ name: 'x' });
  await a.repos.images.addWithEmbeddings(who.id, [{ image: { bytes: new Uint8Array([1, 2, 3]), mimeType: 'image/png', width: 1, height: 1 } }]);
  await b.repos.identities.count(); // warm the second connection: the timing below is the delete only
  let ms = -1;
  let walDuring = -1;
  await readTrainingSnapshot(a.db, {
    afterImages: async () => {
      const t = Date.now();
      await b.repos.identities.delete(who.id);
      ms = Date.now() - t;
      walDuring = fs.statSync(path.join(dir, 't.db-wal')).size;
    },
  });
  const cut = await scrubAfterErasure(b.db);
  const walAfter = fs.statSync(path.join(dir, 't.db-wal')).size;
  console.log(`STALL delete took ${ms} ms while a snapshot was open; WAL bytes then: ${walDuring}; scrub after the read: ${cut}, WAL bytes: ${walAfter}`);
  await a.close();
  await b.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
