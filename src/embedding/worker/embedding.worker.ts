import { parentPort } from 'worker_threads';
import { initBackend, isBackendPreference } from '../backend';
import { Embedder } from '../embedder';
import type { FaceInfo } from '../faces/face.types';
import { assertAcceptedEncoding } from '../preprocess/decode-image';
import { preprocessImage } from '../preprocess/preprocess-image';
import { type FromWorker, type ItemResult, type ToWorker, type WorkItem, serializeError } from './protocol';

/**
 * One embedding worker thread: its own tfjs engine and wasm instance, one
 * Embedder. Each job is a batch assembled by EmbeddingPool from possibly
 * several requests: every item is preprocessed on its own (preprocessImage:
 * decode, and the face stage when the card has one; a bad or faceless image
 * fails only its item), the good ones go through the encoder together.
 * 'detect' items only run the face stage's detector (this thread's face-api).
 */
let embedder: Embedder | undefined;

function post(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(msg, transfer);
}

async function runJob(id: number, items: WorkItem[]): Promise<void> {
  const e = embedder!;
  const results: ItemResult[] = new Array(items.length);
  const inputs: Float32Array[] = [];
  const faces: Array<FaceInfo | undefined> = [];
  const slots: number[] = [];
  await Promise.all(
    items.map(async (item, i) => {
      try {
        if (item.kind === 'detect') {
          // Same format gate as embedding (preprocessImage): detection decodes the photo too.
          assertAcceptedEncoding(item.bytes, item.limits);
          results[i] = { ok: true, faces: await e.detectFaces(item.bytes, item.limits) };
          return;
        }
        let x: Float32Array;
        if (item.kind === 'image') {
          const prepared = await preprocessImage(item.bytes, e.card.preprocessing, item.limits);
          x = prepared.input;
          faces[i] = prepared.face;
        } else x = item.data;
        if (x.length !== e.inputSize) throw new Error(`input has ${x.length} values; the model takes ${e.inputSize}`);
        inputs[i] = x;
      } catch (err) {
        results[i] = { ok: false, error: serializeError(err) };
      }
    }),
  );
  const batch: Float32Array[] = [];
  inputs.forEach((x, i) => {
    if (x && !results[i]) {
      batch.push(x);
      slots.push(i);
    }
  });
  const vectors = await e.embedInputs(batch);
  vectors.forEach((v, k) => {
    const face = faces[slots[k]];
    results[slots[k]] = face ? { ok: true, vector: v, face } : { ok: true, vector: v };
  });
  post(
    { type: 'result', id, results },
    vectors.map((v) => v.buffer as ArrayBuffer),
  );
}

parentPort!.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'init':
      (async () => {
        if (!isBackendPreference(msg.backend)) throw new Error(`unknown backend '${msg.backend}'`);
        const backend = await initBackend(msg.backend);
        embedder = await Embedder.fromDir(msg.modelDir, { maxBatch: msg.maxBatch });
        post({ type: 'ready', card: embedder.card, backend });
      })().catch((err: unknown) => post({ type: 'init-error', error: serializeError(err) }));
      break;
    case 'job':
      runJob(msg.id, msg.items).catch((err: unknown) => post({ type: 'job-error', id: msg.id, error: serializeError(err) }));
      break;
    case 'close':
      embedder?.dispose();
      embedder = undefined;
      parentPort!.close();
      break;
  }
});
