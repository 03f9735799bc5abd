import { createHash, randomBytes } from 'crypto';
import { promises as fs } from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { modelCardProblems, type ModelCard } from './model-card';
import { DomainError, ErrorCode } from '../errors';
import { validatePreprocessSpec } from './preprocess/normalize';
import './layers';

/**
 * The model directory: `model.json` (tfjs LayersModel topology + weights
 * manifest), `weights.bin`, `model-card.json`, plus extra files (`roc.svg`).
 *
 * Plain @tensorflow/tfjs has no file:// handler in Node (that lives in
 * tfjs-node, which we cannot require), so saving and loading go through
 * in-memory IOHandlers and this module does the file work itself.
 *
 * Writes are atomic at directory level: everything is written into a temp
 * sibling directory, each file fsync'ed, then renamed over the target (an
 * existing directory is first renamed aside and removed after the swap), so a
 * reader sees either the old model or the new one, never a mix.
 */
export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';
export const CARD_FILE = 'model-card.json';

export function fingerprintWeights(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Saves model + card (+ extra files). Fills `fingerprint` (sha256 of weights) and, if blank, `version`. */
export async function saveModelDir(
  dir: string,
  model: tf.LayersModel,
  card: ModelCard,
  extraFiles: Record<string, string | Uint8Array> = {},
): Promise<ModelCard> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!artifacts?.modelTopology || !artifacts.weightSpecs) throw new Error('the model produced no artifacts to save');
  const weights = weightBytes(artifacts.weightData);
  const fingerprint = fingerprintWeights(weights);
  const saved: ModelCard = { ...card, fingerprint, version: card.version || fingerprint.slice(0, 12) };
  const modelJson = {
    format: 'layers-model',
    generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs }],
  };

  const files: Record<string, string | Uint8Array> = {
    ...extraFiles,
    [MODEL_FILE]: JSON.stringify(modelJson),
    [WEIGHTS_FILE]: weights,
    [CARD_FILE]: JSON.stringify(saved, null, 2) + '\n',
  };
  for (const name of Object.keys(files)) {
    if (name !== path.basename(name) || name.startsWith('.')) throw new Error(`extra file name '${name}' must be a plain file name`);
  }
  await writeDirAtomically(dir, files);
  return saved;
}

export async function loadModelDir(dir: string): Promise<{ model: tf.LayersModel; card: ModelCard }> {
  const card = await readModelCard(dir);
  const modelJson = await readJson<{
    modelTopology?: unknown;
    weightsManifest?: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  }>(dir, MODEL_FILE);
  if (!modelJson.modelTopology || !Array.isArray(modelJson.weightsManifest)) {
    throw incompatible(dir, `${MODEL_FILE} is not a tfjs layers model (no modelTopology/weightsManifest)`);
  }
  const weightSpecs = modelJson.weightsManifest.flatMap((g) => g.weights);
  const chunks: Uint8Array[] = [];
  for (const group of modelJson.weightsManifest) {
    for (const p of group.paths) {
      if (p !== path.basename(p)) throw incompatible(dir, `weights path '${p}' leaves the model directory`);
      chunks.push(await readFile(dir, p));
    }
  }
  const weights = concat(chunks);
  const expected = weightSpecs.reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1) * bytesPer(s.dtype), 0);
  if (weights.byteLength !== expected) {
    throw incompatible(dir, `weights are ${weights.byteLength} bytes; the manifest describes ${expected}`);
  }
  const fingerprint = fingerprintWeights(weights);
  if (card.fingerprint && card.fingerprint !== fingerprint) {
    throw incompatible(dir, `weights fingerprint ${fingerprint.slice(0, 12)} does not match the card's ${card.fingerprint.slice(0, 12)}`);
  }
  let model: tf.LayersModel;
  try {
    const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
    model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology as object, weightSpecs, weightData }));
  } catch (e) {
    throw incompatible(dir, `the model could not be built: ${(e as Error).message}`);
  }
  const inputProblem = inputShapeProblem(model, card);
  if (inputProblem) {
    model.dispose();
    throw incompatible(dir, inputProblem);
  }
  const out = model.outputs[0]?.shape;
  if (model.outputs.length !== 1 || !out || out[out.length - 1] !== card.architecture.embeddingDim) {
    model.dispose();
    throw incompatible(dir, `model output ${JSON.stringify(out)} does not match embeddingDim ${card.architecture.embeddingDim}`);
  }
  return { model, card: { ...card, fingerprint } };
}

