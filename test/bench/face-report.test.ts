import {
  FACE_STAGES,
  FACE_VERIFY_TARGET_P50_MS,
  faceRatios,
  faceVerdict,
  renderTable,
  summarizeStages,
  unavailableFace,
  type BenchReport,
  type FaceReport,
} from '../../src/bench/report';
import { summarize } from '../../src/bench/stats';

const s = (...ms: number[]) => summarize(ms);

function reportWith(face: FaceReport): BenchReport {
  return {
    formatVersion: 1,
    startedAt: '2026-01-01T00:00:00.000Z',
    wallSec: 1,
    machine: { cpus: 2, cpuModel: 'test cpu', node: 'v20', loadavgStart: [0, 0, 0], loadavgEnd: [0, 0, 0] },
    parts: ['face'],
    peakGflops: null,
    peak: null,
    seed: null,
    default: null,
    face,
    http: null,
    index: null,
    peer: null,
    ratios: { seedEmbed: null, seedEmbedAllCores: null, seedTrain: null, seedTrainAllCores: null, peak: null },
    notes: [],
  };
}

function measured(verifyP50: number): FaceReport {
  const stages = summarizeStages(FACE_STAGES, {
    decode: [2, 3, 4],
    detectTiny: [40, 42, 44],
    detectSsd: [280, 300, 320],
    landmarks: [14, 15, 16],
    align: [1, 1, 2],
    embed: [30, 31, 32],
    stageSum: [90, 92, 95],
    total: [95, 100, 110],
  });
  const faceApi = { version: '1.7.15', ssd: s(380, 400, 420), tiny: s(90, 100, 120), ssdMisses: 0, tinyMisses: 1 };
  const latency = s(verifyP50 - 10, verifyP50, verifyP50 + 30);
  return {
    available: true,
    model: '/tmp/x/face-resnet29-stand-in',
    modelSource: 'stand-in',
    backend: 'wasm',
    photoSource: '/data/lfw',
    photos: 3,
    stages,
    tinyMisses: 1,
    ssdMisses: 0,
    loadavg: [1.04, 2.5],
    faceApi,
    ratios: faceRatios(stages.total, faceApi),
    http: { available: true, poolSize: 2, requests: 3, errors: 0, matches: 3, latency },
    ...faceVerdict(latency),
    targetP50Ms: FACE_VERIFY_TARGET_P50_MS,
    notes: ['face: a note'],
  };
}

test('stage summaries: one per stage, null where there was no sample', () => {
  const out = summarizeStages(['a', 'b', 'c'] as const, { a: [1, 2, 3, 4], b: [] });
  expect(out.a).toMatchObject({ count: 4, p50Ms: 2.5, minMs: 1, maxMs: 4 });
  expect(out.b).toBeNull();
  expect(out.c).toBeNull();
  expect(Object.keys(summarizeStages(FACE_STAGES, {}))).toEqual([...FACE_STAGES]);
});

test('face ratios are our total p50 over face-api p50 (latency: < 1 means faster), null when a side is missing', () => {
  expect(faceRatios(s(100), { ssd: s(400), tiny: s(80) })).toEqual({ totalVsFaceApiSsd: 0.25, totalVsFaceApiTiny: 1.25 });
  expect(faceRatios(s(100), { ssd: null, tiny: s(50) })).toEqual({ totalVsFaceApiSsd: null, totalVsFaceApiTiny: 2 });
  expect(faceRatios(null, { ssd: s(400), tiny: s(80) })).toEqual({ totalVsFaceApiSsd: null, totalVsFaceApiTiny: null });
  expect(faceRatios(s(100), undefined)).toEqual({ totalVsFaceApiSsd: null, totalVsFaceApiTiny: null });
});

test('the verdict compares the verify p50 with the 150 ms target, inclusive; null when not measured', () => {
  expect(FACE_VERIFY_TARGET_P50_MS).toBe(150);
  expect(faceVerdict(s(100, 150, 400))).toEqual({ verifyP50Ms: 150, verifyP99Ms: expect.any(Number), meetsTarget: true });
  expect(faceVerdict(s(151)).meetsTarget).toBe(false);
  expect(faceVerdict(null)).toEqual({ verifyP50Ms: null, verifyP99Ms: null, meetsTarget: null });
});

test('unavailable face reports keep every key scripts compare', () => {
  const json = JSON.parse(JSON.stringify(unavailableFace('no LFW photos')));
  expect(json).toEqual({
    available: false,
    reason: 'no LFW photos',
    ratios: { totalVsFaceApiSsd: null, totalVsFaceApiTiny: null },
    verifyP50Ms: null,
    verifyP99Ms: null,
    targetP50Ms: 150,
    meetsTarget: null,
    notes: [],
  });
});

test('the table shows the stage split, our total beside face-api, and verify against the target', () => {
  const table = renderTable(reportWith(measured(120)));
  expect(table).toContain('face-resnet29-stand-in (stand-in), 3 LFW photos, wasm, load 1.0 → 2.5');
  expect(table).not.toMatch(/face detect SSD.*misses/);
  for (const label of [
    'face decode + shrink',
    'face detect tiny 320',
    'face detect SSD',
    'face landmarks 68',
    'face align',
    'face embed 1 crop',
    'face stages summed',
  ]) {
    expect(table).toContain(label);
  }
  expect(table).toMatch(/face detect tiny 320, boxes p50 \/ p99 ms +42 \/ [\d.]+ \(1 misses\)/);
  expect(table).toMatch(/face total per photo p50 \/ p99 ms +100 \/ [\d.]+ +face-api 1\.7\.15 SSD 400 \/ [\d.]+ +0\.25×/);
  expect(table).toMatch(/face-api tiny 320 100 \/ [\d.]+ +1×/);
  expect(table).toMatch(/face verify over HTTP c=1 \(pool 2\) p50 \/ p99 ms +120 \/ [\d.]+ +target p50 ≤ 150 ms +met/);
  expect(table).toContain('note: face: a note');
  expect(renderTable(reportWith(measured(200)))).toMatch(/target p50 ≤ 150 ms +missed/);
});

test('a failed HTTP measurement is shown as n/a beside the in-process numbers', () => {
  const r = { ...measured(120), http: { available: false, reason: 'server not available: boom' }, ...faceVerdict(null) };
  const table = renderTable(reportWith(r));
  expect(table).toContain('face total per photo');
  expect(table).toMatch(/face verify over HTTP c=1 +n\/a: server not available: boom +target p50 ≤ 150 ms/);
});
