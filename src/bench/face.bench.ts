import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type * as Backbones from '../embedding/backbones';
import type * as EmbedderModule from '../embedding/embedder';
import type * as FaceApiDetectorModule from '../embedding/faces/face-api.detector';
import type * as FaceStage from '../embedding/faces/face-stage';
import type * as FaceStageDefaults from '../embedding/faces/face-stage-defaults';
import type * as Keypoints from '../embedding/faces/keypoints';
import type * as SimilarityTransform from '../embedding/faces/similarity-transform';
import type * as Warp from '../embedding/faces/warp';
import type { ArchitectureSpec, ModelCard, PreprocessSpec } from '../embedding/model-card';
import type * as ModelStore from '../embedding/model-store';
import type * as Normalize from '../embedding/preprocess/normalize';
import { withBenchServer } from './bench-server';
import { loadLfwPhotos, loadLfwSamePairs } from './lfw';
import { runLoad } from './load';
import {
  FACE_STAGES,
  FACE_VERIFY_TARGET_P50_MS,
  faceRatios,
  faceVerdict,
  summarizeStages,
  unavailableFace,
  type FaceReport,
  type FaceStage as FaceStageName,
} from './report';
import { benchBackend, useWasm } from './wasm-backend';

/**
 * The face part (issue 12's speed target): on real LFW photos (250×250 JPEG,
 * one of each of `photos` different people), on the wasm backend, one photo
 * after another and nothing else running:
 *
 *  1. our pipeline split into its stages, each timed on its own on every photo
 *     (see FaceReport.stages), and end to end through the Embedder (what a
 *     server worker runs per image: decode → tiny 320 → SSD when tiny finds
 *     nothing → landmarks → alignment → encoder);
 *  2. face-api's own pipeline on the same photos, interleaved with ours so load
 *     on the machine hits both alike: detectSingleFace(SSD, its README's
 *     default) and TinyFaceDetector(320) → withFaceLandmarks → withFaceDescriptor
 *     (dlib's ResNet: the same trunk as face-resnet29), given the same sharp
 *     decode (face-api has no decoder of its own in Node without tfjs-node);
 *  3. verify(a, b) over HTTP with two photos of one person (LFW's same pairs, a
 *     different pair each request, so nothing can be cached), concurrency 1,
 *     against the target p50 ≤ 150 ms, with the http part's pool size.
 *
 * The model is the configured default when it has a face stage; otherwise (the
 * shipped models/face-resnet29-lfw not built yet, or a default without faces)
 * a stand-in is built in a temp directory: face-resnet29 with the pretrained
 * trunk and an identity head, the default face stage: the same work per image,
 * only its threshold means nothing.
 */
export interface FaceBenchOptions {
  /** The configured default model, if any. */
  modelDir: string | undefined;
  /** Why there is none, when modelDir is undefined. */
  noModelReason?: string;
  lfwDir: string;
  cwd: string;
  /** Photos timed (different people), after a warm-up on two more. */
  photos: number;
  /** SIAMESE_EMBEDDING_POOL_SIZE of the HTTP server (the http part uses the instance count). */
  poolSize: number;
  /** Timed verify requests (0 skips the HTTP measurement). */
  verifyRequests: number;
}

export const FACE_BENCH_DEFAULTS = { photos: 20, verifyRequests: 40 } as const;

const FACE_API_BUILD = '@vladmandic/face-api/dist/face-api.node-wasm.js';
const VERIFY = 'query V($a: ImageInput!, $b: ImageInput!) { verify(a: $a, b: $b) { match distance } }';
const WARMUP_PHOTOS = 2;
const WARMUP_VERIFIES = 4;

/** The few members of face-api used here (its own .d.ts drags in a second copy of tfjs's types). */
interface FaceApiDetection {
  box: { x: number; y: number; width: number; height: number };
  score: number;
}
interface FaceApiLandmarks {
  positions: { x: number; y: number }[];
  shiftBy(x: number, y: number): FaceApiLandmarks;
}
interface FaceApiNet {
  loadFromDisk(dir: string): Promise<void>;
  isLoaded: boolean;
}
interface FaceApiBench {
  nets: {
    ssdMobilenetv1: FaceApiNet;
    tinyFaceDetector: FaceApiNet;
    faceLandmark68Net: FaceApiNet & { detectLandmarks(face: tf.Tensor3D): Promise<FaceApiLandmarks | FaceApiLandmarks[]> };
    faceRecognitionNet: FaceApiNet;
  };
  SsdMobilenetv1Options: new (o?: { minConfidence?: number; maxResults?: number }) => unknown;
  TinyFaceDetectorOptions: new (o?: { inputSize?: number; scoreThreshold?: number }) => unknown;
  detectAllFaces(input: tf.Tensor3D, options: unknown): PromiseLike<FaceApiDetection[]>;
  detectSingleFace(
    input: tf.Tensor3D,
    options: unknown,
  ): { withFaceLandmarks(): { withFaceDescriptor(): PromiseLike<{ descriptor: Float32Array } | undefined> } };
  extractFaceTensors(input: tf.Tensor3D, detections: FaceApiDetection[]): Promise<tf.Tensor3D[]>;
}