/** Reads and checks `model-card.json` alone (cheap: no weights). */
export async function readModelCard(dir: string): Promise<ModelCard> {
  const card = await readJson<ModelCard>(dir, CARD_FILE);
  if (card?.formatVersion !== 1) throw incompatible(dir, `${CARD_FILE} has formatVersion ${String(card?.formatVersion)}; expected 1`);
  if (!card.architecture || !card.preprocessing || !card.metric)
    throw incompatible(dir, `${CARD_FILE} lacks architecture, preprocessing or metric`);
  try {
    validatePreprocessSpec(card.preprocessing);
  } catch (e) {
    throw incompatible(dir, `${CARD_FILE} preprocessing: ${(e as Error).message}`);
  }
  const problems = modelCardProblems(card);
  if (problems.length > 0) throw incompatible(dir, `${CARD_FILE}: ${problems.join('; ')}`);
  return card;
}

/**
 * The card's preprocessing must produce what the weights take: a card saying 40×40 for a
 * model built for 32×32 would load, then fail every embedding. A dimension the model
 * leaves open (null: fully convolutional) accepts any size.
 */
function inputShapeProblem(model: tf.LayersModel, card: ModelCard): string | undefined {
  const shape = model.inputs.length === 1 ? model.inputs[0].shape : undefined;
  const { height, width, channels } = card.preprocessing;
  const expected = [null, height, width, channels];
  const fits = shape !== undefined && shape.length === 4 && shape.every((d, i) => i === 0 || d === null || d === expected[i]);
  return fits
    ? undefined
    : `${MODEL_FILE} takes input ${JSON.stringify(shape ?? model.inputs.map((i) => i.shape))}; the card's preprocessing gives [null,${height},${width},${channels}] (height, width, channels)`;
}

async function readFile(dir: string, name: string): Promise<Uint8Array> {
  try {
    return await fs.readFile(path.join(dir, name));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw incompatible(dir, code === 'ENOENT' ? `${name} is missing` : `${name} cannot be read (${code ?? (e as Error).message})`);
  }
}

async function readJson<T>(dir: string, name: string): Promise<T> {
  const bytes = await readFile(dir, name);
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
  } catch (e) {
    throw incompatible(dir, `${name} is not valid JSON (${(e as Error).message})`);
  }
}

function incompatible(dir: string, why: string): DomainError {
  return new DomainError(ErrorCode.MODEL_INCOMPATIBLE, `model directory ${dir}: ${why}`, { dir });
}

function bytesPer(dtype: string): number {
  return dtype === 'float32' || dtype === 'int32' ? 4 : dtype === 'bool' || dtype === 'uint8' ? 1 : dtype === 'float16' ? 2 : 4;
}

function weightBytes(data: tf.io.WeightData | undefined): Uint8Array {
  if (!data) return new Uint8Array(0);
  const buffer = Array.isArray(data) ? tf.io.CompositeArrayBuffer.join(data) : data;
  return new Uint8Array(buffer);
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.byteLength;
  }
  return out;
}

/** Writes files into a fresh temp sibling of `dir`, fsyncs them, then swaps it into place. */
export async function writeDirAtomically(dir: string, files: Record<string, string | Uint8Array>): Promise<void> {
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  await fs.mkdir(parent, { recursive: true });
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = path.join(parent, `.${path.basename(target)}.tmp-${tag}`);
  const old = path.join(parent, `.${path.basename(target)}.old-${tag}`);
  await fs.mkdir(tmp);
  try {
    for (const [name, content] of Object.entries(files)) {
      const fh = await fs.open(path.join(tmp, name), 'w');
      try {
        await fh.writeFile(content);
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
    await fsyncDir(tmp);
    let movedAside = false;
    try {
      await fs.rename(target, old);
      movedAside = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    try {
      await fs.rename(tmp, target);
    } catch (e) {
      if (movedAside) await fs.rename(old, target).catch(() => undefined);
      throw e;
    }
    await fsyncDir(parent);
    if (movedAside) await fs.rm(old, { recursive: true, force: true });
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw e;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  // Directory fsync persists the renames; not supported on every platform (e.g. Windows), where it is skipped.
  let fh: fs.FileHandle | undefined;
  try {
    fh = await fs.open(dir, 'r');
    await fh.sync();
  } catch {
    // best effort
  } finally {
    await fh?.close();
  }
}
