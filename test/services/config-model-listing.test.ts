import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConfigError, loadConfig } from '../../src/config';
import { openServiceStack } from '../../src/main';

/**
 * Issue 14: `SIAMESE_MODEL=nope` lists the models the server can serve (the folders of
 * SIAMESE_MODELS_DIR with a model card), and so does a start with no model at all.
 */
let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'siamese-models-'));
  for (const name of ['orl-a', 'face-b']) {
    fs.mkdirSync(path.join(root, 'models', name), { recursive: true });
    fs.writeFileSync(path.join(root, 'models', name, 'model-card.json'), '{}');
  }
  fs.mkdirSync(path.join(root, 'models', 'half-copied')); // no card: not servable
  fs.writeFileSync(path.join(root, 'models', 'README.md'), 'not a model');
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig({ SIAMESE_MODELS_DIR: path.join(root, 'models'), SIAMESE_DATA_DIR: path.join(root, 'data'), ...env }, root);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

it('SIAMESE_MODEL=nope names the models it can serve, sorted', () => {
  const [problem, ...rest] = configProblems({ SIAMESE_MODEL: 'nope' });
  expect(rest).toEqual([]);
  expect(problem).toBe(
    `SIAMESE_MODEL: no model-card.json in ${path.join(root, 'nope')}; models in ${path.join(root, 'models')}: face-b, orl-a ` +
      '(SIAMESE_MODEL takes one of these names or a model directory)',
  );
});

it('says so when the models folder holds none', () => {
  const [problem] = configProblems({ SIAMESE_MODEL: 'nope', SIAMESE_MODELS_DIR: path.join(root, 'empty') });
  expect(problem).toContain(`no models in ${path.join(root, 'empty')} (SIAMESE_MODELS_DIR)`);
});

it('a start with no model at all lists them too', async () => {
  const config = loadConfig(
    { SIAMESE_MODELS_DIR: path.join(root, 'models'), SIAMESE_DATA_DIR: path.join(root, 'data'), SIAMESE_LOG_LEVEL: 'silent' },
    root,
  );
  expect(config.modelDir).toBeUndefined(); // face-resnet29-lfw is not in this folder
  await expect(openServiceStack(config)).rejects.toThrow(/no model to serve: .*models in .*: face-b, orl-a/);
});
