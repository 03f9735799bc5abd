import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConfigError, DEFAULT_LABELLED_RULE, DEFAULT_MODEL_NAME, loadConfig } from '../../src/config';

describe('loadConfig', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'siamese-config-'));
  });
  afterEach(() => fs.rmSync(cwd, { recursive: true, force: true }));

  const makeModel = (name: string) => {
    const dir = path.join(cwd, 'models', name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'model-card.json'), '{}');
    return dir;
  };

  it('has defaults derived from the data dir and serves models/face-resnet29-lfw by name', () => {
    makeModel('omniglot-v1');
    makeModel('orl-faces-v1');
    const face = makeModel('face-resnet29-lfw');
    expect(DEFAULT_MODEL_NAME).toBe('face-resnet29-lfw');
    const c = loadConfig({}, cwd);
    expect(c.port).toBe(4000);
    expect(c.dataDir).toBe(path.join(cwd, 'data'));
    expect(c.databaseUrl).toBe(`file:${path.join(cwd, 'data', 'siamese.db')}`);
    expect(c.modelDir).toBe(face);
    expect(c.adminToken).toBeUndefined();
    expect(c.graphiql).toBe(true);
    expect(c.isProduction).toBe(false);
  });

  it('is deeply frozen', () => {
    const c = loadConfig({}, cwd);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.limits)).toBe(true);
    expect(() => {
      (c.limits as { maxK: number }).maxK = 5;
    }).toThrow(TypeError);
  });

  it('reads every variable it documents', () => {
    const model = makeModel('custom');
    const c = loadConfig(
      {
        PORT: '0',
        HOST: '127.0.0.1',
        SIAMESE_DATA_DIR: 'd',
        DATABASE_URL: 'postgresql://u:p@localhost/db',
        SIAMESE_MODEL: model,
        SIAMESE_ADMIN_TOKEN: 'secret-token-123456',
        NODE_ENV: 'production',
        SIAMESE_MAX_K: '7',
        SIAMESE_GRAPHIQL: 'true',
        SIAMESE_EMBEDDING_POOL_SIZE: '2',
      },
      cwd,
    );
    expect(c.port).toBe(0);
    expect(c.host).toBe('127.0.0.1');
    expect(c.dataDir).toBe(path.join(cwd, 'd'));
    expect(c.databaseUrl).toBe('postgresql://u:p@localhost/db');
    expect(c.modelDir).toBe(model);
    expect(c.adminToken).toBe('secret-token-123456');
    expect(c.isProduction).toBe(true);
    expect(c.introspection).toBe(false); // production default
    expect(c.graphiql).toBe(true); // explicitly enabled
    expect(c.limits.maxK).toBe(7);
    expect(c.embeddingPoolSize).toBe(2);
    expect(c.exposeStackTraces).toBe(false);
  });

  it("defaults the embedding pool to 'auto' and accepts 'auto' or an integer", () => {
    expect(loadConfig({}, cwd).embeddingPoolSize).toBe('auto');
    expect(loadConfig({ SIAMESE_EMBEDDING_POOL_SIZE: 'auto' }, cwd).embeddingPoolSize).toBe('auto');
    expect(loadConfig({ SIAMESE_EMBEDDING_POOL_SIZE: '0' }, cwd).embeddingPoolSize).toBe(0);
    expect(() => loadConfig({ SIAMESE_EMBEDDING_POOL_SIZE: 'many' }, cwd)).toThrow(/SIAMESE_EMBEDDING_POOL_SIZE/);
  });

  it('reports every problem at once', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'abc', SIAMESE_MAX_K: '0', NODE_ENV: 'staging', DATABASE_URL: 'mysql://x', SIAMESE_GRAPHIQL: 'maybe' }, cwd);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    expect(problems).toMatch(/PORT must be an integer/);
    expect(problems).toMatch(/SIAMESE_MAX_K must be between 1/);
    expect(problems).toMatch(/NODE_ENV/);
    expect(problems).toMatch(/DATABASE_URL/);
    expect(problems).toMatch(/SIAMESE_GRAPHIQL/);
  });

  it('never guesses another model when the default is missing (no more "first folder containing orl")', () => {
    makeModel('orl-faces-v1');
    makeModel('face-resnet29-other');
    expect(loadConfig({}, cwd).modelDir).toBeUndefined();
    // An explicit name still serves it.
    expect(loadConfig({ SIAMESE_MODEL: 'orl-faces-v1' }, cwd).modelDir).toBe(path.join(cwd, 'models', 'orl-faces-v1'));
    // A default folder without a card is not a model.
    fs.mkdirSync(path.join(cwd, 'models', 'face-resnet29-lfw'));
    expect(loadConfig({}, cwd).modelDir).toBeUndefined();
  });

  it('refuses a model dir without a card, and resolves bare names under models/', () => {
    expect(() => loadConfig({ SIAMESE_MODEL: path.join(cwd, 'nope') }, cwd)).toThrow(/model-card.json/);
    const dir = makeModel('my-model');
    expect(loadConfig({ SIAMESE_MODEL: 'my-model' }, cwd).modelDir).toBe(dir);
  });

  it('reads the companion encoder: a name under models/ or a directory, from R = 3 unless told, and refuses what cannot serve', () => {
    const served = makeModel('served');
    const second = makeModel('second');
    expect(loadConfig({ SIAMESE_MODEL: 'served' }, cwd).companion).toBeUndefined();
    expect(loadConfig({ SIAMESE_MODEL: 'served', SIAMESE_COMPANION_MODEL: 'second' }, cwd).companion).toEqual({
      dir: second,
      fromReferences: 3,
      warm: true,
    });
    expect(
      loadConfig(
        { SIAMESE_MODEL: 'served', SIAMESE_COMPANION_MODEL: second, SIAMESE_COMPANION_FROM: '5', SIAMESE_COMPANION_WARM: 'false' },
        cwd,
      ).companion,
    ).toEqual({
      dir: second,
      fromReferences: 5,
      warm: false,
    });
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env, cwd);
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(problems({ SIAMESE_MODEL: 'served', SIAMESE_COMPANION_MODEL: 'nope' })).toMatch(/SIAMESE_COMPANION_MODEL: no model-card.json/);
    expect(problems({ SIAMESE_MODEL: 'served', SIAMESE_COMPANION_MODEL: served })).toMatch(/names the served model itself/);
    expect(problems({ SIAMESE_MODEL: 'served', SIAMESE_COMPANION_MODEL: 'second', SIAMESE_COMPANION_FROM: '1' })).toMatch(
      /SIAMESE_COMPANION_FROM must be between 2 and/,
    );
    expect(problems({ SIAMESE_MODEL: 'served', SIAMESE_COMPANION_FROM: '3' })).toMatch(
      /SIAMESE_COMPANION_FROM is set without SIAMESE_COMPANION_MODEL/,
    );
    expect(problems({ SIAMESE_MODEL: 'served', SIAMESE_COMPANION_WARM: 'true' })).toMatch(
      /SIAMESE_COMPANION_WARM is set without SIAMESE_COMPANION_MODEL/,
    );
  });

  it('reads the open-set false-match target: 5 % by default, a rate in (0, 1), or off', () => {
    expect(loadConfig({}, cwd).limits.openSetFar).toBe(0.05);
    expect(loadConfig({ SIAMESE_OPEN_SET_FAR: '0.01' }, cwd).limits.openSetFar).toBe(0.01);
    expect(loadConfig({ SIAMESE_OPEN_SET_FAR: '1e-3' }, cwd).limits.openSetFar).toBe(0.001);
    expect(loadConfig({ SIAMESE_OPEN_SET_FAR: 'off' }, cwd).limits.openSetFar).toBeNull();
    expect(loadConfig({ SIAMESE_OPEN_SET_FAR: 'None' }, cwd).limits.openSetFar).toBeNull();
    for (const bad of ['0', '1', '1.5', '-0.1', '5%', 'abc']) {
      expect(() => loadConfig({ SIAMESE_OPEN_SET_FAR: bad }, cwd)).toThrow(
        /SIAMESE_OPEN_SET_FAR must be a rate strictly between 0 and 1, or off/,
      );
    }
  });

  it("reads verifyIdentity's LABELLED rule: capped, midpoint or off (any case), the default from its RULE.md", () => {
    expect(loadConfig({}, cwd).limits.labelledRule).toBe(DEFAULT_LABELLED_RULE);
    expect(loadConfig({ SIAMESE_LABELLED_RULE: 'Midpoint' }, cwd).limits.labelledRule).toBe('midpoint');
    expect(loadConfig({ SIAMESE_LABELLED_RULE: 'off' }, cwd).limits.labelledRule).toBe('off');
    expect(loadConfig({ SIAMESE_LABELLED_RULE: 'capped' }, cwd).limits.labelledRule).toBe('capped');
    expect(() => loadConfig({ SIAMESE_LABELLED_RULE: 'loose' }, cwd)).toThrow(
      /SIAMESE_LABELLED_RULE must be capped, midpoint, off \(got 'loose'\)/,
    );
  });

  it('treats blank values as unset', () => {
    expect(loadConfig({ SIAMESE_ADMIN_TOKEN: '   ', PORT: '' }, cwd)).toMatchObject({ adminToken: undefined, port: 4000 });
  });
});
