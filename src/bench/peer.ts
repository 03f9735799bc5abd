import { execFile } from 'node:child_process';
import * as fs from 'node:fs';

/**
 * The PyTorch peer, ../shared/peers/torch_seed_speed.py: the classic tutorial
 * Siamese network (conv64-3, pool, conv128-3, pool, fc512 on 100×100×1),
 * contrastive loss (margin 2), Adam, batch 64 pairs, 6 timed steps after 2
 * warm-up steps; embedding of 256 images twice; a 2048² sgemm five times.
 * Its output is three lines:
 *
 *   torch 1.13.0a0 threads=2 train pairs/s 15.3
 *   embed img/s 81.4
 *   sgemm GFLOP/s 121.0
 */
export interface PeerNumbers {
  available: true;
  torchVersion: string;
  threads: number;
  trainPairsPerSec: number;
  embedImagesPerSec: number;
  sgemmGflops: number;
  wallSec: number;
}

export interface PeerMissing {
  available: false;
  reason: string;
}

export type PeerResult = PeerNumbers | PeerMissing;

export function parsePeerOutput(stdout: string): Omit<PeerNumbers, 'available' | 'wallSec'> {
  const train = /torch\s+(\S+)\s+threads=(\d+)\s+train pairs\/s\s+([\d.]+)/.exec(stdout);
  const embed = /embed img\/s\s+([\d.]+)/.exec(stdout);
  const sgemm = /sgemm GFLOP\/s\s+([\d.]+)/.exec(stdout);
  if (!train || !embed || !sgemm) {
    throw new Error(`unrecognised peer output: ${JSON.stringify(stdout.slice(0, 300))}`);
  }
  return {
    torchVersion: train[1],
    threads: Number(train[2]),
    trainPairsPerSec: Number(train[3]),
    embedImagesPerSec: Number(embed[1]),
    sgemmGflops: Number(sgemm[1]),
  };
}

export interface PeerOptions {
  python: string;
  script: string;
  threads: number;
  timeoutMs: number;
}

/** Runs the peer; never throws: a missing interpreter, torch or script becomes `available: false`. */
export function runPeer(opts: PeerOptions): Promise<PeerResult> {
  if (!fs.existsSync(opts.script)) return Promise.resolve({ available: false, reason: `peer script not found: ${opts.script}` });
  if (!fs.existsSync(opts.python)) return Promise.resolve({ available: false, reason: `peer interpreter not found: ${opts.python}` });
  const start = performance.now();
  return new Promise((resolve) => {
    execFile(opts.python, [opts.script, String(opts.threads)], { timeout: opts.timeoutMs, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const why = (err as NodeJS.ErrnoException & { killed?: boolean }).killed
          ? `timed out after ${opts.timeoutMs / 1000}s`
          : (stderr.trim().split('\n').pop() ?? err.message);
        resolve({ available: false, reason: `peer failed: ${why}` });
        return;
      }
      try {
        resolve({ available: true, ...parsePeerOutput(stdout), wallSec: (performance.now() - start) / 1000 });
      } catch (e) {
        resolve({ available: false, reason: (e as Error).message });
      }
    });
  });
}
