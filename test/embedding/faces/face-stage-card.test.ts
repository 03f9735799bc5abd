import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/embedding/backend';
import { buildEncoder } from '../../../src/embedding/backbones';
import { FACE_RESNET_MEAN } from '../../../src/embedding/backbones/face-resnet.backbone';
import {
  DEFAULT_FACE_STAGE,
  FACE_TEMPLATE_150,
  faceResnetPreprocessing,
  scaledTemplate,
  validateFaceStage,
} from '../../../src/embedding/faces/face-stage-defaults';
import type { ArchitectureSpec, FaceStageSpec } from '../../../src/embedding/model-card';
import { CARD_FILE, loadModelDir, readModelCard, saveModelDir } from '../../../src/embedding/model-store';
import { validatePreprocessSpec } from '../../../src/embedding/preprocess/normalize';
import { DomainError, ErrorCode } from '../../../src/errors';
import { testCard } from '../fixtures';

const arch: ArchitectureSpec = { backbone: 'fast', embeddingDim: 8, normalization: 'none', l2Normalize: true, params: { widths: [4, 8] } };

let root: string;
beforeAll(async () => {
  await initBackend('wasm');
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'face-card-'));
});
afterAll(() => fs.rm(root, { recursive: true, force: true }));

function expectBadInput(f: () => void, pattern: RegExp): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(DomainError);
  expect((err as DomainError).code).toBe(ErrorCode.BAD_USER_INPUT);
  expect((err as DomainError).message).toMatch(pattern);
}

describe('face stage defaults', () => {
  test('faceResnetPreprocessing: 150×150×3, mean = dlib means / 255, std 1, fill, the default face stage', () => {
    const spec = faceResnetPreprocessing();
    expect(spec).toEqual({
      width: 150,
      height: 150,
      channels: 3,
      normalize: 'standard',
      mean: [122.782 / 255, 117.001 / 255, 104.298 / 255],
      std: [1, 1, 1],
      fit: 'fill',
      face: DEFAULT_FACE_STAGE,
    });
    // The mean array is a copy: editing a card cannot change the constant.
    spec.mean![0] = 0;
    expect(FACE_RESNET_MEAN[0]).toBeCloseTo(0.4815, 4);
    expect(() => validatePreprocessSpec(faceResnetPreprocessing())).not.toThrow();
  });

  test('the template is mirror-symmetric about x = 75 and scales with the crop', () => {
    const [le, re, nose, ml, mr] = FACE_TEMPLATE_150;
    expect(le[0] + re[0]).toBeCloseTo(150, 10);
    expect(le[1]).toBe(re[1]);
    expect(nose[0]).toBe(75);
    expect(ml[0] + mr[0]).toBeCloseTo(150, 10);
    expect(ml[1]).toBe(mr[1]);
    // 48.8·100/150 = 32.5333…, 38·50/150 = 12.6666…
    const t = scaledTemplate(100, 50);
    expect(t[0][0]).toBeCloseTo(32.53333, 4);
    expect(t[0][1]).toBeCloseTo(12.66667, 4);
    expect(scaledTemplate(150, 150)).toEqual(FACE_TEMPLATE_150);
  });
});

