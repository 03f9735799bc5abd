import { computeRatios, renderTable, type BenchReport, type SeedReport } from '../../src/bench/report';
import { runBench } from '../../src/bench/run-bench';
import { parseBenchArgs, type BenchOptions } from '../../src/bench/bench-args';

const quiet = () => undefined;

async function runWithoutModel(): Promise<BenchReport> {
  const o = parseBenchArgs(['--only', 'default,http', '--no-peer'], process.cwd()) as BenchOptions;
  return runBench(o, { cwd: process.cwd(), modelDir: undefined, orlDir: '/nonexistent', lfwDir: '/nonexistent' }, quiet);
}

test('the JSON report always carries the keys issue 6 names, null when not measured', async () => {
  const r = await runWithoutModel();
  const json = JSON.parse(JSON.stringify(r));
  expect(json).toHaveProperty('peakGflops', null);
  expect(json).toHaveProperty('seed', null);
  expect(json).toHaveProperty('index', null);
  expect(json).toHaveProperty('face', null);
  expect(json.default).toMatchObject({ available: false, embedImagesPerSec: null, reason: expect.stringContaining('no default model') });
  expect(json.http).toMatchObject({
    available: false,
    verifyP50Ms: null,
    verifyP99Ms: null,
    reason: expect.stringContaining('server not available'),
  });
  expect(json.parts).toEqual(['default', 'http']);
  expect(json.ratios).toEqual({ seedEmbed: null, seedEmbedAllCores: null, seedTrain: null, seedTrainAllCores: null, peak: null });
  expect(json.machine.cpus).toBeGreaterThan(0);
  expect(json.machine.loadavgEnd).toHaveLength(3);
});

test('the table says what was not available instead of inventing numbers', async () => {
  const table = renderTable(await runWithoutModel());
  expect(table).toContain('default model embed img/s (1 instance)');
  expect(table).toContain('n/a: no default model');
  expect(table).toContain('n/a: server not available');
  expect(table).toContain('peer: not run');
});

test('ratios are ours ÷ peer, and null when the peer is missing', () => {
  const seed = {
    embedImagesPerSec: 120,
    trainPairsPerSec: 15,
    instances: { count: 2, embedImagesPerSec: 200, trainPairsPerSec: 24 },
  } as SeedReport;
  const peer = {
    available: true as const,
    torchVersion: 'x',
    threads: 2,
    trainPairsPerSec: 30,
    embedImagesPerSec: 80,
    sgemmGflops: 100,
    wallSec: 1,
  };
  expect(computeRatios({ seed, peer, peakGflops: 25 })).toEqual({
    seedEmbed: 1.5,
    seedEmbedAllCores: 2.5,
    seedTrain: 0.5,
    seedTrainAllCores: 0.8,
    peak: 0.25,
  });
  expect(computeRatios({ seed, peer: { available: false, reason: 'no torch' }, peakGflops: 25 })).toEqual({
    seedEmbed: null,
    seedEmbedAllCores: null,
    seedTrain: null,
    seedTrainAllCores: null,
    peak: null,
  });
});

test('the face part without LFW photos is reported unavailable, with its keys, and the table says so', async () => {
  const o = parseBenchArgs(['--only', 'face', '--no-peer'], process.cwd()) as BenchOptions;
  const r = await runBench(o, { cwd: process.cwd(), modelDir: undefined, orlDir: '/nonexistent', lfwDir: '/nonexistent' }, quiet);
  const json = JSON.parse(JSON.stringify(r));
  expect(json.parts).toEqual(['face']);
  expect(json.face).toMatchObject({
    available: false,
    reason: expect.stringContaining('no LFW photos'),
    verifyP50Ms: null,
    verifyP99Ms: null,
    targetP50Ms: 150,
    meetsTarget: null,
    ratios: { totalVsFaceApiSsd: null, totalVsFaceApiTiny: null },
  });
  expect(json.default).toBeNull();
  expect(renderTable(r)).toContain('n/a: no LFW photos');
});