/** The embedding modules, required lazily: a broken or missing face stage fails this part only. */
/* eslint-disable @typescript-eslint/no-require-imports */
function faceModules() {
  return {
    backbones: require('../embedding/backbones') as typeof Backbones,
    embedder: require('../embedding/embedder') as typeof EmbedderModule,
    detector: require('../embedding/faces/face-api.detector') as typeof FaceApiDetectorModule,
    stage: require('../embedding/faces/face-stage') as typeof FaceStage,
    defaults: require('../embedding/faces/face-stage-defaults') as typeof FaceStageDefaults,
    keypoints: require('../embedding/faces/keypoints') as typeof Keypoints,
    similarity: require('../embedding/faces/similarity-transform') as typeof SimilarityTransform,
    warp: require('../embedding/faces/warp') as typeof Warp,
    store: require('../embedding/model-store') as typeof ModelStore,
    normalize: require('../embedding/preprocess/normalize') as typeof Normalize,
  };
}
/* eslint-enable @typescript-eslint/no-require-imports */
type Modules = ReturnType<typeof faceModules>;

export async function measureFace(o: FaceBenchOptions, log: (m: string) => void): Promise<FaceReport> {
  const photos = loadLfwPhotos(o.lfwDir, o.photos + WARMUP_PHOTOS);
  if (photos.length < WARMUP_PHOTOS + 1) return unavailableFace(`no LFW photos at ${o.lfwDir}`);
  const loadStart = os.loadavg()[0];
  const m = faceModules();
  const { backend, note: backendNote } = await useWasm();
  const notes: string[] = [];
  if (backendNote) notes.push(backendNote);

  const tempDirs: string[] = [];
  try {
    const model = await chooseModel(o.modelDir, o.noModelReason, m, tempDirs, log);
    notes.push(...model.notes);
    const embedder = await m.embedder.Embedder.fromDir(model.dir);
    let inProcess: Awaited<ReturnType<typeof measureInProcess>>;
    try {
      // On the native backend, face-api (the reference) keeps running on wasm, as a user of face-api would.
      inProcess = await measureInProcess(embedder, photos, m, log, benchBackend() === 'native' ? 'wasm' : undefined);
    } finally {
      embedder.dispose();
    }
    notes.push(...inProcess.notes);
    const http =
      o.verifyRequests > 0 ? await measureVerify(o, model.dir, log) : { available: false as const, reason: 'skipped (0 requests)' };
    const ratios = faceRatios(inProcess.stages.total, inProcess.faceApi);
    notes.push(
      `face stages are timed separately on each photo (detection without landmarks, then landmarks on the largest face found), so "stages summed" ` +
        `differs from "total" (the real path: FaceApiDetector runs detection and landmarks in one face-api call, for every face found); ` +
        `p99 over ${inProcess.photos} photos is close to the slowest one`,
      "face ratios are latencies, ours ÷ face-api's (< 1 = we are faster); face-api is given the same sharp decode (timed in its numbers too)",
    );
    return {
      available: true,
      model: model.dir,
      modelSource: model.source,
      backend,
      photoSource: o.lfwDir,
      photos: inProcess.photos,
      stages: inProcess.stages,
      tinyMisses: inProcess.tinyMisses,
      ssdMisses: inProcess.ssdMisses,
      loadavg: [loadStart, os.loadavg()[0]],
      faceApi: inProcess.faceApi,
      ratios,
      http,
      ...faceVerdict(http.available ? http.latency : null),
      targetP50Ms: FACE_VERIFY_TARGET_P50_MS,
      notes,
    };
  } finally {
    for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
  }
}

