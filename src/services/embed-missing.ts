/**
 * The one "embed what is missing" loop: every enrolled image without a vector for a model
 * version is embedded, in chunks, and each chunk is stored before the next is read, so
 * "missing" stays accurate and an interrupted pass (a crash, a cancelled run) resumes where
 * it stopped instead of starting over. Used when an index opens or catches up
 * (index-lifecycle.service.ts), when a training run re-embeds with its new model
 * (retraining/training-job.ts, which stores through its parent process), and for a companion
 * encoder's vectors in the background (companion-warmer.ts, reading with a cursor).
 *
 * One stored image that cannot be embedded (corrupt bytes, no face) never stops the others:
 * its chunk is retried image by image and the bad one is skipped for the rest of the pass.
 */
import type { EmbedderPort } from './serving-model';
import type { ServiceStore } from './store.port';

export interface EmbeddedItem {
  imageId: string;
  vector: Float32Array;
}

export interface EmbedMissingPass {
  version: string;
  /** Where the missing images are read from. */
  source: Pick<ServiceStore, 'imagesMissingEmbedding'>;
  embedder: Pick<EmbedderPort, 'embedImages'>;
  /** Stores one chunk of vectors; resolves once committed (the next read must not see them as missing). */
  save(items: EmbeddedItem[]): Promise<unknown>;
  /** Images per chunk (at least 1). */
  chunk: number;
  /** Before each chunk and after the last: throws to stop the pass (CancelledError). */
  checkpoint?(): void;
  /** After each chunk, with the vectors stored by this pass so far (progress, pacing). */
  afterChunk?(storedSoFar: number): void | Promise<void>;
  /** An image skipped for the rest of the pass. */
  onSkipped?(imageId: string, error: Error): void;
  /**
   * Read each chunk after the last image id read so far (the source's `afterId`): one pass then reads every image
   * once, where re-reading "missing" from the start costs a scan of the skipped and stored ones per chunk.
   */
  cursor?: boolean;
  /** Images not to embed (kept by the caller across passes); the pass adds the ones it skips. */
  skipped?: Set<string>;
}

/** Runs the pass; returns how many vectors it stored. */
export async function embedMissing(pass: EmbedMissingPass): Promise<number> {
  const chunk = Math.max(1, pass.chunk);
  const skipped = pass.skipped ?? new Set<string>();
  let stored = 0;
  let after: string | null = null;
  for (;;) {
    pass.checkpoint?.();
    let batch;
    if (pass.cursor) {
      const read = await pass.source.imagesMissingEmbedding(pass.version, chunk, after);
      if (read.length === 0) break;
      after = read[read.length - 1].id;
      batch = read.filter((b) => !skipped.has(b.id));
      if (batch.length === 0) continue;
    } else {
      // Ask for enough rows that the skipped ones cannot fill the whole answer.
      batch = (await pass.source.imagesMissingEmbedding(pass.version, chunk + skipped.size))
        .filter((b) => !skipped.has(b.id))
        .slice(0, chunk);
      if (batch.length === 0) break;
    }
    const ok: EmbeddedItem[] = [];
    try {
      const vectors = await pass.embedder.embedImages(batch.map((b) => b.bytes));
      batch.forEach((b, i) => ok.push({ imageId: b.id, vector: vectors[i] }));
    } catch {
      for (const b of batch) {
        try {
          const [v] = await pass.embedder.embedImages([b.bytes]);
          ok.push({ imageId: b.id, vector: v });
        } catch (e) {
          skipped.add(b.id);
          pass.onSkipped?.(b.id, e as Error);
        }
      }
    }
    if (ok.length > 0) await pass.save(ok);
    stored += ok.length;
    await pass.afterChunk?.(stored);
  }
  pass.checkpoint?.();
  return stored;
}
