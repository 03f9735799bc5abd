import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadConfig } from '../../src/config';
import { openServiceStack, type ServiceStack } from '../../src/main';
import { ModelVersionRepository } from '../../src/db';
import { ModelActivationService } from '../../src/services/retraining';
import { CompanionSlot, type EmbedderPort } from '../../src/services';
import { pixelEmbedder } from '../fixtures/pixel-embedder';
import { syntheticImage } from '../fixtures/synthetic-images';

/**
 * The swap path shared by promotion and activateModel, with model-free embedders: the new
 * pair is built beside the serving one; an erasure that lands during the build must not
 * survive in the new index; a version whose weights changed on disk is refused.
 */
describe('model activation', () => {
  let dir: string;
  let stack: ServiceStack;
  const b64 = async (id: number, shot: number) => ({ base64: (await syntheticImage(id, shot)).toString('base64') });

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siamese-activation-'));
    const config = loadConfig({ SIAMESE_DATA_DIR: dir, SIAMESE_LOG_LEVEL: 'silent', SIAMESE_MODELS_DIR: path.join(dir, 'none') }, dir);
    stack = await openServiceStack(config, { embedder: pixelEmbedder(0.2, { version: 'old' }) });
  });
  afterEach(async () => {
    await stack.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Registers `embedder` as a version with a model directory holding its card. */
  async function register(embedder: EmbedderPort): Promise<ModelVersionRepository> {
    const modelDir = path.join(dir, 'models', embedder.card.version);
    fs.mkdirSync(modelDir, { recursive: true });
    fs.writeFileSync(path.join(modelDir, 'model-card.json'), JSON.stringify(embedder.card));
    const repo = new ModelVersionRepository((stack.store as unknown as { db: never }).db);
    await repo.register({
      version: embedder.card.version,
      dir: modelDir,
      fingerprint: embedder.card.fingerprint,
      metric: embedder.card.metric,
      card: {},
    });
    return repo;
  }

  it('swaps in one step, and an identity erased during the build is not in the new index', async () => {
    const { services, active, indexes, store, logger } = stack;
    const a = await services.identities.create('a', null);
    const b = await services.identities.create('b', null);
    await services.enrollment.enrollImages(a.id, [await b64(1, 0), await b64(1, 1)]);
    await services.enrollment.enrollImages(b.id, [await b64(2, 0)]);

    // The new model embeds slowly; b is erased while its index is being built.
    const base = pixelEmbedder(0.2, { version: 'new', side: 12 });
    let erase: Promise<unknown> | undefined;
    const slow: EmbedderPort = {
      card: base.card,
      async embedImages(images, limits) {
        erase ??= services.identities.delete(b.id);
        await erase;
        return base.embedImages(images, limits);
      },
    };
    const modelVersions = await register(slow);
    const activation = new ModelActivationService({
      active,
      indexes,
      store,
      modelVersions,
      loadEmbedder: async () => slow,
      logger,
      drainMs: 0,
    });
    const previous = active.current;
    const rec = await activation.activate('new');

    expect(rec).toMatchObject({ version: 'new', active: true });
    expect(active.current.version).toBe('new');
    expect(active.current.index.dimension).toBe(144);
    expect(active.current.index.size).toBe(2); // a's two images; b's vector is gone
    expect(previous.version).toBe('old');
    const hits = await services.search.searchSimilar(await b64(2, 3), 5);
    expect(hits.map((h) => h.identity.id)).toEqual([a.id]);
    expect((await modelVersions.getActive())!.version).toBe('new');
    await activation.close();
  });

  it('serves the companion with the configured version only: not with another one, and again when it comes back', async () => {
    await stack.close();
    const config = loadConfig({ SIAMESE_DATA_DIR: dir, SIAMESE_LOG_LEVEL: 'silent', SIAMESE_MODELS_DIR: path.join(dir, 'none') }, dir);
    const oldEmbedder = pixelEmbedder(0.2, { version: 'old' });
    const base = pixelEmbedder(0.3, { version: 'companion', side: 8 });
    const rates = { auc: 0.9, eer: 0.1, far: 0.01, frr: 0.1, positivePairs: 10, negativePairs: 10 };
    const companion: EmbedderPort = {
      card: { ...base.card, thresholds: { ...base.card.thresholds, references: [{ references: 3, threshold: 0.5, ...rates }] } },
      embedImages: base.embedImages,
    };
    stack = await openServiceStack(config, { embedder: oldEmbedder, companion: { embedder: companion, fromReferences: 3, warm: false } });
    const { services, active, indexes, store, logger } = stack;
    expect(active.current.companion).toMatchObject({ version: 'companion', fromReferences: 3 });
    const a = await services.identities.create('a', null);
    await services.enrollment.enrollImages(a.id, await Promise.all([0, 1, 2].map((s) => b64(1, s))));
    const question = await b64(1, 5);
    expect((await services.identityVerification.verifyIdentity(a.id, question)).encoder).toBe('COMPANION');

    const slot = new CompanionSlot({ dir: '(injected)', fromReferences: 3 }, 'old', async () => companion, false);
    const newer = pixelEmbedder(0.2, { version: 'new', side: 12 });
    await register(newer);
    const modelVersions = await register(oldEmbedder);
    const embedders = new Map([
      [path.join(dir, 'models', 'new'), newer],
      [path.join(dir, 'models', 'old'), oldEmbedder],
    ]);
    const activation = new ModelActivationService({
      active,
      indexes,
      store,
      modelVersions,
      loadEmbedder: async (d) => embedders.get(d)!,
      companionFor: (v, c) => slot.forVersion(v, c),
      logger,
      keepEmbedders: new Set([newer, oldEmbedder]),
      drainMs: 0,
    });
    await activation.activate('new');
    expect(active.current.version).toBe('new');
    expect(active.current.companion).toBeUndefined();
    const onNew = await services.identityVerification.verifyIdentity(a.id, question);
    expect(onNew).toMatchObject({ encoder: 'PRIMARY', modelVersion: 'new' });
    await activation.activate('old');
    expect(active.current.companion).toMatchObject({ version: 'companion', fromReferences: 3 });
    expect(await services.identityVerification.verifyIdentity(a.id, question)).toMatchObject({
      encoder: 'COMPANION',
      modelVersion: 'companion',
    });
    await activation.close();
  });

  it('refuses a version whose weights are not the registered ones, and keeps serving', async () => {
    const { active, indexes, store, logger } = stack;
    const registered = pixelEmbedder(0.2, { version: 'v2', side: 8 });
    const modelVersions = await register(registered);
    const tampered: EmbedderPort = { ...registered, card: { ...registered.card, fingerprint: 'f'.repeat(64) } };
    const activation = new ModelActivationService({ active, indexes, store, modelVersions, loadEmbedder: async () => tampered, logger });
    await expect(activation.activate('v2')).rejects.toMatchObject({ code: 'MODEL_INCOMPATIBLE' });
    await expect(activation.activate('unknown')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(active.current.version).toBe('old');
    expect((await modelVersions.getActive())!.version).toBe('old');
  });
});