/** The configured default when it has a face stage, else a stand-in saved in a temp directory. */
async function chooseModel(
  modelDir: string | undefined,
  noModelReason: string | undefined,
  m: Modules,
  tempDirs: string[],
  log: (msg: string) => void,
): Promise<{ dir: string; source: 'configured' | 'stand-in'; notes: string[] }> {
  let why = noModelReason ?? 'no default model';
  if (modelDir) {
    try {
      const card = await m.store.readModelCard(modelDir);
      if (card.preprocessing.face) return { dir: modelDir, source: 'configured', notes: [] };
      why = `the default model ${path.basename(modelDir)} has no face stage`;
    } catch (e) {
      why = `the default model cannot be read (${(e as Error).message.split('\n')[0]})`;
    }
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siamese-bench-face-'));
  tempDirs.push(dir);
  const arch: ArchitectureSpec = { backbone: 'face-resnet29', embeddingDim: 128, normalization: 'none', l2Normalize: true, params: {} };
  const pre = m.defaults.faceResnetPreprocessing();
  const t = performance.now();
  const net = m.backbones.buildEncoder(arch, { height: pre.height, width: pre.width, channels: pre.channels });
  try {
    await m.store.saveModelDir(path.join(dir, 'face-resnet29-stand-in'), net, standInCard(arch, pre));
  } finally {
    net.dispose();
  }
  log(
    `face: ${why}: built a stand-in (face-resnet29, pretrained trunk, identity head) in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  return {
    dir: path.join(dir, 'face-resnet29-stand-in'),
    source: 'stand-in',
    notes: [
      `face: ${why}; measured a stand-in built for the run (face-resnet29 pretrained trunk + identity head, default face stage): the same work per image`,
    ],
  };
}

function standInCard(architecture: ArchitectureSpec, preprocessing: PreprocessSpec): ModelCard {
  return {
    formatVersion: 1,
    name: 'face-resnet29-stand-in',
    version: '',
    createdAt: new Date().toISOString(),
    architecture,
    preprocessing,
    metric: 'euclidean',
    // Placeholder: the stand-in is for timing; its match decisions mean nothing.
    thresholds: { eer: 0.6, maxAccuracy: 0.6, atTargetFar: 0.6, targetFar: 0.01, default: 0.6, defaultRule: 'eer' },
    roc: [],
    validation: { auc: 0, eer: 1, positivePairs: 0, negativePairs: 0 },
    data: { sources: [], identities: 0, images: 0, trainIdentities: 0, validationIdentities: 0 },
    hyperparameters: {},
    seed: 0,
    training: { wallTimeSec: 0, steps: 0, epochs: 0, bestEpoch: 0, backend: 'none' },
    fingerprint: '',
    commands: { train: 'none (siamese bench stand-in)', evaluate: [] },
    notes: 'built by siamese bench for timing only: untrained head, placeholder thresholds',
  };
}

async function loadFaceApi(m: Modules): Promise<{ api: FaceApiBench; version: string }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const api = require(FACE_API_BUILD) as FaceApiBench;
  const dir = m.detector.faceApiModelDir();
  // The detector (warmed up first) has loaded the detection and landmark nets in
  // this module instance already; only what is missing is read from disk.
  for (const net of [api.nets.ssdMobilenetv1, api.nets.tinyFaceDetector, api.nets.faceLandmark68Net, api.nets.faceRecognitionNet]) {
    if (!net.isLoaded) await net.loadFromDisk(dir);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const version = (require('@vladmandic/face-api/package.json') as { version: string }).version;
  return { api, version };
}

async function measureInProcess(
  embedder: EmbedderModule.Embedder,
  photos: { person: string; bytes: Buffer }[],
  m: Modules,
  log: (msg: string) => void,
  peerBackend?: string,
) {
  const spec = embedder.card.preprocessing;
  const face = spec.face;
  if (!face) throw new Error('the model has no face stage');
  // Warm-up of the real path first: it loads face-api's nets through FaceApiDetector.
  for (const p of photos.slice(0, WARMUP_PHOTOS)) await embedder.embedImages([new Uint8Array(p.bytes)]).catch(() => undefined);
  const { api, version } = await loadFaceApi(m);
  const tinyOpts = new api.TinyFaceDetectorOptions({ inputSize: face.tinyInputSize ?? 320, scoreThreshold: face.minScore });
  const ssdOpts = new api.SsdMobilenetv1Options({ minConfidence: face.minScore, maxResults: 20 });
  const template = face.template.map(([x, y]) => ({ x, y }));
  const samples: Partial<Record<FaceStageName, number[]>> = {};
  const peer = { ssd: [] as number[], tiny: [] as number[], ssdMisses: 0, tinyMisses: 0 };
  const record = (k: FaceStageName, ms: number) => (samples[k] ??= []).push(ms);
  let tinyMisses = 0;
  let ssdMisses = 0;
  let noFace = 0;
  const tensorsBefore = tf.memory().numTensors;

  // face-api's own pipeline (decode included, as in ours).
  const peerOne = async (u8: Uint8Array, timed: boolean) => {
    for (const [which, opts] of [
      ['ssd', new api.SsdMobilenetv1Options()],
      ['tiny', new api.TinyFaceDetectorOptions({ inputSize: 320 })],
    ] as const) {
      const t = performance.now();
      const decoded = await m.stage.loadPhoto(u8, face);
      const input = tf.tensor3d(decoded.image.data, [decoded.image.height, decoded.image.width, 3], 'int32');
      try {
        const r = await api.detectSingleFace(input, opts).withFaceLandmarks().withFaceDescriptor();
        if (r) {
          if (timed) peer[which].push(performance.now() - t);
        } else if (timed) {
          peer[which === 'ssd' ? 'ssdMisses' : 'tinyMisses']++;
        }
      } finally {
        input.dispose();
      }
    }
  };

  const one = async (bytes: Buffer, timed: boolean) => {
    const u8 = new Uint8Array(bytes);
    const rec = (k: FaceStageName, ms: number) => timed && record(k, ms);
    // 1. The real path, end to end.
    let t = performance.now();
    let found = true;
    try {
      await embedder.embedImages([u8]);
      rec('total', performance.now() - t);
    } catch {
      found = false; // NO_FACE_DETECTED: not timed (a refusal must not flatter the latency)
    }
    // 2. The stages one by one.
    t = performance.now();
    const photo = await m.stage.loadPhoto(u8, face);
    const decodeMs = performance.now() - t;
    rec('decode', decodeMs);
    const detect = async (opts: unknown) => {
      const s = performance.now();
      const input = tf.tensor3d(photo.image.data, [photo.image.height, photo.image.width, 3], 'int32');
      try {
        const dets = await api.detectAllFaces(input, opts);
        return { dets, ms: performance.now() - s };
      } finally {
        input.dispose();
      }
    };
    const tiny = await detect(tinyOpts);
    rec('detectTiny', tiny.ms);
    const ssd = await detect(ssdOpts);
    rec('detectSsd', ssd.ms);
    if (timed && tiny.dets.length === 0) tinyMisses++;
    if (timed && ssd.dets.length === 0) ssdMisses++;
    const dets = tiny.dets.length > 0 ? tiny.dets : ssd.dets;
    if (dets.length > 0) {
      const det = dets.reduce((a, b) => (b.box.width * b.box.height > a.box.width * a.box.height ? b : a));
      t = performance.now();
      const input = tf.tensor3d(photo.image.data, [photo.image.height, photo.image.width, 3], 'int32');
      let landmarks: FaceApiLandmarks;
      try {
        const crops = await api.extractFaceTensors(input, [det]);
        try {
          const lm = await api.nets.faceLandmark68Net.detectLandmarks(crops[0]);
          landmarks = (Array.isArray(lm) ? lm[0] : lm).shiftBy(det.box.x, det.box.y);
        } finally {
          crops.forEach((c) => c.dispose());
        }
      } finally {
        input.dispose();
      }
      const landmarksMs = performance.now() - t;
      rec('landmarks', landmarksMs);
      t = performance.now();
      const points = landmarks.positions.map((p) => ({ x: p.x, y: p.y }));
      const toCrop = m.similarity.estimateSimilarity(m.keypoints.fivePoints(points), template);
      const pixels = m.warp.warpSimilarity(photo.image, toCrop, spec.width, spec.height);
      const alignMs = performance.now() - t;
      rec('align', alignMs);
      t = performance.now();
      await embedder.embedInputs([m.normalize.normalizePixels(pixels, spec)]);
      const embedMs = performance.now() - t;
      rec('embed', embedMs);
      rec('stageSum', decodeMs + tiny.ms + (tiny.dets.length > 0 ? 0 : ssd.ms) + landmarksMs + alignMs + embedMs);
    } else if (timed) {
      noFace++;
    }
    // 3. face-api's own pipeline, interleaved with ours unless it runs on a backend of its own (below).
    if (!peerBackend) await peerOne(u8, timed);
    return found;
  };

  for (const p of photos.slice(0, WARMUP_PHOTOS)) await one(p.bytes, false);
  const timedPhotos = photos.slice(WARMUP_PHOTOS);
  let refused = 0;
  for (const [i, p] of timedPhotos.entries()) {
    if (!(await one(p.bytes, true))) refused++;
    if ((i + 1) % 5 === 0 || i === timedPhotos.length - 1) log(`face: ${i + 1}/${timedPhotos.length} photos`);
  }
  const notes: string[] = [];
  if (peerBackend) {
    // face-api on its reference backend, in a pass of its own: its nets are shared with our detector,
    // and switching backends per photo would move their weights back and forth inside the timings.
    const ours = tf.getBackend();
    const loadBefore = os.loadavg()[0];
    await tf.setBackend(peerBackend);
    try {
      for (const p of photos.slice(0, WARMUP_PHOTOS)) await peerOne(new Uint8Array(p.bytes), false);
      for (const p of timedPhotos) await peerOne(new Uint8Array(p.bytes), true);
    } finally {
      await tf.setBackend(ours);
    }
    notes.push(
      `face-api ran on ${peerBackend} in a pass after ours (ours on ${ours}); load average ${loadBefore.toFixed(1)} → ${os.loadavg()[0].toFixed(1)} during its pass`,
    );
    log(`face: face-api pass on ${peerBackend} done`);
  }
  if (refused) notes.push(`face: the real path found no face in ${refused} of ${timedPhotos.length} photos (those are not in "total")`);
  if (noFace) notes.push(`face: neither detector found a face in ${noFace} photos (no landmarks/align/embed samples for them)`);
  if (peer.ssdMisses || peer.tinyMisses) {
    notes.push(`face-api's pipeline found no face in ${peer.ssdMisses} (SSD) / ${peer.tinyMisses} (tiny) photos (not timed)`);
  }
  const leaked = tf.memory().numTensors - tensorsBefore;
  if (leaked > 0) notes.push(`face: ${leaked} tensors more after the run than before (a leak in a measured path)`);
  const stages = summarizeStages(FACE_STAGES, samples);
  const faceApi = {
    version,
    ...summarizeStages(['ssd', 'tiny'] as const, { ssd: peer.ssd, tiny: peer.tiny }),
    ssdMisses: peer.ssdMisses,
    tinyMisses: peer.tinyMisses,
  };
  const p50 = (k: FaceStageName) => stages[k]?.p50Ms.toFixed(1) ?? '—';
  log(
    `face: p50 ms decode ${p50('decode')}, tiny ${p50('detectTiny')}, ssd ${p50('detectSsd')}, landmarks ${p50('landmarks')}, ` +
      `align ${p50('align')}, embed ${p50('embed')}, total ${p50('total')}; face-api ssd ${faceApi.ssd?.p50Ms.toFixed(1) ?? '—'}, tiny ${faceApi.tiny?.p50Ms.toFixed(1) ?? '—'}`,
  );
  return { photos: timedPhotos.length, stages, tinyMisses, ssdMisses, faceApi, notes };
}

async function measureVerify(o: FaceBenchOptions, modelDir: string, log: (msg: string) => void): Promise<NonNullable<FaceReport['http']>> {
  const pairs = loadLfwSamePairs(o.lfwDir, o.verifyRequests + WARMUP_VERIFIES);
  if (pairs.length < 2) return { available: false, reason: `no same-person LFW pairs at ${o.lfwDir}` };
  try {
    return await withBenchServer({ modelDir, cwd: o.cwd, poolSize: o.poolSize }, async ({ post }) => {
      const b64 = pairs.map((p) => ({ a: p.a.toString('base64'), b: p.b.toString('base64') }));
      let matches = 0;
      const verify = (offset: number) => async (i: number) => {
        const p = b64[(offset + i) % b64.length];
        const data = (await post(VERIFY, { a: { base64: p.a }, b: { base64: p.b } })) as { verify: { match: boolean } };
        if (offset > 0 && data.verify.match) matches++;
      };
      // Warm-up: every pool worker loads tfjs, face-api's nets and the model on its first image.
      await runLoad(verify(0), 1, Math.min(WARMUP_VERIFIES, b64.length - 1));
      const offset = Math.min(WARMUP_VERIFIES, b64.length - 1);
      const n = Math.min(o.verifyRequests, b64.length - offset);
      const r = await runLoad(verify(offset), 1, n);
      log(
        `face: verify over HTTP c=1 (pool ${o.poolSize}): p50 ${r.latency?.p50Ms.toFixed(1) ?? '—'} ms, p99 ${r.latency?.p99Ms.toFixed(1) ?? '—'} ms` +
          `${r.errors ? `, ${r.errors} errors (${r.firstError})` : ''} (target p50 ≤ ${FACE_VERIFY_TARGET_P50_MS} ms)`,
      );
      return {
        available: true,
        poolSize: o.poolSize,
        requests: n,
        errors: r.errors,
        firstError: r.firstError,
        matches,
        latency: r.latency,
      };
    });
  } catch (e) {
    return { available: false, reason: (e as Error).message.split('\n')[0] };
  }
}