describe('validateFaceStage', () => {
  const ok = DEFAULT_FACE_STAGE;
  const check =
    (face: Partial<FaceStageSpec> & Record<string, unknown>, w = 150, h = 150) =>
    () =>
      validateFaceStage({ ...ok, ...face } as FaceStageSpec, w, h);

  test('accepts the default, ssd-only without fallback, and a template on the crop border', () => {
    expect(check({})).not.toThrow();
    expect(check({ detector: 'ssd', fallbackDetector: undefined, tinyInputSize: undefined })).not.toThrow();
    expect(
      check({
        template: [
          [0, 0],
          [150, 0],
          [75, 75],
          [0, 150],
          [150, 150],
        ],
        minScore: 0,
        padRetry: 0,
      }),
    ).not.toThrow();
    expect(check({ template: scaledTemplate(64, 80) }, 64, 80)).not.toThrow();
  });

  test('a bad template', () => {
    expectBadInput(check({ template: FACE_TEMPLATE_150.slice(0, 4) }), /5 points/);
    expectBadInput(check({ template: [...FACE_TEMPLATE_150, [1, 1]] }), /5 points/);
    expectBadInput(check({ template: 'eyes' as unknown as [number, number][] }), /5 points/);
    expectBadInput(
      check({
        template: [
          [48.8, 38],
          [101.2, 38],
          [75, 69],
          [52.5, 95.8],
          [151, 95.8],
        ],
      }),
      /inside the 150×150 crop/,
    );
    expectBadInput(
      check({
        template: [
          [-0.1, 38],
          [101.2, 38],
          [75, 69],
          [52.5, 95.8],
          [97.5, 95.8],
        ],
      }),
      /inside/,
    );
    expectBadInput(
      check({
        template: [
          [48.8, 38, 0],
          [101.2, 38],
          [75, 69],
          [52.5, 95.8],
          [97.5, 95.8],
        ] as [number, number][],
      }),
      /inside/,
    );
    expectBadInput(
      check({
        template: [
          [48.8, NaN],
          [101.2, 38],
          [75, 69],
          [52.5, 95.8],
          [97.5, 95.8],
        ],
      }),
      /inside/,
    );
    // The 150-px template does not fit a 64×64 crop.
    expectBadInput(check({}, 64, 64), /inside the 64×64 crop/);
  });

  test('a bad detector, fallback, minScore, tinyInputSize, select, maxSide or padRetry', () => {
    expectBadInput(check({ detector: 'mtcnn' as 'tiny' }), /face.detector must be tiny or ssd, got 'mtcnn'/);
    expectBadInput(check({ fallbackDetector: 'retina' as 'ssd' }), /fallbackDetector/);
    for (const minScore of [-0.01, 1.01, NaN]) expectBadInput(check({ minScore }), /minScore must be in \[0, 1\]/);
    for (const tinyInputSize of [300, 96, 1056, 320.5]) expectBadInput(check({ tinyInputSize }), /tinyInputSize/);
    expectBadInput(check({ select: 'first' as 'largest' }), /select/);
    for (const maxSide of [63, 8193, 1000.5]) expectBadInput(check({ maxSide }), /maxSide/);
    for (const padRetry of [-0.1, 2.5, NaN]) expectBadInput(check({ padRetry }), /padRetry/);
  });

  test('validatePreprocessSpec checks the face stage against the crop size', () => {
    expectBadInput(() => validatePreprocessSpec({ ...faceResnetPreprocessing(), width: 100 }), /inside the 100×150 crop/);
    expectBadInput(() => validatePreprocessSpec(faceResnetPreprocessing({ ...DEFAULT_FACE_STAGE, minScore: 2 })), /minScore/);
  });
});

describe('face stage in the model card', () => {
  test('saveModelDir → loadModelDir keeps preprocessing.face deep-equal; no tensors leak', async () => {
    const preprocessing = faceResnetPreprocessing({
      ...DEFAULT_FACE_STAGE,
      detector: 'ssd',
      fallbackDetector: 'tiny',
      minScore: 0.35,
      padRetry: 0.5,
      maxSide: 800,
    });
    const before = tf.memory().numTensors;
    const model = buildEncoder(arch, { height: 150, width: 150, channels: 3 }, 3);
    const dir = path.join(root, 'round-trip');
    const saved = await saveModelDir(dir, model, testCard(arch, preprocessing));
    expect(saved.preprocessing.face).toEqual(preprocessing.face);
    const onDisk = JSON.parse(await fs.readFile(path.join(dir, CARD_FILE), 'utf8'));
    expect(onDisk.preprocessing).toEqual(preprocessing);
    const loaded = await loadModelDir(dir);
    expect(loaded.card.preprocessing).toEqual(preprocessing);
    expect(loaded.card.preprocessing.face).toEqual({
      detector: 'ssd',
      fallbackDetector: 'tiny',
      minScore: 0.35,
      tinyInputSize: 320,
      select: 'largest',
      template: [
        [48.8, 38],
        [101.2, 38],
        [75, 69],
        [52.5, 95.8],
        [97.5, 95.8],
      ],
      maxSide: 800,
      padRetry: 0.5,
    });
    expect((await readModelCard(dir)).preprocessing).toEqual(preprocessing);
    model.dispose();
    loaded.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  test('a card whose face stage is invalid is refused on load (MODEL_INCOMPATIBLE)', async () => {
    const model = buildEncoder(arch, { height: 150, width: 150, channels: 3 }, 3);
    const dir = path.join(root, 'bad-face');
    await saveModelDir(dir, model, testCard(arch, faceResnetPreprocessing()));
    model.dispose();
    const card = JSON.parse(await fs.readFile(path.join(dir, CARD_FILE), 'utf8'));
    card.preprocessing.face.template = card.preprocessing.face.template.slice(0, 3);
    await fs.writeFile(path.join(dir, CARD_FILE), JSON.stringify(card));
    const err = await readModelCard(dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe(ErrorCode.MODEL_INCOMPATIBLE);
    expect((err as DomainError).message).toMatch(/preprocessing: face.template must hold 5 points/);
  });
});
