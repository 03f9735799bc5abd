import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadConfig } from '../../src/config';
import { openServiceStack, type ServiceStack } from '../../src/main';
import { pixelEmbedder } from '../fixtures/pixel-embedder';
import { syntheticImage } from '../fixtures/synthetic-images';

/**
 * The hook retraining (issue 4) builds on: a second model's pair is built
 * beside the serving one (embedding every stored image), swapped in as one
 * object, then caught up with enrollments that committed meanwhile.
 */
describe('model + index swap', () => {
  let dir: string;
  let stack: ServiceStack;
  const b64 = async (id: number, shot: number) => ({ base64: (await syntheticImage(id, shot)).toString('base64') });

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siamese-swap-'));
    const config = loadConfig({ SIAMESE_DATA_DIR: dir, SIAMESE_LOG_LEVEL: 'silent', SIAMESE_MODELS_DIR: path.join(dir, 'none') }, dir);
    stack = await openServiceStack(config, { embedder: pixelEmbedder(0.2, { version: 'old' }) });
  });
  afterEach(async () => {
    await stack.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves the new pair after one swap, and catches up an enrollment made during the build', async () => {
    const { services, active, indexes } = stack;
    const a = await services.identities.create('a', null);
    const b = await services.identities.create('b', null);
    await services.enrollment.enrollImages(a.id, [await b64(1, 0)]);

    const nextEmbedder = pixelEmbedder(0.2, { version: 'new', side: 12 });
    const built = await indexes.open('new', nextEmbedder.card, nextEmbedder);
    expect(built).toMatchObject({ origin: 'rebuilt', embeddedAtStart: 1 });
    expect(built.index.dimension).toBe(144);

    // Committed after the new index was built: only the old pair has it.
    await services.enrollment.enrollImages(b.id, [await b64(2, 0)]);
    const previous = active.swap({ version: 'new', card: nextEmbedder.card, dir: '(test)', embedder: nextEmbedder, index: built.index });
    expect(previous.version).toBe('old');
    expect(active.current.index.size).toBe(1);
    await indexes.catchUp(active.current);
    expect(active.current.index.size).toBe(2);

    const v = await services.verification.verify(await b64(2, 1), await b64(2, 2));
    expect(v).toMatchObject({ modelVersion: 'new', match: true });
    const hits = await services.search.searchSimilar(await b64(2, 3), 2);
    expect(hits[0]).toMatchObject({ identity: { id: b.id }, match: true });

    // Erasure after the swap reaches the serving index, and the old version's saved
    // index (which held b's vector) is dropped: it would be rebuilt from the database.
    const oldSidecar = path.join(dir, 'index', 'model-old.index.json');
    indexes.flush();
    expect(fs.existsSync(oldSidecar)).toBe(true);
    await services.identities.delete(b.id);
    expect(active.current.index.size).toBe(1);
    expect(fs.existsSync(oldSidecar)).toBe(false);
    expect(fs.readdirSync(path.join(dir, 'index')).filter((f) => f.startsWith('model-old'))).toEqual([]);
  });

  it('embeds, for the model swapped in mid-request, an enrollment that started on the old pair', async () => {
    const { services, active, indexes } = stack;
    const c = await services.identities.create('c', null);
    const nextEmbedder = pixelEmbedder(0.2, { version: 'new2', side: 12 });
    const built = await indexes.open('new2', nextEmbedder.card, nextEmbedder);

    // Swap while the enrollment is embedding with the old model.
    const oldEmbedder = active.current.embedder;
    const original = oldEmbedder.embedImages.bind(oldEmbedder);
    (oldEmbedder as { embedImages: typeof original }).embedImages = async (imgs, limits) => {
      const out = await original(imgs, limits);
      active.swap({ version: 'new2', card: nextEmbedder.card, dir: '(test)', embedder: nextEmbedder, index: built.index });
      return out;
    };
    await services.enrollment.enrollImages(c.id, [await b64(3, 0)]);
    expect(active.current.version).toBe('new2');
    expect(active.current.index.size).toBe(1);
    const hits = await services.search.searchSimilar(await b64(3, 1), 1);
    expect(hits[0]).toMatchObject({ identity: { id: c.id }, match: true });
  });
});
