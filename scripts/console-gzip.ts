import { gzipSync } from 'zlib';

/** Gzip size (level 9) of a file's bytes: what a compressing proxy would send. */
export function zlibSync(bytes: Uint8Array): number {
  return gzipSync(bytes, { level: 9 }).length;
}
