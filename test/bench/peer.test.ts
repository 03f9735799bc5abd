import * as path from 'node:path';
import { parsePeerOutput, runPeer } from '../../src/bench/peer';

test('parses the three lines the peer prints', () => {
  const out = 'torch 1.13.0a0 threads=2 train pairs/s 15.3\nembed img/s 81.4\nsgemm GFLOP/s 121.0\n';
  expect(parsePeerOutput(out)).toEqual({
    torchVersion: '1.13.0a0',
    threads: 2,
    trainPairsPerSec: 15.3,
    embedImagesPerSec: 81.4,
    sgemmGflops: 121,
  });
});

test('unrecognised output is an error naming what was seen', () => {
  expect(() => parsePeerOutput('Traceback: no module named torch')).toThrow(/unrecognised peer output.*Traceback/);
});

test('a missing script or interpreter is reported, not thrown', async () => {
  await expect(runPeer({ python: '/usr/bin/python3', script: '/nonexistent/peer.py', threads: 2, timeoutMs: 1000 })).resolves.toEqual({
    available: false,
    reason: expect.stringContaining('peer script not found'),
  });
  const script = path.join(__dirname, 'peer.test.ts');
  await expect(runPeer({ python: '/nonexistent/python', script, threads: 2, timeoutMs: 1000 })).resolves.toEqual({
    available: false,
    reason: expect.stringContaining('interpreter not found'),
  });
});

test('a peer that exits with an error is reported with its last stderr line', async () => {
  const r = await runPeer({
    python: process.execPath,
    script: path.join(__dirname, 'fixtures', 'failing-peer.js'),
    threads: 2,
    timeoutMs: 10_000,
  });
  expect(r).toEqual({ available: false, reason: 'peer failed: ModuleNotFoundError: torch' });
});

test('a peer printing the expected lines is parsed, with its wall time', async () => {
  const r = await runPeer({
    python: process.execPath,
    script: path.join(__dirname, 'fixtures', 'fake-peer.js'),
    threads: 3,
    timeoutMs: 10_000,
  });
  expect(r).toMatchObject({ available: true, threads: 3, trainPairsPerSec: 12.5, embedImagesPerSec: 99, sgemmGflops: 50 });
  expect(r.available && r.wallSec).toBeGreaterThan(0);
});
