import { readFileSync } from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/embedding/backend';
import { FaceApiDetector } from '../../../src/embedding/faces/face-api.detector';
import { alignFace, detectAllFaces, loadPhoto } from '../../../src/embedding/faces/face-stage';
import { DEFAULT_FACE_STAGE, FACE_TEMPLATE_150, faceResnetPreprocessing } from '../../../src/embedding/faces/face-stage-defaults';
import type { FaceStageSpec } from '../../../src/embedding/model-card';
import { fivePoints } from '../../../src/embedding/faces/keypoints';
import { applySimilarity, estimateSimilarity } from '../../../src/embedding/faces/similarity-transform';
import { ErrorCode } from '../../../src/errors';
import { centre, dist, expectCode, lfw, ORL, rawRgb, SpyDetector } from './face-fixtures';

/**
 * The face stage on real photos with face-api's networks (wasm). LFW photos are
 * 250×250 with the face roughly centred; an ORL image is a tight 92×112 crop.
 */
const detector = new FaceApiDetector();
const spec = faceResnetPreprocessing();
const templateEyes = FACE_TEMPLATE_150.slice(0, 2).map(([x, y]) => ({ x, y }));
const tinyOnly: FaceStageSpec = { ...DEFAULT_FACE_STAGE, fallbackDetector: undefined, padRetry: 0 };

beforeAll(async () => {
  await initBackend('wasm');
  // Loads the three networks once (their weights stay resident), so the leak checks below count per-call tensors only.
  await detector.detect((await loadPhoto(lfw('AJ_Cook'), DEFAULT_FACE_STAGE)).image, {
    detector: 'tiny',
    minScore: 0.5,
    tinyInputSize: 320,
  });
}, 60_000);

// Found by the tiny detector itself (the default's first choice).
const PHOTOS = ['Aaron_Eckhart', 'AJ_Cook', 'Aaron_Peirsol', 'Abbas_Kiarostami'];

describe('LFW photos: detection', () => {
  test.each(PHOTOS)('%s: one face, box inside the 250×250 frame, 60–160 px wide, centred within 40 px of (125, 125)', async (person) => {
    const spy = new SpyDetector(detector);
    const faces = await detectAllFaces(lfw(person), DEFAULT_FACE_STAGE, spy);
    expect(spy.calls).toEqual([{ detector: 'tiny', width: 250, height: 250 }]);
    expect(faces).toHaveLength(1);
    const [{ box, score, keypoints }] = faces;
    expect(score).toBeGreaterThanOrEqual(0.5);
    expect(score).toBeLessThanOrEqual(1);
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(250);
    expect(box.y + box.height).toBeLessThanOrEqual(250);
    expect(box.width).toBeGreaterThanOrEqual(60);
    expect(box.width).toBeLessThanOrEqual(160);
    expect(dist(centre(box), { x: 125, y: 125 })).toBeLessThanOrEqual(40);
    // Keypoints in anatomical order: eyes above the nose above the mouth, left before right (image coordinates).
    const [le, re, nose, ml, mr] = keypoints;
    expect(le.x).toBeLessThan(re.x);
    expect(ml.x).toBeLessThan(mr.x);
    expect(Math.max(le.y, re.y)).toBeLessThan(nose.y);
    expect(nose.y).toBeLessThan(Math.min(ml.y, mr.y));
    for (const p of keypoints) {
      expect(p.x).toBeGreaterThan(box.x - 10);
      expect(p.x).toBeLessThan(box.x + box.width + 10);
    }
  });

  test('a photo the tiny detector misses is found by the SSD fallback, in that order', async () => {
    const bytes = lfw('Aaron_Sorkin');
    const spy = new SpyDetector(detector);
    expect(await detectAllFaces(bytes, tinyOnly, spy)).toEqual([]);
    expect(spy.calls).toEqual([{ detector: 'tiny', width: 250, height: 250 }]);
    spy.calls = [];
    const faces = await detectAllFaces(bytes, DEFAULT_FACE_STAGE, spy);
    expect(spy.calls.map((c) => c.detector)).toEqual(['tiny', 'ssd']);
    expect(faces).toHaveLength(1);
    expect(dist(centre(faces[0].box), { x: 125, y: 125 })).toBeLessThanOrEqual(40);
  });
});

describe('LFW photos: alignment onto the 150×150 template', () => {
  test.each(PHOTOS)('%s: the eyes land within 6 px of the template eyes; no tensors leak', async (person) => {
    const bytes = lfw(person);
    const before = tf.memory().numTensors;
    const aligned = await alignFace(bytes, spec, detector);
    expect(tf.memory().numTensors).toBe(before);
    expect(aligned.pixels).toHaveLength(150 * 150 * 3);
    // The face reported is the one detectAllFaces sees (a 250-px photo is not shrunk: scale 1).
    const [face] = await detectAllFaces(bytes, DEFAULT_FACE_STAGE, detector);
    expect(aligned.face).toEqual(face);

    // (a) The fitted similarity puts the detected eyes on the template (least-squares residual of 5 points).
    const toCrop = estimateSimilarity(
      face.keypoints,
      FACE_TEMPLATE_150.map(([x, y]) => ({ x, y })),
    );
    for (let i = 0; i < 2; i++) expect(dist(applySimilarity(toCrop, face.keypoints[i]), templateEyes[i])).toBeLessThanOrEqual(6);
    // Scale: LFW eyes are ~40 px apart, the template's 101.2 − 48.8 = 52.4 px, so the warp enlarges by ~1.3.
    const scale = Math.hypot(toCrop.a, toCrop.b);
    const eyeDistance = dist(face.keypoints[0], face.keypoints[1]);
    expect(eyeDistance).toBeGreaterThan(30);
    expect(eyeDistance).toBeLessThan(55);
    expect(scale).toBeGreaterThan(0.9);
    expect(scale).toBeLessThan(1.7);

    // (b) The pixels moved: re-detect on the aligned crop itself. The crop is as tight as a passport photo, which
    // the detector misses, so it sits on a 75-px mid-grey border first (→ 300×300), like a photo on a wall.
    const framed = await rawRgb({ data: aligned.pixels, width: 150, height: 150 })
      .extend({ top: 75, bottom: 75, left: 75, right: 75, background: { r: 128, g: 128, b: 128 } })
      .raw()
      .toBuffer();
    const again = await detector.detect(
      { data: new Uint8Array(framed), width: 300, height: 300 },
      { detector: 'tiny', minScore: 0.3, tinyInputSize: 320 },
    );
    expect(again).toHaveLength(1);
    const eyes = fivePoints(again[0].landmarks)
      .slice(0, 2)
      .map((p) => ({ x: p.x - 75, y: p.y - 75 }));
    for (let i = 0; i < 2; i++) expect(dist(eyes[i], templateEyes[i])).toBeLessThanOrEqual(6);
    // And the face is upright: the eye line tilts by less than 5°.
    expect(Math.abs(Math.atan2(eyes[1].y - eyes[0].y, eyes[1].x - eyes[0].x))).toBeLessThan((5 * Math.PI) / 180);
  });

  test('a one-channel model gets the Rec. 601 luma of the same crop', async () => {
    const bytes = lfw('AJ_Cook');
    const rgb = await alignFace(bytes, spec, detector);
    const grey = await alignFace(bytes, { ...spec, channels: 1, mean: [0.5], std: [1] }, detector);
    expect(grey.pixels).toHaveLength(150 * 150);
    for (const i of [0, 4321, 11250, 22499]) {
      const [r, g, b] = rgb.pixels.subarray(i * 3, i * 3 + 3);
      expect(grey.pixels[i]).toBe(Math.round(0.299 * r + 0.587 * g + 0.114 * b));
    }
  });
});

describe('ORL: a tight 92×112 crop', () => {
  const bytes = () => readFileSync(path.join(ORL, 's1', '1.png'));

  test('without the padding retry neither detector finds it (NO_FACE_DETECTED)', async () => {
    const spy = new SpyDetector(detector);
    await expectCode(alignFace(bytes(), { ...spec, face: { ...DEFAULT_FACE_STAGE, padRetry: 0 } }, spy), ErrorCode.NO_FACE_DETECTED);
    expect(spy.calls).toEqual([
      { detector: 'tiny', width: 92, height: 112 },
      { detector: 'ssd', width: 92, height: 112 },
    ]);
  });

  test('the default stage finds it on the padded frame (pad = round(112·0.25) = 28) and reports it in the original coordinates', async () => {
    const spy = new SpyDetector(detector);
    const aligned = await alignFace(bytes(), spec, spy);
    // Both detectors miss the bare crop, then one of them (today the SSD) finds it on the padded 148×168 frame.
    expect(spy.calls.slice(0, 3)).toEqual([
      { detector: 'tiny', width: 92, height: 112 },
      { detector: 'ssd', width: 92, height: 112 },
      { detector: 'tiny', width: 148, height: 168 },
    ]);
    expect(spy.calls.slice(3)).toEqual(spy.calls.length === 4 ? [{ detector: 'ssd', width: 148, height: 168 }] : []);
    expect(aligned.pixels).toHaveLength(150 * 150 * 3);
    // The face fills the frame: its centre is inside it and its eyes are in the upper half.
    const c = centre(aligned.face.box);
    expect(c.x).toBeGreaterThan(0);
    expect(c.x).toBeLessThan(92);
    expect(c.y).toBeGreaterThan(0);
    expect(c.y).toBeLessThan(112);
    expect(aligned.face.box.width).toBeGreaterThan(40);
    const [le, re] = aligned.face.keypoints;
    expect(le.x).toBeLessThan(re.x);
    expect(Math.max(le.y, re.y)).toBeLessThan(56);
    for (const p of [le, re]) {
      expect(p.x).toBeGreaterThan(0);
      expect(p.x).toBeLessThan(92);
    }
  });
});
